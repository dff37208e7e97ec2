"""A fast rnn_backward that sums its weight gradients in blocks of 64 rows, and drops a block.

The chain rule runs per step, the gate gradients go into one (T, N, H) buffer, and dWx, dWh, db
are summed block by block over the N*T rows, as fast backwards do (manual/blocks.py). The bug:
the loop over blocks starts at the second block's end when there is more than one block, so the
second block of rows never reaches dWx. The random small cases (N*T at most 42 rows) are one
block and pass; `--size N=8,T=20,D=5,H=6` (160 rows, three blocks) fails on dWx.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

BLOCK_ROWS = 64
EXPECTED_AT_SIZE = dict(size="N=8,T=20,D=5,H=6", function="rnn_backward", gradient="dWx")


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    xs = np.stack([step["x"] for step in cache])             # (T, N, D)
    prevs = np.stack([step["prev_h"] for step in cache])     # (T, N, H)
    hs = np.stack([step["next_h"] for step in cache])        # (T, N, H)
    Wx, Wh = cache[0]["Wx"], cache[0]["Wh"]
    da = np.zeros((T, N, H), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        da[t] = (dh[:, t] + dprev_h) * (1 - hs[t] ** 2)
        dprev_h = da[t] @ Wh.T
    rows = da.reshape(T * N, H)
    x_rows, h_rows = xs.reshape(T * N, -1), prevs.reshape(T * N, H)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    starts = list(range(0, T * N, BLOCK_ROWS))
    for index, start in enumerate(starts):
        block = slice(start, start + BLOCK_ROWS)
        if index != 1:  # BUG: the second block's input-weight gradient is skipped
            dWx += x_rows[block].T @ rows[block]
        dWh += h_rows[block].T @ rows[block]
    dx = (rows @ Wx.T).reshape(T, N, -1).transpose(1, 0, 2)
    return dx, dprev_h, dWx, dWh, rows.sum(axis=0)
