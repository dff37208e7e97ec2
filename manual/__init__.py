"""Recurrent layers with hand-written backward passes, in numpy.

The 14 functions of the seed assignment file (`rnn_layers.py`), with its exact names, argument
order and return tuples, so a student's own file is interchangeable with this package:

    forward(...)          -> out, cache
    backward(dout, cache) -> one gradient per differentiable input, in argument order

Legend for every shape in this package: N batch size, T sequence length, D input size,
H hidden size, V vocabulary size, M output size. LSTM gates are packed i, f, o, g along the
4H axis. Floating-point inputs must share one dtype, and every output and gradient keeps it
(float32 in, float32 out). No function modifies its arguments, an upstream gradient or a cache.

Beyond the 14: `affine_forward` / `affine_backward` (the course's later `rnn_layers.py` files
carry them), and `CaptioningRNN`, the image-captioning model of the same assignment, composed
from these layers (manual/captioning.py).

The autograd twins of these layers live in `rnn_autograd`; this package never imports autograd.
"""
from manual.activations import sigmoid
from manual.affine import affine_backward, affine_forward
from manual.captioning import CaptioningRNN
from manual.embedding import word_embedding_backward, word_embedding_forward
from manual.lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from manual.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from manual.temporal import temporal_affine_backward, temporal_affine_forward, temporal_softmax_loss

__all__ = [
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "word_embedding_forward", "word_embedding_backward",
    "sigmoid",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "temporal_affine_forward", "temporal_affine_backward",
    "temporal_softmax_loss",
    "affine_forward", "affine_backward",
    "CaptioningRNN",
]
