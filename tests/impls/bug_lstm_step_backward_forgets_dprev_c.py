"""lstm_step_backward returns five values: dprev_c is left out of the return tuple.

The student copied the return line of rnn_step_backward (dx, dprev_h, dWx, dWh, db). The values
it does return are right, but there are five of them where the seed's signature has six.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct
import student_correct

EXPECTED = dict(function="lstm_step_backward", status="fail", gradient=None, timestep=None,
                gate=None, pattern=None, also_fail=())


def lstm_step_backward(dnext_h, dnext_c, cache):
    dx, dprev_h, dprev_c, dWx, dWh, db = student_correct.lstm_step_backward(dnext_h, dnext_c, cache)
    return dx, dprev_h, dWx, dWh, db  # BUG: dprev_c missing
