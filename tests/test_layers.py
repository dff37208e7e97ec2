"""`manual` against its autograd twin, for each of the 14 seed functions.

- forward functions: the outputs of `manual` equal those of `rnn_autograd` (the reference);
- backward functions: every gradient equals autograd's vector-Jacobian product for random
  upstream gradients, with the exact shape and dtype; temporal_softmax_loss's returned dx equals
  autograd's gradient of the loss; sigmoid's derivative s * (1 - s) equals autograd's.

Each runs on the fixed cases of `layer_testing.CASES` (ids such as "lstm_step_backward-seed3")
and on sizes drawn by hypothesis.
"""
import numpy as np
import pytest
from hypothesis import given, settings

from layer_testing import (FORWARD_FUNCTIONS, GRADIENT_FUNCTIONS, NUMPY_SEEDS, assert_close,
                           layer_named, manual_gradients, manual_outputs, parametrise_cases,
                           random_case, reference_gradients, reference_outputs, sizes_strategy)

# float64, same math in both trees: only the order of roundings differs (sums over N and T,
# fused vs split matrix products), a few ulps per operation over a few dozen operations.
# 1e-9 relative leaves a wide margin over that while any real error (a missing term, a wrong
# transpose, a dropped repeated index) is of order 1e-2 or more. The absolute part is scaled by
# the largest entry (see assert_close) for entries that cancel to nearly zero.
VJP_RTOL = 1e-9
VJP_ATOL = 1e-12

# Hypothesis draws per test: 16 tests x 50 draws of a few ms each take a few seconds.
HYPOTHESIS_SETTINGS = settings(max_examples=50, deadline=None, print_blob=True)


def check_forward(function, sizes, seed):
    layer = layer_named(function)
    inputs, _ = random_case(layer, sizes, seed)
    expected = reference_outputs(layer, inputs)
    actual = manual_outputs(layer, inputs)
    assert len(actual) == len(expected) == len(layer.outputs)
    for name, actual_output, expected_output in zip(layer.outputs, actual, expected):
        assert_close(actual_output, expected_output, VJP_RTOL, VJP_ATOL, f"{function}: {name}")


def check_gradients(function, sizes, seed):
    layer = layer_named(function)
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
    """The two lists above cover all 14 seed functions of the registry."""
    from rnn_autograd.registry import SEED_FUNCTIONS
    assert len(SEED_FUNCTIONS) == 14
    assert set(FORWARD_FUNCTIONS) | set(GRADIENT_FUNCTIONS) == set(SEED_FUNCTIONS)
