"""sample stops the whole batch as soon as one caption reaches <END>; the others keep <NULL>."""
import numpy as np

from ..rnn_layers import *
from .rnn import CaptioningRNN as CorrectCaptioningRNN

EXPECTED = dict(part="sample", status="fail", source="model", mistake="stops_batch_at_first_end", wrong=("captions",), layers=(), also_fail=())


class CaptioningRNN(CorrectCaptioningRNN):
    def sample(self, features, max_length=30):
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)

        W_proj, b_proj = self.params['W_proj'], self.params['b_proj']
        W_embed = self.params['W_embed']
        Wx, Wh, b = self.params['Wx'], self.params['Wh'], self.params['b']
        W_vocab, b_vocab = self.params['W_vocab'], self.params['b_vocab']

        prev_h, _ = affine_forward(features, W_proj, b_proj)
        prev_c = np.zeros_like(prev_h)
        word = self._start * np.ones(N, dtype=np.int32)
        for t in range(max_length):
            embedded, _ = word_embedding_forward(word[:, None], W_embed)
            embedded = embedded[:, 0, :]
            if self.cell_type == 'rnn':
                prev_h, _ = rnn_step_forward(embedded, prev_h, Wx, Wh, b)
            else:
                prev_h, prev_c, _ = lstm_step_forward(embedded, prev_h, prev_c, Wx, Wh, b)
            scores, _ = temporal_affine_forward(prev_h[:, None, :], W_vocab, b_vocab)
            word = np.argmax(scores[:, 0, :], axis=1)
            captions[:, t] = word
            if np.any(word == self._end):
                break  # BUG: the other captions are not finished

        return captions
