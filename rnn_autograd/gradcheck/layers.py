"""The one list of layers to check: tests, `rnn-gradcheck` and the benchmarks all iterate it.

Each `LayerSpec` ties the seed's function names (what an implementation must define) to the
autograd reference in this package and describes the arguments, so that random cases can be
made for any layer the same way. Adding a layer = a forward (and backward) in `manual/`, a
reference in `rnn_autograd/`, and one entry in `LAYERS`.

The 14 functions of the seed file are `SEED_FUNCTIONS`. A layer marked `optional` (the affine
pair, which only the course's later files carry) is tested like the others, but an
implementation that lacks it is not incomplete: its names are `OPTIONAL_FUNCTIONS`.

Dims are written with the legend letters (N batch, T time, D input, H hidden, V vocabulary,
M output); "4H" is the packed LSTM gate axis, in the order i, f, o, g.
"""
from dataclasses import dataclass
from typing import Callable

import rnn_autograd
from layer_contracts.signatures import SIGNATURES
from rnn_autograd.gradcheck.errors import FAILURE, WARNING

GATES = ("i", "f", "o", "g")  # order of the four H-blocks along an LSTM's 4H axis


@dataclass(frozen=True)
class Extreme:
    """A regime of extreme inputs for one argument, and what going wrong there means.

    Magnitudes are drawn uniformly in [low, high], with random signs or all positive (a large
    common offset). In a FAILURE regime a careful implementation is exact and a careless one
    overflows (a naive exp, a missing max-subtraction). In a WARNING regime only a more careful
    formula than the course's survives; the advice says which.
    """
    name: str          # in the replay text: extreme=<name>
    low: float
    high: float
    signs: bool
    severity: str
    description: str   # what the inputs are, for the diagnosis
    advice: str = ""   # for a WARNING regime: what a stable version does


@dataclass(frozen=True)
class Arg:
    """One argument of a forward function.

    kind: "data" (floats of standard deviation `scale`), "weight" (floats of standard deviation
    scale / sqrt(rows), so that pre-activations stay moderate), "bias" (like data), "index"
    (integers in [0, upper)) or "mask" (booleans).
    """
    name: str
    dims: str
    kind: str = "data"
    scale: float = 1.0
    upper: str = ""  # for "index": the letter that bounds the values, e.g. "V"
    extremes: tuple[Extreme, ...] = ()  # regimes of extreme inputs for this argument, if any

    @property
    def differentiable(self):
        return self.kind in ("data", "weight", "bias")


@dataclass(frozen=True)
class LayerSpec:
    """A seed layer: its function names, its autograd reference and its arguments."""
    name: str                    # reference name in rnn_autograd, e.g. "lstm_step"
    forward: str                 # seed name, e.g. "lstm_step_forward"
    backward: str | None         # seed name of the backward, None if the seed has none
    reference: Callable          # forward-only autograd function with the same arguments
    args: tuple[Arg, ...]
    outputs: tuple[str, ...]     # forward outputs before the cache, e.g. ("next_h", "next_c")
    output_dims: tuple[str, ...] # dims of each output ("" for a scalar)
    wrt: tuple[str, ...] = ()    # arguments the backward returns gradients for, in order
    has_cache: bool = True       # does the forward return a cache as its last value?
    loss_gradient: bool = False  # temporal_softmax_loss: forward returns (loss, dx) itself
    step: str = ""               # a sequence layer: the name of its one-step layer ("lstm_step")
    carries: tuple[str, ...] = ()  # the states a step hands to the next one: ("h", "c")
    optional: bool = False       # not one of the 14 (affine: only some course years carry it)

    @property
    def functions(self):
        """Seed names this layer covers: forward, then backward if any."""
        return (self.forward,) + ((self.backward,) if self.backward else ())

    @property
    def gradient_names(self):
        """Names of the returned gradients, the seed's way: dx, dprev_h, dWx, ..."""
        return tuple("d" + name for name in self.wrt)

    @property
    def upstream_names(self):
        """Names of the upstream gradients a backward takes: dnext_h, dh, dout, ..."""
        return tuple("d" + name for name in self.outputs)

    def arg(self, name):
        return next(arg for arg in self.args if arg.name == name)

    def argument_of(self, gradient_name):
        """The Arg a returned gradient belongs to ("dWx" -> Wx), or None for an output."""
        return next((arg for arg in self.args if "d" + arg.name == gradient_name), None)

    def dims_of(self, name):
        """Legend dims of a returned array: an output ("next_h": "N,H") or a gradient
        ("dWx": "D,4H"); "" for anything else (the cache, a scalar loss)."""
        if name in self.outputs:
            return self.output_dims[self.outputs.index(name)]
        argument = self.argument_of(name)
        return argument.dims if argument else ""


def _args(layer, **draw):
    """The arguments of a layer: names, dims and kinds from its signature (layer_contracts), and
    how to draw each one's values from `draw` (name -> dict(kind="weight", scale=0.8, ...))."""
    args = []
    for argument in SIGNATURES[layer].arguments:
        options = dict(draw.get(argument.name, {}))
        if argument.kind == "indices":
            options.update(kind="index", upper=argument.upper)
        elif argument.kind == "mask":
            options.update(kind="mask")
        args.append(Arg(argument.name, argument.dims, **options))
    return tuple(args)


def _outputs(layer):
    """outputs= and output_dims= of a layer's forward, from its signature."""
    outputs = SIGNATURES[layer].outputs
    return dict(outputs=tuple(name for name, _ in outputs),
                output_dims=tuple(dims for _, dims in outputs))


