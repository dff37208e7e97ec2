"""rnn_step_backward sums db over the hidden axis instead of the batch axis: shape (N,), not (H,).

The cases force N != H, so the shape is always wrong and nothing broadcasts it into place.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="rnn_step_backward", status="fail", gradient="db", timestep=None,
                gate=None, pattern="shape", also_fail=())


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache["x"], cache["prev_h"], cache["Wx"], cache["Wh"], cache["next_h"]
    da = dnext_h * (1 - next_h ** 2)
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=1)  # BUG: b was broadcast over N (axis 0), not over H
    return dx, dprev_h, dWx, dWh, db
