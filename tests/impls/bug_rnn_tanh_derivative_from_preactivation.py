"""rnn_step_backward takes tanh' as 1 - a**2 with a the pre-activation, not the output tanh(a).

The hint says "compute the local derivative in terms of the output value"; this student used the
value they had at hand in the cache, the pre-activation a. Every gradient goes through da, so the
first wrong returned array is dx.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="rnn_step_backward", status="fail", gradient="dx", timestep=None,
                gate=None, pattern="none", also_fail=())


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, a = cache["x"], cache["prev_h"], cache["Wx"], cache["Wh"], cache["a"]
    da = dnext_h * (1 - a ** 2)  # BUG: a is tanh's input; tanh' = 1 - tanh(a)**2
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dWx, dWh, db
