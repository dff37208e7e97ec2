"""Activation functions shared by the layers."""
import numpy as np

from layer_contracts import Contract


def sigmoid(x):
    """Compute the logistic sigmoid s = 1 / (1 + exp(-x)), stable for any x.

    Written as exp(-log(1 + exp(-x))), with `np.logaddexp(0, -x)` = log(1 + exp(-x)), which
    never overflows: sigmoid(-1000) is 0 and sigmoid(1000) is 1, with no warning, and tiny
    values keep their relative precision (sigmoid(-40) = 4.2e-18, not 0).
    Its derivative, used by the LSTM backward, is s * (1 - s), computed from the output.

    Inputs:
    - x: array of any shape, floating point

    Returns:
    - s: array of the same shape and dtype as x, each element in [0, 1]
    """
    Contract("sigmoid").floating("x", x)
    return np.exp(-np.logaddexp(0, -x))
