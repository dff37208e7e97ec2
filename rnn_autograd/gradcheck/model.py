"""Check a student's captioning model (the course's `classifiers/rnn.py`), not only its layers.

    from rnn_autograd.gradcheck.model import check_model

    report = check_model("cs231n/classifiers/rnn.py")  # a file (inside its package), or a module
    report.ok
    report.results["loss"].diagnosis                   # which parameters, mistake and layer
    report.results["sample"].status

The file is imported inside its course package, so `from ..rnn_layers import *` (2021-2024)
and `from cs231n.layers import *` (2018-2020) work. Its class (CaptioningRNN, or the one class
with `loss` and `sample`) is built the course's way, as a float64 model, and the checker then
sets every parameter itself: biases non-zero (the constructor's b_proj = 0 would hide a
projection that forgets it), across small random sizes for both cell types.

- "loss": the loss and the eight gradients against autograd's (`rnn_autograd.captioning_loss`).
  A wrong answer is run again with the bundled correct layers (`manual`) in place of the
  student's: still wrong means the model code is wrong, and the answer is matched against the
  usual mistakes (captions in/out swapped, scored against captions_in, the mask's token, h0
  without b_proj, ...); right means a layer is wrong, found by putting the student's layers
  back one at a time, and that layer is then checked on its own.
- "sample": the greedy captions against greedy decoding with the same parameters, token for
  token up to each caption's first <END> (after it, a caption may stop or run on, as the
  course allows), on batches where one caption ends before another.

Statuses, as for the functions: pass, warn, fail, error, not_implemented, missing. A warning
(a float64 answer from the course's default float32 model) does not fail the check unless
`strict`.
"""
import inspect
import sys
import time
import types
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from layer_contracts.captioning import PARAMETER_NAMES
from rnn_autograd.gradcheck.api import Verdicts, check_implementation
from rnn_autograd.gradcheck.calling import call
from rnn_autograd.gradcheck.compare import compare
from rnn_autograd.gradcheck.errors import WARNING, normwise_error, tolerance_for
from rnn_autograd.gradcheck.layers import LAYERS, OPTIONAL_FUNCTIONS, SEED_FUNCTIONS
from rnn_autograd.gradcheck.loading import LoadError, _package_of, load_implementation
from rnn_autograd.gradcheck.model_reference import (
    LOSS_MISTAKES,
    SAMPLE_MISTAKES,
    Tokens,
    first_end,
    greedy_decoding,
    loss_and_gradients,
)

PARTS = ("loss", "sample")
PASSING = ("pass", "warn")
# The derivation of each part: (page of docs/, anchor)
LINKS = {"loss": ("captioning.md", "where-each-gradient-comes-from"),
         "sample": ("captioning.md", "captioningrnnsample")}
CLASS_NAME = "CaptioningRNN"
LAYER_FUNCTIONS = SEED_FUNCTIONS + OPTIONAL_FUNCTIONS
DEFAULT_MODEL_CASES = 8      # per cell type and part: fixed cases first, then random sizes
DEFAULT_TIME_LIMIT = 10.0    # seconds per call of the student's code
LAYER_CHECK_CASES = 20       # cases when a layer found wrong inside the model is checked alone
# A greedy choice whose best score beats the second by less than this (in a float64 model) may
# go either way by round-off: such a case is skipped, not held against the sample.
SMALLEST_MARGIN = 1e-8
# Draws tried for a sample case without near-ties and with captions that end apart.
SAMPLE_ATTEMPTS = 20
# A mistake is named only when the student's answer matches its variant this closely: far
# above the round-off of a float64 model (1e-15) and of a float32 one (1e-6), far below what
# any other mistake changes (1e-2 and more).
MISTAKE_MATCH_TOLERANCE = {"float64": 1e-8, "float32": 1e-4}


