"""How far a returned array is from its reference, and how far it may be: the one place where
the normwise error, the tolerances and the severities of a problem are written.

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
# T = 6, D = 7, H = 6: draw_sizes moves N or D up by one where it equals H). A weight gradient
# sums about K = N * T * (D + H) products, and the round-off of a sum of K terms grows like
# sqrt(K) times the unit round-off; so at larger sizes (rnn-gradcheck --size) the tolerance
# grows with sqrt(K / SMALL_TERMS), SMALL_TERMS being K at the largest random case, where
# nothing changes.
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
    return float(np.max(np.abs(got - want))) / normwise_scale(want)


def normwise_scale(want):
    """max(1, max |want|): what an error is divided by."""
    return max(1.0, float(np.max(np.abs(np.asarray(want, dtype=np.float64)), initial=0.0)))


def wrong_entries(got, want, tolerance):
    """A boolean mask of the entries whose error exceeds the tolerance (same scale as above)."""
    got64, want64 = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return np.abs(got64 - want64) > tolerance * normwise_scale(want64)


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
    kind: str           # shape | dtype | nan or inf | value | count | type | mutation
                        # | nondeterministic
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
