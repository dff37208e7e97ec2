"""Word embedding (autograd twin of manual/embedding.py): out[n, t] = W[x[n, t]]."""
from layer_contracts import Contract


def word_embedding(x, W):
    """Look up the word vectors of a batch of index sequences: out = W[x].

    Inputs:
    - x: (N, T) integer word indices, each in [0, V)
    - W: (V, D) one word vector per row

    Returns:
    - out: (N, T, D) the word vector of every index
    """
    contract = Contract("word_embedding")
    contract.floats("W", W, "V,D")
    contract.indices("x", x, "N,T", upper="V")
    return W[x]  # (N, T, D)
