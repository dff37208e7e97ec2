"""Word embedding (autograd twin of manual/embedding.py): out[n, t] = W[x[n, t]]."""
from layer_contracts.signatures import SIGNATURES


def word_embedding(x, W):
    """Look up the word vectors of a batch of index sequences: out = W[x].

    Inputs:
    - x: (N, T) integer word indices, each in [0, V)
    - W: (V, D) one word vector per row

    Returns:
    - out: (N, T, D) the word vector of every index
    """
    SIGNATURES["word_embedding"].check("word_embedding", x, W)
    return W[x]  # (N, T, D)
