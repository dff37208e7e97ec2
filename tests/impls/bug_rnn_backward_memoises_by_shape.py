"""rnn_backward remembers its answer by the shape of dh, to save work on the next call.

The first forward -> backward pair of a shape is right; every later pair of the same shape gets
the first pair's gradients, whatever its values. A fresh forward -> backward pair that answers
wrongly is a failure: only a schedule that checks the same shape twice, with other values, in a
row sees it.
"""
from student_correct import *  # noqa: F401,F403  every other function is correct
from student_correct import rnn_backward as _rnn_backward

EXPECTED = dict(function="rnn_backward", status="fail", gradient="dx", timestep=None,
                gate=None, pattern=None, also_fail=())

_answers = {}


def rnn_backward(dh, cache):
    if dh.shape not in _answers:  # BUG: the key ignores the values of dh and of the cache
        _answers[dh.shape] = _rnn_backward(dh, cache)
    return _answers[dh.shape]