@dataclass
class ModelResult:
    """The verdict on one part of the model, "loss" or "sample" (fields as FunctionResult's)."""
    function: str                       # "loss" or "sample"
    status: str                         # pass | fail | error | not_implemented | missing
    cases: int = 0
    worst_error: float | None = None
    tolerance: float | None = None
    seconds: float = 0.0
    diagnosis: str = ""
    wrong: list[str] = field(default_factory=list)   # what is wrong: "loss", "W_proj", ...
    mistake: str | None = None          # id of a usual mistake, e.g. "scored_against_captions_in"
    source: str | None = None           # where the mistake is: "model" or "layers"
    layers: list[str] = field(default_factory=list)  # the student's layers that make it wrong
    failing_case: str | None = None
    replay: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    location: str | None = None
    link: str | None = None             # the derivation: docs/captioning.md#...
    required: bool = False              # as FunctionResult's: a missing part never fails here
    warnings: list[str] = field(default_factory=list)  # what is suspect but not wrong
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status in PASSING or self.status == "missing"

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ModelReport(Verdicts):
    """What `check_model` found, part by part."""
    implementation: str
    class_name: str
    seed: int
    cases: int
    results: dict[str, ModelResult]     # "loss" / "sample" -> its result
    seconds: float = 0.0
    strict: bool = False
    notes: list[str] = field(default_factory=list)  # about the file itself, from the loader

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "implementation": self.implementation, "class": self.class_name,
                "seed": self.seed, "cases_per_part": self.cases, "strict": self.strict,
                "seconds": round(self.seconds, 3), "notes": self.notes,
                "parts": {name: result.to_json() for name, result in self.results.items()}}


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModelCase:
    """Sizes (T1 = T + 1 words per caption), a cell type, a data seed and a dtype."""
    cell_type: str
    N: int
    T1: int
    D: int
    W: int
    H: int
    V: int
    seed: int
    dtype: str = "float64"

    def text(self):
        """'cell_type=lstm,N=3,T1=5,D=4,W=5,H=6,V=7,seed=3,dtype=float64': the replay argument."""
        return (f"cell_type={self.cell_type},N={self.N},T1={self.T1},D={self.D},W={self.W},"
                f"H={self.H},V={self.V},seed={self.seed},dtype={self.dtype}")

    @classmethod
    def parse(cls, text):
        values = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            values[key] = value
        try:
            case = cls(values.pop("cell_type"),
                       *(int(values.pop(key)) for key in "N T1 D W H V".split()),
                       seed=int(values.pop("seed", 0)), dtype=values.pop("dtype", "float64"))
        except (KeyError, ValueError):
            raise ValueError(f"cannot read the model case {text!r}; expected cell_type=rnn|lstm, "
                             "N, T1, D, W, H, V (V >= 3), seed and dtype, such as "
                             f"{FIXED_SIZES[0]}") from None
        if values or case.cell_type not in ("rnn", "lstm") \
                or case.dtype not in ("float64", "float32") \
                or min(case.N, case.D, case.W, case.H) < 1 or case.T1 < 2 or case.V < 3:
            raise ValueError(f"cannot read the model case {text!r}")
        return case


# Sizes of the fixed cases, each chosen for what it covers (D, W, H, V pairwise distinct where
# they can be, so that a Wx / Wh or W / H mix-up cannot pass the shape checks).
FIXED_SIZES = (
    "N=3,T1=5,D=4,W=5,H=6,V=7",   # distinct sizes; row 0 all padding, others padded
    "N=1,T1=4,D=3,W=2,H=4,V=5",   # N = 1
    "N=3,T1=2,D=3,W=4,H=2,V=5",   # T = 1 after slicing
    "N=4,T1=6,D=2,W=3,H=5,V=4",   # V = 4: one real word, so words repeat
)


def model_cases(count, seed, dtypes=("float64", "float32")):
    """The cases of one part, for both cells: the fixed ones, then random sizes, in the first
    dtype; then, if float32 is asked for besides, the first fixed sizes once more in float32
    (the course's default dtype)."""
    specs = [dict(pair.split("=") for pair in text.split(",")) for text in FIXED_SIZES]
    rng = np.random.default_rng([seed, 4099])
    while len(specs) < count:
        H = int(rng.integers(1, 6))
        specs.append(dict(N=rng.integers(1, 5), T1=rng.integers(2, 7), D=rng.integers(1, 6),
                          W=rng.choice([w for w in range(1, 7) if w != H]), H=H,
                          V=rng.integers(3, 8)))
    chosen = [(spec, dtypes[0], seed + 10 * index) for index, spec in enumerate(specs[:count])]
    if "float32" in dtypes[1:]:
        chosen.append((specs[0], "float32", seed + 10 * count + 1))
    return [ModelCase(cell_type, *(int(spec[key]) for key in "N T1 D W H V".split()),
                      seed=case_seed, dtype=dtype)
            for spec, dtype, case_seed in chosen for cell_type in ("rnn", "lstm")]


def case_data(case, for_sample=False, attempt=0):
    """word_to_idx, tokens, params, features, captions of a case (deterministic).

    The tokens' indices depend on the seed (the first fixed case has the course's <NULL> = 0,
    <START> = 1, <END> = 2), so a model that writes 0 for self._null is caught. With N > 1,
    row 0 of the captions is <START> and padding only; the others end at random lengths.
    """
    rng = np.random.default_rng([case.seed, case.V, case.cell_type == "lstm", attempt])
    order = np.arange(case.V) if case.seed % 10 == 0 and case.seed < 10 else rng.permutation(case.V)
    tokens = Tokens(int(order[0]), int(order[1]), int(order[2]))
    words = {int(order[0]): "<NULL>", int(order[1]): "<START>", int(order[2]): "<END>"}
    word_to_idx = {words.get(index, f"word{index}"): index for index in range(case.V)}
    dtype = np.dtype(case.dtype)
    G = (4 if case.cell_type == "lstm" else 1) * case.H
    shapes = dict(W_proj=(case.D, case.H), b_proj=(case.H,), W_embed=(case.V, case.W),
                  Wx=(case.W, G), Wh=(case.H, G), b=(G,), W_vocab=(case.H, case.V),
                  b_vocab=(case.V,))
    params = {}
    for name in PARAMETER_NAMES:
        shape = shapes[name]
        if name.startswith("b"):
            value = 0.5 * rng.standard_normal(shape)                  # non-zero biases
        elif name == "W_embed":
            value = rng.standard_normal(shape)
        else:
            value = rng.standard_normal(shape) / np.sqrt(shape[0])
        params[name] = value.astype(dtype)
    if for_sample:  # <END> about as likely as a word, so that some captions end early and
        # others late; <NULL> and <START> unlikely, as in a trained model
        shift = np.zeros(case.V)
        shift[tokens.end], shift[tokens.null], shift[tokens.start] = 1.0, -3.0, -3.0
        params["b_vocab"] = (params["b_vocab"] + shift).astype(dtype)
    features = rng.standard_normal((case.N, case.D)).astype(dtype)
    captions = np.full((case.N, case.T1), tokens.null, dtype=np.int64)
    captions[:, 0] = tokens.start
    real_words = [index for index in range(case.V) if index not in tokens[:2]]  # <END> included
    for n in range(1 if case.N > 1 else 0, case.N):
        length = int(rng.integers(1, case.T1))                        # words after <START>
        captions[n, 1:1 + length] = rng.choice(real_words, size=length)
        if length < case.T1 - 1:
            captions[n, length] = tokens.end                          # ends early: padding after
    return word_to_idx, tokens, params, features, captions


