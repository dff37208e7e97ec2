"""rnn_backward writes dWh = dWh_t instead of dWh += dWh_t: only the last step of the loop counts.

The loop runs t = T-1 ... 0, so dWh keeps step 0's contribution only. With an upstream gradient at
timestep 0 only, that is the whole answer; at timestep 1, step 1's share is lost: the earliest
upstream timestep that goes wrong is 1. dx, dh0 and dWx are right, so dWh is the first wrong array.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import rnn_step_backward

EXPECTED = dict(function="rnn_backward", status="fail", gradient="dWh", timestep=1,
                gate=None, pattern="none", also_fail=())


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0]["x"].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros((H,), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dnext_h = dh[:, t, :] + dprev_h
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dnext_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh = dWh_t  # BUG: = instead of +=
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db
