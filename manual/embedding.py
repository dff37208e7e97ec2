"""Word embedding: look up one D-dimensional vector per word index.

    out[n, t] = W[x[n, t]]        (N, T, D)
"""
from typing import NamedTuple

import numpy as np

from layer_contracts import Contract
from layer_contracts.signatures import SIGNATURES


class WordEmbeddingCache(NamedTuple):
    x: np.ndarray       # (N, T) word indices
    W_shape: tuple      # (V, D)
    W_dtype: np.dtype


def word_embedding_forward(x, W):
    """Look up the word vectors of a batch of index sequences: out = W[x].

    Inputs:
    - x: (N, T) integer word indices, each in [0, V)
    - W: (V, D) one word vector per row

    Returns a tuple of:
    - out: (N, T, D) the word vector of every index
    - cache: WordEmbeddingCache for word_embedding_backward
    """
    SIGNATURES["word_embedding"].check("word_embedding_forward", x, W)
    out = W[x]  # (N, T, D) one fancy-indexing operation, no Python loop
    return out, WordEmbeddingCache(x, W.shape, W.dtype)


def word_embedding_backward(dout, cache):
    """Backward pass for word embeddings: row v of dW sums dout over every position holding v.

    A word that occurs several times in the batch receives the sum of all their gradients.
    `dW[x] += dout` would keep only one of them (numpy's buffered fancy assignment); the sum
    over each group of equal indices is what the chain rule asks for. `np.add.at(dW, x, dout)`
    computes it; one `np.bincount` over the flat positions in dW computes the same sums faster
    (it accumulates in float64, then the result is cast back to W's dtype).

    Inputs:
    - dout: (N, T, D) upstream gradient
    - cache: WordEmbeddingCache from word_embedding_forward

    Returns:
    - dW: (V, D) gradient with respect to the word vectors
    """
    x, W_shape, W_dtype = cache
    V, D = W_shape
    contract = Contract("word_embedding_backward")
    contract.upstream("dout", dout, "out", x.shape + (D,), W_dtype)
    # (N*T*D,): where dout[n, t, d] goes in dW.ravel(); (V*D,): bincount sums over repeated words
    positions = (x.reshape(-1, 1) * D + np.arange(D)).ravel()
    dW = np.bincount(positions, weights=dout.ravel(), minlength=V * D)
    return dW.reshape(V, D).astype(W_dtype, copy=False)      # (V, D) words absent from x get zero
