"""Activation functions shared by the layers: the seed's stable `sigmoid`, and the gates' fast form.

Two formulas of the same function, because they are used for different things:
- `sigmoid`, the seed's public function, is stable and exact for any input: sigmoid(-1000) = 0
  without a warning, and tiny values keep their relative precision (sigmoid(-40) = 4.2e-18).
  The step functions of manual/lstm.py (the teaching form) use it.
- `gate_sigmoid` is the form the sequence functions (the fast form) use on the LSTM gates
  i, f, o: (1 + tanh(a/2)) / 2 in four in-place passes over one buffer, no temporaries. It is
  the same function; what it gives up is the relative precision of tiny outputs (it returns 0
  for a < -38 in float64, a < -20 in float32): an absolute error of at most 1.2e-16 in float64
  and 6e-8 in float32 (measured over [-60, 60]), which no output or gradient of an LSTM can
  show. benchmarks/README.md has what it saves.
"""
import numpy as np

from layer_contracts.signatures import SIGNATURES


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
    SIGNATURES["sigmoid"].check("sigmoid", x)
    return np.exp(-np.logaddexp(0, -x))


def gate_sigmoid(a, out):
    """Write sigmoid(a) = (1 + tanh(a / 2)) / 2 into out (which may be a itself); return out.

    The identity: 1 / (1 + e^-a) = (e^(a/2)) / (e^(a/2) + e^(-a/2)) = (1 + tanh(a/2)) / 2.
    tanh never overflows, so no input needs a special case.

    Inputs:
    - a: floating-point array, the pre-activations of the gates i, f, o
    - out: array of the same shape and dtype, written in place
    """
    np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out
