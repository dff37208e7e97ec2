"""Affine (fully connected) layer: every example's input, flattened, times one weight matrix.

    out = x.reshape(N, D) w + b        (N, M),  D = d_1 * ... * d_k

Not one of the 14 seed functions: the course's 2021-2024 `rnn_layers.py` carries this pair
(the 2018-2020 files import it from `cs231n/layers.py`), and the captioning model
(manual/captioning.py) uses it to turn image features into the initial hidden state.
"""
from typing import NamedTuple

import numpy as np

from layer_contracts import Contract
from layer_contracts.signatures import SIGNATURES


class AffineCache(NamedTuple):
    x: np.ndarray  # (N, d_1, ..., d_k) as given
    w: np.ndarray  # (D, M)


def affine_forward(x, w, b):
    """Apply an affine map to each example, its input flattened to a row: out = x w + b.

    Inputs:
    - x: (N, d_1, ..., d_k) input; each example is read as a row of D = d_1 * ... * d_k numbers
    - w: (D, M) weights
    - b: (M,) biases

    Returns a tuple of:
    - out: (N, M) output
    - cache: AffineCache for affine_backward
    """
    SIGNATURES["affine"].check("affine_forward", x, w, b)
    N, D = x.shape[0], w.shape[0]
    out = x.reshape(N, D) @ w + b  # (N, M)
    return out, AffineCache(x, w)


def affine_backward(dout, cache):
    """Backward pass for the affine layer.

    Inputs:
    - dout: (N, M) upstream gradient
    - cache: AffineCache from affine_forward

    Returns a tuple of:
    - dx: (N, d_1, ..., d_k) gradient with respect to x, in x's own shape
    - dw: (D, M) gradient with respect to w
    - db: (M,) gradient with respect to b
    """
    x, w = cache
    N, (D, M) = x.shape[0], w.shape
    Contract("affine_backward").upstream("dout", dout, "out", (N, M), w.dtype)
    dx = (dout @ w.T).reshape(x.shape)  # (N, D) back to (N, d_1, ..., d_k)
    dw = x.reshape(N, D).T @ dout       # (D, M) summed over the N examples
    db = dout.sum(axis=0)               # (M,) b was broadcast over N
    return dx, dw, db
