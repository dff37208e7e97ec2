"""Correct course code whose sequence caches are lists consumed with cache.pop().

lstm_forward appends each step's cache to a list; lstm_backward walks back in time with
`step_cache = cache.pop()`, which is right for the one backward the course's notebook makes,
but leaves the list empty. Buffers are float64 (np.zeros(shape)), as in the course.

Expected verdict: every function passes or warns (exit 0). lstm_backward warns that a second
backward on the same cache raises (the list is empty by then), and the float32 results are
float64; --strict makes both fail.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import lstm_step_backward, lstm_step_forward

VERDICT = dict(warn=("rnn_forward", "lstm_forward", "lstm_backward"))


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = b.shape[0]
    h = np.zeros((N, T, H))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = b.shape[0] // 4
    h = np.zeros((N, T, H))
    cache = []
    prev_h, prev_c = h0, np.zeros((N, H))
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        step_cache = cache.pop()
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t, :] + dprev_h, dprev_c, step_cache)
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
