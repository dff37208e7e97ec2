"""rnn_backward allocates its buffers with np.zeros((N, T, D)): float64 even for float32 input.

The seed's own style. Values are right, but float32 in gives float64 gradients out (dx first).
Only a float32 case shows it.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import rnn_step_backward

EXPECTED = dict(function="rnn_backward", status="warn", gradient="dx", timestep=None,
                gate=None, pattern="dtype", also_fail=())


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0]["x"].shape[1]
    dx = np.zeros((N, T, D))  # BUG: dtype=dh.dtype missing (and below)
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros((H,))
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dnext_h = dh[:, t, :] + dprev_h
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dnext_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db