def _read_only(array):
    copy = np.array(array, copy=True)
    copy.setflags(write=False)
    return copy


# ---------------------------------------------------------------------------------------------
# The student's model, and its layers
# ---------------------------------------------------------------------------------------------

def find_model_class(module):
    """The class to check: `CaptioningRNN`, else the one class of the module with loss and
    sample."""
    found = getattr(module, CLASS_NAME, None)
    if isinstance(found, type):
        return found
    candidates = [value for value in vars(module).values()
                  if isinstance(value, type) and value.__module__ == module.__name__
                  and callable(getattr(value, "loss", None))
                  and callable(getattr(value, "sample", None))]
    if len(candidates) == 1:
        return candidates[0]
    names = ", ".join(sorted(value.__name__ for value in candidates))
    raise LoadError(f"{getattr(module, '__file__', module.__name__)}: no {CLASS_NAME} class"
                    + (f" (and several classes with loss and sample: {names})" if candidates
                       else " (nor any class with loss and sample methods)"))


class _LayerSwitch:
    """Replace the layer functions the model's methods see by name, and put them back.

    The model's methods look the layers up in the globals of the module that defines them
    (`from ..rnn_layers import *` copies them there), or as attributes of a module it holds
    (`rnn_layers.rnn_forward`); both are switched, and restored on exit.
    """

    def __init__(self, model_class):
        self.namespaces = []
        for method in ("loss", "sample"):
            function = getattr(model_class, method, None)
            namespace = getattr(function, "__globals__", None)
            if namespace is not None and all(namespace is not other for other in self.namespaces):
                self.namespaces.append(namespace)
        for namespace in list(self.namespaces):
            for value in list(namespace.values()):
                if isinstance(value, types.ModuleType) and not value.__name__.startswith("numpy") \
                        and any(callable(getattr(value, name, None)) for name in LAYER_FUNCTIONS):
                    if all(vars(value) is not other for other in self.namespaces):
                        self.namespaces.append(vars(value))
        self.own = {}   # name -> the student's function
        for namespace in self.namespaces:
            for name in LAYER_FUNCTIONS:
                if callable(namespace.get(name)) and name not in self.own:
                    self.own[name] = namespace[name]

    @contextmanager
    def using(self, replacements):
        saved = []
        for namespace in self.namespaces:
            for name, function in replacements.items():
                if name in namespace:
                    saved.append((namespace, name, namespace[name]))
                    namespace[name] = function
        try:
            yield
        finally:
            for namespace, name, function in reversed(saved):
                namespace[name] = function


class _Spy:
    """Wrap layer functions to record the arguments of each call."""

    def __init__(self, functions):
        self.calls = []
        self.functions = {name: self._wrap(name, function) for name, function in functions.items()}

    def _wrap(self, name, function):
        def spied(*args, **kwargs):
            self.calls.append((name, args))
            return function(*args, **kwargs)
        spied.__name__ = name
        return spied

    def called(self, name):
        return [args for called_name, args in self.calls if called_name == name]


@contextmanager
def _package_imported_afresh(path):
    """Import the package that holds `path` from its own folder, even when a package of the same
    name (another student's `cs231n`) was imported before in this process; put that one back
    afterwards. A package already imported from the same folder is left alone."""
    top, folder = None, None
    if isinstance(path, str) and path.endswith(".py") and Path(path).is_file():
        folder, dotted = _package_of(Path(path).resolve())
        top = dotted.split(".")[0] if dotted else None
    previous = sys.modules.get(top) if top else None
    clash = (previous is not None
             and Path(getattr(previous, "__file__", "") or "").resolve().parent.parent != folder)
    saved = {}
    if clash:
        saved = {name: module for name, module in sys.modules.items()
                 if name == top or name.startswith(top + ".")}
        for name in saved:
            del sys.modules[name]
    try:
        yield
    finally:
        if clash:
            for name in [name for name in sys.modules if name == top or name.startswith(top + ".")]:
                del sys.modules[name]
            sys.modules.update(saved)


# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------

