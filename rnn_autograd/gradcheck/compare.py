"""Compare one returned array with its reference, and name what is wrong with it.

The error of an array is normwise: max |got - want| / max(1, max |want|), so it reads as a
relative error for arrays of size > 1 and as an absolute error for arrays near zero.
"""
from dataclasses import dataclass

import numpy as np

# float64: a correct implementation differs from autograd by rounding only, about 1e-15 at the
# moderate input scales the cases use (worst seen over thousands of cases: below 1e-13). A
# float32 cast anywhere inside a float64 computation leaves errors near 1e-8, so 1e-10 flags it
# with a margin of 100 on both sides.
FLOAT64_TOLERANCE = 1e-10
# float32: rounding of about 6e-8 per operation, compounded over at most a few dozen operations
# per element at these sizes (worst seen: about 2e-6); 1e-4 still flags every real bug.
FLOAT32_TOLERANCE = 1e-4
# Errors between the float64 tolerance and this look like float32 rounding, not like a bug in
# the math: they are reported as a loss of precision.
PRECISION_LOSS_CEILING = 1e-5


# The tolerances above hold with a margin of 100 at the random cases' sizes (at most N = 7,
# T = 6, D = 7, H = 6: draw_sizes moves N or D up by one where it equals H). A weight gradient sums about K = N * T * (D + H) products, and the round-off of a sum
# of K terms grows like sqrt(K) times the unit round-off; so at larger sizes (rnn-gradcheck
# --size) the tolerance grows with sqrt(K / SMALL_TERMS), SMALL_TERMS being K at the largest
# random case, where nothing changes.
SMALL_TERMS = 7 * 6 * (7 + 6)


def summed_terms(sizes):
    """K = N * T * (D + H): about how many products one weight gradient adds up."""
    return sizes.get("N", 1) * sizes.get("T", 1) * (sizes.get("D", 1) + sizes.get("H", 1))


def tolerance_for(dtype, sizes=None):
    """The normwise tolerance of a case: by dtype, grown with sqrt(K) beyond the random sizes."""
    base = FLOAT32_TOLERANCE if np.dtype(dtype) == np.float32 else FLOAT64_TOLERANCE
    growth = max(1.0, float(np.sqrt(summed_terms(sizes) / SMALL_TERMS))) if sizes else 1.0
    return base * growth


