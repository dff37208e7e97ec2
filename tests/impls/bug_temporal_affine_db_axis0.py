"""temporal_affine_backward sums db over axis 0 only: shape (T, M) instead of (M,).

b was broadcast over both N and T; the student summed over the batch only, as in the
non-temporal affine layer.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="temporal_affine_backward", status="fail", gradient="db", timestep=None,
                gate=None, pattern="shape", also_fail=())


def temporal_affine_backward(dout, cache):
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T.dot(dout.reshape(N * T, M))
    db = dout.sum(axis=0)  # BUG: should be axis=(0, 1)
    return dx, dw, db
