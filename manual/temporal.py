"""Layers applied at every timestep independently: affine map, and softmax loss.

    out[n, t] = x[n, t] w + b                                         (N, T, M)
    loss = -(1/N) sum_{n,t} mask[n, t] log softmax(x[n, t])[y[n, t]]  scalar
"""
from typing import NamedTuple

import numpy as np

from layer_contracts import Contract
from layer_contracts.signatures import SIGNATURES


class TemporalAffineCache(NamedTuple):
    x: np.ndarray  # (N, T, D)
    w: np.ndarray  # (D, M)


def temporal_affine_forward(x, w, b):
    """Apply one affine map to the vector of every timestep: out = x w + b.

    Inputs:
    - x: (N, T, D) input sequence
    - w: (D, M) weights
    - b: (M,) biases

    Returns a tuple of:
    - out: (N, T, M) output sequence
    - cache: TemporalAffineCache for temporal_affine_backward
    """
    SIGNATURES["temporal_affine"].check("temporal_affine_forward", x, w, b)
    out = x @ w + b  # (N, T, M) matmul broadcasts over N and T
    return out, TemporalAffineCache(x, w)


def temporal_affine_backward(dout, cache):
    """Backward pass for the temporal affine layer.

    Inputs:
    - dout: (N, T, M) upstream gradient
    - cache: TemporalAffineCache from temporal_affine_forward

    Returns a tuple of:
    - dx: (N, T, D) gradient with respect to x
    - dw: (D, M) gradient with respect to w
    - db: (M,) gradient with respect to b
    """
    x, w = cache
    N, T, D = x.shape
    M = w.shape[1]
    Contract("temporal_affine_backward").upstream("dout", dout, "out", (N, T, M), x.dtype)
    dx = dout @ w.T                                         # (N, T, D)
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, M)     # (D, M) summed over every (n, t)
    db = dout.sum(axis=(0, 1))                              # (M,) b was broadcast over N and T
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Masked softmax cross-entropy, summed over time and averaged over the batch.

    loss = -(1/N) sum_{n,t} mask[n, t] log p[n, t, y[n, t]],  p = softmax(x) over V.
    Masked positions (mask False) contribute neither loss nor gradient. The sum is divided by
    N, the batch size, not by the number of unmasked positions.

    Inputs:
    - x: (N, T, V) scores
    - y: (N, T) integer ground-truth indices, each in [0, V)
    - mask: (N, T) boolean, True where the position counts
    - verbose: ignored; kept so calls written for the seed still work

    Returns a tuple of:
    - loss: scalar of x's dtype
    - dx: (N, T, V) gradient of the loss with respect to x
    """
    SIGNATURES["temporal_softmax_loss"].check("temporal_softmax_loss", x, y, mask)
    N, T, V = x.shape
    weight = mask.astype(x.dtype) / N                        # (N, T) each position's share
    shifted = x - x.max(axis=2, keepdims=True)               # (N, T, V) at most 0: exp is <= 1
    exp_shifted = np.exp(shifted)                            # (N, T, V)
    sum_exp = exp_shifted.sum(axis=2, keepdims=True)         # (N, T, 1)
    n, t = np.ogrid[:N, :T]                                  # index grids for picking y
    log_p_y = shifted[n, t, y] - np.log(sum_exp[..., 0])     # (N, T) log p_y, never log(0)
    loss = -(weight * log_p_y).sum()                         # scalar
    dx = exp_shifted / sum_exp                               # (N, T, V) p; d(-log p_y)/dx = p - 1_y
    dx[n, t, y] -= 1
    dx *= weight[:, :, None]                                 # masked positions get exactly 0
    return x.dtype.type(loss), dx
