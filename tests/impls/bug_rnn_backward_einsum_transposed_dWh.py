"""rnn_backward (vectorised) swaps the output subscripts of the dWh einsum: it returns dWh.T.

"ntk,nth->hk" where "ntk,nth->kh" was meant. dWh is (H, H), so the shape is right and only the
values show it: exactly the transpose of the right answer. dx, dh0 and dWx are right.
"""
import numpy as np

from vectorised_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="rnn_backward", status="fail", gradient="dWh", timestep=None,
                gate=None, pattern="transposed", also_fail=())


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    T = x.shape[1]
    da = [None] * T
    carry = np.zeros_like(h0)
    for t in reversed(range(T)):
        da[t] = (dh[:, t] + carry) * (1 - h[:, t] ** 2)
        carry = da[t] @ Wh.T
    da = np.stack(da, axis=1)
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx = np.einsum("nth,dh->ntd", da, Wx)
    dWx = np.einsum("ntd,nth->dh", x, da)
    dWh = np.einsum("ntk,nth->hk", prev_h, da)  # BUG: output subscripts swapped
    db = da.sum(axis=(0, 1))
    return dx, carry, dWx, dWh, db
