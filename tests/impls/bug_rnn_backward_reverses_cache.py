"""rnn_backward reverses the forward's list of step caches in place to walk it backwards.

`cache.reverse()` then `for step_cache in cache`: the first call is right, but the cache list is
left reversed, so a second backward on the same cache (or a check after the call) pairs every
timestep with the wrong step cache. Either "nondeterministic" (the second call differs) or
"mutation" (the cache changed) describes it.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import rnn_step_backward

EXPECTED = dict(function="rnn_backward", status="warn", gradient=None, timestep=None,
                gate=None, pattern=("nondeterministic", "mutation"), also_fail=())


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0]["x"].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros((H,), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    cache.reverse()  # BUG: reverses the caller's list in place
    for step, step_cache in enumerate(cache):
        t = T - 1 - step
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, step_cache)
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db
