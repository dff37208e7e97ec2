"""lstm_backward does not carry dprev_c across time: every step gets dnext_c = 0.

The student carried dprev_h (as in the RNN) but passed zeros for the cell gradient. Correct for
T = 1. With an upstream gradient at timestep 0 only, nothing needs carrying; at timestep 1, the
gradient that reaches step 0 through c is lost: the earliest upstream timestep that goes wrong
is 1, and dx is the first wrong returned array.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import lstm_step_backward

EXPECTED = dict(function="lstm_backward", status="fail", gradient="dx", timestep=1,
                gate=None, pattern="none", also_fail=())


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros((4 * H,), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dnext_h = dh[:, t, :] + dprev_h
        dnext_c = np.zeros((N, H), dtype=dh.dtype)  # BUG: should be dprev_c from step t+1
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dnext_h, dnext_c, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db