# How the cases draw the recurrent weights: pre-activations of order 1 (0.8 for the LSTM's four
# gates, so that they do not saturate), and non-zero biases.
_RNN_WEIGHTS = dict(Wx=dict(kind="weight"), Wh=dict(kind="weight"), b=dict(kind="bias", scale=0.5))
_LSTM_WEIGHTS = dict(Wx=dict(kind="weight", scale=0.8), Wh=dict(kind="weight", scale=0.8),
                     b=dict(kind="bias", scale=0.5))
_STATE = dict(scale=0.5)

_SIGMOID_LARGE = Extreme(
    "large", 500.0, 1000.0, signs=True, severity=FAILURE,
    description="inputs of magnitude up to 1000 (a naive 1 / (1 + exp(-x)) overflows)")
_SOFTMAX_EXTREMES = (
    Extreme("offset", 700.0, 800.0, signs=False, severity=FAILURE,
            description="scores of a row all in [700, 800]: a large common offset, spread 100 "
                        "(without subtracting the row maximum, exp overflows)"),
    Extreme("far", 400.0, 800.0, signs=True, severity=WARNING,
            description="scores up to +-800, entries of a row up to 1600 apart (far outside the "
                        "course's range)",
            advice="there the probability of the true class underflows to 0 and log(0) = -inf; a "
                   "stable version never takes the log of a probability: log p = (x - max) - "
                   "log(sum(exp(x - max))), a log-sum-exp"),
)

LAYERS = (
    LayerSpec(
        name="rnn_step", forward="rnn_step_forward", backward="rnn_step_backward",
        reference=rnn_autograd.rnn_step,
        args=_args("rnn_step", prev_h=_STATE, **_RNN_WEIGHTS), **_outputs("rnn_step"),
        wrt=("x", "prev_h", "Wx", "Wh", "b"),
    ),
    LayerSpec(
        name="rnn", forward="rnn_forward", backward="rnn_backward",
        reference=rnn_autograd.rnn,
        args=_args("rnn", h0=_STATE, **_RNN_WEIGHTS), **_outputs("rnn"),
        wrt=("x", "h0", "Wx", "Wh", "b"), step="rnn_step", carries=("h",),
    ),
    LayerSpec(
        name="word_embedding", forward="word_embedding_forward",
        backward="word_embedding_backward", reference=rnn_autograd.word_embedding,
        args=_args("word_embedding"), **_outputs("word_embedding"),
        wrt=("W",),
    ),
    LayerSpec(
        name="sigmoid", forward="sigmoid", backward=None,
        reference=rnn_autograd.sigmoid,
        args=_args("sigmoid", x=dict(scale=4.0, extremes=(_SIGMOID_LARGE,))),
        **_outputs("sigmoid"),
        has_cache=False,
    ),
    LayerSpec(
        name="lstm_step", forward="lstm_step_forward", backward="lstm_step_backward",
        reference=rnn_autograd.lstm_step,
        args=_args("lstm_step", prev_h=_STATE, prev_c=_STATE, **_LSTM_WEIGHTS),
        **_outputs("lstm_step"),
        wrt=("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
    ),
    LayerSpec(
        name="lstm", forward="lstm_forward", backward="lstm_backward",
        reference=rnn_autograd.lstm,
        args=_args("lstm", h0=_STATE, **_LSTM_WEIGHTS), **_outputs("lstm"),
        wrt=("x", "h0", "Wx", "Wh", "b"), step="lstm_step", carries=("h", "c"),
    ),
    LayerSpec(
        name="temporal_affine", forward="temporal_affine_forward",
        backward="temporal_affine_backward", reference=rnn_autograd.temporal_affine,
        args=_args("temporal_affine", w=dict(kind="weight"), b=dict(kind="bias", scale=0.5)),
        **_outputs("temporal_affine"),
        wrt=("x", "w", "b"),
    ),
    LayerSpec(
        name="temporal_softmax_loss", forward="temporal_softmax_loss", backward=None,
        reference=rnn_autograd.temporal_softmax_loss,
        args=_args("temporal_softmax_loss", x=dict(scale=2.0, extremes=_SOFTMAX_EXTREMES)),
        **_outputs("temporal_softmax_loss"),
        wrt=("x",), has_cache=False, loss_gradient=True,
    ),
    LayerSpec(
        # x may have any trailing shape (N, d_1, ..., d_k); the cases use the 2-D (N, D).
        name="affine", forward="affine_forward", backward="affine_backward",
        reference=rnn_autograd.affine,
        args=_args("affine", w=dict(kind="weight"), b=dict(kind="bias", scale=0.5)),
        **_outputs("affine"),
        wrt=("x", "w", "b"), optional=True,
    ),
)

# The assignment's 14 functions, and the extras that some years' files carry and that are
# checked when present (never reported as missing).
SEED_FUNCTIONS = tuple(name for layer in LAYERS if not layer.optional for name in layer.functions)
OPTIONAL_FUNCTIONS = tuple(name for layer in LAYERS if layer.optional for name in layer.functions)
ALL_FUNCTIONS = SEED_FUNCTIONS + OPTIONAL_FUNCTIONS


def layer_named(name):
    """The LayerSpec whose reference is rnn_autograd.<name>, e.g. "lstm_step"."""
    return next(layer for layer in LAYERS if layer.name == name)


def layer_of(function):
    """The LayerSpec that covers a function name (forward or backward, seed or optional)."""
    for layer in LAYERS:
        if function in layer.functions:
            return layer
    raise KeyError(function)
