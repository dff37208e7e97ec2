"""Plot how the gradient of a last-step loss fades back in time, vanilla RNN against LSTM.

Run it from a checkout (the installed command `rnn-gradient-flow` is the same program):

    python examples/gradient_flow.py --out gradient_flow.png
    python examples/gradient_flow.py --T 100 --H 16 --seed 2 --out long.png

The code lives in rnn_autograd/demos/gradient_flow.py; it needs pip install 'rnn-autograd[plot]'.
"""
import sys

from rnn_autograd.demos.gradient_flow import main

if __name__ == "__main__":
    sys.exit(main())
