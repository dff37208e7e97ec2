"""Shared helpers of the test suite: run a registered layer in either tree, and the oracles.

Every test iterates `rnn_autograd.gradcheck.layers.LAYERS`; nothing here lists layers by hand.

It shares the checker's case builder (`rnn_autograd.gradcheck.inputs`) and its layer table, but
keeps an independent reference and comparison on purpose: the suite also tests the checker,
and a bug in the checker's reference (one `autograd.grad` over all arguments) or in its
normwise comparison must not be able to hide in both. Here every argument gets its own
`autograd.make_vjp`, and values are compared with numpy's assert_allclose.

- `manual_outputs` / `manual_gradients`: the hand-written tree (`manual`).
- `reference_outputs` / `reference_gradients`: the autograd twins and autograd's
  vector-Jacobian products (`autograd.make_vjp`).
- `finite_difference_gradients`: central differences of a forward function, an oracle that
  involves neither tree's backward pass.
- `CASES`: the fixed cases (named sizes + numpy seed) every parametrised test runs, and
  `sizes_strategy`: the hypothesis strategy for random sizes.

Legend: N batch, T time, D input, H hidden, V vocabulary, M output.
"""
import autograd
import numpy as np
from autograd.builtins import tuple as traced_tuple
from hypothesis import strategies as st

import manual
from rnn_autograd.gradcheck.inputs import (
    DISTINCT_SIZES,
    SIZE_LETTERS,
    UNIT_SIZES,
    draw_sizes,
    make_inputs,
    make_upstream,
)
from rnn_autograd.gradcheck.layers import LAYERS

# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

# Sizes every test runs on purpose, not by luck of a random draw. Each line says what it covers.
MANDATORY_SIZES = {
    "distinct": DISTINCT_SIZES,                        # pairwise distinct: a Wx / Wh mix-up fails
    "unit": UNIT_SIZES,                                # N = T = H = 1 (and M = 1)
    "batch1": dict(N=1, T=3, D=2, H=3, V=3, M=2),      # N = 1 with T > 1: no all-False mask row
    "time1": dict(N=3, T=1, D=3, H=2, V=4, M=3),       # T = 1 with N > 1
    "hidden1": dict(N=2, T=3, D=3, H=1, V=2, M=1),     # H = 1 with N, T > 1
    "repeats": dict(N=3, T=4, D=2, H=3, V=2, M=2),     # small V: 12 indices in 2 words: repeats
}
RANDOM_SEEDS = range(4)  # extra cases with `draw_sizes`, ids "...-seed0" .. "...-seed3"


def _case_list():
    """(id, sizes, numpy seed) for every fixed case: the mandatory sizes, then seeded draws."""
    cases = [(name, sizes, 1000 + number)
             for number, (name, sizes) in enumerate(MANDATORY_SIZES.items())]
    for seed in RANDOM_SEEDS:
        cases.append((f"seed{seed}", draw_sizes(np.random.default_rng(seed)), seed))
    return cases


CASES = _case_list()


def parametrise_cases(functions):
    """pytest parameters (function, sizes, seed) with ids such as "lstm_step_backward-seed3"."""
    import pytest
    return [pytest.param(function, sizes, seed, id=f"{function}-{case}")
            for function in functions for case, sizes, seed in CASES]


@st.composite
def sizes_strategy(draw, largest=4):
    """Random sizes in [1, largest] (V in [1, largest + 2]); equal sizes are allowed too."""
    sizes = {letter: draw(st.integers(1, largest), label=letter) for letter in SIZE_LETTERS}
    sizes["V"] = draw(st.integers(1, largest + 2), label="V")
    return sizes


NUMPY_SEEDS = st.integers(0, 2**32 - 1)

# ---------------------------------------------------------------------------------------------
# Layers by seed function name
# ---------------------------------------------------------------------------------------------

FORWARD_FUNCTIONS = tuple(layer.forward for layer in LAYERS)
# The function whose gradients a layer is judged by: its backward, or the forward itself for
# temporal_softmax_loss (returns dx) and sigmoid (its derivative s * (1 - s), used by the LSTM).
GRADIENT_FUNCTIONS = tuple(layer.backward or layer.forward for layer in LAYERS)


def differentiated(layer):
    """Names of the arguments whose gradients are compared: the backward's, or sigmoid's x."""
    return layer.wrt or tuple(arg.name for arg in layer.args if arg.differentiable)


def random_case(layer, sizes, seed, dtype=np.float64):
    """Inputs and upstream gradients for `layer` from one numpy seed.

    The loss layer's upstream gradient is 1: temporal_softmax_loss returns dloss/dx itself.
    """
    rng = np.random.default_rng(seed)
    inputs = make_inputs(layer, sizes, rng, dtype)
    if layer.loss_gradient:
        upstream = {"d" + layer.outputs[0]: np.ones((), dtype=dtype)}
    else:
        upstream = make_upstream(layer, sizes, rng, dtype)
    return inputs, upstream


# ---------------------------------------------------------------------------------------------
# The two trees
# ---------------------------------------------------------------------------------------------

