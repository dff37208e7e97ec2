"""`manual` against its autograd twin, for each of the 14 seed functions and the optional affine.

- forward functions: the outputs of `manual` equal those of `rnn_autograd` (the reference);
- backward functions: every gradient equals autograd's vector-Jacobian product for random
  upstream gradients, with the exact shape and dtype; temporal_softmax_loss's returned dx equals
  autograd's gradient of the loss; sigmoid's derivative s * (1 - s) equals autograd's.

Each runs on the fixed cases of `layer_testing.CASES` (ids such as "lstm_step_backward-seed3")
and on sizes drawn by hypothesis.
"""
import warnings

import autograd
import numpy as np
import pytest
from hypothesis import given, settings

import manual
import rnn_autograd
from layer_testing import (
    CASES,
    FORWARD_FUNCTIONS,
    GRADIENT_FUNCTIONS,
    NUMPY_SEEDS,
    assert_close,
    manual_gradients,
    manual_outputs,
    parametrise_cases,
    random_case,
    reference_gradients,
    reference_outputs,
    sizes_strategy,
)
from rnn_autograd.gradcheck.inputs import (
    DISTINCT_SIZES,
    UNIT_SIZES,
    extreme_regimes,
    has_extreme_case,
    make_inputs,
)
from rnn_autograd.gradcheck.layers import LAYERS, layer_of

# float64, same math in both trees: only the order of roundings differs (sums over N and T,
# fused vs split matrix products), a few ulps per operation over a few dozen operations.
# 1e-9 relative leaves a wide margin over that while any real error (a missing term, a wrong
# transpose, a dropped repeated index) is of order 1e-2 or more. The absolute part is scaled by
# the largest entry (see assert_close) for entries that cancel to nearly zero.
VJP_RTOL = 1e-9
VJP_ATOL = 1e-12
# The same comparison in float32 (extreme-input test): a few float32 roundings (6e-8 each) apart.
FLOAT32_VJP_RTOL = 1e-5
FLOAT32_VJP_ATOL = 1e-6

# Hypothesis draws per test: 16 tests x 50 draws of a few ms each take a few seconds.
HYPOTHESIS_SETTINGS = settings(max_examples=50, deadline=None, print_blob=True)


def check_forward(function, sizes, seed):
    layer = layer_of(function)
    inputs, _ = random_case(layer, sizes, seed)
    expected = reference_outputs(layer, inputs)
    actual = manual_outputs(layer, inputs)
    assert len(actual) == len(expected) == len(layer.outputs)
    for name, actual_output, expected_output in zip(layer.outputs, actual, expected):
        assert_close(actual_output, expected_output, VJP_RTOL, VJP_ATOL, f"{function}: {name}")


def check_gradients(function, sizes, seed):
    layer = layer_of(function)
    inputs, upstream = random_case(layer, sizes, seed)
    expected = reference_gradients(layer, inputs, upstream)
    actual = manual_gradients(layer, inputs, upstream)
    assert list(actual) == list(expected), f"{function}: returns {list(actual)}"
    for name, expected_gradient in expected.items():
        # autograd's VJP has the argument's shape and dtype; so must the manual gradient.
        argument = inputs[name[1:]]
        assert expected_gradient.shape == argument.shape
        assert expected_gradient.dtype == argument.dtype
        assert_close(actual[name], expected_gradient, VJP_RTOL, VJP_ATOL, f"{function}: {name}")
    if layer.loss_gradient:  # masked positions get exactly zero gradient
        masked = ~inputs["mask"].astype(bool)
        assert np.all(actual["dx"][masked] == 0)


@pytest.mark.parametrize("function, sizes, seed", parametrise_cases(FORWARD_FUNCTIONS))
def test_forward_matches_reference(function, sizes, seed):
    check_forward(function, sizes, seed)


@pytest.mark.parametrize("function, sizes, seed", parametrise_cases(GRADIENT_FUNCTIONS))
def test_gradients_match_autograd_vjp(function, sizes, seed):
    check_gradients(function, sizes, seed)


@pytest.mark.parametrize("function", FORWARD_FUNCTIONS)
@HYPOTHESIS_SETTINGS
@given(sizes=sizes_strategy(), seed=NUMPY_SEEDS)
def test_forward_matches_reference_random_sizes(function, sizes, seed):
    check_forward(function, sizes, seed)


@pytest.mark.parametrize("function", GRADIENT_FUNCTIONS)
@HYPOTHESIS_SETTINGS
@given(sizes=sizes_strategy(), seed=NUMPY_SEEDS)
def test_gradients_match_autograd_vjp_random_sizes(function, sizes, seed):
    check_gradients(function, sizes, seed)


def test_every_seed_function_is_covered():
    """The two lists above cover all 14 seed functions of the registry, and the optional
    affine pair; the optional functions are not counted among the seed's."""
    from rnn_autograd.gradcheck.layers import OPTIONAL_FUNCTIONS, SEED_FUNCTIONS
    assert len(SEED_FUNCTIONS) == 14
    assert OPTIONAL_FUNCTIONS == ("affine_forward", "affine_backward")
    assert not set(SEED_FUNCTIONS) & set(OPTIONAL_FUNCTIONS)
    assert (set(FORWARD_FUNCTIONS) | set(GRADIENT_FUNCTIONS)
            == set(SEED_FUNCTIONS) | set(OPTIONAL_FUNCTIONS))


