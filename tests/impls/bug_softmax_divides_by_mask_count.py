"""temporal_softmax_loss divides by the number of unmasked positions instead of by N.

A mean over real tokens is a reasonable loss, but it is not the seed's (sum over t, mean over N).
Loss and dx are both off by the factor N / mask.sum(): constant within one case (so the pattern is
"constant factor"), different from case to case, and 1 when mask.sum() happens to equal N (for
example N = T = 1). The loss is the first returned value, and it is already wrong.
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
    count = mask_flat.sum()  # BUG: the seed divides by N
    shifted_logits = x_flat - np.max(x_flat, axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(np.sum(np.exp(shifted_logits), axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -np.sum(mask_flat * log_probs[np.arange(N * T), y_flat]) / count
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= count
    dx_flat *= mask_flat[:, None]
    return loss, dx_flat.reshape(N, T, V)
