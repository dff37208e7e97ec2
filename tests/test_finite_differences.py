"""Both trees against central finite differences, an oracle that involves neither backward.

For every layer, on tiny float64 shapes, along every coordinate of every differentiated
argument: the manual gradients agree with the finite differences of manual's forward, and
autograd's vector-Jacobian products agree with the finite differences of the autograd twin.
"""
import numpy as np
import pytest
from hypothesis import given, settings

from layer_testing import (
    GRADIENT_FUNCTIONS,
    NUMPY_SEEDS,
    assert_close,
    differentiated,
    finite_difference_gradients,
    manual_gradients,
    manual_outputs,
    random_case,
    reference_gradients,
    reference_outputs,
    sizes_strategy,
)
from rnn_autograd.gradcheck.inputs import DISTINCT_SIZES, UNIT_SIZES
from rnn_autograd.gradcheck.layers import layer_of

# Central differences: truncation error ~ STEP**2 * f''' / 6 ~ 1e-13, rounding error
# ~ 1e-16 * |f| / STEP ~ 1e-9 for the |f| ~ 10 of these tiny cases. 1e-6 relative (absolute
# part scaled by the largest entry) is far above both (measured: at most ~1e-9 of the largest
# entry) and far below a wrong gradient.
STEP = 1e-6
FD_RTOL = 1e-6
FD_ATOL = 1e-7

TINY_SIZES = {
    "unit": UNIT_SIZES,                                # N = T = H = 1
    "tiny": dict(N=2, T=3, D=3, H=2, V=2, M=1),        # T > 1, repeated indices,
                                                       # an all-False mask row
    "distinct": DISTINCT_SIZES,                        # pairwise distinct sizes
}


def check_against_finite_differences(function, sizes, seed):
    layer = layer_of(function)
    inputs, upstream = random_case(layer, sizes, seed)
    names = differentiated(layer)
    trees = (
        ("manual", manual_gradients, lambda probe: manual_outputs(layer, probe)),
        ("autograd", reference_gradients, lambda probe: reference_outputs(layer, probe)),
    )
    for tree, gradients_of, forward in trees:
        gradients = gradients_of(layer, inputs, upstream)
        expected = finite_difference_gradients(forward, inputs, names, upstream, STEP)
        for name in expected:
            assert_close(gradients[name], expected[name], FD_RTOL, FD_ATOL,
                         f"{function} ({tree}): {name} vs finite differences")


@pytest.mark.parametrize("case", list(TINY_SIZES))
@pytest.mark.parametrize("function", GRADIENT_FUNCTIONS)
def test_gradients_match_finite_differences(function, case):
    check_against_finite_differences(function, TINY_SIZES[case], seed=7)


@pytest.mark.parametrize("function", GRADIENT_FUNCTIONS)
@settings(max_examples=10, deadline=None, print_blob=True)
@given(sizes=sizes_strategy(largest=3), seed=NUMPY_SEEDS)
def test_gradients_match_finite_differences_random_sizes(function, sizes, seed):
    check_against_finite_differences(function, sizes, seed)


def test_finite_differences_oracle_on_a_known_gradient():
    """The oracle itself: d/dA sum(G * A @ B) = G @ B.T, known in closed form."""
    rng = np.random.default_rng(0)
    inputs = {"A": rng.standard_normal((2, 3)), "B": rng.standard_normal((3, 4))}
    upstream = {"dout": rng.standard_normal((2, 4))}
    gradients = finite_difference_gradients(lambda a: (a["A"] @ a["B"],), inputs, ("A",),
                                            upstream, STEP)
    np.testing.assert_allclose(gradients["dA"], upstream["dout"] @ inputs["B"].T,
                               rtol=FD_RTOL, atol=FD_ATOL)
