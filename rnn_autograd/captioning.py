"""The image-captioning model's loss as one function of its parameters (twin of
manual/captioning.py); autograd derives the gradient of all eight.

    loss = captioning_loss(params, features, captions, null, cell_type)
    grads = autograd.grad(captioning_loss)(params, features, captions, null, cell_type)

`params` is the dict of the eight parameters W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab,
b_vocab; `grads` is a dict with the same keys. `sample_captions` is the greedy decoding of
CaptioningRNN.sample, from the step twins.

Sizes: N images, D image-feature size, W word-vector size, H hidden, V vocabulary, T + 1
words per caption.
"""
import autograd.numpy as np
from autograd.tracer import getval

from layer_contracts.captioning import (
    check_captions,
    check_cell_type,
    check_features,
    check_max_length,
    check_parameters,
    check_token,
)
from rnn_autograd.affine import affine
from rnn_autograd.embedding import word_embedding
from rnn_autograd.lstm import lstm, lstm_step
from rnn_autograd.rnn import rnn, rnn_step
from rnn_autograd.temporal import temporal_affine, temporal_softmax_loss

RECURRENT_LAYERS = {"rnn": rnn, "lstm": lstm}


def captioning_loss(params, features, captions, null, cell_type):
    """The training loss of a batch: the masked softmax loss of every next word.

    Inputs:
    - params: dict of the eight parameters (see the module docstring)
    - features: (N, D) image features (any float dtype; computed in the parameters' dtype)
    - captions: (N, T + 1) integer word indices
    - null: the index of <NULL>; where captions[:, 1:] holds it, nothing is scored
    - cell_type: 'rnn' or 'lstm'

    Returns:
    - loss: scalar, summed over T and averaged over N
    """
    check_cell_type("captioning_loss", cell_type)
    parameters = check_parameters("captioning_loss", params)
    W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab = parameters
    features = check_features("captioning_loss", features, W_proj)
    check_captions("captioning_loss", captions, features, W_embed)
    captions_in = captions[:, :-1]   # (N, T) fed in
    captions_out = captions[:, 1:]   # (N, T) to predict
    mask = captions_out != null      # (N, T) False at padding
    h0 = affine(features, W_proj, b_proj)                                # (N, H)
    x = word_embedding(captions_in, W_embed)                             # (N, T, W)
    h = RECURRENT_LAYERS[cell_type](x, h0, Wx, Wh, b)                    # (N, T, H)
    scores = temporal_affine(h, W_vocab, b_vocab)                        # (N, T, V)
    return temporal_softmax_loss(scores, captions_out, mask)


def sample_captions(params, features, start, cell_type, max_length=30):
    """Greedy decoding: feed <START>, then at each step the most likely word, max_length steps.

    Inputs:
    - params: dict of the eight parameters
    - features: (N, D) image features
    - start: the index of <START>
    - cell_type: 'rnn' or 'lstm'
    - max_length: number of words to generate

    Returns:
    - captions: (N, max_length) int32, the word chosen at every step
    """
    check_cell_type("sample_captions", cell_type)
    parameters = check_parameters("sample_captions", params)
    W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab = parameters
    features = check_features("sample_captions", features, W_proj)
    check_max_length("sample_captions", max_length)
    check_token("sample_captions", "<START>", start, W_embed.shape[0])
    N = features.shape[0]
    prev_h = affine(features, W_proj, b_proj)              # (N, H)
    prev_c = np.zeros(prev_h.shape, dtype=prev_h.dtype)    # (N, H)
    words, chosen = np.full(N, start), []                  # (N,) the word fed in
    for _ in range(max_length):
        x = word_embedding(words[:, None], W_embed)[:, 0]  # (N, W)
        if cell_type == "lstm":
            prev_h, prev_c = lstm_step(x, prev_h, prev_c, Wx, Wh, b)  # (N, H)
        else:
            prev_h = rnn_step(x, prev_h, Wx, Wh, b)                   # (N, H)
        scores = temporal_affine(prev_h[:, None], W_vocab, b_vocab)[:, 0]  # (N, V)
        words = np.argmax(getval(scores), axis=1)          # (N,) not differentiable: an index
        chosen.append(words)
    if not chosen:
        return np.zeros((N, 0), dtype=np.int32)
    return np.stack(chosen, axis=1).astype(np.int32)       # (N, max_length)
