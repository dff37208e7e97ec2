"""The image-captioning RNN of the course assignment, composed from the hand-written layers.

    features (N, D) --affine--> h0 (N, H)
    captions (N, T + 1) --cut--> captions_in (N, T): <START> w_1 ... w_{T-1}  (fed in)
                                 captions_out (N, T): w_1 ... w_T             (to predict)
    captions_in --word_embedding--> x (N, T, W) --rnn or lstm, from h0--> h (N, T, H)
    h --temporal_affine--> scores (N, T, V) --temporal_softmax_loss, mask--> loss

The mask is False where captions_out holds <NULL>: padding after a caption's <END> neither
adds to the loss nor gets a gradient. `loss` returns the gradient of every one of the eight
parameters, by the backward passes of the same layers in reverse order (docs/captioning.md
derives it); `sample` decodes greedily, one word at a time, from <START>.

Sizes: N images, D image-feature size (input_dim), W word-vector size (wordvec_dim), H hidden,
V vocabulary, T + 1 words per caption. The recurrent layer's input size is W.
"""
import numpy as np

from layer_contracts.captioning import (
    check_captions,
    check_cell_type,
    check_features,
    check_max_length,
    check_parameters,
    check_token,
)
from manual.affine import affine_backward, affine_forward
from manual.embedding import word_embedding_backward, word_embedding_forward
from manual.lstm import lstm_backward, lstm_forward, lstm_step_forward
from manual.rnn import rnn_backward, rnn_forward, rnn_step_forward
from manual.temporal import temporal_affine_backward, temporal_affine_forward, temporal_softmax_loss

# cell_type -> (sequence forward, sequence backward)
RECURRENT_LAYERS = {
    "rnn": (rnn_forward, rnn_backward),
    "lstm": (lstm_forward, lstm_backward),
}