def normwise_error(got, want):
    """max |got - want| / max(1, max |want|): relative for large arrays, absolute near zero."""
    want = np.asarray(want, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if want.size == 0:
        return 0.0
    scale = max(1.0, float(np.max(np.abs(want))))
    return float(np.max(np.abs(got - want))) / scale


# Severities of a problem. A failure: the math is wrong for the course's contract (wrong float64
# values, shape or dtype, NaN where the answer is finite, a wrong answer on a fresh forward ->
# backward pair). A warning: the math is right, but float32 inputs do not give float32 results,
# or the function writes into what it was given, or a second call on the same cache differs, or
# it is unstable only for inputs far outside the course's range.
FAILURE = "failure"
WARNING = "warning"


@dataclass
class Problem:
    """One thing wrong with one returned value in one case."""
    kind: str           # shape | dtype | nan or inf | value | count | type | mutation | nondeterministic
    array: str | None   # the returned value it concerns: "next_h", "dWx", ...
    message: str
    error: float = float("nan")
    pattern: str | None = None
    severity: str = FAILURE
    location: str | None = None  # file:line in the implementation (an in-place write, a raise)

    @property
    def is_failure(self):
        return self.severity == FAILURE


def failures(problems):
    """The problems that make a case fail (not the warnings)."""
    return [problem for problem in problems if problem.is_failure]


def _as_array(value):
    """Accept numpy arrays and numpy/Python scalars; None for anything else."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        return np.asarray(value)
    return None


def fit_factor(got, want):
    """Least-squares c with got ~ c * want, and the normwise error left after scaling."""
    want64 = np.asarray(want, dtype=np.float64)
    denominator = float(np.sum(want64 * want64))
    if denominator == 0.0:
        return None, float("inf")
    factor = float(np.sum(np.asarray(got, dtype=np.float64) * want64)) / denominator
    return factor, normwise_error(got, factor * want64)


def _name_factor(factor, sizes):
    """'1/N' for factor 1/3 when N = 3, and so on; '' when no simple name fits."""
    candidates = {}
    for letter in ("N", "T", "H", "D", "V", "M"):
        size = sizes.get(letter)
        if size and size > 1:
            candidates.setdefault(f"{letter}", float(size))
            candidates.setdefault(f"1/{letter}", 1.0 / size)
    if sizes.get("N", 1) > 1 and sizes.get("T", 1) > 1:
        candidates["1/(N*T)"] = 1.0 / (sizes["N"] * sizes["T"])
        candidates["N*T"] = float(sizes["N"] * sizes["T"])
    candidates.update({"2": 2.0, "1/2": 0.5})
    for name, value in candidates.items():
        if abs(factor - value) <= 1e-6 * abs(value):
            return name
    return ""


def value_pattern(got, want, tolerance, sizes):
    """Name a simple pattern in a wrong array of the right shape, with a sentence; or (None, '')."""
    got64 = np.asarray(got, dtype=np.float64)
    want64 = np.asarray(want, dtype=np.float64)
    if np.all(got64 == 0) and np.any(want64 != 0):
        return "zero", "it is all zeros"
    several = np.count_nonzero(want64) >= 2  # with one number, any wrong value "fits" a factor
    if several and normwise_error(got64, -want64) <= tolerance:
        return "sign flipped", "it has the opposite sign everywhere (a sign error)"
    factor, residual = fit_factor(got64, want64)
    if several and factor is not None and residual <= tolerance and abs(factor - 1) > 1e-6:
        name = _name_factor(factor, sizes)
        named = f" = {name}" if name else ""
        return "constant factor", f"it is {factor:.6g}{named} times the expected values"
    if got64.ndim == 2 and got64.shape[0] == got64.shape[1] > 1 and normwise_error(got64.T, want64) <= tolerance:
        return "transposed", "it is the transpose of the expected matrix"
    wrong = np.abs(got64 - want64) > tolerance * max(1.0, float(np.max(np.abs(want64))))
    if np.any(wrong) and np.all(got64[wrong] == 0):
        return "zero", f"it is zero at {int(wrong.sum())} of {wrong.size} entries where it should not be"
    error = normwise_error(got64, want64)
    if tolerance < error <= PRECISION_LOSS_CEILING and tolerance < FLOAT32_TOLERANCE:
        return "precision", (f"the error {error:.1e} is the size of float32 rounding: a float32 "
                             "value or cast inside this float64 computation loses digits")
    return None, ""


def compare(name, got, want, expected_dtype, tolerance, sizes, dims_text=""):
    """Compare a returned value with the reference; return (error, list of Problems).

    Checks, in order: it is an array (or a scalar where a scalar is expected), exact shape,
    exact dtype, finite, then values within `tolerance` (normwise error). A float64 result for
    float32 inputs is a warning, and its values are still compared (at the float32 tolerance).
    """
    want = np.asarray(want)
    array = _as_array(got)
    if array is None:
        return float("nan"), [Problem("type", name, f"{name} is a "
                                      f"{getattr(got, 'type_name', type(got).__name__)}; expected a "
                                      f"numpy array of shape {want.shape}")]
    if array.shape != want.shape:
        message = f"{name} has shape {array.shape}; expected {want.shape}{dims_text}"
        pattern = "shape"
        if array.ndim == 2 and array.shape == want.shape[::-1] and normwise_error(array.T, want) <= tolerance:
            message += "; its transpose has the right values"
            pattern = "transposed"
        return float("nan"), [Problem("shape", name, message, pattern=pattern)]
    problems = []
    if want.ndim > 0 and array.dtype != np.dtype(expected_dtype):
        if np.dtype(expected_dtype) == np.float32 and array.dtype == np.float64:
            problems.append(Problem(
                "dtype", name, f"{name} is float64 for float32 inputs: a buffer made with "
                "np.zeros(shape) is float64 by default, pass dtype=x.dtype (np.zeros_like(x) keeps "
                "it). The course checks float64 only, so this is a warning", pattern="dtype",
                severity=WARNING))
        else:
            return float("nan"), [Problem("dtype", name, f"{name} has dtype {array.dtype}; expected "
                                          f"{np.dtype(expected_dtype)}", pattern="dtype")]
    if array.dtype.kind not in "fiu":
        return float("nan"), [Problem("type", name, f"{name} has dtype {array.dtype}; expected floats")]
    finite_expected = np.isfinite(want)
    if np.any(~np.isfinite(array) & finite_expected):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array) & finite_expected)[0])
        return float("nan"), problems + [Problem(
            "nan or inf", name, f"{name} holds {array[where]} at index {where} where "
            f"{float(want[where]):.6g} is expected (overflow? exp of a large number, log of 0, 0/0)",
            pattern="nan or inf")]
    error = normwise_error(array, want)
    if error <= tolerance:
        return error, problems
    where = np.unravel_index(int(np.argmax(np.abs(array.astype(np.float64) - want))), want.shape)
    where = tuple(int(i) for i in where)
    at = f"[{', '.join(map(str, where))}]" if where else ""
    pattern, sentence = value_pattern(array, want, tolerance, sizes)
    message = (f"{name} is wrong: error {error:.2e} > tolerance {tolerance:.0e}; worst at "
               f"{name}{at}: expected {float(want[where]):.6g}, got {float(array[where]):.6g}")
    if sentence:
        message += f"; {sentence}"
    return error, problems + [Problem("value", name, message, error, pattern)]
