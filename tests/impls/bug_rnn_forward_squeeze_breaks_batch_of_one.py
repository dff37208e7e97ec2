"""rnn_forward squeezes each timestep's input, which drops the batch axis when N = 1.

Written in the course's style (float64 buffers, so float32 inputs also give float64 results, a
warning). At N = 1, x[:, t, :].squeeze() is (D,) and the unpacking `N, D = xt.shape` raises.
The exception at N = 1 is the finding that matters: it outranks the dtype warning.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import rnn_step_forward

EXPECTED = dict(function="rnn_forward", status="error", gradient=None, timestep=None,
                gate=None, pattern=None, also_fail=("rnn_backward",))


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = b.shape[0]
    h = np.zeros((N, T, H))
    cache = []
    prev_h = h0
    for t in range(T):
        xt = x[:, t, :].squeeze()  # BUG: (D,) when N = 1
        n, d = xt.shape
        prev_h, step_cache = rnn_step_forward(xt, prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache
