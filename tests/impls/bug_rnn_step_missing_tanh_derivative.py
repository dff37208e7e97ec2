"""rnn_step_backward forgets the tanh: da = dnext_h, as if the layer were linear.

Every gradient goes through da, so the first wrong returned array is dx.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="rnn_step_backward", status="fail", gradient="dx", timestep=None,
                gate=None, pattern="none", also_fail=())


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh = cache["x"], cache["prev_h"], cache["Wx"], cache["Wh"]
    da = dnext_h  # BUG: missing * (1 - next_h ** 2)
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dWx, dWh, db