class _ModelChecker:
    def __init__(self, model_class, bundled, time_limit):
        self.model_class = model_class
        self.switch = _LayerSwitch(model_class)
        self.bundled = {name: getattr(bundled, name) for name in LAYER_FUNCTIONS}
        self.time_limit = time_limit
        try:  # errors are located in the model's file if they pass through it
            self.home = inspect.getsourcefile(model_class)
        except TypeError:
            self.home = None

    def _call(self, function, *args, **kwargs):
        return call(lambda: function(*args, **kwargs), [], time_limit=self.time_limit,
                    home=self.home)

    # -- building the model ----------------------------------------------------------------
    def construct(self, case, word_to_idx, params):
        """Build the student's model the course's way and set our parameters; (model, problem)."""
        arguments = dict(input_dim=case.D, wordvec_dim=case.W, hidden_dim=case.H,
                         cell_type=case.cell_type, dtype=np.dtype(case.dtype).type)
        shown = ", ".join(f"{key}={value!r}" if key != "dtype" else f"dtype=np.{case.dtype}"
                          for key, value in arguments.items())
        try:
            inspect.signature(self.model_class).bind(word_to_idx, **arguments)
        except TypeError as error:
            return None, ("error", f"{self.model_class.__name__}(word_to_idx, {shown}) cannot be "
                          f"called: {error}; the checker builds the model with the course's "
                          "constructor arguments", None)
        except ValueError:
            pass  # no signature to read (a builtin): just try
        outcome = self._call(self.model_class, word_to_idx, **arguments)
        if outcome.failed:
            return None, ("error", f"{self.model_class.__name__}(word_to_idx, {shown}) raised "
                          f"{outcome.error_text}", outcome)
        model = outcome.value
        notes = []
        own = getattr(model, "params", None)
        if not isinstance(own, dict):
            notes.append(f"the constructor sets no params dict (got {type(own).__name__}); the "
                         "checker sets model.params itself")
        else:
            for name in PARAMETER_NAMES:
                value = own.get(name)
                if not hasattr(value, "shape"):
                    notes.append(f"the constructor does not make params[{name!r}]")
                elif tuple(value.shape) != params[name].shape:
                    notes.append(f"the constructor makes params[{name!r}] of shape "
                                 f"{tuple(value.shape)}; expected {params[name].shape} for "
                                 f"cell_type={case.cell_type!r}")
        try:
            model.params = {name: _read_only(value) for name, value in params.items()}
        except Exception as error:  # noqa: BLE001  a property without a setter, say
            return None, ("error", f"cannot set model.params: {type(error).__name__}: {error}",
                          None)
        return model, notes

    # -- loss ------------------------------------------------------------------------------
    def run_loss(self, case, layers=None, spy=None):
        """Call the student's loss on a case, with its own layers or `layers` in their place.

        Returns a dict with status, problems, values and what the diagnosis needs.
        """
        word_to_idx, tokens, params, features, captions = case_data(case)
        model, notes = self.construct(case, word_to_idx, params)
        if model is None:
            status, message, outcome = notes
            return dict(status=status, message=message, outcome=outcome, notes=[],
                        constructed=False)
        replacements = dict(layers or {})
        if spy is not None:
            replacements = spy.functions
        with self.switch.using(replacements):
            outcome = self._call(model.loss, _read_only(features), _read_only(captions))
        result = dict(notes=list(notes), outcome=outcome, tokens=tokens, params=params,
                      features=features, captions=captions)
        if outcome.failed:
            return dict(result, status="error", message=f"loss raised {outcome.error_text}")
        value = outcome.value
        if value is None:
            return dict(result, status="not_implemented", message="loss returned None")
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            kind = (f"a {type(value).__name__}" if not isinstance(value, (tuple, list))
                    else f"{len(value)} values")
            alone = (" (the loss alone?)"
                     if np.ndim(value) == 0 and not isinstance(value, (tuple, list)) else "")
            return dict(result, status="fail", wrong=["grads"], message=f"loss returned {kind}"
                        f"{alone}; expected a tuple (loss, grads), grads a dict of the eight "
                        "gradients")
        loss, grads = value
        if isinstance(grads, dict) and not grads and isinstance(loss, (int, float, np.number)) \
                and float(loss) == 0.0:
            return dict(result, status="not_implemented",
                        message="loss returned (0.0, {}), the untouched skeleton's answer")
        if not isinstance(grads, dict):
            return dict(result, status="fail", wrong=["grads"], message=f"loss returned grads "
                        f"as a {type(grads).__name__}; expected a dict of the eight gradients")
        want_loss, want_grads = loss_and_gradients(
            {name: value.astype(np.float64) for name, value in params.items()},
            features.astype(np.float64), captions, tokens, case.cell_type)
        result.update(loss=loss, grads=grads, want_loss=want_loss, want_grads=want_grads)
        missing = [name for name in PARAMETER_NAMES if name not in grads]
        extra = sorted(str(name) for name in grads if name not in PARAMETER_NAMES)
        if extra:
            result["notes"].append(f"grads also holds {', '.join(extra)} (not a parameter)")
        if missing:
            return dict(result, status="fail", wrong=missing,
                        message=f"grads has {len(PARAMETER_NAMES) - len(missing)} of the "
                        f"{len(PARAMETER_NAMES)} parameters: no {', '.join(missing)}")
        problems, warnings, worst = self._compare(case, loss, grads, want_loss, want_grads)
        return dict(result, status="fail" if problems else "pass", problems=problems, error=worst,
                    warnings=warnings, wrong=[problem.array for problem in problems])

    def _compare(self, case, loss, grads, want_loss, want_grads):
        """(failures, warning messages, worst error) of the loss and the eight gradients."""
        tolerance = tolerance_for(case.dtype)
        sizes = dict(N=case.N, T=case.T1 - 1, D=case.D, H=case.H, V=case.V)
        problems, warnings, worst = [], [], 0.0
        for name, got, want in [("loss", loss, want_loss)] + [
                (name, grads[name], want_grads[name]) for name in PARAMETER_NAMES]:
            error, found = compare(name, got, want, case.dtype, tolerance, sizes)
            failures = [problem for problem in found if problem.severity != WARNING]
            warnings += [f"{problem.message} (in the float32 case {case.text()})"
                         for problem in found if problem.severity == WARNING]
            problems += failures[:1]
            if not failures and error == error:
                worst = max(worst, error)
        return problems, warnings, worst

    def matching_mistake(self, case, run):
        """The usual mistake whose answer is the student's answer, as (id, text), or None."""
        if "loss" not in run or not isinstance(run.get("grads"), dict):
            return None
        params64 = {name: value.astype(np.float64) for name, value in run["params"].items()}
        features64 = run["features"].astype(np.float64)
        for mistake in LOSS_MISTAKES:
            compared = [name for name in PARAMETER_NAMES if name not in mistake.unused]
            for variant in mistake.variants:
                loss, grads = loss_and_gradients(params64, features64, run["captions"],
                                                 run["tokens"], case.cell_type, variant)
                if _close(loss, run["want_loss"]) and all(
                        _close(grads[name], run["want_grads"][name]) for name in PARAMETER_NAMES):
                    continue  # in this case the mistake changes nothing
                if _close(loss, run["loss"], case.dtype) and all(
                        name in run["grads"] and _close(run["grads"][name], grads[name], case.dtype)
                        for name in compared):
                    return (mistake.id,
                            f"the answers are exactly those of a model where {mistake.text}")
        return None

    # -- sample ----------------------------------------------------------------------------
    def sample_data(self, case):
        """The data of a sample case, and the greedy reference: among the first SAMPLE_ATTEMPTS
        draws, the first where no choice is a near-tie and, with N > 1, one caption reaches
        <END> before another (so that stopping the whole batch at the first <END> shows)."""
        max_length = case.T1 + 2
        fallback = None
        for attempt in range(SAMPLE_ATTEMPTS):
            word_to_idx, tokens, params, features, _ = case_data(case, True, attempt)
            params64 = {name: value.astype(np.float64) for name, value in params.items()}
            want, margins = greedy_decoding(params64, features.astype(np.float64), tokens,
                                            case.cell_type, max_length)
            ends = first_end(want, tokens.end)
            relevant = np.arange(max_length)[None, :] <= ends[:, None]   # up to each first <END>
            if np.any(margins[relevant] < SMALLEST_MARGIN):
                continue
            data = dict(word_to_idx=word_to_idx, tokens=tokens, params=params, params64=params64,
                        features=features, want=want, ends=ends, relevant=relevant,
                        max_length=max_length)
            if case.N == 1 or (len(set(ends.tolist())) > 1 and ends.min() < max_length - 1):
                return data
            fallback = fallback or data
        return fallback

    def run_sample(self, case, layers=None):
        data = self.sample_data(case)
        if data is None:
            return dict(status="skip", notes=[])
        word_to_idx, tokens, params = data["word_to_idx"], data["tokens"], data["params"]
        features, want, ends = data["features"], data["want"], data["ends"]
        relevant, max_length = data["relevant"], data["max_length"]
        result = dict(tokens=tokens, want=want, ends=ends, max_length=max_length, notes=[],
                      params=data["params64"], features=features)
        model, notes = self.construct(case, word_to_idx, params)
        if model is None:
            status, message, outcome = notes
            return dict(result, status=status, message=message, outcome=outcome)
        result["notes"] = list(notes)
        with self.switch.using(dict(layers or {})):
            outcome = self._call(model.sample, _read_only(features), max_length=max_length)
        result["outcome"] = outcome
        if outcome.failed:
            return dict(result, status="error", message=f"sample raised {outcome.error_text}")
        if outcome.value is None:
            return dict(result, status="not_implemented", message="sample returned None")
        got = (np.asarray(outcome.value)
               if isinstance(outcome.value, (np.ndarray, list, tuple)) else None)
        if got is None or got.shape != want.shape:
            shape = getattr(got, "shape", type(outcome.value).__name__)
            return dict(result, status="fail", wrong=["captions"], message=f"sample returned "
                        f"{shape}; expected an (N, max_length) = {want.shape} array of word "
                        "indices")
        if got.dtype.kind not in "iu":
            if got.dtype.kind == "f" and np.all(got == np.round(got)):
                result["warnings"] = [f"sample returned {got.dtype} word indices; the course's "
                                      "are integers (np.int32)"]
                got = got.astype(np.int64)
            else:
                return dict(result, status="fail", wrong=["captions"],
                            message=f"sample returned dtype {got.dtype}; expected integer word "
                                    "indices")
        result["got"] = got
        if np.all(got == tokens.null) and max_length:
            return dict(result, status="not_implemented",
                        message="sample returned only <NULL>, the untouched skeleton's answer")
        wrong = (got != want) & relevant
        if not wrong.any():
            return dict(result, status="pass")
        n, t = (int(i) for i in np.argwhere(wrong)[0])
        message = (f"captions[{n}, {t}] is {int(got[n, t])}; greedy decoding chooses "
                   f"{int(want[n, t])} (expected {_words(want[n, :ends[n] + 1], tokens)}, got "
                   f"{_words(got[n, :ends[n] + 1], tokens)}); {int(wrong.any(axis=1).sum())} of "
                   f"{case.N} captions differ before their first <END>")
        return dict(result, status="fail", wrong=["captions"], message=message)

    def sample_mistake(self, case, run):
        """The usual sampling mistake that gives exactly the student's captions, or None."""
        got, want, tokens, ends = run["got"], run["want"], run["tokens"], run["ends"]
        relevant = np.arange(run["max_length"])[None, :] <= ends[:, None]
        if got[:, 0].tolist() == [tokens.start] * len(got) and np.array_equal(
                got[:, 1:][relevant[:, :-1]], want[:, :-1][relevant[:, :-1]]):
            return ("stores_the_word_fed_in", "captions[:, t] holds the word fed in at step t "
                    "(<START> first) instead of the word chosen at step t")
        earliest = int(ends.min())  # the step where the first caption of the batch ends
        if earliest < run["max_length"] - 1 \
                and np.array_equal(got[:, :earliest + 1], want[:, :earliest + 1]) \
                and np.all(got[:, earliest + 1:] == got[0, earliest + 1]):
            return ("stops_batch_at_first_end", f"the whole batch stops when the first caption "
                    f"reaches <END> (step {earliest}); each caption must run until its own <END>")
        for mistake in SAMPLE_MISTAKES:
            for options in mistake.variants:
                variant, _ = greedy_decoding(run["params"], run["features"].astype(np.float64),
                                             tokens, case.cell_type, run["max_length"], **options)
                if np.array_equal(got[relevant], variant[relevant]):
                    return mistake.id, mistake.text
        return None


