"""Bad input fails the same way in both trees, with a message that says what is wrong.

- wrong ndim, or shapes that disagree between arguments -> ValueError naming the function, the
  argument, the shape it got and the shape it needs;
- word indices or labels that are not integers -> TypeError; negative or >= V -> ValueError
  naming the offending value;
- an upstream gradient of the wrong shape to a backward -> ValueError.

Each forward check runs three times: manual, the autograd twin called directly, and the twin
while autograd traces it (`autograd.grad`), where its arguments are ArrayBoxes.
"""
import re

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import manual
from layer_contracts import dims
from layer_testing import manual_forward
from rnn_autograd.gradcheck.inputs import DISTINCT_SIZES, make_inputs, make_upstream
from rnn_autograd.gradcheck.layers import LAYERS

SIZES = DISTINCT_SIZES  # pairwise distinct, so a message's numbers say which size is meant
# sigmoid takes one array of any shape: it has no ndim to get wrong and nothing to disagree with.
SHAPED_LAYERS = [layer for layer in LAYERS if len(layer.args) > 1]
SHAPED_IDS = [layer.name for layer in SHAPED_LAYERS]


def good_inputs(layer):
    return make_inputs(layer, SIZES, np.random.default_rng(0))


def _traced_call(layer, inputs):
    """Call the twin under autograd.grad, differentiating its first floating-point argument."""
    traced = next(arg.name for arg in layer.args if arg.differentiable)

    def scalar(value):
        outputs = layer.reference(**{**inputs, traced: value})
        first = outputs[0] if len(layer.outputs) > 1 else outputs
        return anp.sum(first)
    return autograd.grad(scalar)(inputs[traced])


def calls(layer):
    """(function name in its message, callable taking the inputs dict) for both trees."""
    return [
        (layer.forward, lambda inputs: getattr(manual, layer.forward)(**inputs)),
        (layer.reference.__name__, lambda inputs: layer.reference(**inputs)),
        (layer.reference.__name__, lambda inputs: _traced_call(layer, inputs)),
    ]


def assert_fails_in_both_trees(layer, inputs, error, pattern):
    """Every call of `calls(layer)` raises `error`; its message matches "{function}: " + pattern.

    pattern is a regular expression; "{function}" in it is replaced by each tree's name.
    """
    for function, call in calls(layer):
        with pytest.raises(error) as raised:
            call(inputs)
        message = str(raised.value)
        assert message.startswith(f"{function}: "), message
        assert re.search(pattern.replace("{function}", re.escape(function)), message), \
            f"{message!r} does not match {pattern!r}"


def names_argument_and_shapes(message, inputs):
    """Does the message say '<arg> has shape <its actual shape>; expected (...)'?"""
    found = re.search(r"(\w+) has shape (\([\d, ]*\)); (expected \(|dimension)", message)
    return bool(found) and found.group(1) in inputs and \
        found.group(2) == str(tuple(inputs[found.group(1)].shape))


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", ["extra_axis", "missing_axis"])
@pytest.mark.parametrize("layer", SHAPED_LAYERS, ids=SHAPED_IDS)
def test_wrong_ndim_is_a_value_error(layer, change):
    for arg in layer.args:
        inputs = good_inputs(layer)
        original = inputs[arg.name]
        inputs[arg.name] = original[None] if change == "extra_axis" else original[0]
        got = re.escape(str(tuple(inputs[arg.name].shape)))
        assert_fails_in_both_trees(layer, inputs, ValueError,
                                   rf"\b{arg.name} has shape {got}; expected \(")


def _resized(array, axis, new_size):
    """A copy of `array` with `axis` cut or padded (with its first slice) to `new_size`."""
    if new_size <= array.shape[axis]:
        return np.take(array, range(new_size), axis=axis)
    extra = np.take(array, [0] * (new_size - array.shape[axis]), axis=axis)
    return np.concatenate([array, extra], axis=axis)


@pytest.mark.parametrize("layer", SHAPED_LAYERS, ids=SHAPED_IDS)
def test_every_disagreeing_dimension_is_a_value_error(layer):
    """Grow each axis of each argument by one of its units (4 for 4H): an error exactly when
    another argument shares that size letter (V of word_embedding's W alone defines V)."""
    for arg in layer.args:
        for axis, (factor, letter) in enumerate(dims.parse(arg.dims)):
            others = [other for other in layer.args if other is not arg
                      and letter in dims.letters(other.dims)]
            inputs = good_inputs(layer)
            grown = inputs[arg.name].shape[axis] + factor
            inputs[arg.name] = _resized(inputs[arg.name], axis, grown)
            if not others:
                for _, call in calls(layer):
                    call(inputs)  # the only argument that fixes this size: nothing disagrees
                continue
            for function, call in calls(layer):
                with pytest.raises(ValueError) as raised:
                    call(inputs)
                message = str(raised.value)
                assert message.startswith(f"{function}: "), message
                assert names_argument_and_shapes(message, inputs), message


