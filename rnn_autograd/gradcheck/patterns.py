"""Name what is wrong with a wrong array, in words a student can act on.

- value patterns of one array: all zeros, sign flipped, a constant factor (named 1/N, T, ...),
  transposed, zero where it should not be, float32 rounding inside a float64 computation;
- patterns tied to the layer's data: repeated word indices, masked positions;
- the LSTM gates in PyTorch's order (i, f, g, o) instead of the course's (i, f, o, g).
"""
import numpy as np

from layer_contracts.dims import gate_axis
from rnn_autograd.gradcheck.errors import (
    FLOAT32_TOLERANCE,
    PRECISION_LOSS_CEILING,
    normwise_error,
    wrong_entries,
)


def fit_factor(got, want):
    """Least-squares c with got ~ c * want, and the normwise error left after scaling."""
    want64 = np.asarray(want, dtype=np.float64)
    denominator = float(np.sum(want64 * want64))
    if denominator == 0.0:
        return None, float("inf")
    factor = float(np.sum(np.asarray(got, dtype=np.float64) * want64)) / denominator
    return factor, normwise_error(got, factor * want64)


def _name_factor(factor, sizes):
    """'1/N' for factor 1/3 when N = 3, and so on; '' when no simple name fits."""
    candidates = {}
    for letter in ("N", "T", "H", "D", "V", "M"):
        size = sizes.get(letter)
        if size and size > 1:
            candidates.setdefault(f"{letter}", float(size))
            candidates.setdefault(f"1/{letter}", 1.0 / size)
    if sizes.get("N", 1) > 1 and sizes.get("T", 1) > 1:
        candidates["1/(N*T)"] = 1.0 / (sizes["N"] * sizes["T"])
        candidates["N*T"] = float(sizes["N"] * sizes["T"])
    candidates.update({"2": 2.0, "1/2": 0.5})
    for name, value in candidates.items():
        if abs(factor - value) <= 1e-6 * abs(value):
            return name
    return ""


def value_pattern(got, want, tolerance, sizes):
    """Name a simple pattern in a wrong array of the right shape, with a sentence; or (None, '')."""
    got64 = np.asarray(got, dtype=np.float64)
    want64 = np.asarray(want, dtype=np.float64)
    if np.all(got64 == 0) and np.any(want64 != 0):
        return "zero", "it is all zeros"
    several = np.count_nonzero(want64) >= 2  # with one number, any wrong value "fits" a factor
    if several and normwise_error(got64, -want64) <= tolerance:
        return "sign flipped", "it has the opposite sign everywhere (a sign error)"
    factor, residual = fit_factor(got64, want64)
    if several and factor is not None and residual <= tolerance and abs(factor - 1) > 1e-6:
        name = _name_factor(factor, sizes)
        named = f" = {name}" if name else ""
        return "constant factor", f"it is {factor:.6g}{named} times the expected values"
    if got64.ndim == 2 and got64.shape[0] == got64.shape[1] > 1 \
            and normwise_error(got64.T, want64) <= tolerance:
        return "transposed", "it is the transpose of the expected matrix"
    wrong = wrong_entries(got64, want64, tolerance)
    if np.any(wrong) and np.all(got64[wrong] == 0):
        return "zero", (f"it is zero at {int(wrong.sum())} of {wrong.size} entries where it "
                        "should not be")
    error = normwise_error(got64, want64)
    if tolerance < error <= PRECISION_LOSS_CEILING and tolerance < FLOAT32_TOLERANCE:
        return "precision", (f"the error {error:.1e} is the size of float32 rounding: a float32 "
                             "value or cast inside this float64 computation loses digits")
    return None, ""


PYTORCH_GATE_ORDER = "PyTorch gate order"
# torch.nn.LSTM packs its gates i, f, g, o; the course packs them i, f, o, g. Swapping the last
# two H-blocks of every 4H axis turns one layout into the other.
_PYTORCH_BLOCKS = (0, 1, 3, 2)


def _swap_gate_blocks(array, dims):
    axis = gate_axis(dims)
    blocks = np.split(np.asarray(array), 4, axis=axis)
    return np.concatenate([blocks[index] for index in _PYTORCH_BLOCKS], axis=axis)


def pytorch_gate_order(layer, evidence, tolerance):
    """Does the implementation read (or write) the 4H gate blocks as i, f, g, o?"""
    gate_args = [arg for arg in layer.args if gate_axis(arg.dims) is not None]
    if not gate_args or evidence is None:
        return False
    pairs = evidence.pairs()
    if evidence.is_backward:  # the returned gate gradients, with blocks o and g swapped
        names = [f"d{arg.name}" for arg in gate_args if f"d{arg.name}" in pairs]
        return bool(names) and all(
            _close(_swap_gate_blocks(pairs[name][0], layer.dims_of(name)), pairs[name][1],
                   tolerance)
            for name in names)
    swapped = dict(evidence.reference.inputs)
    for arg in gate_args:
        swapped[arg.name] = _swap_gate_blocks(swapped[arg.name], arg.dims)
    wants = evidence.reference.outputs(swapped)
    return all(_close(got, want, tolerance) for (got, _), want in zip(pairs.values(), wants))


def _close(got, want, tolerance):
    """Same shape and within the tolerance (a NaN is never close)."""
    return np.shape(got) == np.shape(want) and normwise_error(got, want) <= tolerance


def special_patterns(layer, inputs, name, got, want, tolerance):
    """Patterns tied to the layer's data: repeated word indices, masked positions."""
    if np.shape(got) != np.shape(want):
        return None, ""
    wrong = wrong_entries(got, want, tolerance)
    dims = layer.dims_of(name)
    for arg in layer.args:
        if arg.kind == "index" and dims.split(",")[0] == arg.upper and np.any(wrong):
            counts = np.bincount(inputs[arg.name].ravel(), minlength=np.shape(got)[0])
            wrong_rows = np.any(wrong.reshape(wrong.shape[0], -1), axis=1)
            if np.all(counts[wrong_rows] >= 2):
                return "repeated indices", ("only rows of words that occur more than once are "
                                            f"wrong ({int(wrong_rows.sum())} rows): repeated "
                                            "indices must add up their gradients (np.add.at), "
                                            "not overwrite them")
        if arg.kind == "mask" and dims.startswith("N,T") and np.any(wrong):
            masked = ~inputs[arg.name].astype(bool)
            wrong_positions = np.any(wrong.reshape(wrong.shape[:2] + (-1,)), axis=2)
            if np.all(masked[wrong_positions]):
                return "masked positions", ("only masked positions (mask False) are wrong: they "
                                            "must get exactly zero gradient")
    return None, ""
