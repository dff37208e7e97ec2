"""The verification harness: where `manual` (or your implementation) meets the autograd twins.

    from rnn_autograd.gradcheck import check_implementation, assert_implementation_correct

See `api.py` for the Python API and `cli.py` for the `rnn-gradcheck` command.
"""
from rnn_autograd.gradcheck.api import (
    Finding,
    FunctionResult,
    ImplementationIncorrect,
    Report,
    assert_implementation_correct,
    check_implementation,
)
from rnn_autograd.gradcheck.loading import LoadError

__all__ = ["check_implementation", "assert_implementation_correct", "Report", "FunctionResult",
           "Finding", "ImplementationIncorrect", "LoadError"]
