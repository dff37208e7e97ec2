"""`python -m rnn_autograd.gradcheck ...` is `rnn-gradcheck ...`."""
import sys

from rnn_autograd.gradcheck.cli import main

sys.exit(main())