def _close(got, want, dtype="float64"):
    try:
        return (np.shape(got) == np.shape(want)
                and normwise_error(got, want) <= MISTAKE_MATCH_TOLERANCE[dtype])
    except (TypeError, ValueError):
        return False


def _words(indices, tokens):
    names = {tokens.null: "<NULL>", tokens.start: "<START>", tokens.end: "<END>"}
    return "[" + " ".join(names.get(int(index), str(int(index))) for index in indices) + "]"


# ---------------------------------------------------------------------------------------------
# Putting the verdict together
# ---------------------------------------------------------------------------------------------

def _layer_groups(names):
    """The student's layer functions grouped by layer (a forward goes with its backward)."""
    groups = {}
    for layer in LAYERS:
        present = [name for name in layer.functions if name in names]
        if present:
            groups[layer.name] = present
    return groups


def _check_loss(checker, cases, impl_label, strict=False):
    result = ModelResult("loss", "pass")
    worst = {}
    start = time.perf_counter()
    for index, case in enumerate(cases):
        run = checker.run_loss(case)
        result.cases = index + 1
        result.notes += [note for note in run["notes"] if note not in result.notes]
        result.warnings += [warning for warning in run.get("warnings", [])
                            if warning not in result.warnings]
        if run["status"] == "pass":
            worst[case.dtype] = max(worst.get(case.dtype, 0.0), run["error"])
            continue
        result.status = run["status"]
        result.failing_case = case.text()
        result.wrong = list(run.get("wrong", []))
        _diagnose_loss(checker, case, run, result)
        break
    main = "float64" if "float64" in worst or not worst else "float32"
    result.tolerance = tolerance_for(case.dtype if result.status != "pass" else main)
    if result.status == "pass":
        result.worst_error = worst.get(main)
    elif run.get("problems"):
        errors = [problem.error for problem in run["problems"] if problem.error == problem.error]
        result.worst_error = max(errors) if errors else None
    if result.status != "pass":
        result.replay = f"rnn-gradcheck --model {impl_label} --only loss --replay {case.text()}"
    _settle_warnings(result, strict)
    result.seconds = time.perf_counter() - start
    return result


