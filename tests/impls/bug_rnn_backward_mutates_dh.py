"""rnn_backward adds the carried gradient into the caller's dh in place: dh[:, t] += dprev_h.

The values it returns are right, but the upstream gradient array it was handed is modified: a
caller who reuses dh (another layer, a second backward) gets wrong numbers. Handed a read-only
dh, it raises "output array is read-only".
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import rnn_step_backward

EXPECTED = dict(function="rnn_backward", status="warn", gradient=None, timestep=None,
                gate=None, pattern="mutation", also_fail=())


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0]["x"].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros((H,), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dh[:, t, :] += dprev_h  # BUG: writes into the caller's array
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :], cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db