# The disagreements the issue names, with the expected message written out for DISTINCT_SIZES
# (N, T, D, H, V, M = 3, 4, 5, 6, 7, 8). "{function}" is each tree's function name.
NAMED_DISAGREEMENTS = [
    ("rnn_step", "Wh", (7, 7),  # prev_h says H = 6, Wh says 7
     r"{function}: Wh has shape \(7, 7\); expected \(H, H\) = \(6, 6\) \(H = 6 from prev_h\)"),
    ("rnn", "Wx", (5, 7),       # Wx's H disagrees with h0's (and Wh's)
     r"{function}: Wx has shape \(5, 7\); expected \(D, H\) = \(5, 6\) \(H = 6 from h0\)"),
    ("rnn_step", "b", (6, 1),   # a bias (H, 1) would broadcast (N, H) into (H, H)
     r"{function}: b has shape \(6, 1\); expected \(H,\) = \(6,\)"),
    ("lstm_step", "b", (24, 1),
     r"{function}: b has shape \(24, 1\); expected \(4H,\) = \(24,\)"),
    ("lstm", "Wh", (6, 28),     # Wx vs Wh: 4H = 28 is not 4 * 6
     r"{function}: Wh has shape \(6, 28\); expected \(H, 4H\) = \(6, 24\) \(H = 6 from h0\)"),
    ("lstm_step", "Wx", (5, 26),  # not even a multiple of 4
     r"{function}: Wx has shape \(5, 26\); expected \(D, 4H\) = \(5, 24\) \(H = 6 from prev_h\)"),
    ("temporal_affine", "w", (6, 8),  # w rows vs D
     r"{function}: w has shape \(6, 8\); expected \(D, M\) \(D = 5 from x\)"),
    ("temporal_softmax_loss", "mask", (3, 5),  # mask vs (N, T)
     r"{function}: mask has shape \(3, 5\); expected \(N, T\) = \(3, 4\) \(T = 4 from x\)"),
    ("temporal_softmax_loss", "y", (4, 3),  # labels transposed
     r"{function}: y has shape \(4, 3\); expected \(N, T\) = \(3, 4\) \(N = 3 from x\)"),
    ("word_embedding", "x", (3, 4, 1),
     r"{function}: x has shape \(3, 4, 1\); expected \(N, T\)"),  # W was checked first
]


@pytest.mark.parametrize("layer_name, argument, shape, pattern", NAMED_DISAGREEMENTS,
                         ids=[f"{name}-{argument}{shape}" for name, argument, shape, _
                              in NAMED_DISAGREEMENTS])
def test_named_disagreement_message(layer_name, argument, shape, pattern):
    layer = next(layer for layer in LAYERS if layer.name == layer_name)
    inputs = good_inputs(layer)
    original = inputs[argument]
    inputs[argument] = np.resize(original, shape).astype(original.dtype)
    assert_fails_in_both_trees(layer, inputs, ValueError, "^" + pattern + "$")


# ---------------------------------------------------------------------------------------------
# Word indices and labels
# ---------------------------------------------------------------------------------------------

INDEX_ARGUMENTS = [(layer, arg) for layer in LAYERS for arg in layer.args if arg.kind == "index"]
INDEX_IDS = [f"{layer.name}-{arg.name}" for layer, arg in INDEX_ARGUMENTS]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.bool_])
@pytest.mark.parametrize("layer, arg", INDEX_ARGUMENTS, ids=INDEX_IDS)
def test_non_integer_indices_are_a_type_error(layer, arg, dtype):
    inputs = good_inputs(layer)
    inputs[arg.name] = inputs[arg.name].astype(dtype)
    assert_fails_in_both_trees(layer, inputs, TypeError,
                               rf"\b{arg.name} must hold integer indices, got dtype")


@pytest.mark.parametrize("value_of", [lambda V: -1, lambda V: -V, lambda V: V, lambda V: V + 5],
                         ids=["minus1", "minusV", "V", "Vplus5"])
@pytest.mark.parametrize("layer, arg", INDEX_ARGUMENTS, ids=INDEX_IDS)
def test_indices_out_of_range_are_a_value_error(layer, arg, value_of):
    """numpy would wrap -1 to V - 1 silently, and raise a bare IndexError for V."""
    V = SIZES[arg.upper]
    inputs = good_inputs(layer)
    bad = inputs[arg.name].copy()
    bad[1, 2] = value_of(V)
    inputs[arg.name] = bad
    problem = "negative" if value_of(V) < 0 else "too large"
    assert_fails_in_both_trees(
        layer, inputs, ValueError,
        rf"\b{arg.name}\[1, 2\] = {value_of(V)} is {problem}; expected integers in "
        rf"0 <= {arg.name} < V = {V}$")


