"""lstm_backward returns zeros for dh0: the student initialised dh0 and never assigned it.

`dh0 = np.zeros((N, H))` at the top, and the final `dh0 = dprev_h` forgotten. Every other
gradient is right; dh0 is zero where it should not be.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import lstm_step_backward

EXPECTED = dict(function="lstm_backward", status="fail", gradient="dh0", timestep=None,
                gate=None, pattern="zero", also_fail=())


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dh0 = np.zeros((N, H), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros((4 * H,), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dnext_h = dh[:, t, :] + dprev_h
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dnext_h, dprev_c, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    # BUG: `dh0 = dprev_h` is missing
    return dx, dh0, dWx, dWh, db
