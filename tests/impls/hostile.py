"""An implementation that attacks the checker, one way per function (the rest are correct).

Every function below is reported on its own row; none of them may change the reference, the
report, the JSON on stdout, or the checker's process. At import it also monkeypatches numpy,
autograd and the checker's tolerance, and makes numpy raise on every floating-point warning:
all of that happens in its worker process only.
"""
import ctypes
import os
import sys
import threading
import time

import autograd.numpy
import numpy as np

import rnn_autograd.gradcheck.errors as errors
from student_correct import *  # noqa: F401,F403
from student_correct import rnn_step_backward as _rnn_step_backward
from student_correct import rnn_step_forward as _rnn_step_forward
from student_correct import rnn_forward as _rnn_forward
from student_correct import temporal_affine_forward as _temporal_affine_forward
from student_correct import word_embedding_forward as _word_embedding_forward

EXPECTED = dict(
    rnn_step_forward="pass",          # prints with os.write(1) and to sys.__stdout__
    rnn_step_backward="error",        # segmentation fault
    rnn_forward="pass",               # leaves a non-daemon thread running
    rnn_backward="error",             # asks for 30 GB
    word_embedding_forward="pass",    # closes sys.stdout and sys.stderr
    word_embedding_backward="error",  # os._exit(3)
    sigmoid="error",                  # hangs in pure Python
    lstm_step_backward="error",       # raises an exception whose __str__ raises
    lstm_backward="error",            # raises KeyboardInterrupt
    temporal_affine_forward="warn",   # makes x writable, then writes into it
    temporal_affine_backward="fail",  # wrong, with the checker's tolerance patched to 1e9
    temporal_softmax_loss="error",    # hangs inside one long numpy call
)

np.dot = lambda a, b: np.zeros((np.shape(a)[0], np.shape(b)[-1]))  # noqa: E731
autograd.numpy.tanh = lambda x: x
errors.FLOAT64_TOLERANCE = errors.FLOAT32_TOLERANCE = 1e9
np.seterr(all="raise")


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    os.write(1, b"garbage on the checker's stdout?\n")
    print("more garbage", file=sys.__stdout__)
    return _rnn_step_forward(x, prev_h, Wx, Wh, b)


def rnn_step_backward(dnext_h, cache):
    ctypes.string_at(0)  # reads address 0: SIGSEGV
    return _rnn_step_backward(dnext_h, cache)


def rnn_forward(x, h0, Wx, Wh, b):
    threading.Thread(target=time.sleep, args=(3600,)).start()  # never joined, not a daemon
    return _rnn_forward(x, h0, Wx, Wh, b)


def rnn_backward(dh, cache):
    hoard = np.ones(30 * 2**30 // 8)  # 30 GB
    return hoard


def word_embedding_forward(x, W):
    sys.stdout.close()
    sys.stderr.close()
    return _word_embedding_forward(x, W)


def word_embedding_backward(dout, cache):
    os._exit(3)


def sigmoid(x):
    while True:
        pass


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no message for you")


def lstm_step_backward(dnext_h, dnext_c, cache):
    raise Unprintable()


def lstm_backward(dh, cache):
    raise KeyboardInterrupt


def temporal_affine_forward(x, w, b):
    out, cache = _temporal_affine_forward(x.copy(), w, b)
    x.setflags(write=True)
    x[...] = 0.0  # after computing: the values are right, the caller's x is gone
    return out, cache


def temporal_affine_backward(dout, cache):
    x, w, b, out = cache
    return np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)


def temporal_softmax_loss(x, y, mask):
    a = np.ones((6000, 6000))
    for _ in range(20):  # one long stretch of BLAS: minutes, not seconds
        a = a @ a / 6000.0
    return 0.0, x
