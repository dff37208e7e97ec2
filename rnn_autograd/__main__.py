"""`python -m rnn_autograd ...` is `rnn-gradcheck ...`.

An alias of `python -m rnn_autograd.gradcheck`.
"""
import sys

from rnn_autograd.gradcheck.cli import main

sys.exit(main())