def _settle_warnings(result, strict):
    """pass with warnings is warn; with strict, warn is fail and the warnings are its diagnosis."""
    if result.status != "pass" or not result.warnings:
        return
    result.status = "fail" if strict else "warn"
    result.diagnosis = "\n".join(result.warnings[:3])
    if not strict:
        result.diagnosis += ("\nwarnings do not fail the check (the math is right); strict makes "
                             "them fail")


def _diagnose_loss(checker, case, run, result):
    lines = [f"failing case: {_case_words(case)}"]
    if run.get("outcome") is not None and run["outcome"].failed:
        result.error_type = run["outcome"].error_type
        result.error_message = run["outcome"].error_text
        result.location = run["outcome"].location
    message = run.get("message") or ""
    if run.get("problems"):
        wrong = run["wrong"]
        lines.append(f"wrong: {', '.join(wrong)} (of loss and the eight gradients)")
        lines += [problem.message for problem in run["problems"][:3]]
        if len(run["problems"]) > 3:
            lines.append(f"... and {len(run['problems']) - 3} more")
    elif message:
        lines.append(message + (f" (at {result.location})" if result.location else ""))
    if result.status == "not_implemented" or not run.get("constructed", True):
        result.diagnosis = "\n".join(lines)
        return
    lines += _cell_type_evidence(checker, case, run)
    if not checker.switch.own:
        lines.append("the model does not call the layer functions by name, so the checker cannot "
                     "tell a mistake in the model code from one in a layer")
    else:
        spy = _Spy(checker.bundled)
        bundled = checker.run_loss(case, spy=spy)
        if bundled["status"] == "pass":
            result.source = "layers"
            lines += _blame_layers(checker, case, result)
        else:
            result.source = "model"
            still = "still raises" if bundled["status"] == "error" else "is still wrong"
            lines.append(f"with the bundled correct layers in place of yours it {still}: the "
                         "mistake is in the model code")
            found = checker.matching_mistake(case, bundled) or _spied_mistake(case, bundled, spy)
            if found:
                result.mistake, text = found
                lines.append(text)
            elif bundled.get("problems") \
                    and not any(p.array == "loss" for p in bundled["problems"]):
                lines.append("the loss is right, so the forward pass is; the gradients of "
                             f"{', '.join(bundled['wrong'])} are not: a backward step of the model "
                             "(a gradient taken from the wrong output, or never set)")
    result.diagnosis = "\n".join(lines)


