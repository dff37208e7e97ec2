"""Vanilla RNN with a tanh activation (autograd twin of manual/rnn.py).

    h_t = tanh(x_t Wx + h_{t-1} Wh + b)     (N, H)
"""
import autograd.numpy as np

from layer_contracts.signatures import SIGNATURES


def rnn_step(x, prev_h, Wx, Wh, b):
    """Run one timestep of a vanilla RNN: next_h = tanh(x Wx + prev_h Wh + b).

    Inputs:
    - x: (N, D) input for this timestep
    - prev_h: (N, H) hidden state from the previous timestep
    - Wx: (D, H) input-to-hidden weights
    - Wh: (H, H) hidden-to-hidden weights
    - b: (H,) biases

    Returns:
    - next_h: (N, H) next hidden state
    """
    SIGNATURES["rnn_step"].check("rnn_step", x, prev_h, Wx, Wh, b)
    return np.tanh(x @ Wx + prev_h @ Wh + b)  # (N, H)


def rnn(x, h0, Wx, Wh, b):
    """Run a vanilla RNN over a whole sequence and return every hidden state.

    The input projection x_t Wx + b of all timesteps is one product before the loop, so the
    traced graph holds only a matmul, an add and a tanh per step.

    Inputs:
    - x: (N, T, D) input sequence
    - h0: (N, H) initial hidden state
    - Wx: (D, H) input-to-hidden weights
    - Wh: (H, H) hidden-to-hidden weights
    - b: (H,) biases

    Returns:
    - h: (N, T, H) hidden states of every timestep
    """
    SIGNATURES["rnn"].check("rnn", x, h0, Wx, Wh, b)
    N, T, D = x.shape
    H = h0.shape[1]
    if T == 0:
        return np.zeros((N, 0, H), dtype=h0.dtype)  # no timesteps, nothing to stack
    # A speed trick, measured to matter against the plain loop (x[:, t] @ Wx in the loop,
    # np.stack at the end; the numbers are in benchmarks/README.md): the input projection of all
    # timesteps in one product, time-major, then cut into T blocks. np.split's gradient is a
    # single concatenate, where indexing projected[:, t] would add a (N, T, H) scatter per step.
    x_by_time = np.reshape(np.transpose(x, (1, 0, 2)), (T * N, D))  # (T*N, D)
    projected = np.split(x_by_time @ Wx + b, T, axis=0)             # T blocks of (N, H)
    hs, prev_h = [], h0
    for projected_t in projected:
        prev_h = np.tanh(projected_t + prev_h @ Wh)  # (N, H)
        hs.append(prev_h)
    # Joined time-major, then seen as (N, T, H): np.stack(hs, axis=1) would index every h_t
    # with a new axis, one more traced primitive (and scatter in the backward) per step.
    h_by_time = np.reshape(np.concatenate(hs, axis=0), (T, N, H))  # (T, N, H)
    return np.transpose(h_by_time, (1, 0, 2))                     # (N, T, H)
