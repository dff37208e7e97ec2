"""lstm_backward (vectorised) computes dWx and dWh in float32 "for speed" and casts them back.

An engineer's rewrite: the two big weight-gradient einsums run on float32 copies, then the result
is cast back to the input dtype. The dtype is right (float64 out for float64 in) but only about
seven digits are: a silent loss of precision. dx and dh0 are untouched, so dWx is the first wrong
returned array. With float32 inputs the cast changes nothing.
"""
import numpy as np

from vectorised_correct import *  # noqa: F401,F403  every other function is correct
from vectorised_correct import _cell_backward

EXPECTED = dict(function="lstm_backward", status="fail", gradient="dWx", timestep=None,
                gate=None, pattern="precision", also_fail=())


def lstm_backward(dh, cache):
    x, h0, Wx, Wh, h, c, gates, tanh_c = cache
    T = x.shape[1]
    da = [None] * T
    carry_h, carry_c = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        prev_c = c[:, t - 1] if t > 0 else np.zeros_like(h0)
        da[t], carry_c = _cell_backward(gates[:, t], prev_c, tanh_c[:, t], dh[:, t] + carry_h, carry_c)
        carry_h = da[t] @ Wh.T
    da = np.stack(da, axis=1)
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx = np.einsum("ntk,dk->ntd", da, Wx)
    da32 = da.astype(np.float32)  # BUG: float32 inside a float64 backward
    dWx = np.einsum("ntd,ntk->dk", x.astype(np.float32), da32).astype(x.dtype)
    dWh = np.einsum("ntj,ntk->jk", prev_h.astype(np.float32), da32).astype(x.dtype)
    db = da.sum(axis=(0, 1))
    return dx, carry_h, dWx, dWh, db
