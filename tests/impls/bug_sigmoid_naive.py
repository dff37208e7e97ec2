"""sigmoid written as exp(x) / (1 + exp(x)): exp overflows at x = +1000 and inf / inf is NaN.

Correct at moderate inputs (and at -1000, where it gives 0 / 1); only the extreme case shows it.
The LSTM functions inherited from student_correct keep using the stable sigmoid there.
"""
import numpy as np

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="sigmoid", status="fail", gradient="s", timestep=None,
                gate=None, pattern="nan or inf", also_fail=())


def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))  # BUG: overflows for large positive x