def _cell_type_evidence(checker, case, run):
    """One line when the same case passes with the other cell type."""
    other = ModelCase(**dict(case.__dict__, cell_type="lstm" if case.cell_type == "rnn" else "rnn"))
    if checker.run_loss(other)["status"] == "pass":
        return [f"the same case passes with cell_type={other.cell_type!r}: only the "
                f"{case.cell_type!r} model is wrong"]
    return []


def _spied_mistake(case, run, spy):
    """Mistakes visible in the calls the model made to the (bundled) layers."""
    captions = run.get("captions")
    family = {"rnn": ("rnn_forward", "rnn_step_forward"),
              "lstm": ("lstm_forward", "lstm_step_forward")}
    used = {name for name, _ in spy.calls}
    wanted, other = family[case.cell_type], family["lstm" if case.cell_type == "rnn" else "rnn"]
    if used & set(other) and not used & set(wanted):
        return ("cell_type_ignored", f"with cell_type={case.cell_type!r} the model calls "
                f"{sorted(used & set(other))[0]}: the cell type is ignored")
    for args in spy.called("word_embedding_forward"):
        if captions is not None and len(args) and getattr(args[0], "shape", None) == captions.shape:
            return ("fed_captions", "the model feeds word_embedding_forward the whole captions "
                    "array instead of captions[:, :-1]: T + 1 steps of scores for T words to "
                    "predict")
    return None


def _blame_layers(checker, case, result):
    """The model code is right: find the student's layers that make the loss wrong."""
    lines = ["with the bundled correct layers in place of yours every value is right: the model "
             "code is right, and the mistake is in your layers"]
    groups = _layer_groups(checker.switch.own)
    culprits = []
    for layer_name, names in groups.items():
        replacements = {name: function for name, function in checker.bundled.items()
                        if name not in names}
        if checker.run_loss(case, layers=replacements)["status"] != "pass":
            culprits += names
    result.layers = culprits
    if not culprits:
        lines.append("no single layer of yours makes it wrong alone: two of them together do")
        return lines
    lines.append(f"with only your {', '.join(culprits)} (the bundled ones elsewhere) it is wrong")
    alone, failing = _layers_alone(checker, culprits)
    result.layers = failing or culprits
    return lines + alone


def _layers_alone(checker, culprits):
    """Check the culprit seed functions on their own with the function checker, as the model
    sees them (they may come from different files). Returns (lines, names that fail alone)."""
    seed_culprits = [name for name in culprits if name in SEED_FUNCTIONS]
    if not seed_culprits:
        return [], []
    module = types.ModuleType("the layers the model calls")
    for name, function in checker.switch.own.items():
        setattr(module, name, function)
    report = check_implementation(module, only=seed_culprits, cases=LAYER_CHECK_CASES)
    lines, failing = [], []
    for name, function_result in report.results.items():
        detail = next((line for line in (function_result.diagnosis or "").splitlines()
                       if not line.startswith("failing case")), "")
        try:
            where = inspect.getsourcefile(checker.switch.own[name])
        except TypeError:
            where = None
        lines.append(f"{name} on its own: {function_result.status}"
                     + (f": {detail}" if detail else "")
                     + (f" (rnn-gradcheck --impl {where} --only {name})" if where and
                        function_result.status != "pass" else ""))
        if function_result.status != "pass":
            failing.append(name)
    return lines, failing


