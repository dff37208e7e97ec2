"""Per-timestep affine map and softmax loss (autograd twin of manual/temporal.py)."""
import autograd.numpy as np
from autograd.tracer import getval

from layer_contracts.signatures import SIGNATURES


def temporal_affine(x, w, b):
    """Apply one affine map to the vector of every timestep: out = x w + b.

    Inputs:
    - x: (N, T, D) input sequence
    - w: (D, M) weights
    - b: (M,) biases

    Returns:
    - out: (N, T, M) output sequence
    """
    SIGNATURES["temporal_affine"].check("temporal_affine", x, w, b)
    return x @ w + b  # (N, T, M)


def temporal_softmax_loss(x, y, mask):
    """Masked softmax cross-entropy, summed over time and averaged over the batch (N).

    loss = -(1/N) sum_{n,t} mask[n, t] log softmax(x[n, t])[y[n, t]]

    Inputs:
    - x: (N, T, V) scores
    - y: (N, T) integer ground-truth indices, each in [0, V)
    - mask: (N, T) boolean, True where the position counts

    Returns:
    - loss: scalar
    """
    SIGNATURES["temporal_softmax_loss"].check("temporal_softmax_loss", x, y, mask)
    N, T, V = x.shape
    # Shift by the largest score so exp cannot overflow. The loss does not depend on the shift,
    # so it is taken as a constant (getval): autograd's VJP of max divides by an integer count
    # and would turn a float32 gradient into float64.
    shifted = x - np.max(getval(x), axis=2, keepdims=True)                # (N, T, V)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=2, keepdims=True))  # (N, T, V)
    n, t = np.arange(N)[:, None], np.arange(T)[None, :]
    log_p_y = log_p[n, t, y]                                             # (N, T)
    # Divide the (N, T) array, not the summed scalar: under numpy 1.26 a float32 scalar divided
    # by a Python int becomes float64, while an array keeps its dtype.
    return -np.sum(log_p_y * mask / N)