@pytest.mark.parametrize("layer, arg", INDEX_ARGUMENTS, ids=INDEX_IDS)
def test_every_valid_index_is_accepted(layer, arg):
    """0 and V - 1, the two ends of the range, pass the check (and unsigned integers too)."""
    V = SIZES[arg.upper]
    inputs = good_inputs(layer)
    edges = inputs[arg.name].copy()
    edges[0, 0], edges[-1, -1] = 0, V - 1
    for dtype in (np.int64, np.int32, np.uint8):
        inputs[arg.name] = edges.astype(dtype)
        for _, call in calls(layer):
            call(inputs)


# ---------------------------------------------------------------------------------------------
# Masks and dtypes
# ---------------------------------------------------------------------------------------------

MASK_LAYERS = [layer for layer in LAYERS if any(arg.kind == "mask" for arg in layer.args)]


@pytest.mark.parametrize("layer", MASK_LAYERS, ids=[layer.name for layer in MASK_LAYERS])
def test_mask_with_values_other_than_0_and_1_is_a_value_error(layer):
    inputs = good_inputs(layer)
    inputs["mask"] = inputs["mask"].astype(np.float64) * 2
    assert_fails_in_both_trees(layer, inputs, ValueError, r"\bmask must be boolean")


@pytest.mark.parametrize("layer", LAYERS, ids=[layer.name for layer in LAYERS])
def test_integer_data_is_a_type_error(layer):
    """Float arguments given as integers: a silent integer matmul would be no gradient at all."""
    for arg in layer.args:
        if not arg.differentiable:
            continue
        inputs = good_inputs(layer)
        inputs[arg.name] = np.round(inputs[arg.name]).astype(np.int64)
        assert_fails_in_both_trees(layer, inputs, TypeError,
                                   rf"\b{arg.name} must be a floating-point array")


@pytest.mark.parametrize("layer", [layer for layer in LAYERS
                                   if sum(arg.differentiable for arg in layer.args) > 1],
                         ids=lambda layer: layer.name)
def test_mixed_float_dtypes_are_a_type_error(layer):
    inputs = good_inputs(layer)
    last = [arg.name for arg in layer.args if arg.differentiable][-1]
    inputs[last] = inputs[last].astype(np.float32)
    assert_fails_in_both_trees(layer, inputs, TypeError,
                               rf"\b{last} has dtype float32 but \w+ has dtype float64")


# ---------------------------------------------------------------------------------------------
# Upstream gradients
# ---------------------------------------------------------------------------------------------

BACKWARD_LAYERS = [layer for layer in LAYERS if layer.backward]
BACKWARD_IDS = [layer.backward for layer in BACKWARD_LAYERS]


def _wrong_shapes(shape):
    """Shapes an upstream gradient must not be accepted in: would-broadcast and off-by-one."""
    yield (1,) + shape                              # (1, N, H): broadcasts to (N, H)
    yield shape[1:]                                 # (H,): broadcasts to (N, H)
    yield shape[:-1] + (shape[-1] + 1,)             # one too many in the last axis
    yield shape[::-1]                               # transposed


@pytest.mark.parametrize("layer", BACKWARD_LAYERS, ids=BACKWARD_IDS)
def test_upstream_gradient_of_wrong_shape_is_a_value_error(layer):
    rng = np.random.default_rng(0)
    inputs = make_inputs(layer, SIZES, rng)
    _, cache, _ = manual_forward(layer, inputs)
    upstream = make_upstream(layer, SIZES, rng)
    backward = getattr(manual, layer.backward)
    for name, good in upstream.items():
        for shape in _wrong_shapes(good.shape):
            if shape == good.shape:
                continue
            bad = dict(upstream, **{name: np.resize(good, shape)})
            with pytest.raises(ValueError) as raised:
                backward(*bad.values(), cache)
            got = re.escape(str(shape))
            assert re.match(rf"{layer.backward}: {name} has shape {got}; expected "
                            rf"{re.escape(str(good.shape))}", str(raised.value)), str(raised.value)


@pytest.mark.parametrize("layer", BACKWARD_LAYERS, ids=BACKWARD_IDS)
def test_upstream_gradient_of_other_dtype_is_a_type_error(layer):
    """A float32 upstream gradient into a float64 cache would silently mix precisions."""
    rng = np.random.default_rng(0)
    _, cache, _ = manual_forward(layer, make_inputs(layer, SIZES, rng))
    upstream = make_upstream(layer, SIZES, rng, dtype=np.float32)
    with pytest.raises(TypeError, match=rf"^{layer.backward}: d\w+ has dtype float32"):
        getattr(manual, layer.backward)(*upstream.values(), cache)
