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
gate gradients da_t in one (N, T, 4H) buffer so that dx, dWx, dWh and db are single products.
"""
from typing import NamedTuple

import numpy as np

from layer_contracts import Contract
from manual.activations import sigmoid


class LSTMStepCache(NamedTuple):
    x: np.ndarray       # (N, D)
    prev_h: np.ndarray  # (N, H)
    prev_c: np.ndarray  # (N, H)
    Wx: np.ndarray      # (D, 4H)
    Wh: np.ndarray      # (H, 4H)
    gates: np.ndarray   # (N, 4H) activated gates i, f, o, g
    tanh_c: np.ndarray  # (N, H) tanh(next_c)


class LSTMCache(NamedTuple):
    x: np.ndarray       # (N, T, D)
    h0: np.ndarray      # (N, H)
    Wx: np.ndarray      # (D, 4H)
    Wh: np.ndarray      # (H, 4H)
    h: np.ndarray       # (N, T, H) every hidden state
    c: np.ndarray       # (N, T, H) every cell state; c_{-1} = 0
    gates: np.ndarray   # (N, T, 4H) activated gates i, f, o, g of every timestep
    tanh_c: np.ndarray  # (N, T, H) tanh(c_t)


def _activate_gates(a, H):
    """Apply sigmoid to the i, f, o blocks of a (N, 4H) and tanh to the g block, in place."""
    a[:, :3 * H] = sigmoid(a[:, :3 * H])  # (N, 3H) i, f, o
    np.tanh(a[:, 3 * H:], out=a[:, 3 * H:])  # (N, H) g
    return a


def _gate_gradients(gates, tanh_c, prev_c, dnext_h, dnext_c, H):
    """Chain rule through one LSTM cell: returns (da (N, 4H), dprev_c (N, H))."""
    i, f, o, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)  # (N, H) c reaches the loss directly and via h
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
    contract = Contract("lstm_step_forward")
    contract.floats("x", x, "N,D")
    contract.floats("prev_h", prev_h, "N,H")
    contract.floats("prev_c", prev_c, "N,H")
    contract.floats("Wx", Wx, "D,4H")
    contract.floats("Wh", Wh, "H,4H")
    contract.floats("b", b, "4H")
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
    contract.upstream("dnext_h", dnext_h, "next_h", tanh_c)
    contract.upstream("dnext_c", dnext_c, "next_c", tanh_c)
    H = prev_h.shape[1]
    da, dprev_c = _gate_gradients(gates, tanh_c, prev_c, dnext_h, dnext_c, H)  # (N, 4H), (N, H)
    dx = da @ Wx.T       # (N, D)
    dprev_h = da @ Wh.T  # (N, H)
    dWx = x.T @ da       # (D, 4H)
    dWh = prev_h.T @ da  # (H, 4H)
    db = da.sum(axis=0)  # (4H,) b was broadcast over N
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """Run an LSTM over a whole sequence; the initial cell state c_{-1} is zero.

    The cell state is internal: it is neither an argument nor returned.

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
    contract = Contract("lstm_forward")
    contract.floats("x", x, "N,T,D")
    contract.floats("h0", h0, "N,H")
    contract.floats("Wx", Wx, "D,4H")
    contract.floats("Wh", Wh, "H,4H")
    contract.floats("b", b, "4H")
    N, T, D = x.shape
    H = h0.shape[1]
    gates = (x.reshape(N * T, D) @ Wx).reshape(N, T, 4 * H)  # (N, T, 4H) input projection, all t
    gates += b
    h = np.empty((N, T, H), dtype=h0.dtype)
    c = np.empty((N, T, H), dtype=h0.dtype)
    tanh_c = np.empty((N, T, H), dtype=h0.dtype)
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        gates_t = gates[:, t]                                 # (N, 4H) a view into the buffer
        gates_t += prev_h @ Wh                                # (N, 4H) a_t
        _activate_gates(gates_t, H)                           # (N, 4H) i, f, o, g
        i, f, o, g = (gates_t[:, k * H:(k + 1) * H] for k in range(4))
        prev_c = np.add(f * prev_c, i * g, out=c[:, t])       # (N, H) c_t
        np.tanh(prev_c, out=tanh_c[:, t])                     # (N, H)
        prev_h = np.multiply(o, tanh_c[:, t], out=h[:, t])    # (N, H) h_t
    return h, LSTMCache(x, h0, Wx, Wh, h, c, gates, tanh_c)


def lstm_backward(dh, cache):
    """Backward pass for an LSTM over a whole sequence.

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
    x, h0, Wx, Wh, h, c, gates, tanh_c = cache
    Contract("lstm_backward").upstream("dh", dh, "h", h)
    N, T, D = x.shape
    H = h0.shape[1]
    da = np.empty_like(gates)        # (N, T, 4H) gate gradients of every timestep
    dprev_h = np.zeros_like(h0)      # (N, H) gradient reaching h_t from step t+1
    dprev_c = np.zeros_like(h0)      # (N, H) gradient reaching c_t from step t+1
    zeros = np.zeros_like(h0)
    for t in reversed(range(T)):
        prev_c = c[:, t - 1] if t > 0 else zeros                  # (N, H) c_{t-1}; c_{-1} = 0
        da[:, t], dprev_c = _gate_gradients(
            gates[:, t], tanh_c[:, t], prev_c, dh[:, t] + dprev_h, dprev_c, H)
        dprev_h = da[:, t] @ Wh.T                                 # (N, H) carried back to t-1
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)     # (N, T, H) h_{t-1} for every t
    da_flat = da.reshape(N * T, 4 * H)
    dx = (da_flat @ Wx.T).reshape(N, T, D)      # (N, T, D)
    dh0 = dprev_h                               # (N, H)
    dWx = x.reshape(N * T, D).T @ da_flat       # (D, 4H) summed over every (n, t)
    dWh = prev_h.reshape(N * T, H).T @ da_flat  # (H, 4H)
    db = da_flat.sum(axis=0)                    # (4H,)
    return dx, dh0, dWx, dWh, db
