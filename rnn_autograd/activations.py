"""Activation functions shared by the layers (autograd twin of manual/activations.py).

Two formulas of the same function, as in manual/activations.py:
- `sigmoid`, the seed's public function: stable for any input, in its value and in the gradient
  autograd derives from it.
- `gate_sigmoid`, what `lstm` uses on the gates i, f, o: (1 + tanh(a/2)) / 2, cheaper to
  evaluate and to differentiate than logaddexp (measured to matter for the LSTM twin's
  forward+backward: benchmarks/README.md).
"""
import autograd.numpy as np

from layer_contracts.signatures import SIGNATURES


def sigmoid(x):
    """Compute the logistic sigmoid s = 1 / (1 + exp(-x)), stable for any x.

    exp(-log(1 + exp(-x))) with `np.logaddexp(0, -x)`: no overflow at +-1000 in the value, and
    autograd's rule for logaddexp, exp(-x - logaddexp(0, -x)) = 1 - s, keeps the gradient
    finite too (0 at +-1000, exactly 0.25 at 0).

    Inputs:
    - x: array of any shape, floating point

    Returns:
    - s: array of the same shape and dtype as x
    """
    SIGNATURES["sigmoid"].check("sigmoid", x)
    return np.exp(-np.logaddexp(0, -x))


def gate_sigmoid(a):
    """Compute sigmoid(a) = (1 + tanh(a / 2)) / 2, the form the LSTM gates i, f, o use.

    The same function as `sigmoid` (1 / (1 + e^-a) = (1 + tanh(a/2)) / 2), vectorised in value
    and gradient. What it gives up is `sigmoid`'s relative precision on tiny outputs
    (sigmoid(-40) is 0 here, not 4.2e-18): an absolute error of 1e-17 in a gate, which no
    output or gradient of the LSTM can show.

    Inputs:
    - a: array of any shape, floating point

    Returns:
    - s: array of the same shape and dtype as a
    """
    return 0.5 * np.tanh(0.5 * a) + 0.5
