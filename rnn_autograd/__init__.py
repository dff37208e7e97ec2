"""The seed's recurrent layers as plain forward functions, differentiated by HIPS autograd.

Each function here is the forward math of one `manual` layer, written with `autograd.numpy`
and without a cache or a backward pass: `autograd.grad` / `autograd.make_vjp` derive every
gradient. Names are the manual forward names minus `_forward`:

    rnn_step, rnn, lstm_step (returns next_h, next_c), lstm, word_embedding,
    temporal_affine, temporal_softmax_loss (returns the loss), sigmoid, affine

and the image-captioning model of the same assignment, whose loss is one function of its
parameters: captioning_loss (autograd.grad of it gives all eight gradients), sample_captions.

Legend for every shape: N batch size, T sequence length, D input size, H hidden size,
V vocabulary size, M output size. LSTM gates are packed i, f, o, g along the 4H axis.

The verification harness, where these twins meet `manual` (or your own implementation),
is `rnn_autograd.gradcheck`; its command line is `rnn-gradcheck`.
"""
from rnn_autograd.activations import sigmoid
from rnn_autograd.affine import affine
from rnn_autograd.captioning import captioning_loss, sample_captions
from rnn_autograd.embedding import word_embedding
from rnn_autograd.lstm import lstm, lstm_step
from rnn_autograd.rnn import rnn, rnn_step
from rnn_autograd.temporal import temporal_affine, temporal_softmax_loss

__version__ = "0.1.0"

__all__ = [
    "rnn_step", "rnn", "lstm_step", "lstm", "word_embedding",
    "temporal_affine", "temporal_softmax_loss", "sigmoid", "affine",
    "captioning_loss", "sample_captions",
]
