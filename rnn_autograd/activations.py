"""Activation functions shared by the layers (autograd twin of manual/activations.py)."""
import autograd.numpy as np

from layer_contracts import Contract


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
    Contract("sigmoid").floating("x", x)
    return np.exp(-np.logaddexp(0, -x))
