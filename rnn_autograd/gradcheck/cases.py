"""Which cases the checker runs, and how a case is written down so that it can be replayed.

A case is fully determined by its sizes, a data seed, a dtype and its regime of extreme inputs
(if any): `Case.parse(case.replay_text())` makes the same inputs again, bit for bit.
"""
from dataclasses import dataclass, field

import numpy as np

from layer_contracts import dims

from rnn_autograd.gradcheck.inputs import (DISTINCT_SIZES, SIZE_LETTERS, UNIT_SIZES, draw_sizes,
                                           extreme_regimes)

MAX_REPLAY_SIZE = 64  # a replayed size above this is a typo, not a case (N=100000 fills memory)
DEFAULT_CASES = 50  # per function: the fixed cases below plus random ones; all 14 take about 1.5 s


@dataclass(frozen=True)
class Case:
    sizes: dict = field(hash=False)
    seed: int
    dtype: str = "float64"
    extreme: str = ""  # a regime of extreme inputs of the layer ("far"), "default" or ""

    def letters(self, layer):
        """The size letters the layer actually uses, in legend order."""
        used = {letter for arg in layer.args for letter in dims.letters(arg.dims)}
        return [letter for letter in SIZE_LETTERS if letter in used]

    def shape_text(self, layer):
        return ", ".join(f"{letter}={self.sizes[letter]}" for letter in self.letters(layer))

    def replay_text(self, layer):
        """'N=1,T=2,D=2,H=1,seed=7,dtype=float64' (plus ',extreme=far'): the --replay argument."""
        parts = [f"{letter}={self.sizes[letter]}" for letter in self.letters(layer)]
        parts += [f"seed={self.seed}", f"dtype={self.dtype}"]
        parts += [f"extreme={self.extreme}"] if self.extreme else []
        return ",".join(parts)

    def resized(self, **sizes):
        """The same case with some sizes changed (for shrinking)."""
        return Case(dict(self.sizes, **sizes), self.seed, self.dtype, self.extreme)

    @classmethod
    def parse(cls, text):
        """Inverse of replay_text; unknown or malformed parts raise ValueError."""
        sizes, seed, dtype, extreme = dict(DISTINCT_SIZES), 0, "float64", ""
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            if key == "extreme":
                extreme = value if value.isidentifier() else "default" if not value else None
                if extreme is None:
                    raise ValueError(f"cannot read {part!r} in the case {text!r}; expected extreme or "
                                     "extreme=NAME")
            elif key in SIZE_LETTERS and value.isdigit() and 0 < int(value) <= MAX_REPLAY_SIZE:
                sizes[key] = int(value)
            elif key == "seed" and value.isdigit():
                seed = int(value)
            elif key == "dtype" and value in ("float64", "float32"):
                dtype = value
            else:
                raise ValueError(f"cannot read {part!r} in the case {text!r}; expected parts such as "
                                 f"N=2, T=3 (sizes from 1 to {MAX_REPLAY_SIZE}), seed=5, "
                                 "dtype=float32, extreme=far")
        return cls(sizes, seed, dtype, extreme)


def schedule(layer, count, seed, dtypes=("float64", "float32")):
    """The cases for one layer: deliberate edge cases first, then random sizes.

    Always included (as far as `count` allows): pairwise-distinct sizes (a Wx / Wh or D / H
    mix-up cannot pass the shape checks), the same sizes again with other values right after
    (a backward that remembers its last answer by shape gives the old one), N = T = H = 1,
    float32, each regime of extreme inputs (sigmoid, softmax), one sequence with T = 3. Random
    sizes are in [1, 6], with D != H and N != H.
    """
    first = dtypes[0]
    fixed = [
        Case(dict(DISTINCT_SIZES), seed, first),
        Case(dict(DISTINCT_SIZES), seed + 5, first),
        Case(dict(UNIT_SIZES), seed + 1, first),
    ]
    if "float32" in dtypes and first != "float32":
        fixed.append(Case(dict(DISTINCT_SIZES), seed + 2, "float32"))
    for regime in extreme_regimes(layer):
        fixed.append(Case(dict(DISTINCT_SIZES), seed + 3, first, extreme=regime))
    fixed.append(Case(dict(DISTINCT_SIZES, N=1, T=3), seed + 4, first))
    cases = fixed[:count]
    rng = np.random.default_rng([seed, 7919])
    index = 0
    while len(cases) < count:
        index += 1
        dtype = "float32" if ("float32" in dtypes and index % 5 == 0) or dtypes == ("float32",) else first
        cases.append(Case(draw_sizes(rng), seed + 100 + index, dtype))
    return cases
