"""rnn_forward feeds h0 to every step instead of the previous step's hidden state.

h[:, 0] is right (it does start from h0); h[:, 1] is the first wrong timestep. rnn_backward,
fed this forward's step caches, computes the gradient of the wrong function, so it fails too.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import rnn_step_forward

EXPECTED = dict(function="rnn_forward", status="fail", gradient="h", timestep=1,
                gate=None, pattern="none", also_fail=("rnn_backward",))


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    cache = []
    for t in range(T):
        next_h, step_cache = rnn_step_forward(x[:, t, :], h0, Wx, Wh, b)  # BUG: h0, not prev_h
        h[:, t, :] = next_h
        cache.append(step_cache)
    return h, cache
