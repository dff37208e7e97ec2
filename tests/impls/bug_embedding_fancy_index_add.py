"""word_embedding_backward uses dW[x] += dout instead of np.add.at.

numpy's fancy-index += is buffered: a word that occurs several times keeps only one of its
gradients. Right wherever every index is distinct, wrong exactly at the repeated ones.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="word_embedding_backward", status="fail", gradient="dW", timestep=None,
                gate=None, pattern="repeated indices", also_fail=())


def word_embedding_backward(dout, cache):
    x, W_shape = cache
    dW = np.zeros(W_shape, dtype=dout.dtype)
    dW[x] += dout  # BUG: repeated indices are not accumulated
    return dW
