"""temporal_softmax_loss averages over N * T instead of summing over T and averaging over N.

Loss and dx are both 1/T of the right value: a constant factor in every case (right for T = 1).
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="temporal_softmax_loss", status="fail", gradient="loss", timestep=None,
                gate=None, pattern="constant factor", also_fail=())


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    shifted_logits = x_flat - np.max(x_flat, axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(np.sum(np.exp(shifted_logits), axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -np.sum(mask_flat * log_probs[np.arange(N * T), y_flat]) / (N * T)  # BUG: / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N * T  # BUG: / N
    dx_flat *= mask_flat[:, None]
    return loss, dx_flat.reshape(N, T, V)
