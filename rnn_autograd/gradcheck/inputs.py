"""Random inputs for any registered layer, built to expose the usual backprop bugs on purpose.

- Word indices: every index 0..V-1 appears (V-1 included) as long as N*T >= V, and with
  N*T > V some repeat, so a `dW[x] += dout` that drops repeated rows is caught.
- Masks: both values, and with N > 1 one all-False row (its gradient must be exactly zero).
- Floats: moderate scale, so LSTM gates are not saturated: s * (1 - s) keeps its digits and a
  correct float64 backward stays far inside the tolerance.
- Biases are non-zero; dims are what `draw_sizes` gives (see its docstring).
"""
import numpy as np

from layer_contracts.dims import LETTERS as SIZE_LETTERS
from layer_contracts.dims import shape_of

# Pairwise-distinct sizes: with D == H a Wx / Wh mix-up would pass every shape check.
DISTINCT_SIZES = dict(N=3, T=4, D=5, H=6, V=7, M=8)
# The smallest case: one sequence, one timestep, one hidden unit.
UNIT_SIZES = dict(N=1, T=1, D=2, H=1, V=2, M=1)


def draw_sizes(rng, largest=6):
    """Random sizes in [1, largest], with D != H, N != H and V >= 2 forced for shape hygiene."""
    sizes = {letter: int(rng.integers(1, largest + 1)) for letter in SIZE_LETTERS}
    if sizes["D"] == sizes["H"]:
        sizes["D"] += 1
    if sizes["N"] == sizes["H"]:
        sizes["N"] += 1
    sizes["V"] = max(sizes["V"], 2)
    return sizes


def _indices(shape, upper, rng):
    """Integers in [0, upper) that include every value when there is room, and repeats."""
    count = int(np.prod(shape))
    values = rng.integers(0, upper, size=count)
    cover = min(count, upper)
    values[:cover] = rng.permutation(upper)[:cover] if count < upper else np.arange(upper)
    if count > upper:  # the extra positions are repeats by construction
        values[upper:] = rng.integers(0, upper, size=count - upper)
    return rng.permutation(values).reshape(shape)


def _mask(shape, rng):
    """Booleans with both values where there is room; with N > 1, row 0 is all False."""
    mask = rng.random(shape) < 0.6
    mask.flat[-1] = True       # at least one position counts
    if shape[0] > 1:
        mask[0] = False        # a whole sequence of padding: zero loss, zero gradient
    elif mask.size > 1:
        mask.flat[0] = False
    return mask


def extreme_regimes(layer):
    """The names of the layer's regimes of extreme inputs (sigmoid: large; softmax: offset, far)."""
    return tuple(regime.name for arg in layer.args for regime in arg.extremes)


def extreme_regime(layer, name):
    """The Extreme of the layer called `name` ("default": its first), or None for ""."""
    regimes = [regime for arg in layer.args for regime in arg.extremes]
    if not name or not regimes:
        return None
    if name == "default":
        return regimes[0]
    return next((regime for regime in regimes if regime.name == name), None)


def has_extreme_case(layer):
    """Does the layer have inputs worth testing at extreme magnitude (sigmoid, softmax)?"""
    return bool(extreme_regimes(layer))


def _extreme(shape, regime, rng):
    """Values in the regime's magnitudes; with signs, also a few at 0 and at moderate values."""
    magnitude = rng.uniform(regime.low, regime.high, size=shape)
    if not regime.signs:
        return magnitude
    values = magnitude * rng.choice([-1.0, 1.0], size=shape)
    flat = values.reshape(-1)
    special = np.array([-regime.high, regime.high, 0.0, -40.0, 40.0])[:flat.size]
    flat[:special.size] = special
    return values


def make_inputs(layer, sizes, rng, dtype=np.float64, extreme=""):
    """Random arguments for `layer` as a dict name -> array, in argument order.

    extreme: the name of one of the layer's regimes of extreme inputs ("large" for sigmoid,
    "offset" or "far" for the softmax scores; "default" is the first), or "" for none. The
    arguments that declare that regime get its values instead of moderate ones.
    """
    inputs = {}
    for arg in layer.args:
        shape = shape_of(arg.dims, sizes)
        if arg.kind == "index":
            inputs[arg.name] = _indices(shape, sizes[arg.upper], rng)
        elif arg.kind == "mask":
            inputs[arg.name] = _mask(shape, rng)
        elif extreme_regime(layer, extreme) in arg.extremes:
            inputs[arg.name] = _extreme(shape, extreme_regime(layer, extreme), rng).astype(dtype)
        else:
            scale = arg.scale / np.sqrt(shape[0]) if arg.kind == "weight" else arg.scale
            inputs[arg.name] = (scale * rng.standard_normal(shape)).astype(dtype)
    return inputs


def make_upstream(layer, sizes, rng, dtype=np.float64):
    """Random upstream gradients, one per output of the forward (dnext_h, dh, dout, ...)."""
    return {"d" + name: rng.standard_normal(shape_of(dims, sizes)).astype(dtype)
            for name, dims in zip(layer.outputs, layer.output_dims)}
