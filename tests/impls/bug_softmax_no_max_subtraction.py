"""temporal_softmax_loss exponentiates the raw scores: exp(800) overflows and the loss is NaN.

Right at moderate scores; with a score of +800 exp gives inf, inf / inf gives NaN, and so do the
loss and dx. (With -800 alone the probability underflows to 0 and log(0) = -inf.)
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="temporal_softmax_loss", status="fail", gradient="loss", timestep=None,
                gate=None, pattern="nan or inf", also_fail=())


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    probs = np.exp(x_flat)  # BUG: no max subtraction
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    return loss, dx_flat.reshape(N, T, V)
