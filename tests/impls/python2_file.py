"""A rnn_layers.py still in Python 2: the print statement below is a SyntaxError under Python 3."""
import numpy as np


def sigmoid(x):
    print 'x'
    return 1 / (1 + np.exp(-x))
