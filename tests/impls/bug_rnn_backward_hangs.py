"""rnn_backward walks time with a while loop and forgets `t -= 1`: it never returns.

`t = T - 1; while t >= 0: ...` without the decrement. The checker's per-function time limit must
stop it, report it (as an error), and go on with the remaining functions.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import rnn_step_backward

EXPECTED = dict(function="rnn_backward", status="error", gradient=None, timestep=None,
                gate=None, pattern=None, also_fail=())
HANGS = True  # the suite passes the checker a short time limit when the API has one


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0]["x"].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros((H,), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    t = T - 1
    while t >= 0:  # BUG: t is never decremented
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db
