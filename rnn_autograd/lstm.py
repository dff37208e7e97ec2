"""LSTM, gates packed i, f, o, g along the 4H axis (autograd twin of manual/lstm.py).

    a_t = x_t Wx + h_{t-1} Wh + b                            (N, 4H)
    i, f, o = sigmoid of a_t's blocks 0, 1, 2; g = tanh of block 3   (N, H) each
    c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t)          (N, H)
"""
import autograd.numpy as np

from layer_contracts import Contract


def _gate_sigmoid(a):
    """sigmoid(a) for the gates i, f, o, written (1 + tanh(a / 2)) / 2.

    The same function as `sigmoid` (1 / (1 + e^-a) = (1 + tanh(a/2)) / 2), in a form that is
    cheap to evaluate and to differentiate: numpy's tanh is vectorised, while the logaddexp
    that `sigmoid` uses is a scalar loop (2.4 ms of the 5.5 ms per step of the untraced forward
    at the benchmark's large size). What it gives up is `sigmoid`'s relative precision on tiny
    outputs (sigmoid(-40) is 0 here, not 4.2e-18): an absolute error of 1e-17 in a gate, which
    no output or gradient of the LSTM can show.
    """
    return 0.5 * np.tanh(0.5 * a) + 0.5


def _cell(a, prev_c, H):
    """One LSTM cell update from the pre-activations a (N, 4H): returns (next_h, next_c)."""
    a_ifo, a_g = np.split(a, [3 * H], axis=1)  # (N, 3H), (N, H); split's gradient is one concatenate
    i, f, o = np.split(_gate_sigmoid(a_ifo), 3, axis=1)  # (N, H) each: gates i, f, o
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
    contract = Contract("lstm_step")
    contract.floats("x", x, "N,D")
    contract.floats("prev_h", prev_h, "N,H")
    contract.floats("prev_c", prev_c, "N,H")
    contract.floats("Wx", Wx, "D,4H")
    contract.floats("Wh", Wh, "H,4H")
    contract.floats("b", b, "4H")
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
    contract = Contract("lstm")
    contract.floats("x", x, "N,T,D")
    contract.floats("h0", h0, "N,H")
    contract.floats("Wx", Wx, "D,4H")
    contract.floats("Wh", Wh, "H,4H")
    contract.floats("b", b, "4H")
    N, T, D = x.shape
    H = h0.shape[1]
    if T == 0:
        return np.zeros((N, 0, H), dtype=h0.dtype)  # no timesteps, nothing to stack
    # The input term of every timestep in one product, time-major, then cut into T blocks:
    # np.split's gradient is a single concatenate, where indexing projected[:, t] in the loop
    # would add a (N, T, 4H) scatter to the backward pass at every step.
    x_by_time = np.reshape(np.transpose(x, (1, 0, 2)), (T * N, D))  # (T*N, D)
    projected = np.split(x_by_time @ Wx + b, T, axis=0)             # T blocks of (N, 4H)
    hs, prev_h, prev_c = [], h0, np.zeros(h0.shape, dtype=h0.dtype)
    for projected_t in projected:
        prev_h, prev_c = _cell(projected_t + prev_h @ Wh, prev_c, H)  # (N, H) each
        hs.append(prev_h)
    # Joined time-major, then seen as (N, T, H): np.stack(hs, axis=1) would index every h_t
    # with a new axis, one more traced primitive (and scatter in the backward) per step.
    h_by_time = np.reshape(np.concatenate(hs, axis=0), (T, N, H))  # (T, N, H)
    return np.transpose(h_by_time, (1, 0, 2))                     # (N, T, H)
