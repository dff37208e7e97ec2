"""rnn_step_forward forgets the bias: next_h = tanh(x Wx + prev_h Wh).

The cases use non-zero biases, so next_h is wrong. rnn_step_backward, fed this forward's cache
(whose next_h is wrong), computes tanh' at the wrong point and fails too.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="rnn_step_forward", status="fail", gradient="next_h", timestep=None,
                gate=None, pattern="none", also_fail=("rnn_step_backward",))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x.dot(Wx) + prev_h.dot(Wh)  # BUG: + b missing
    next_h = np.tanh(a)
    cache = {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "a": a, "next_h": next_h}
    return next_h, cache
