"""dtype is preserved, and no function writes into what it is given.

- float32 path: float32 inputs give float32 outputs and gradients, in both trees, that match the
  float64 result of the same values within a float32 tolerance;
- no mutation: read-only arguments, upstream gradients and cache contents are accepted, nothing
  changes, and a backward called twice on the same cache returns identical results.
"""
import numpy as np
import pytest

from layer_testing import (
    FORWARD_FUNCTIONS,
    GRADIENT_FUNCTIONS,
    assert_close,
    manual_backward,
    manual_forward,
    manual_gradients,
    manual_outputs,
    parametrise_cases,
    random_case,
    read_only,
    reference_gradients,
    reference_outputs,
)
from rnn_autograd.gradcheck.layers import layer_of

# float32 has a unit roundoff of 6e-8; a forward is a few dozen roundings deep (T steps of
# matmul, sigmoid, tanh), a backward sums N*T terms per weight entry: measured errors stay
# below ~2e-6 of the largest entry. 1e-4 relative (absolute part scaled by the largest entry)
# leaves that margin while a float16 computation or a lost term would still fail.
FLOAT32_RTOL = 1e-4
FLOAT32_ATOL = 1e-5


def _as_float64(inputs):
    return {name: value.astype(np.float64) if value.dtype == np.float32 else value
            for name, value in inputs.items()}


def _float32_expected(results):
    """The float64 results cast to float32: what the float32 path must come close to."""
    return [np.asarray(result, dtype=np.float64).astype(np.float32) for result in results]


@pytest.mark.parametrize("function, sizes, seed", parametrise_cases(FORWARD_FUNCTIONS))
def test_float32_forward_stays_float32(function, sizes, seed):
    layer = layer_of(function)
    inputs, _ = random_case(layer, sizes, seed, dtype=np.float32)
    expected = _float32_expected(manual_outputs(layer, _as_float64(inputs)))
    for tree, outputs in (("manual", manual_outputs(layer, inputs)),
                          ("autograd", reference_outputs(layer, inputs))):
        for name, output, wanted in zip(layer.outputs, outputs, expected):
            # assert_close checks the dtype exactly: float32, not float64
            assert_close(output, wanted, FLOAT32_RTOL, FLOAT32_ATOL, f"{function} ({tree}): {name}")


@pytest.mark.parametrize("function, sizes, seed", parametrise_cases(GRADIENT_FUNCTIONS))
def test_float32_gradients_stay_float32(function, sizes, seed):
    layer = layer_of(function)
    inputs, upstream = random_case(layer, sizes, seed, dtype=np.float32)
    wide = manual_gradients(layer, _as_float64(inputs), _as_float64(upstream))
    for tree, gradients in (("manual", manual_gradients(layer, inputs, upstream)),
                            ("autograd", reference_gradients(layer, inputs, upstream))):
        assert list(gradients) == list(wide)
        for name, gradient in gradients.items():
            wanted, = _float32_expected([wide[name]])
            assert_close(gradient, wanted, FLOAT32_RTOL, FLOAT32_ATOL,
                         f"{function} ({tree}): {name}")


# ---------------------------------------------------------------------------------------------
# No mutation
# ---------------------------------------------------------------------------------------------

def _freeze_cache(cache):
    """Make every array in the cache read-only in place; return copies of them to compare."""
    copies = {}
    for field, value in zip(cache._fields, cache):
        if isinstance(value, np.ndarray):
            copies[field] = value.copy()
            value.setflags(write=False)
    return copies


def _assert_unchanged(arrays, copies, what):
    for name, copy in copies.items():
        assert np.array_equal(arrays[name], copy), f"{what}: {name} was modified"


def _identical(first, second, what):
    for name in first:
        assert first[name].dtype == second[name].dtype, what
        assert np.array_equal(first[name], second[name]), f"{what}: {name} differs"


@pytest.mark.parametrize("function, sizes, seed", parametrise_cases(GRADIENT_FUNCTIONS))
def test_read_only_inputs_and_cache_are_not_modified(function, sizes, seed):
    layer = layer_of(function)
    inputs, upstream = random_case(layer, sizes, seed)
    input_copies = {name: value.copy() for name, value in inputs.items()}
    upstream_copies = {name: value.copy() for name, value in upstream.items()}
    inputs = {name: read_only(value) for name, value in inputs.items()}
    upstream = {name: read_only(value) for name, value in upstream.items()}

    outputs, cache, returned_dx = manual_forward(layer, inputs)        # no error on read-only
    again_outputs, _, again_dx = manual_forward(layer, inputs)
    _identical(dict(zip(layer.outputs, outputs)), dict(zip(layer.outputs, again_outputs)),
               f"{function}: forward twice")
    if returned_dx is not None:
        _identical({"dx": returned_dx}, {"dx": again_dx}, f"{function}: dx twice")
    if cache is not None:
        cache_copies = _freeze_cache(cache)
        first = manual_backward(layer, cache, upstream)
        second = manual_backward(layer, cache, upstream)                 # the same cache again
        _identical(first, second, f"{layer.backward}: backward twice")
        _assert_unchanged(cache._asdict(), cache_copies, f"{layer.backward}: cache")
    _assert_unchanged(inputs, input_copies, f"{function}: argument")
    _assert_unchanged(upstream, upstream_copies, f"{function}: upstream gradient")

    # the autograd twin and its VJPs take read-only arrays too
    reference_outputs(layer, inputs)
    reference_gradients(layer, inputs, upstream)
    _assert_unchanged(inputs, input_copies, f"{layer.name}: argument")
