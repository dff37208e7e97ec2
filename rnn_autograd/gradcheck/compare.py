"""Compare one returned array with its reference: type, shape, dtype, finiteness, values.

The error and the tolerances are in errors.py, the names of what is wrong in patterns.py.
"""
import numpy as np

from rnn_autograd.gradcheck.errors import WARNING, Problem, normwise_error
from rnn_autograd.gradcheck.patterns import value_pattern


def _as_array(value):
    """Accept numpy arrays and numpy/Python scalars; None for anything else."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        return np.asarray(value)
    return None


def compare(name, got, want, expected_dtype, tolerance, sizes, dims_text=""):
    """Compare a returned value with the reference; return (error, list of Problems).

    Checks, in order: it is an array (or a scalar where a scalar is expected), exact shape,
    exact dtype, finite, then values within `tolerance` (normwise error). A float64 result for
    float32 inputs is a warning, and its values are still compared (at the float32 tolerance).
    """
    want = np.asarray(want)
    array = _as_array(got)
    if array is None:
        type_name = getattr(got, "type_name", type(got).__name__)
        return float("nan"), [Problem("type", name, f"{name} is a {type_name}; expected a "
                                      f"numpy array of shape {want.shape}")]
    if array.shape != want.shape:
        message = f"{name} has shape {array.shape}; expected {want.shape}{dims_text}"
        pattern = "shape"
        if array.ndim == 2 and array.shape == want.shape[::-1] \
                and normwise_error(array.T, want) <= tolerance:
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
            return float("nan"), [Problem("dtype", name, f"{name} has dtype {array.dtype}; "
                                          f"expected {np.dtype(expected_dtype)}",
                                          pattern="dtype")]
    if array.dtype.kind not in "fiu":
        return float("nan"), [Problem("type", name,
                                      f"{name} has dtype {array.dtype}; expected floats")]
    finite_expected = np.isfinite(want)
    if np.any(~np.isfinite(array) & finite_expected):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array) & finite_expected)[0])
        return float("nan"), problems + [Problem(
            "nan or inf", name, f"{name} holds {array[where]} at index {where} where "
            f"{float(want[where]):.6g} is expected (overflow? exp of a large number, log of 0, "
            "0/0)",
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
