"""word_embedding_forward loops over range(V - 1): the last word, index V-1, is never filled in.

The student fills "every position holding word v" for v in range(V - 1), an off-by-one: positions
holding V-1 stay zero. Only the index V-1 shows it, so the cases must contain it. The backward
(np.add.at on the cached indices) is still right.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="word_embedding_forward", status="fail", gradient="out", timestep=None,
                gate=None, pattern="zero", also_fail=())


def word_embedding_forward(x, W):
    N, T = x.shape
    V, D = W.shape
    out = np.zeros((N, T, D), dtype=W.dtype)
    for v in range(V - 1):  # BUG: range(V) was meant
        out[x == v] = W[v]
    cache = (x, W.shape)
    return out, cache
