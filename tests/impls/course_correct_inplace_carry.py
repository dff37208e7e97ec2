"""Correct course code that accumulates into its upstream gradients: `dnext_c += ...`.

lstm_step_backward adds the path through next_h into the dnext_c it was given, and
rnn_step_backward scales dnext_h in place by tanh'. The gradients returned are right, but the
caller's arrays are changed: a caller that reuses them (the course's numerical gradient check
calls the backward again with the same dnext_c) gets other numbers.

Expected verdict: the two step backwards warn that they write into their upstream gradient,
with the file:line of the write; nothing fails (exit 0). --strict makes the warnings fail.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

VERDICT = dict(warn=("rnn_step_backward", "lstm_step_backward"))


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = (cache[key] for key in ("x", "prev_h", "Wx", "Wh", "next_h"))
    dnext_h *= 1 - next_h ** 2          # the caller's dnext_h becomes da
    dx = dnext_h.dot(Wx.T)
    dprev_h = dnext_h.dot(Wh.T)
    dWx = x.T.dot(dnext_h)
    dWh = prev_h.T.dot(dnext_h)
    db = dnext_h.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    dnext_c += dnext_h * o * (1 - tanh_c ** 2)    # the caller's dnext_c now holds dc
    da = np.hstack((dnext_c * g * i * (1 - i), dnext_c * prev_c * f * (1 - f),
                    dnext_h * tanh_c * o * (1 - o), dnext_c * i * (1 - g ** 2)))
    return (da.dot(Wx.T), da.dot(Wh.T), dnext_c * f, x.T.dot(da), prev_h.T.dot(da),
            da.sum(axis=0))
