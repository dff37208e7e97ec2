"""The blocks of timesteps of the sequence backwards (manual/blocks.py).

The test sizes elsewhere are small (T * N well below BLOCK_ROWS), so every backward there runs
as one block. Here BLOCK_ROWS is lowered so that the same small cases are cut into several
blocks, including blocks of one timestep and blocks of unequal length, and the gradients must
still equal autograd's.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import manual.blocks
from layer_testing import assert_close, manual_gradients, random_case, reference_gradients
from manual.blocks import time_blocks
from rnn_autograd.gradcheck.layers import layer_of

VJP_RTOL = 1e-9   # as in test_layers.py: float64, the same math in a different rounding order
VJP_ATOL = 1e-12


@given(T=st.integers(0, 40), N=st.integers(0, 9), rows=st.integers(1, 50))
@settings(max_examples=300, deadline=None)
def test_time_blocks_cover_every_timestep_once_last_first(T, N, rows):
    original = manual.blocks.BLOCK_ROWS
    manual.blocks.BLOCK_ROWS = rows
    try:
        blocks = time_blocks(T, N)
    finally:
        manual.blocks.BLOCK_ROWS = original
    if T * N == 0:
        assert blocks == []
        return
    assert len(blocks) == min(T, -(-(T * N) // rows))           # ceil(T * N / rows), at most T
    assert blocks[0][1] == T and blocks[-1][0] == 0
    for (start, stop), (next_start, next_stop) in zip(blocks, blocks[1:]):
        assert next_stop == start                                 # consecutive, last range first
    lengths = [stop - start for start, stop in blocks]
    assert min(lengths) >= 1 and max(lengths) - min(lengths) <= 1
    assert max(lengths) == -(-T // len(blocks))                 # as even as whole steps allow


@pytest.mark.parametrize("function", ["rnn_backward", "lstm_backward"])
@pytest.mark.parametrize("rows", [1, 2, 5, 7, 1000])
@pytest.mark.parametrize("sizes", [dict(N=2, T=7, D=3, H=4), dict(N=1, T=5, D=2, H=3),
                                   dict(N=3, T=1, D=2, H=2), dict(N=4, T=6, D=1, H=1)],
                         ids=["N2T7", "N1T5", "N3T1", "N4T6H1"])
def test_several_blocks_give_autograds_gradients(function, rows, sizes, monkeypatch):
    """rows=1: one timestep per block; 2, 5, 7: blocks of unequal length; 1000: one block."""
    monkeypatch.setattr(manual.blocks, "BLOCK_ROWS", rows)
    layer = layer_of(function)
    for dtype in (np.float64, np.float32):
        inputs, upstream = random_case(layer, dict(sizes, V=3, M=2), seed=rows, dtype=dtype)
        got = manual_gradients(layer, inputs, upstream)
        want = reference_gradients(layer, inputs, upstream)
        rtol, atol = (VJP_RTOL, VJP_ATOL) if dtype == np.float64 else (1e-5, 1e-6)
        for name in want:
            assert_close(got[name], want[name], rtol, atol,
                         f"{function} {name} ({rows} rows/block)")


@pytest.mark.parametrize("function", ["rnn_backward", "lstm_backward"])
def test_block_size_changes_only_rounding(function, monkeypatch):
    """One block or one timestep per block: the same gradients up to rounding (the sums over
    time are grouped differently), at a size where the default is several blocks."""
    layer = layer_of(function)
    inputs, upstream = random_case(layer, dict(N=8, T=300, D=3, H=4, V=3, M=2), seed=3)
    several = manual_gradients(layer, inputs, upstream)            # 300 * 8 rows: 3 blocks
    assert len(time_blocks(300, 8)) == 3
    monkeypatch.setattr(manual.blocks, "BLOCK_ROWS", 10 ** 6)
    single = manual_gradients(layer, inputs, upstream)
    for name in single:
        assert_close(several[name], single[name], VJP_RTOL, VJP_ATOL, f"{function} {name}")


# With T = 0 the output (N, 0, H) does not depend on the inputs, and autograd says so.
@pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning")
@pytest.mark.parametrize("function", ["rnn_backward", "lstm_backward"])
@pytest.mark.parametrize("N,T,D,H", [(2, 3, 0, 2), (2, 3, 2, 0), (1, 1, 0, 0), (2, 0, 2, 3)],
                         ids=["D0", "H0", "D0H0", "T0"])
def test_empty_dimensions_give_autograds_gradients(function, N, T, D, H):
    """A zero-sized D, H or T gives gradients of the right shapes (some of them empty), equal
    to autograd's: the block products must not assume that every dimension is non-zero."""
    layer = layer_of(function)
    G = 4 * H if function == "lstm_backward" else H   # width of the pre-activations
    rng = np.random.default_rng(0)
    shapes = dict(x=(N, T, D), h0=(N, H), Wx=(D, G), Wh=(H, G), b=(G,))
    inputs = {name: rng.standard_normal(shape) for name, shape in shapes.items()}
    upstream = dict(dh=rng.standard_normal((N, T, H)))
    got = manual_gradients(layer, inputs, upstream)
    want = reference_gradients(layer, inputs, upstream)
    assert set(got) == set(want)
    for name in want:
        assert_close(got[name], want[name], VJP_RTOL, VJP_ATOL, f"{function} {name}")
