"""The constructor names its arguments differently from the course (cell instead of
cell_type): the checker cannot build the model, and says so in one line for both parts."""
import numpy as np

from .rnn import CaptioningRNN as CorrectCaptioningRNN

EXPECTED = dict(part="loss", status="error", source=None, mistake=None, wrong=None, layers=(),
                also_fail=("sample",))


class CaptioningRNN(CorrectCaptioningRNN):
    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128, cell='rnn',
                 dtype=np.float32):
        super().__init__(word_to_idx, input_dim, wordvec_dim, hidden_dim, cell, dtype)
