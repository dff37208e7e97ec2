"""lstm_step_backward returns dprev_c = dc, forgetting the factor f.

The gate gradients, and so dx, dprev_h, dWx, dWh and db, are right; dprev_c is the only wrong array.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="lstm_step_backward", status="fail", gradient="dprev_c", timestep=None,
                gate=None, pattern="none", also_fail=())


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    di = dc * g
    df = dc * prev_c
    do = dnext_h * tanh_c
    dg = dc * i
    da_i = di * i * (1 - i)
    da_f = df * f * (1 - f)
    da_o = do * o * (1 - o)
    da_g = dg * (1 - g ** 2)
    da = np.hstack((da_i, da_f, da_o, da_g))
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dprev_c = dc  # BUG: next_c = f * prev_c + ..., so dprev_c = dc * f
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db
