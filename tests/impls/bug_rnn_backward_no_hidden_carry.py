"""rnn_backward does not carry dprev_h back in time: each step sees only dh[:, t].

Correct for T = 1. With an upstream gradient at timestep 0 only, every answer is still right
(nothing needs carrying); with it at timestep 1, dx[:, 0] and dh0 miss what flows back from
step 1. So the earliest upstream timestep that goes wrong is 1, and dx is the first wrong array.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import rnn_step_backward

EXPECTED = dict(function="rnn_backward", status="fail", gradient="dx", timestep=1,
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
        dnext_h = dh[:, t, :]  # BUG: + dprev_h from step t+1 is missing
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dnext_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db
