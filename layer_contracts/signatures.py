"""Each layer's arguments and outputs, with their shapes, written once.

Both trees check their arguments against this table (`SIGNATURES[layer].check(function, ...)`),
so they reject bad input alike by construction, and the checker's layer table reads its dims
from it. The arguments are listed in the functions' order.

Kinds: "floats" (a floating-point array of these dims), "floating" (of any shape: sigmoid),
"indices" (integers in [0, upper)), "mask" (booleans), "flattened" ((N, d_1, ..., d_k) read as
(N, D): the course's affine layer). Legend: N batch, T time, D input, H hidden, V vocabulary,
M output; 4H the LSTM gates i, f, o, g.
"""
from dataclasses import dataclass

from layer_contracts import Contract

# Checked after the others: their sizes come from another argument (V from W; D from w).
_CHECKED_LAST = ("indices", "flattened")


@dataclass(frozen=True)
class Argument:
    name: str
    dims: str
    kind: str = "floats"
    upper: str = ""   # indices: the letter that bounds them, e.g. "V"


@dataclass(frozen=True)
class Signature:
    arguments: tuple[Argument, ...]
    outputs: tuple[tuple[str, str], ...]   # (name, dims) of each output of the forward

    def check(self, function, *values):
        """Check the arguments of one call of `function` (in the signature's order); return the
        Contract, whose sizes (N, T, D, ...) are then bound."""
        if len(values) != len(self.arguments):
            raise TypeError(f"{function}: takes {len(self.arguments)} arguments "
                            f"({', '.join(a.name for a in self.arguments)}), got {len(values)}")
        contract = Contract(function)
        pairs = sorted(zip(self.arguments, values), key=lambda pair: pair[0].kind in _CHECKED_LAST)
        for argument, value in pairs:
            if argument.kind == "floats":
                contract.floats(argument.name, value, argument.dims)
            elif argument.kind == "floating":
                contract.floating(argument.name, value)
            elif argument.kind == "indices":
                contract.indices(argument.name, value, argument.dims, upper=argument.upper)
            elif argument.kind == "mask":
                contract.mask(argument.name, value, argument.dims)
            elif argument.kind == "flattened":
                contract.flattened_floats(argument.name, value, argument.dims)
            else:
                raise ValueError(f"unknown kind {argument.kind!r} of {argument.name} in {function}")
        return contract

    def argument(self, name):
        return next(argument for argument in self.arguments if argument.name == name)


def _recurrent(first, gates=""):
    """x, the initial state(s), Wx, Wh, b of a vanilla RNN (gates "") or an LSTM (gates "4")."""
    return (first + (Argument("Wx", f"D,{gates}H"), Argument("Wh", f"H,{gates}H"),
                     Argument("b", f"{gates}H")))


SIGNATURES = {
    "rnn_step": Signature(
        _recurrent((Argument("x", "N,D"), Argument("prev_h", "N,H"))),
        outputs=(("next_h", "N,H"),)),
    "rnn": Signature(
        _recurrent((Argument("x", "N,T,D"), Argument("h0", "N,H"))),
        outputs=(("h", "N,T,H"),)),
    "word_embedding": Signature(
        (Argument("x", "N,T", "indices", upper="V"), Argument("W", "V,D")),
        outputs=(("out", "N,T,D"),)),
    "sigmoid": Signature(
        (Argument("x", "N,H", "floating"),),   # any shape; the checker's cases are (N, H)
        outputs=(("s", "N,H"),)),
    "lstm_step": Signature(
        _recurrent((Argument("x", "N,D"), Argument("prev_h", "N,H"), Argument("prev_c", "N,H")),
                   gates="4"),
        outputs=(("next_h", "N,H"), ("next_c", "N,H"))),
    "lstm": Signature(
        _recurrent((Argument("x", "N,T,D"), Argument("h0", "N,H")), gates="4"),
        outputs=(("h", "N,T,H"),)),
    "temporal_affine": Signature(
        (Argument("x", "N,T,D"), Argument("w", "D,M"), Argument("b", "M")),
        outputs=(("out", "N,T,M"),)),
    "temporal_softmax_loss": Signature(
        (Argument("x", "N,T,V"), Argument("y", "N,T", "indices", upper="V"),
         Argument("mask", "N,T", "mask")),
        outputs=(("loss", ""),)),
    "affine": Signature(
        (Argument("x", "N,D", "flattened"), Argument("w", "D,M"), Argument("b", "M")),
        outputs=(("out", "N,M"),)),
}
