"""Train a character-level LSTM on Shakespeare's sonnets with the hand-written layers.

Run it from a checkout (the installed command `rnn-train-charlm` is the same program):

    python examples/train_charlm.py                          # manual gradients, ~20 s
    python examples/train_charlm.py --compare --plot loss.png  # manual and autograd, same curve
    python examples/train_charlm.py --cell rnn

The code lives in rnn_autograd/demos/charlm.py so that it is installed with the package: read it
there to see word_embedding -> lstm -> temporal_affine -> temporal_softmax_loss composed by
hand, the backward passes called in reverse order, and Adam written out.
"""
import sys

from rnn_autograd.demos.charlm import main

if __name__ == "__main__":
    sys.exit(main())
