"""The optional affine pair beyond what the registry's cases exercise: x of any trailing shape.

The registry (`LAYERS`) tests affine like every layer, with a 2-D x (N, D). The course's
affine_forward reads an x of shape (N, d_1, ..., d_k) as the (N, D) matrix of its flattened
rows, and affine_backward returns dx in x's own shape: checked here, with known values and
against autograd, in both trees; and the messages for an x whose shape does not fit w.
"""
import autograd
import numpy as np
import pytest

import manual
import rnn_autograd
from rnn_autograd.gradcheck.layers import SEED_FUNCTIONS, layer_of

# float64, the same products in both trees: a few ulps apart (see test_layers.VJP_RTOL).
VJP_RTOL = 1e-12
# Known values below are exact small rationals; float64 rounding is far below this.
KNOWN_ATOL = 1e-14


def test_affine_is_registered_as_optional():
    layer = layer_of("affine_forward")
    assert layer.optional and layer.backward == "affine_backward"
    assert "affine_forward" not in SEED_FUNCTIONS and "affine_backward" not in SEED_FUNCTIONS


def test_known_values_with_a_three_dimensional_x():
    """x (2, 2, 3) is read as rows (0..5) and (6..11); w (6, 2) has columns of ones and of
    0, 1, ..., 5, so out[n] = (sum of row n + b0, sum_k k * x[n, k] + b1)."""
    x = np.arange(12.0).reshape(2, 2, 3)
    w = np.stack([np.ones(6), np.arange(6.0)], axis=1)
    b = np.array([0.5, -1.0])
    expected = [[15 + 0.5, 55 - 1.0], [51 + 0.5, 145 - 1.0]]
    out, cache = manual.affine_forward(x, w, b)
    np.testing.assert_allclose(out, expected, rtol=0, atol=KNOWN_ATOL)
    np.testing.assert_allclose(rnn_autograd.affine(x, w, b), expected, rtol=0, atol=KNOWN_ATOL)
    dout = np.array([[1.0, 0.0], [0.0, 2.0]])
    dx, dw, db = manual.affine_backward(dout, cache)
    assert dx.shape == x.shape                           # x's own shape, not (N, D)
    np.testing.assert_allclose(dx[0].ravel(), np.ones(6), atol=KNOWN_ATOL)   # dout[0] w^T
    np.testing.assert_allclose(dx[1].ravel(), 2 * np.arange(6.0), atol=KNOWN_ATOL)
    np.testing.assert_allclose(dw, np.stack([np.arange(6.0), 2 * np.arange(6.0, 12.0)], axis=1),
                               atol=KNOWN_ATOL)
    np.testing.assert_allclose(db, [1.0, 2.0], atol=KNOWN_ATOL)


@pytest.mark.parametrize("x_shape", [(3, 5), (3, 1, 5), (3, 2, 2, 2), (1, 4, 1)],
                         ids=["2d", "3d", "4d", "N1"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_any_trailing_shape_matches_autograd(x_shape, dtype):
    rng = np.random.default_rng(len(x_shape))
    D, M = int(np.prod(x_shape[1:])), 4
    x = rng.standard_normal(x_shape).astype(dtype)
    w = (rng.standard_normal((D, M)) / np.sqrt(D)).astype(dtype)
    b = rng.standard_normal(M).astype(dtype)
    dout = rng.standard_normal((x_shape[0], M)).astype(dtype)
    out, cache = manual.affine_forward(x, w, b)
    rtol = VJP_RTOL if dtype == np.float64 else 1e-5     # float32: a few roundings of 6e-8
    np.testing.assert_allclose(out, rnn_autograd.affine(x, w, b), rtol=rtol, atol=rtol)
    gradients = manual.affine_backward(dout, cache)
    for argnum, gradient in enumerate(gradients):
        vjp, _ = autograd.make_vjp(rnn_autograd.affine, argnum=argnum)(x, w, b)
        expected = vjp(dout)
        assert gradient.shape == expected.shape and gradient.dtype == expected.dtype == dtype
        np.testing.assert_allclose(gradient, expected, rtol=rtol, atol=rtol)
    assert out.dtype == dtype


@pytest.mark.parametrize("function", [manual.affine_forward, rnn_autograd.affine],
                         ids=["manual", "autograd"])
def test_x_whose_rows_do_not_fit_w_is_named(function):
    name = function.__name__
    w, b = np.zeros((11, 5)), np.zeros(5)
    with pytest.raises(ValueError, match=rf"^{name}: x has shape \(2, 3, 4\); expected "
                       r"\(N, d_1, \.\.\., d_k\) with d_1 \* \.\.\. \* d_k = 11 "
                       r"\(D = 11 from w\)$"):
        function(np.zeros((2, 3, 4)), w, b)
    with pytest.raises(ValueError, match=rf"^{name}: x has shape \(11,\); expected \(N, d_1"):
        function(np.zeros(11), w, b)
    with pytest.raises(TypeError, match=rf"^{name}: x must be a floating-point array"):
        function(np.zeros((2, 11), dtype=np.int64), w, b)


def test_backward_neither_mutates_nor_keeps_state():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 2)), rng.standard_normal((6, 4)), rng.standard_normal(4)
    for array in (x, w, b):
        array.setflags(write=False)
    out, cache = manual.affine_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    dout.setflags(write=False)
    first = manual.affine_backward(dout, cache)
    second = manual.affine_backward(dout, cache)
    for a, c in zip(first, second):
        np.testing.assert_array_equal(a, c)
