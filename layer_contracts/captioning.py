"""Argument checks of the image-captioning model, shared by both trees.

`manual.captioning.CaptioningRNN` and `rnn_autograd.captioning` must reject bad input the same
way, so the checks of what the model itself is given (its parameters, the image features, the
captions, the cell type) live here, once. The layers it calls check the rest (for example that
Wh's H agrees with W_proj's).

Sizes, as in the course's model: N images, D the size of an image's feature vector
(input_dim), W the size of a word vector (wordvec_dim), H hidden, V vocabulary; a caption
holds T + 1 words, T after it is cut into the words fed in and the words to predict.
"""
import numbers
from collections.abc import Mapping

import numpy as np

from layer_contracts import Contract

CELL_TYPES = ("rnn", "lstm")
# The model's parameters, in the order of the course's constructor and of the derivation.
PARAMETER_NAMES = ("W_proj", "b_proj", "W_embed", "Wx", "Wh", "b", "W_vocab", "b_vocab")


def check_cell_type(function, cell_type):
    """cell_type must be "rnn" or "lstm"."""
    if not isinstance(cell_type, str) or cell_type not in CELL_TYPES:
        raise ValueError(f"{function}: cell_type must be 'rnn' or 'lstm'; got {cell_type!r}")


def check_parameters(function, params):
    """The eight parameters of `params`, in PARAMETER_NAMES order; a dict with all eight.

    A dict, or autograd's DictBox of one while it traces (not a Mapping, but it has keys).
    """
    dict_like = hasattr(params, "keys") and hasattr(params, "__getitem__")
    if not (isinstance(params, Mapping) or dict_like):
        raise TypeError(f"{function}: params must be a dict of the eight parameters "
                        f"({', '.join(PARAMETER_NAMES)}); got {type(params).__name__}")
    present = set(params.keys())
    missing = [name for name in PARAMETER_NAMES if name not in present]
    if missing:
        raise ValueError(f"{function}: params has no {', '.join(missing)}; expected all of "
                         f"{', '.join(PARAMETER_NAMES)}")
    return tuple(params[name] for name in PARAMETER_NAMES)


def check_features(function, features, W_proj):
    """Image features (N, D), D = W_proj's rows; returned in W_proj's dtype.

    Any floating-point dtype is accepted and converted (the course's float32 model is fed
    float32 or float64 features); integers are refused, like every float argument of a layer.
    """
    contract = Contract(function)
    contract.shape("W_proj", W_proj, "D,H")
    contract.shape("features", features, "N,D")
    if np.dtype(features.dtype).kind != "f":
        raise TypeError(f"{function}: features must be a floating-point array, got dtype "
                        f"{np.dtype(features.dtype)}")
    return features.astype(W_proj.dtype, copy=False)


def check_captions(function, captions, features, W_embed):
    """Integer captions (N, T + 1) of words in [0, V), N = features' rows, V = W_embed's rows,
    at least two words each: one to feed in and one to predict."""
    N = features.shape[0]
    if not hasattr(captions, "shape"):
        raise TypeError(f"{function}: captions must be a numpy array, "
                        f"got {type(captions).__name__}")
    if len(captions.shape) != 2 or captions.shape[0] != N:
        raise ValueError(f"{function}: captions has shape {tuple(captions.shape)}; expected "
                         f"(N, T + 1) = ({N}, T + 1) (N = {N} from features)")
    if captions.shape[1] < 2:
        raise ValueError(f"{function}: captions has shape {tuple(captions.shape)}; expected "
                         "(N, T + 1) with T + 1 >= 2: a caption needs a word to feed in and a "
                         "word to predict")
    contract = Contract(function)
    contract.bind("V", W_embed.shape[0], "W_embed")
    contract.indices("captions", captions, "N,T", upper="V")  # integers in [0, V)


def check_token(function, name, token, V):
    """A word index such as <NULL>'s or <START>'s: an integer in [0, V)."""
    if isinstance(token, (bool, np.bool_)) or not isinstance(token, numbers.Integral):
        raise TypeError(f"{function}: {name} must be an integer word index; got {token!r}")
    if not 0 <= token < V:
        raise ValueError(f"{function}: {name} = {token} is not a word index; expected "
                         f"0 <= {name} < V = {V}")


def check_max_length(function, max_length):
    """The number of words to sample: an integer of at least 0."""
    if isinstance(max_length, (bool, np.bool_)) or not isinstance(max_length, numbers.Integral):
        raise TypeError(f"{function}: max_length must be an integer; got {max_length!r}")
    if max_length < 0:
        raise ValueError(f"{function}: max_length must be 0 or more; got {max_length}")
