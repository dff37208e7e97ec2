"""Vanilla RNN with a tanh activation: one step, and a whole sequence.

    a_t = x_t Wx + h_{t-1} Wh + b        (N, H)
    h_t = tanh(a_t)                      (N, H)

The step functions are the teaching form: one chain-rule line per step. The sequence functions
compute the same math arranged for speed: the input projection x_t Wx of every timestep is one
matrix product before the time loop, only the recurrent product h_{t-1} Wh stays inside it, and
the backward collects da_t of a block of timesteps so that dx, dWx, dWh and db are a few large
products (manual/blocks.py).
"""
from typing import NamedTuple

import numpy as np

from layer_contracts import Contract
from layer_contracts.signatures import SIGNATURES
from manual.blocks import BlockGradients, block_buffer, time_blocks

# ================================================================================================
# Teaching form: one timestep, one chain-rule line per step (rnn_step_forward, rnn_step_backward)
# ================================================================================================


class RNNStepCache(NamedTuple):
    x: np.ndarray       # (N, D)
    prev_h: np.ndarray  # (N, H)
    Wx: np.ndarray      # (D, H)
    Wh: np.ndarray      # (H, H)
    next_h: np.ndarray  # (N, H), tanh's output, which is all its derivative needs


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """Run one timestep of a vanilla RNN: next_h = tanh(x Wx + prev_h Wh + b).

    Inputs:
    - x: (N, D) input for this timestep
    - prev_h: (N, H) hidden state from the previous timestep
    - Wx: (D, H) input-to-hidden weights
    - Wh: (H, H) hidden-to-hidden weights
    - b: (H,) biases

    Returns a tuple of:
    - next_h: (N, H) next hidden state
    - cache: RNNStepCache for rnn_step_backward
    """
    SIGNATURES["rnn_step"].check("rnn_step_forward", x, prev_h, Wx, Wh, b)
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)  # (N, H)
    return next_h, RNNStepCache(x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    """Backward pass for one timestep of a vanilla RNN.

    Inputs:
    - dnext_h: (N, H) gradient of the loss with respect to next_h
    - cache: RNNStepCache from rnn_step_forward

    Returns a tuple of:
    - dx: (N, D) gradient with respect to x
    - dprev_h: (N, H) gradient with respect to prev_h
    - dWx: (D, H) gradient with respect to Wx
    - dWh: (H, H) gradient with respect to Wh
    - db: (H,) gradient with respect to b
    """
    x, prev_h, Wx, Wh, next_h = cache
    Contract("rnn_step_backward").upstream("dnext_h", dnext_h, "next_h", next_h.shape, next_h.dtype)
    da = dnext_h * (1 - next_h * next_h)  # (N, H) through tanh, via its output
    dx = da @ Wx.T                        # (N, D)
    dprev_h = da @ Wh.T                   # (N, H)
    dWx = x.T @ da                        # (D, H)
    dWh = prev_h.T @ da                   # (H, H)
    db = da.sum(axis=0)                   # (H,)  b was broadcast over N
    return dx, dprev_h, dWx, dWh, db


# ================================================================================================
# Fast form: the same math over a whole sequence, arranged for speed (rnn_forward, rnn_backward)
# ================================================================================================


class RNNCache(NamedTuple):
    x: np.ndarray   # (N, T, D)
    h0: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, H)
    Wh: np.ndarray  # (H, H)
    h: np.ndarray   # (N, T, H), every hidden state


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a vanilla RNN over a whole sequence: h_t = tanh(x_t Wx + h_{t-1} Wh + b).

    Fast form (the step functions above are the teaching form): the input projection of all
    timesteps is one matrix product, and the buffer is time-major (T, N, H) so that each step
    works on a contiguous (N, H) block; h and the cache hold an (N, T, H) view of it.

    Inputs:
    - x: (N, T, D) input sequence
    - h0: (N, H) initial hidden state
    - Wx: (D, H) input-to-hidden weights
    - Wh: (H, H) hidden-to-hidden weights
    - b: (H,) biases

    Returns a tuple of:
    - h: (N, T, H) hidden states of every timestep
    - cache: RNNCache for rnn_backward
    """
    SIGNATURES["rnn"].check("rnn_forward", x, h0, Wx, Wh, b)
    N, T, D = x.shape
    H = h0.shape[1]
    x_by_time = x.transpose(1, 0, 2).reshape(T * N, D)  # (T*N, D) a time-major copy
    h = (x_by_time @ Wx).reshape(T, N, H)   # (T, N, H) input projection of every timestep at once
    h += b                                  # holds a_t - h_{t-1} Wh until step t overwrites it
    recurrent = np.empty((N, H), dtype=h0.dtype)  # (N, H) reused every step
    prev_h = h0
    for t in range(T):
        h[t] += np.matmul(prev_h, Wh, out=recurrent)  # (N, H) a_t
        prev_h = np.tanh(h[t], out=h[t])              # (N, H) h_t
    h = h.transpose(1, 0, 2)  # (N, T, H) a view of the time-major buffer, no copy
    return h, RNNCache(x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    """Backward pass for a vanilla RNN over a whole sequence.

    Fast form of rnn_step_backward applied from t = T-1 down to 0, writing into buffers
    allocated once (`out=`) instead of making new arrays at every step. The loop only finds
    da_t and carries dh back one step; da of a block of timesteps fills one (steps, N, H)
    buffer, and after each block dx, dWx, dWh and db get one large matrix product each
    (manual/blocks.py).

    Inputs:
    - dh: (N, T, H) upstream gradient of every hidden state h_t (not only the last)
    - cache: RNNCache from rnn_forward

    Returns a tuple of:
    - dx: (N, T, D) gradient with respect to x
    - dh0: (N, H) gradient with respect to h0
    - dWx: (D, H) gradient with respect to Wx
    - dWh: (H, H) gradient with respect to Wh
    - db: (H,) gradient with respect to b
    """
    x, h0, Wx, Wh, h = cache
    Contract("rnn_backward").upstream("dh", dh, "h", h.shape, h.dtype)
    N, T, D = x.shape
    H = h0.shape[1]
    h = h.transpose(1, 0, 2)             # (T, N, H) back to the time-major buffer
    gradients = BlockGradients(x, h0, h, Wx)  # dx (time-major), dWx, dWh, db
    da = block_buffer(T, N, H, h0.dtype)     # (steps, N, H) da_t of one block of timesteps
    dprev_h = np.zeros_like(h0)          # (N, H) gradient reaching h_t from step t+1
    local = np.empty_like(h0)            # (N, H) reused every step
    WhT = Wh.T                           # (H, H)
    for start, stop in time_blocks(T, N):
        for t in reversed(range(start, stop)):
            da_t = da[t - start]                      # (N, H)
            np.add(dh[:, t], dprev_h, out=da_t)       # dnext_h: from the loss and from step t+1
            np.multiply(h[t], h[t], out=local)
            np.subtract(1, local, out=local)          # 1 - h_t^2, tanh's derivative via its output
            da_t *= local                             # da_t = dnext_h * (1 - h_t^2)
            np.matmul(da_t, WhT, out=dprev_h)         # (N, H) carried back to step t-1
        gradients.add(da, start, stop)
    dh0 = dprev_h                        # (N, H)
    return gradients.dx.transpose(1, 0, 2), dh0, gradients.dWx, gradients.dWh, gradients.db
