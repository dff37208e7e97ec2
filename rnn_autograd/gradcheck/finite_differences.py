"""Which side is wrong: central finite differences of the reference forward, along a few random
directions, against the implementation's gradient and against autograd's.

A full finite-difference gradient costs one forward per input entry (218x one autograd gradient
at the medium size), so the checker only projects on random directions.
"""
import numpy as np

from rnn_autograd.gradcheck.errors import tolerance_for

# Central differences in float64 with a step of 1e-6 on values of order 1: truncation error
# about 1e-12, rounding error about 1e-16 / 1e-6 = 1e-10 times the scale of the loss. 1e-6 leaves
# a margin of 100 and still separates a wrong gradient (errors of order 1e-2 and more).
FINITE_DIFFERENCE_STEP = 1e-6
FINITE_DIFFERENCE_TOLERANCE = 1e-6
FINITE_DIFFERENCE_DIRECTIONS = 3


def finite_difference_verdict(reference, arg_name, got, want, rng):
    """Which side agrees with central differences of the reference forward along random
    directions."""
    inputs = reference.inputs
    base = inputs[arg_name]
    got = np.asarray(got, dtype=np.float64)
    errors_got, errors_want = [], []
    for _ in range(FINITE_DIFFERENCE_DIRECTIONS):
        direction = rng.standard_normal(base.shape)
        direction /= max(np.linalg.norm(direction), 1e-300)
        step = FINITE_DIFFERENCE_STEP * direction
        plus = reference.scalar(dict(inputs, **{arg_name: base + step}), reference.upstream,
                                numpy=np)
        minus = reference.scalar(dict(inputs, **{arg_name: base - step}), reference.upstream,
                                 numpy=np)
        numeric = (float(plus) - float(minus)) / (2 * FINITE_DIFFERENCE_STEP)
        scale = max(1.0, abs(numeric))
        errors_got.append(abs(float(np.sum(got * direction)) - numeric) / scale)
        errors_want.append(abs(float(np.sum(want * direction)) - numeric) / scale)
    return max(errors_got), max(errors_want)


def describe_side(arg_name, got_error, want_error):
    if want_error <= FINITE_DIFFERENCE_TOLERANCE and got_error > FINITE_DIFFERENCE_TOLERANCE:
        return (f"finite differences along {FINITE_DIFFERENCE_DIRECTIONS} random directions of "
                f"{arg_name} agree with autograd (error {want_error:.1e}) and not with d{arg_name} "
                f"returned (error {got_error:.1e}): the implementation is wrong")
    if got_error <= FINITE_DIFFERENCE_TOLERANCE and want_error > FINITE_DIFFERENCE_TOLERANCE:
        return (f"finite differences agree with the implementation's d{arg_name} "
                f"(error {got_error:.1e}) and NOT with autograd (error {want_error:.1e}): the "
                "reference may be wrong; please report it")
    return (f"finite differences along random directions of {arg_name}: error {got_error:.1e} "
            f"against the implementation, {want_error:.1e} against autograd")


def numeric_problems(case, names, grads, wants, reference, rng):
    """--numeric: compare each returned gradient with finite differences directly.

    Returns (messages about the implementation, notes about the reference).
    """
    if case.extreme:
        return [], []
    tolerance = max(FINITE_DIFFERENCE_TOLERANCE, tolerance_for(case.dtype, case.sizes))
    messages, notes = [], []
    for name, got in zip(names, grads):
        got_error, want_error = finite_difference_verdict(reference, name[1:], got, wants[name],
                                                          rng)
        if got_error > tolerance:
            messages.append(f"{name} disagrees with finite differences "
                            f"(error {got_error:.1e} > {tolerance:.0e})")
        if want_error > FINITE_DIFFERENCE_TOLERANCE:
            notes.append(f"the autograd reference's {name} disagrees with finite differences "
                         f"(error {want_error:.1e}); please report this")
    return messages, notes
