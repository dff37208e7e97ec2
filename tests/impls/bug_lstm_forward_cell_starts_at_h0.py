"""lstm_forward starts the cell state from h0 instead of zeros.

The seed's docstring says "the initial cell state is passed as input" before saying it is zero;
this student believed the first half. h[:, 0] is already wrong (timestep 0). lstm_backward, fed
this forward's step caches (prev_c = h0 at step 0), fails too.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import lstm_step_forward

EXPECTED = dict(function="lstm_forward", status="fail", gradient="h", timestep=0,
                gate=None, pattern="none", also_fail=("lstm_backward",))


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = b.shape[0] // 4
    h = np.zeros((N, T, H), dtype=x.dtype)
    cache = {}
    prev_h = h0
    prev_c = h0  # BUG: c starts at zero
    for t in range(T):
        next_h, next_c, cache[t] = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = next_h
        prev_h, prev_c = next_h, next_c
    return h, cache
