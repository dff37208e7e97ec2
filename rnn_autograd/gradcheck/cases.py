"""Which cases the checker runs, and how a case is written down so that it can be replayed.

A case is fully determined by its sizes, a data seed, a dtype and its regime of extreme inputs
(if any): `Case.parse(case.replay_text())` makes the same inputs again, bit for bit.
"""
from dataclasses import dataclass, field

import numpy as np

from layer_contracts import dims
from rnn_autograd.gradcheck.inputs import (
    DISTINCT_SIZES,
    SIZE_LETTERS,
    UNIT_SIZES,
    draw_sizes,
    extreme_regimes,
)

MAX_REPLAY_SIZE = 4096  # a size above this is a typo, not a case (N=100000 fills memory)
MAX_ELEMENTS = 50_000_000  # of the largest array of a case (400 MB in float64): beyond, refused
# The benchmark's sizes (benchmarks/run.py SIZES; tests/test_sizes.py checks they agree), for
# rnn-gradcheck --size small|medium|large.
NAMED_SIZES = {
    "small": dict(N=2, T=3, D=4, H=5, V=10, M=10),
    "medium": dict(N=32, T=20, D=64, H=128, V=1000, M=1000),
    "large": dict(N=64, T=50, D=256, H=512, V=1000, M=1000),
}
SIZED_CASES = (("float64", 0), ("float64", 1), ("float32", 2))  # (dtype, seed offset) at --size
DEFAULT_CASES = 50  # per function: the fixed cases below plus random ones; all 14 take about 1.5 s


@dataclass(frozen=True)
class Case:
    sizes: dict = field(hash=False)
    seed: int
    dtype: str = "float64"
    extreme: str = ""  # a regime of extreme inputs of the layer ("far"), "default" or ""
    sized: bool = False  # a case at the user's --size: localised on its shrunk form

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
        return Case(dict(self.sizes, **sizes), self.seed, self.dtype, self.extreme, self.sized)

    @classmethod
    def parse(cls, text):
        """Inverse of replay_text; unknown or malformed parts raise ValueError."""
        sizes, seed, dtype, extreme = dict(DISTINCT_SIZES), 0, "float64", ""
        seen = set()
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            if key in seen:
                raise ValueError(f"{key} is given twice in the case {text!r}")
            seen.add(key)
            if key == "extreme":
                extreme = value if value.isidentifier() else "default" if not value else None
                if extreme is None:
                    raise ValueError(f"cannot read {part!r} in the case {text!r}; expected "
                                     "extreme or extreme=NAME")
            elif key in SIZE_LETTERS and value.isdigit() and 0 < int(value) <= MAX_REPLAY_SIZE:
                sizes[key] = int(value)
            elif key == "seed" and value.isdigit():
                seed = int(value)
            elif key == "dtype" and value in ("float64", "float32"):
                dtype = value
            else:
                raise ValueError(f"cannot read {part!r} in the case {text!r}; expected parts "
                                 f"such as N=2, T=3 (sizes from 1 to {MAX_REPLAY_SIZE}), seed=5, "
                                 "dtype=float32, extreme=far")
        check_case_size(sizes, text)
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
        every_fifth = "float32" in dtypes and index % 5 == 0
        dtype = "float32" if every_fifth or dtypes == ("float32",) else first
        cases.append(Case(draw_sizes(rng), seed + 100 + index, dtype))
    return cases


def largest_array(sizes):
    """Elements of the largest array any layer makes at these sizes (x of the loss, 4H gates)."""
    return sizes["N"] * sizes["T"] * max(sizes["D"], 4 * sizes["H"], sizes["V"], sizes["M"])


def check_case_size(sizes, text):
    if largest_array(sizes) > MAX_ELEMENTS:
        raise ValueError(f"the case {text!r} is too large: its largest array would hold "
                         f"{largest_array(sizes):,} elements; at most {MAX_ELEMENTS:,}")


def parse_size(text):
    """--size: 'large' (or small, medium) or 'N=64,T=50,D=256,H=512' (other letters: the
    pairwise-distinct defaults). Returns the sizes; raises ValueError naming what is wrong."""
    text = text.strip()
    if text in NAMED_SIZES:
        return dict(NAMED_SIZES[text])
    sizes = dict(DISTINCT_SIZES)
    for part in filter(None, (p.strip() for p in text.split(","))):
        letter, _, value = part.partition("=")
        if letter not in SIZE_LETTERS or not value.isdigit() \
                or not 0 < int(value) <= MAX_REPLAY_SIZE:
            raise ValueError(f"cannot read {part!r} in --size {text!r}; expected small, medium, "
                             "large or sizes such as N=64,T=50,D=256,H=512 "
                             f"(each from 1 to {MAX_REPLAY_SIZE})")
        sizes[letter] = int(value)
    if not text:
        raise ValueError("--size needs sizes, such as large or N=64,T=50,D=256,H=512")
    check_case_size(sizes, text)
    return sizes


def sized_cases(sizes, seed, dtypes):
    """A few cases at the user's sizes: two in float64 and one in float32 (as dtypes allow)."""
    return [Case(dict(sizes), seed + 900 + offset, dtype, sized=True)
            for dtype, offset in SIZED_CASES if dtype in dtypes]
