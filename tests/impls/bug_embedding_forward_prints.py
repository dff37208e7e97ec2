"""word_embedding_forward prints every word vector it looks up: debugging output left in.

The values are right; the function floods stdout (one line per position, every call). Printing is
not a wrong answer, so the function itself should pass, but the output must not garble the
checker's report (or its --json on stdout) and every other function must still be checked.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="word_embedding_forward", status="pass", gradient=None, timestep=None,
                gate=None, pattern=None, also_fail=())


def word_embedding_forward(x, W):
    N, T = x.shape
    V, D = W.shape
    out = np.zeros((N, T, D), dtype=W.dtype)
    for n in range(N):
        for t in range(T):
            out[n, t] = W[x[n, t]]
            print("n =", n, "t =", t, "word", x[n, t], "->", W[x[n, t]])  # BUG: debugging output
    cache = (x, W.shape)
    return out, cache
