"""Vanilla RNN with a tanh activation (autograd twin of manual/rnn.py).

    h_t = tanh(x_t Wx + h_{t-1} Wh + b)     (N, H)
"""
import autograd.numpy as np

from layer_contracts import Contract


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
    contract = Contract("rnn_step")
    contract.floats("x", x, "N,D")
    contract.floats("prev_h", prev_h, "N,H")
    contract.floats("Wx", Wx, "D,H")
    contract.floats("Wh", Wh, "H,H")
    contract.floats("b", b, "H")
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
    contract = Contract("rnn")
    contract.floats("x", x, "N,T,D")
    contract.floats("h0", h0, "N,H")
    contract.floats("Wx", Wx, "D,H")
    contract.floats("Wh", Wh, "H,H")
    contract.floats("b", b, "H")
    projected = x @ Wx + b  # (N, T, H) every timestep's input term at once
    hs, prev_h = [], h0
    for t in range(x.shape[1]):
        prev_h = np.tanh(projected[:, t] + prev_h @ Wh)  # (N, H)
        hs.append(prev_h)
    return np.stack(hs, axis=1)  # (N, T, H)
