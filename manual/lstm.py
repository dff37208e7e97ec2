"""LSTM: one step, and a whole sequence. Gates are packed i, f, o, g along the 4H axis.

    a_t = x_t Wx + h_{t-1} Wh + b                       (N, 4H)
    i = sigmoid(a_t[:, 0:H])     input gate             (N, H)
    f = sigmoid(a_t[:, H:2H])    forget gate            (N, H)
    o = sigmoid(a_t[:, 2H:3H])   output gate            (N, H)
    g = tanh(a_t[:, 3H:4H])      candidate cell         (N, H)
    c_t = f * c_{t-1} + i * g                           (N, H)
    h_t = o * tanh(c_t)                                 (N, H)

The step functions are the teaching form: one chain-rule line per step. The sequence functions
compute the same math arranged for speed: the input projection of every timestep is one matrix
product before the time loop, only h_{t-1} Wh stays inside it, and the backward collects the
gate gradients da_t of a block of timesteps in one buffer so that dx, dWx, dWh and db are a few
large products (manual/blocks.py).
"""
from typing import NamedTuple

import numpy as np

from layer_contracts import Contract
from layer_contracts.signatures import SIGNATURES
from manual.activations import gate_sigmoid, sigmoid
from manual.blocks import BlockGradients, block_buffer, time_blocks

# ================================================================================================
# Teaching form: one timestep, one chain-rule line per step (lstm_step_forward, lstm_step_backward)
# ================================================================================================


class LSTMStepCache(NamedTuple):
    x: np.ndarray       # (N, D)
    prev_h: np.ndarray  # (N, H)
    prev_c: np.ndarray  # (N, H)
    Wx: np.ndarray      # (D, 4H)
    Wh: np.ndarray      # (H, 4H)
    gates: np.ndarray   # (N, 4H) activated gates i, f, o, g
    tanh_c: np.ndarray  # (N, H) tanh(next_c)


def _activate_gates(a, H):
    """Apply sigmoid to the i, f, o blocks of a (N, 4H) and tanh to the g block, in place."""
    a[:, :3 * H] = sigmoid(a[:, :3 * H])  # (N, 3H) i, f, o
    np.tanh(a[:, 3 * H:], out=a[:, 3 * H:])  # (N, H) g
    return a


