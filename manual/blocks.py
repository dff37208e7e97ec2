"""Blocks of timesteps for the sequence backwards of manual/rnn.py and manual/lstm.py.

A sequence backward finds da_t, the gradient of the pre-activation of step t, from t = T-1 down
to 0. The parameter gradients are sums over every (t, n) of products with da_t, and are fastest
as a few large matrix products rather than T small ones. Collecting da for all T timesteps
before those products would need a (T, N, K) buffer, as large as the biggest array of the
cache; collecting it for a block of timesteps at a time keeps the products large and the
buffer small. A `BlockGradients` holds the gradients being summed, and each block ends with
its `add`.
"""
import numpy as np

# Rows (timesteps x batch) per block: enough for the products after a block to run near the
# matrix-product peak, few enough that the block's buffer stays small. An LSTM block holds at
# most 1024 x 4H values (one step of N x 4H if N is larger): 16 MB for H=512 in float64, and
# 13.6 MB (13 steps of N=64) at the benchmark's large size.
BLOCK_ROWS = 1024


def time_blocks(T, N):
    """Split timesteps 0..T-1 into ranges (start, stop) of about BLOCK_ROWS / N steps each,
    and at least one step (a block is never empty, even when N > BLOCK_ROWS).

    The ranges are consecutive and have lengths that differ by at most one; they are listed
    last range first, the order a backward pass visits them; no ranges when T * N = 0.
    """
    count = min(T, -(-(T * N) // BLOCK_ROWS))       # ceil(T * N / BLOCK_ROWS), at most T
    if count == 0:
        return []
    edges = [T * k // count for k in range(count + 1)]
    return [(edges[k], edges[k + 1]) for k in reversed(range(count))]


def block_buffer(T, N, K, dtype):
    """An uninitialised (steps, N, K) buffer for the da of the longest block of time_blocks."""
    steps = max((stop - start for start, stop in time_blocks(T, N)), default=0)
    return np.empty((steps, N, K), dtype=dtype)


class BlockGradients:
    """The gradients dx, dWx, dWh, db of a recurrent layer, summed one block of timesteps at a time.

    With a_t = x_t Wx + h_{t-1} Wh + b, each step gives dx_t = da_t Wx^T and adds x_t^T da_t to
    dWx, h_{t-1}^T da_t to dWh and the sum over n of da_t to db. `add` does each of these as one
    product for a whole block of timesteps. The arrays are new for every backward pass.

    Inputs:
    - x: (N, T, D) the layer's input
    - h0: (N, H) the initial hidden state
    - h: (T, N, H) time-major hidden states
    - Wx: (D, K) input-to-hidden weights; K is the width of a_t (H, or 4H for an LSTM)
    """

    def __init__(self, x, h0, h, Wx):
        N, T, D = x.shape
        self.x, self.h0, self.h, self.Wx = x, h0, h, Wx
        self.dx = np.empty((T, N, D), dtype=h0.dtype)   # (T, N, D) time-major, one block at a time
        self.dWx = np.zeros_like(Wx)                      # (D, K)
        self.dWh = np.zeros((h0.shape[1], Wx.shape[1]), dtype=h0.dtype)  # (H, K)
        self.db = np.zeros(Wx.shape[1], dtype=h0.dtype)   # (K,)

    def add(self, da, start, stop):
        """Add what timesteps start..stop-1 contribute to dx, dWx, dWh and db.

        Inputs:
        - da: (>= stop - start, N, K) buffer whose first stop - start rows hold
          da_start..da_{stop-1}
        """
        x, h0, h = self.x, self.h0, self.h
        count = (stop - start) * da.shape[1]                                  # rows: steps * N
        D, H = x.shape[2], h0.shape[1]
        rows = da[:stop - start].reshape(count, da.shape[2])                  # (steps*N, K)
        np.matmul(rows, self.Wx.T, out=self.dx[start:stop].reshape(count, D))  # dx_t = da_t Wx^T
        x_rows = x[:, start:stop].transpose(1, 0, 2).reshape(count, D)        # (steps*N, D) as rows
        self.dWx += x_rows.T @ rows                                           # sum of x_t^T da_t
        prev_h = h[start - 1:stop - 1] if start else np.concatenate([h0[None], h[:stop - 1]])
        self.dWh += prev_h.reshape(count, H).T @ rows                   # sum of h_{t-1}^T da_t
        self.db += rows.sum(axis=0)                                           # b was broadcast
