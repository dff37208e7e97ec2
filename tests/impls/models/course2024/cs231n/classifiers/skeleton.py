"""The untouched assignment skeleton: loss returns (0.0, {}), sample returns <NULL> everywhere."""
import numpy as np

from ..rnn_layers import *
from .rnn import CaptioningRNN as CorrectCaptioningRNN

EXPECTED = dict(part="loss", status="not_implemented", source=None, mistake=None, wrong=None,
                layers=(), also_fail=("sample",))


class CaptioningRNN(CorrectCaptioningRNN):
    def loss(self, features, captions):
        loss, grads = 0.0, {}
        ############################################################################
        # TODO: Implement the forward and backward passes for the CaptioningRNN.   #
        ############################################################################
        return loss, grads

    def sample(self, features, max_length=30):
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)
        # TODO
        return captions
