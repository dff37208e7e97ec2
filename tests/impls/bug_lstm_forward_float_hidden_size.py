"""lstm_forward keeps the seed's `H = b.shape[0] / 4`: a float under Python 3, so np.zeros raises.

TypeError: 'float' object cannot be interpreted as an integer. lstm_backward cannot be checked
without a cache from this forward, so it may be reported as failing or erroring too.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import lstm_step_forward

EXPECTED = dict(function="lstm_forward", status="error", gradient=None, timestep=None,
                gate=None, pattern=None, also_fail=("lstm_backward",))


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = b.shape[0] / 4  # BUG: true division gives a float under Python 3; // was meant
    h = np.zeros((N, T, H), dtype=x.dtype)
    cache = {}
    prev_h = h0
    prev_c = np.zeros((N, H), dtype=x.dtype)
    for t in range(T):
        next_h, next_c, cache[t] = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = next_h
        prev_h, prev_c = next_h, next_c
    return h, cache
