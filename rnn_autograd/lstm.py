"""LSTM, gates packed i, f, o, g along the 4H axis (autograd twin of manual/lstm.py).

    a_t = x_t Wx + h_{t-1} Wh + b                            (N, 4H)
    i, f, o = sigmoid of a_t's blocks 0, 1, 2; g = tanh of block 3   (N, H) each
    c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t)          (N, H)
"""
import autograd.numpy as np

from layer_contracts.signatures import SIGNATURES
from rnn_autograd.activations import gate_sigmoid


def _cell(a, prev_c, H):
    """One LSTM cell update from the pre-activations a (N, 4H): returns (next_h, next_c)."""
    a_ifo, a_g = np.split(a, [3 * H], axis=1)  # (N, 3H), (N, H); its gradient: one concatenate
    i, f, o = np.split(gate_sigmoid(a_ifo), 3, axis=1)  # (N, H) each: gates i, f, o
    g = np.tanh(a_g)                            # (N, H) candidate cell
    next_c = f * prev_c + i * g                 # (N, H)
    next_h = o * np.tanh(next_c)                # (N, H)
    return next_h, next_c


def lstm_step(x, prev_h, prev_c, Wx, Wh, b):
    """Run one timestep of an LSTM.

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
    """
    SIGNATURES["lstm_step"].check("lstm_step", x, prev_h, prev_c, Wx, Wh, b)
    return _cell(x @ Wx + prev_h @ Wh + b, prev_c, prev_h.shape[1])


def lstm(x, h0, Wx, Wh, b):
    """Run an LSTM over a whole sequence from c_{-1} = 0 and return every hidden state.

    Inputs:
    - x: (N, T, D) input sequence
    - h0: (N, H) initial hidden state
    - Wx: (D, 4H) input-to-hidden weights
    - Wh: (H, 4H) hidden-to-hidden weights
    - b: (4H,) biases

    Returns:
    - h: (N, T, H) hidden states of every timestep
    """
    SIGNATURES["lstm"].check("lstm", x, h0, Wx, Wh, b)
    N, T = x.shape[:2]
    H = h0.shape[1]
    if T == 0:
        return np.zeros((N, 0, H), dtype=h0.dtype)  # no timesteps, nothing to stack
    hs, prev_h, prev_c = [], h0, np.zeros(h0.shape, dtype=h0.dtype)
    for t in range(T):
        prev_h, prev_c = _cell(x[:, t] @ Wx + prev_h @ Wh + b, prev_c, H)  # (N, H) each
        hs.append(prev_h)
    return np.stack(hs, axis=1)  # (N, T, H)