def manual_forward(layer, inputs):
    """Call manual's forward: returns (outputs tuple, cache or None, returned dx or None)."""
    result = getattr(manual, layer.forward)(**inputs)
    if layer.loss_gradient:            # temporal_softmax_loss -> loss, dx
        loss, dx = result
        return (loss,), None, dx
    if not layer.has_cache:            # sigmoid -> s
        return (result,), None, None
    *outputs, cache = result           # forward -> outputs..., cache
    return tuple(outputs), cache, None


def manual_outputs(layer, inputs):
    """The forward outputs of manual, as a tuple (next_h,), (next_h, next_c), (loss,) ..."""
    return manual_forward(layer, inputs)[0]


def manual_backward(layer, cache, upstream):
    """Call manual's backward on a cache: returns {"dx": ..., "dWx": ...} in the seed's order."""
    gradients = getattr(manual, layer.backward)(*upstream.values(), cache)
    if len(layer.wrt) == 1:            # word_embedding_backward returns dW alone
        gradients = (gradients,)
    assert len(gradients) == len(layer.wrt), f"{layer.backward} returned {len(gradients)} values"
    return dict(zip(layer.gradient_names, gradients))


def manual_gradients(layer, inputs, upstream):
    """The gradients manual computes for `upstream`, keyed "d" + argument name."""
    outputs, cache, returned_dx = manual_forward(layer, inputs)
    if layer.loss_gradient:
        return {"dx": returned_dx}
    if layer.backward is None:         # sigmoid: the derivative via its output, as the LSTM uses it
        s, = outputs
        return {"dx": upstream["ds"] * s * (1 - s)}
    return manual_backward(layer, cache, upstream)


def reference_outputs(layer, inputs):
    """The forward outputs of the autograd twin, as a tuple."""
    result = layer.reference(**inputs)
    return tuple(result) if len(layer.outputs) > 1 else (result,)


def _positional(layer, inputs):
    return [inputs[arg.name] for arg in layer.args]


def reference_gradients(layer, inputs, upstream):
    """autograd's vector-Jacobian products of the twin for `upstream`, keyed "d" + name."""
    names = [arg.name for arg in layer.args]
    if len(layer.outputs) > 1:         # a tuple of outputs: let autograd trace the tuple
        def function(*args):
            return traced_tuple(layer.reference(*args))
        cotangent = tuple(upstream.values())
    else:
        function = layer.reference
        cotangent, = upstream.values()
    gradients = {}
    for name in differentiated(layer):
        vjp, _ = autograd.make_vjp(function, argnum=names.index(name))(*_positional(layer, inputs))
        gradients["d" + name] = vjp(cotangent)
    return gradients


# ---------------------------------------------------------------------------------------------
# The oracle: central finite differences
# ---------------------------------------------------------------------------------------------

def _projected(forward, inputs, upstream):
    """The scalar sum_k <output_k, upstream_k> in float64, whose gradient is the VJP."""
    outputs = forward(inputs)
    return sum(float(np.sum(np.asarray(output, dtype=np.float64) * gradient))
               for output, gradient in zip(outputs, upstream.values()))


def finite_difference_gradients(forward, inputs, names, upstream, step):
    """Central differences (f(a + step e_j) - f(a - step e_j)) / (2 step) along every coordinate.

    Inputs:
    - forward: inputs dict -> tuple of outputs (either tree's forward; no backward is used)
    - inputs: float64 arguments by name; never modified (each probe is made on a copy)
    - names: the arguments to differentiate
    - upstream: the upstream gradients, one per output
    - step: the finite-difference step

    Returns {"d" + name: array of the argument's shape}.
    """
    gradients = {}
    for name in names:
        base = inputs[name]
        gradient = np.zeros(base.shape, dtype=np.float64)
        for index in np.ndindex(base.shape):
            values = []
            for sign in (+1, -1):
                probe = base.astype(np.float64, copy=True)
                probe[index] += sign * step
                values.append(_projected(forward, {**inputs, name: probe}, upstream))
            gradient[index] = (values[0] - values[1]) / (2 * step)
        gradients["d" + name] = gradient
    return gradients


# ---------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------

def assert_close(actual, expected, rtol, atol, what):
    """Exact shape and dtype, then values within rtol and atol * (largest |expected|, at least 1).

    The absolute part scales with the array so that a gradient whose entries are all large is
    held to the same relative standard as one of order 1; shapes are compared exactly, so a
    (1, H) result where (H,) is expected fails instead of broadcasting.
    """
    actual_array, expected_array = np.asarray(actual), np.asarray(expected)
    assert isinstance(actual, (np.ndarray, np.generic)), \
        f"{what}: expected a numpy array, got {type(actual).__name__}"
    assert actual_array.shape == expected_array.shape, \
        f"{what}: shape {actual_array.shape}, expected {expected_array.shape}"
    assert actual_array.dtype == expected_array.dtype, \
        f"{what}: dtype {actual_array.dtype}, expected {expected_array.dtype}"
    scale = max(1.0, float(np.max(np.abs(expected_array), initial=0.0)))
    np.testing.assert_allclose(actual_array, expected_array, rtol=rtol, atol=atol * scale,
                               err_msg=what)


def read_only(array):
    """A read-only copy of `array` (writing to it raises ValueError)."""
    frozen = np.array(array, copy=True)
    frozen.setflags(write=False)
    return frozen