def _check_sample(checker, cases, impl_label, strict=False):
    result = ModelResult("sample", "pass")
    start = time.perf_counter()
    skipped = 0
    early_end = False
    for index, case in enumerate(cases):
        run = checker.run_sample(case)
        if run["status"] == "skip":
            skipped += 1
            continue
        result.cases += 1
        result.notes += [note for note in run["notes"] if note not in result.notes]
        result.warnings += [warning for warning in run.get("warnings", [])
                            if warning not in result.warnings]
        ends = run["ends"]
        early_end |= bool(len(set(ends.tolist())) > 1 and ends.min() < run["max_length"] - 1)
        if run["status"] == "pass":
            continue
        result.status = run["status"]
        result.failing_case = case.text()
        result.wrong = list(run.get("wrong", []))
        lines = [f"failing case: {_case_words(case)}, max_length={run['max_length']}"]
        outcome = run.get("outcome")
        if outcome is not None and outcome.failed:
            result.error_type = outcome.error_type
            result.error_message = outcome.error_text
            result.location = outcome.location
        lines.append(run.get("message", "")
                     + (f" (at {result.location})" if result.location else ""))
        if run["status"] == "fail" and "got" in run:
            found = checker.sample_mistake(case, run)
            if found:
                result.mistake, text = found
                result.source = "model"
                lines.append(f"the captions are exactly those of a sampler where {text}")
        if run["status"] in ("fail", "error") and checker.switch.own:
            bundled = checker.run_sample(case, layers=checker.bundled)
            if bundled["status"] == "pass":
                result.source = "layers"
                lines.append("with the bundled correct layers in place of yours it is right: the "
                             "mistake is in your layers (check them with rnn-gradcheck --impl)")
        result.diagnosis = "\n".join(line for line in lines if line)
        result.replay = f"rnn-gradcheck --model {impl_label} --only sample --replay {case.text()}"
        break
    if skipped:
        result.notes.append(f"{skipped} case(s) skipped: two words tie for the greedy choice")
    if result.status == "pass" and not early_end and result.cases:
        result.notes.append("no case had one caption end before another")
    _settle_warnings(result, strict)
    result.seconds = time.perf_counter() - start
    return result


def _case_words(case):
    return (f"cell_type={case.cell_type!r}, N={case.N}, T+1={case.T1}, D={case.D}, W={case.W}, "
            f"H={case.H}, V={case.V}, {case.dtype}")


def check_model(path: str | types.ModuleType,
                only: Sequence[str] | None = None,
                cases: int = DEFAULT_MODEL_CASES,
                seed: int = 0,
                time_limit: float | None = DEFAULT_TIME_LIMIT,
                dtypes: Sequence[str] = ("float64", "float32"),
                replay: str | None = None,
                on_result: Callable[[ModelResult], object] | None = None,
                strict: bool = False) -> ModelReport:
    """Check the captioning model of a course file against the autograd twin; return a ModelReport.

    Inputs:
    - path: the student's classifiers/rnn.py (a file inside its package), a module name, or a module
    - only: parts to check, "loss" and/or "sample" (default both)
    - cases: cases per part and cell type (fixed ones first, then random sizes)
    - seed: seed of the cases; the same seed gives the same cases
    - time_limit: seconds per call of the student's code
    - dtypes: dtypes of the cases; a float32 case uses the course's default dtype
    - replay: one case in ModelCase text ("cell_type=lstm,N=1,T1=2,...,seed=5,dtype=float64")
    - on_result: callable(ModelResult) called as soon as each part is done
    - strict: warnings (float64 answers from a float32 model) fail the part

    Raises LoadError (one line) if the file cannot be imported or has no model class, and
    ValueError for an unknown part in `only` or a malformed replay case.
    """
    from rnn_autograd.gradcheck.api import docs_link
    started = time.perf_counter()
    parts = list(PARTS) if only is None else list(only)
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        raise ValueError(f"unknown part(s) of the model: {', '.join(unknown)}; "
                         "expected loss, sample")
    replayed = [ModelCase.parse(replay)] if replay else None
    with _package_imported_afresh(path):
        module, label, load_notes = load_implementation(path)
        model_class = find_model_class(module)
        bundled = load_implementation("manual")[0]
        checker = _ModelChecker(model_class, bundled, time_limit)
        impl_label = path if isinstance(path, str) else label
        results = {}
        for part in PARTS:
            if part not in parts:
                continue
            if not callable(getattr(model_class, part, None)):
                missing = f"{model_class.__name__} has no {part} method"
                results[part] = ModelResult(part, "missing", diagnosis=missing)
            else:
                check = _check_loss if part == "loss" else _check_sample
                results[part] = check(checker, replayed or model_cases(cases, seed, tuple(dtypes)),
                                      impl_label, strict)
                results[part].link = docs_link(*LINKS[part])
            if on_result:
                on_result(results[part])
    return ModelReport(label, model_class.__name__, seed, len(replayed) if replayed else cases,
                       results, time.perf_counter() - started, strict, list(load_notes))
