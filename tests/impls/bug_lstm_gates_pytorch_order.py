"""lstm_step_forward unpacks the gates in PyTorch's order i, f, g, o instead of the seed's i, f, o, g.

The student copied the layout of torch.nn.LSTM: block 2 goes through tanh as the candidate and
block 3 through sigmoid as the output gate. lstm_step_backward (the correct one, packing its gate
gradients i, f, o, g) is fed this cache, so it fails too.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import sigmoid

EXPECTED = dict(function="lstm_step_forward", status="fail", gradient="next_h", timestep=None,
                gate=None, pattern="PyTorch gate order", also_fail=("lstm_step_backward",))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, 0:H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])  # BUG: the seed packs o here
    o = sigmoid(a[:, 3 * H:4 * H])  # BUG: and g here
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache
