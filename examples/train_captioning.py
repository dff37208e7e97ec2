"""Train the course's image-captioning model, built from the hand-written layers, on a tiny task.

Run it from a checkout (the installed command `rnn-train-captioning` is the same program):

    python examples/train_captioning.py                       # LSTM, manual gradients, ~10 s
    python examples/train_captioning.py --plot captioning.png # and the gradient-norm picture
    python examples/train_captioning.py --cell rnn

The code lives in rnn_autograd/demos/captioning.py; the model is manual/captioning.py.
"""
import sys

from rnn_autograd.demos.captioning import main

if __name__ == "__main__":
    sys.exit(main())