# ---------------------------------------------------------------------------------------------
# Extreme inputs: sigmoid at +-1000, softmax scores at +-800
# ---------------------------------------------------------------------------------------------

EXTREME_LAYERS = [layer for layer in LAYERS if has_extreme_case(layer)]


def _no_warnings(call, *args):
    """Run call(*args) with every warning an error and numpy raising on overflow, division by
    zero and invalid values. Underflow stays numpy's default (ignored): sigmoid(-1000) = 0 is
    the correctly rounded result and cannot be reached without underflowing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            return call(*args)


EXTREME_CASES = [(layer, regime) for layer in EXTREME_LAYERS for regime in extreme_regimes(layer)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sizes", [DISTINCT_SIZES, UNIT_SIZES], ids=["distinct", "unit"])
@pytest.mark.parametrize("layer, regime", EXTREME_CASES,
                         ids=[f"{layer.name}-{regime}" for layer, regime in EXTREME_CASES])
def test_extreme_inputs_give_finite_values_and_gradients(layer, regime, sizes, dtype):
    """Both trees survive every regime of extreme inputs, the far-apart softmax scores included
    (the twins are log-sum-exp stable; the course's own loss is not, which is a warning)."""
    rng = np.random.default_rng(5)
    inputs = make_inputs(layer, sizes, rng, dtype, extreme=regime)
    upstream = random_case(layer, sizes, 5, dtype)[1]
    assert max(np.max(np.abs(inputs[arg.name])) for arg in layer.args if arg.extremes) >= 700
    results = {
        "manual outputs": _no_warnings(manual_outputs, layer, inputs),
        "autograd outputs": _no_warnings(reference_outputs, layer, inputs),
    }
    manual_result = _no_warnings(manual_gradients, layer, inputs, upstream)
    reference_result = _no_warnings(reference_gradients, layer, inputs, upstream)
    for name, gradient in manual_result.items():
        results["manual " + name] = [gradient]
        results["autograd " + name] = [reference_result[name]]
    for name, values in results.items():
        for value in values:
            assert np.all(np.isfinite(value)), f"{layer.name}: {name} is not finite"
            assert np.asarray(value).dtype == dtype, f"{layer.name}: {name} is {value.dtype}"
    # both trees agree there too: float64 as tightly as anywhere; float32 to float32 precision
    rtol, atol = ((VJP_RTOL, VJP_ATOL) if dtype == np.float64
                  else (FLOAT32_VJP_RTOL, FLOAT32_VJP_ATOL))
    for name in manual_result:
        assert_close(manual_result[name], reference_result[name], rtol, atol,
                     f"{layer.name}: {name}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_values_and_gradient_at_the_extremes(dtype):
    """sigmoid(+-1000) is 1 / 0 exactly, sigmoid(0) = 0.5; autograd's gradient is exactly 0.25
    at 0 and 0 at +-1000, all without a warning, in both trees."""
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0], dtype=dtype)
    for sigmoid in (manual.sigmoid, rnn_autograd.sigmoid):
        s = _no_warnings(sigmoid, x)
        assert s.dtype == dtype
        assert s[0] == 0 and s[2] == 0.5 and s[4] == 1
        assert 0 < s[1] < 1e-17 and 1 - 1e-7 < s[3] <= 1   # sigmoid(-40) = 4.2e-18 keeps its digits
        gradient = _no_warnings(autograd.elementwise_grad(sigmoid), x)
        assert gradient.dtype == dtype
        assert np.all(np.isfinite(gradient))
        assert gradient[2] == 0.25
        assert gradient[0] == 0 and gradient[4] == 0


def test_fixed_cases_cover_the_mandatory_situations():
    """The fixed cases hold, by construction and not by luck: N = 1, T = 1, H = 1, T > 1,
    D != H, N != H, pairwise-distinct sizes, repeated word indices, masks with both values and
    an all-False row, and non-zero biases."""
    sizes = [case_sizes for _, case_sizes, _ in CASES]
    for letter in "NTH":
        assert any(size[letter] == 1 for size in sizes), f"no case with {letter} = 1"
    assert any(size["N"] == size["T"] == size["H"] == 1 for size in sizes)
    assert any(size["T"] > 1 for size in sizes)
    assert any(size["D"] != size["H"] for size in sizes)
    assert any(size["N"] != size["H"] for size in sizes)
    assert any(len({size[letter] for letter in "NTDHV"}) == 5 for size in sizes)

    embedding = layer_of("word_embedding_forward")
    loss = layer_of("temporal_softmax_loss")
    repeats = both_values = all_false_row = 0
    for _, case_sizes, seed in CASES:
        indices = random_case(embedding, case_sizes, seed)[0]["x"]
        repeats += len(np.unique(indices)) < indices.size
        mask = random_case(loss, case_sizes, seed)[0]["mask"]
        both_values += bool(mask.any() and not mask.all())
        all_false_row += bool((~mask).all(axis=1).any())
        for layer in LAYERS:
            for arg in layer.args:
                if arg.kind == "bias":
                    assert np.all(random_case(layer, case_sizes, seed)[0][arg.name] != 0)
    assert repeats and both_values and all_false_row
