"""Affine layer (autograd twin of manual/affine.py): out = x.reshape(N, D) w + b."""
import autograd.numpy as np

from layer_contracts.signatures import SIGNATURES


def affine(x, w, b):
    """Apply an affine map to each example, its input flattened to a row: out = x w + b.

    Inputs:
    - x: (N, d_1, ..., d_k) input; each example is read as a row of D = d_1 * ... * d_k numbers
    - w: (D, M) weights
    - b: (M,) biases

    Returns:
    - out: (N, M) output
    """
    SIGNATURES["affine"].check("affine", x, w, b)
    N, D = x.shape[0], w.shape[0]
    return np.reshape(x, (N, D)) @ w + b  # (N, M)
