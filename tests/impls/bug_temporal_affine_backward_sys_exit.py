"""temporal_affine_backward calls sys.exit() after a debugging print: "stop here while I look".

It must be reported as an error (SystemExit is an exception like any other to the checker), and
the checker must go on to check the remaining functions instead of exiting with it.
"""
import sys

from student_correct import *  # noqa: F401,F403  every other function is correct

EXPECTED = dict(function="temporal_affine_backward", status="error", gradient=None, timestep=None,
                gate=None, pattern=None, also_fail=())


def temporal_affine_backward(dout, cache):
    x, w, b, out = cache
    print("dout", dout.shape, "x", x.shape, "w", w.shape)
    sys.exit()  # BUG: left in from debugging