class CaptioningRNN:
    """Caption images with a recurrent network: h0 from the image, then one word per step.

    The constructor and the attributes are the course's: `params` (the eight parameters by
    name), `cell_type`, `dtype`, `word_to_idx`, `idx_to_word`, and the word indices `_null`,
    `_start` and `_end` of the tokens <NULL>, <START> and <END>.
    """

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128,
                 cell_type="rnn", dtype=np.float32, *, rng=None):
        """Make a model with the course's random initial parameters.

        Inputs:
        - word_to_idx: dict of V words to their indices 0 .. V-1; must hold '<NULL>', and
          '<START>' to sample
        - input_dim: D, the size of an image's feature vector
        - wordvec_dim: W, the size of a word vector
        - hidden_dim: H, the size of the hidden state
        - cell_type: 'rnn' or 'lstm'
        - dtype: floating dtype of the parameters; np.float64 for gradient checks
        - rng: numpy Generator for the initial values; None draws from np.random, the
          course's global generator (so np.random.seed(...) reproduces the course's models)

        The course's scales: W_embed ~ N(0, 1) / 100, each weight matrix ~ N(0, 1) / sqrt(its
        rows), and the three biases b_proj, b, b_vocab zero.
        """
        check_cell_type("CaptioningRNN", cell_type)
        _check_vocabulary(word_to_idx)
        for name, size in (("input_dim", input_dim), ("wordvec_dim", wordvec_dim),
                           ("hidden_dim", hidden_dim)):
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
                raise ValueError(f"CaptioningRNN: {name} must be a positive integer; got {size!r}")
        if np.dtype(dtype).kind != "f":
            raise TypeError(f"CaptioningRNN: dtype must be a floating-point dtype; got {dtype!r}")
        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {index: word for word, index in word_to_idx.items()}
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        draw = np.random if rng is None else rng  # both have standard_normal(shape)
        V, D, W, H = len(word_to_idx), input_dim, wordvec_dim, hidden_dim
        G = {"rnn": 1, "lstm": 4}[cell_type] * H  # width of the recurrent pre-activations
        # Drawn in the course's order, so that np.random.seed(s) gives the course's values.
        params = {"W_embed": draw.standard_normal((V, W)) / 100}              # (V, W)
        params["W_proj"] = draw.standard_normal((D, H)) / np.sqrt(D)          # (D, H)
        params["b_proj"] = np.zeros(H)                                        # (H,)
        params["Wx"] = draw.standard_normal((W, G)) / np.sqrt(W)              # (W, G)
        params["Wh"] = draw.standard_normal((H, G)) / np.sqrt(H)              # (H, G)
        params["b"] = np.zeros(G)                                             # (G,)
        params["W_vocab"] = draw.standard_normal((H, V)) / np.sqrt(H)         # (H, V)
        params["b_vocab"] = np.zeros(V)                                       # (V,)
        self.params = {name: value.astype(dtype) for name, value in params.items()}

    def loss(self, features, captions):
        """Compute the training loss of a batch and the gradient of every parameter.

        Inputs:
        - features: (N, D) image features (any float dtype; computed in the parameters' dtype)
        - captions: (N, T + 1) integer word indices: <START>, the words, <END>, <NULL> padding

        Returns a tuple of:
        - loss: scalar, the masked softmax loss summed over T and averaged over N
        - grads: dict with the eight parameter names, each gradient of its parameter's shape
        """
        W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab = check_parameters(
            "CaptioningRNN.loss", self.params)
        features = check_features("CaptioningRNN.loss", features, W_proj)
        check_captions("CaptioningRNN.loss", captions, features, W_embed)
        recurrent_forward, recurrent_backward = RECURRENT_LAYERS[self.cell_type]

        captions_in = captions[:, :-1]       # (N, T) fed in: <START> w_1 ... w_{T-1}
        captions_out = captions[:, 1:]       # (N, T) to predict at each step: w_1 ... w_T
        mask = captions_out != self._null    # (N, T) False at padding

        # forward, layer by layer
        h0, projection_cache = affine_forward(features, W_proj, b_proj)          # (N, H)
        x, embedding_cache = word_embedding_forward(captions_in, W_embed)         # (N, T, W)
        h, recurrent_cache = recurrent_forward(x, h0, Wx, Wh, b)                  # (N, T, H)
        scores, vocabulary_cache = temporal_affine_forward(h, W_vocab, b_vocab)   # (N, T, V)
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)         # (N, T, V)

        # backward, the same layers in reverse order
        dh, dW_vocab, db_vocab = temporal_affine_backward(dscores, vocabulary_cache)  # (N, T, H)
        dx, dh0, dWx, dWh, db = recurrent_backward(dh, recurrent_cache)   # (N, T, W), (N, H)
        dW_embed = word_embedding_backward(dx, embedding_cache)                       # (V, W)
        _, dW_proj, db_proj = affine_backward(dh0, projection_cache)                  # (D, H), (H,)

        grads = {"W_proj": dW_proj, "b_proj": db_proj, "W_embed": dW_embed, "Wx": dWx,
                 "Wh": dWh, "b": db, "W_vocab": dW_vocab, "b_vocab": db_vocab}
        return loss, grads

    def sample(self, features, max_length=30):
        """Caption images greedily: feed <START>, then at each step the most likely word.

        Every caption runs for max_length steps, as the course's does: after a caption's <END>
        the model keeps feeding its own words (read a caption up to its first <END>).

        Inputs:
        - features: (N, D) image features
        - max_length: number of words to generate

        Returns:
        - captions: (N, max_length) int32, captions[n, t] the word chosen at step t (the word
          after <START> at t = 0)
        """
        W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab = check_parameters(
            "CaptioningRNN.sample", self.params)
        features = check_features("CaptioningRNN.sample", features, W_proj)
        check_max_length("CaptioningRNN.sample", max_length)
        if self._start is None:
            raise ValueError("CaptioningRNN.sample: word_to_idx has no '<START>' to begin with")
        check_token("CaptioningRNN.sample", "<START>", self._start, W_embed.shape[0])
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)
        prev_h, _ = affine_forward(features, W_proj, b_proj)     # (N, H)
        prev_c = np.zeros_like(prev_h)                           # (N, H) the LSTM's c starts at 0
        words = np.full(N, self._start)                          # (N,) the word fed in
        for t in range(max_length):
            x, _ = word_embedding_forward(words[:, None], W_embed)  # (N, 1, W)
            if self.cell_type == "lstm":
                prev_h, prev_c, _ = lstm_step_forward(x[:, 0], prev_h, prev_c, Wx, Wh, b)  # (N, H)
            else:
                prev_h, _ = rnn_step_forward(x[:, 0], prev_h, Wx, Wh, b)                  # (N, H)
            scores, _ = temporal_affine_forward(prev_h[:, None], W_vocab, b_vocab)  # (N, 1, V)
            words = scores[:, 0].argmax(axis=1)                  # (N,) the most likely word
            captions[:, t] = words
        return captions


def _check_vocabulary(word_to_idx):
    """word_to_idx: a dict of words to integer indices, with '<NULL>'.

    V is len(word_to_idx). The indices are not required to be exactly 0 .. V-1: the course's
    own check of the loss uses {'<NULL>': 0, 'cat': 2, 'dog': 3}. The captions given to `loss`
    are checked against V.
    """
    if not isinstance(word_to_idx, dict):
        raise TypeError(f"CaptioningRNN: word_to_idx must be a dict of words to indices; got "
                        f"{type(word_to_idx).__name__}")
    if "<NULL>" not in word_to_idx:
        raise ValueError("CaptioningRNN: word_to_idx has no '<NULL>', the padding word")
    for word, index in word_to_idx.items():
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"CaptioningRNN: word_to_idx[{word!r}] = {index!r}; expected an "
                            "integer word index")