def _gate_gradients(gates, tanh_c, prev_c, dnext_h, dnext_c, H):
    """Chain rule through one LSTM cell: returns (da (N, 4H), dprev_c (N, H))."""
    i, f, o, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)  # (N, H) c reaches the loss directly, via h
    di = dc * g                                        # (N, H)
    df = dc * prev_c                                   # (N, H)
    do = dnext_h * tanh_c                              # (N, H)
    dg = dc * i                                        # (N, H)
    da = np.concatenate([
        di * i * (1 - i),                              # through sigmoid, via its output
        df * f * (1 - f),
        do * o * (1 - o),
        dg * (1 - g * g),                              # through tanh, via its output
    ], axis=1)                                         # (N, 4H)
    dprev_c = dc * f                                   # (N, H)
    return da, dprev_c


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """Run one timestep of an LSTM (equations in the module docstring).

    Inputs:
    - x: (N, D) input for this timestep
    - prev_h: (N, H) previous hidden state
    - prev_c: (N, H) previous cell state
    - Wx: (D, 4H) input-to-hidden weights
    - Wh: (H, 4H) hidden-to-hidden weights
    - b: (4H,) biases

    Returns a tuple of:
    - next_h: (N, H) next hidden state
    - next_c: (N, H) next cell state
    - cache: LSTMStepCache for lstm_step_backward
    """
    SIGNATURES["lstm_step"].check("lstm_step_forward", x, prev_h, prev_c, Wx, Wh, b)
    H = prev_h.shape[1]
    gates = _activate_gates(x @ Wx + prev_h @ Wh + b, H)  # (N, 4H) i, f, o, g
    i, f, o, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    next_c = f * prev_c + i * g  # (N, H)
    tanh_c = np.tanh(next_c)     # (N, H)
    next_h = o * tanh_c          # (N, H)
    return next_h, next_c, LSTMStepCache(x, prev_h, prev_c, Wx, Wh, gates, tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass for one timestep of an LSTM.

    Inputs:
    - dnext_h: (N, H) gradient of the loss with respect to next_h
    - dnext_c: (N, H) gradient of the loss with respect to next_c
    - cache: LSTMStepCache from lstm_step_forward

    Returns a tuple of:
    - dx: (N, D) gradient with respect to x
    - dprev_h: (N, H) gradient with respect to prev_h
    - dprev_c: (N, H) gradient with respect to prev_c
    - dWx: (D, 4H) gradient with respect to Wx
    - dWh: (H, 4H) gradient with respect to Wh
    - db: (4H,) gradient with respect to b
    """
    x, prev_h, prev_c, Wx, Wh, gates, tanh_c = cache
    contract = Contract("lstm_step_backward")
    contract.upstream("dnext_h", dnext_h, "next_h", tanh_c.shape, tanh_c.dtype)
    contract.upstream("dnext_c", dnext_c, "next_c", tanh_c.shape, tanh_c.dtype)
    H = prev_h.shape[1]
    da, dprev_c = _gate_gradients(gates, tanh_c, prev_c, dnext_h, dnext_c, H)  # (N, 4H), (N, H)
    dx = da @ Wx.T       # (N, D)
    dprev_h = da @ Wh.T  # (N, H)
    dWx = x.T @ da       # (D, 4H)
    dWh = prev_h.T @ da  # (H, 4H)
    db = da.sum(axis=0)  # (4H,) b was broadcast over N
    return dx, dprev_h, dprev_c, dWx, dWh, db


# ================================================================================================
# Fast form: the same math over a whole sequence, arranged for speed (lstm_forward, lstm_backward)
# ================================================================================================


class LSTMCache(NamedTuple):
    x: np.ndarray       # (N, T, D)
    h0: np.ndarray      # (N, H)
    Wx: np.ndarray      # (D, 4H)
    Wh: np.ndarray      # (H, 4H)
    h: np.ndarray       # (N, T, H) every hidden state
    c: np.ndarray       # (N, T, H) every cell state; c_{-1} = 0
    gates: np.ndarray   # (N, T, 4H) activated gates i, f, o, g of every timestep


def lstm_forward(x, h0, Wx, Wh, b):
    """Run an LSTM over a whole sequence; the initial cell state c_{-1} is zero.

    The cell state is internal: it is neither an argument nor returned.
    This is the fast form (the step functions above are the teaching form): the input
    projection of all timesteps is one matrix product, every buffer is time-major (T, N, ...)
    so that each step reads and writes contiguous (N, H) blocks, and the loop writes into
    buffers allocated once (`out=`) instead of making new arrays at every step. The cache and h
    hold (N, T, ...) views of the buffers. tanh(c_t) is not kept: the backward recomputes it,
    which costs less than storing another (N, T, H) array.

    Inputs:
    - x: (N, T, D) input sequence
    - h0: (N, H) initial hidden state
    - Wx: (D, 4H) input-to-hidden weights
    - Wh: (H, 4H) hidden-to-hidden weights
    - b: (4H,) biases

    Returns a tuple of:
    - h: (N, T, H) hidden states of every timestep
    - cache: LSTMCache for lstm_backward
    """
    SIGNATURES["lstm"].check("lstm_forward", x, h0, Wx, Wh, b)
    N, T, D = x.shape
    H = h0.shape[1]
    x_by_time = x.transpose(1, 0, 2).reshape(T * N, D)            # (T*N, D) a time-major copy
    gates = (x_by_time @ Wx).reshape(T, N, 4 * H)                 # (T, N, 4H) input projection
    h = np.empty((T, N, H), dtype=h0.dtype)
    c = np.empty((T, N, H), dtype=h0.dtype)
    recurrent = np.empty((N, 4 * H), dtype=h0.dtype)              # (N, 4H) h_{t-1} Wh, every step
    i_times_g = np.empty((N, H), dtype=h0.dtype)                  # (N, H) reused every step
    tanh_c = np.empty((N, H), dtype=h0.dtype)                     # (N, H) reused every step
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        a = gates[t]                                              # (N, 4H) a view into the buffer
        a += b
        a += np.matmul(prev_h, Wh, out=recurrent)                 # (N, 4H) a_t
        gate_sigmoid(a[:, :3 * H], out=a[:, :3 * H])              # (N, 3H) i, f, o
        np.tanh(a[:, 3 * H:], out=a[:, 3 * H:])                   # (N, H) g
        i, f, o, g = (a[:, k * H:(k + 1) * H] for k in range(4))  # (N, H) each
        prev_c = np.multiply(f, prev_c, out=c[t])                 # (N, H) f * c_{t-1}
        prev_c += np.multiply(i, g, out=i_times_g)                # (N, H) c_t
        np.tanh(prev_c, out=tanh_c)                               # (N, H)
        prev_h = np.multiply(o, tanh_c, out=h[t])                 # (N, H) h_t
    batch_first = (1, 0, 2)  # (T, N, ...) buffers seen as (N, T, ...), no copy
    h, c, gates = (array.transpose(batch_first) for array in (h, c, gates))
    return h, LSTMCache(x, h0, Wx, Wh, h, c, gates)


def lstm_backward(dh, cache):
    """Backward pass for an LSTM over a whole sequence.

    Fast form of lstm_step_backward applied from t = T-1 down to 0, computing the same
    quantities in the same order (di, df, do, dg through their gates, then the carries), but
    writing them into buffers allocated once (`out=`) instead of making new arrays at every
    step. The gate gradients da_t of a block of timesteps fill one (steps, N, 4H) buffer, and
    after each block dx, dWx, dWh and db get one large matrix product each
    (manual/blocks.py), so only da_t Wh^T, the gradient carried to h_{t-1}, stays in the loop.

    Inputs:
    - dh: (N, T, H) upstream gradient of every hidden state h_t (not only the last)
    - cache: LSTMCache from lstm_forward

    Returns a tuple of:
    - dx: (N, T, D) gradient with respect to x
    - dh0: (N, H) gradient with respect to h0
    - dWx: (D, 4H) gradient with respect to Wx
    - dWh: (H, 4H) gradient with respect to Wh
    - db: (4H,) gradient with respect to b
    """
    x, h0, Wx, Wh, h, c, gates = cache
    Contract("lstm_backward").upstream("dh", dh, "h", h.shape, h.dtype)
    N, T, D = x.shape
    H = h0.shape[1]
    time_first = (1, 0, 2)  # the cache's (N, T, ...) views back to their (T, N, ...) buffers
    h, c, gates = (array.transpose(time_first) for array in (h, c, gates))
    gradients = BlockGradients(x, h0, h, Wx)      # dx (time-major), dWx, dWh, db
    da = block_buffer(T, N, 4 * H, h0.dtype)      # (steps, N, 4H) gate gradients of one block
    dprev_h = np.zeros_like(h0)                   # (N, H) gradient reaching h_t from step t+1
    dprev_c = np.zeros_like(h0)                   # (N, H) gradient reaching c_t from step t+1
    c_initial = np.zeros_like(h0)                 # (N, H) c_{-1} = 0
    dnext_h, dc, tanh_c = (np.empty_like(h0) for _ in range(3))  # (N, H) each, reused every step
    WhT = Wh.T                                    # (4H, H)
    for start, stop in time_blocks(T, N):
        for t in reversed(range(start, stop)):
            i, f, o, g = (gates[t, :, k * H:(k + 1) * H] for k in range(4))  # (N, H) each
            da_t = da[t - start]                                              # (N, 4H)
            di, df, do, dg = (da_t[:, k * H:(k + 1) * H] for k in range(4))  # (N, H) views
            prev_c = c[t - 1] if t else c_initial
            np.tanh(c[t], out=tanh_c)
            np.add(dh[:, t], dprev_h, out=dnext_h)  # from the loss and from step t+1
            # dc = dnext_c + dnext_h * o * (1 - tanh_c^2): c reaches the loss directly and via h
            np.multiply(tanh_c, tanh_c, out=dc)
            np.subtract(1, dc, out=dc)
            dc *= o
            dc *= dnext_h
            dc += dprev_c
            # s * (1 - s), the sigmoid's derivative via its output, for i, f and o at once
            np.subtract(1, gates[t, :, :3 * H], out=da_t[:, :3 * H])
            da_t[:, :3 * H] *= gates[t, :, :3 * H]
            di *= g                      # da_i = dc * g * i * (1 - i)
            di *= dc
            df *= prev_c                 # da_f = dc * c_{t-1} * f * (1 - f)
            df *= dc
            do *= tanh_c                 # da_o = dnext_h * tanh(c_t) * o * (1 - o)
            do *= dnext_h
            np.multiply(g, g, out=dg)    # da_g = dc * i * (1 - g^2), through tanh via its output
            np.subtract(1, dg, out=dg)
            dg *= i
            dg *= dc
            np.multiply(dc, f, out=dprev_c)         # (N, H) carried back to c_{t-1}
            np.matmul(da_t, WhT, out=dprev_h)       # (N, H) carried back to h_{t-1}
        gradients.add(da, start, stop)
    dh0 = dprev_h                                 # (N, H)
    return gradients.dx.transpose(time_first), dh0, gradients.dWx, gradients.dWh, gradients.db
