"""temporal_softmax_loss masks the loss but not dx: padded positions get a gradient.

The loss is right. dx is right at every unmasked position and nonzero at the masked ones, where
it must be exactly zero.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="temporal_softmax_loss", status="fail", gradient="dx", timestep=None,
                gate=None, pattern="masked positions", also_fail=())


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    shifted_logits = x_flat - np.max(x_flat, axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(np.sum(np.exp(shifted_logits), axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -np.sum(mask_flat * log_probs[np.arange(N * T), y_flat]) / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N
    # BUG: dx_flat *= mask_flat[:, None] is missing
    return loss, dx_flat.reshape(N, T, V)
