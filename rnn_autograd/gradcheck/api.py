"""Check an implementation of the seed functions: the Python API behind `rnn-gradcheck`.

    from rnn_autograd.gradcheck import check_implementation, assert_implementation_correct

    report = check_implementation("my_rnn_layers.py")      # a file, a module name or a module
    report.ok                                              # every checked function passes
    report.results["lstm_backward"].diagnosis              # where it goes wrong, in words
    assert_implementation_correct("my_rnn_layers.py")      # in a pytest suite: raises with it
"""
import difflib
import functools
import importlib.metadata
import os
import platform
import shlex
import sys
import time
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import rnn_autograd
from rnn_autograd.gradcheck.cases import DEFAULT_CASES, Case, parse_size, schedule, sized_cases
from rnn_autograd.gradcheck.check import CaseRunner
from rnn_autograd.gradcheck.errors import FAILURE, WARNING, Problem, failures, tolerance_for
from rnn_autograd.gradcheck.executors import (
    DEFAULT_MEMORY_LIMIT,
    InProcess,
    Worker,
    WorkerStartError,
)
from rnn_autograd.gradcheck.finite_differences import numeric_problems
from rnn_autograd.gradcheck.inputs import extreme_regime
from rnn_autograd.gradcheck.layers import (
    ALL_FUNCTIONS,
    OPTIONAL_FUNCTIONS,
    SEED_FUNCTIONS,
    LayerSpec,
    layer_of,
)
from rnn_autograd.gradcheck.loading import Implementation, LoadError, load_implementation
from rnn_autograd.gradcheck.localise import locate, wrong_arrays

DEFAULT_TIME_LIMIT = 10.0  # seconds per call: generous for tiny shapes, catches a hang
FUNCTION_BUDGET = 120.0    # seconds of checking per function; then "stopped after k of n cases"
SHRINK_ATTEMPTS = 40       # smaller cases tried when shrinking: a count, not a time, so the
                           # smallest case and the replay line do not depend on machine speed
SCHEMA_VERSION = 2         # of Report.to_json(); 2 added warn, findings and severities
STATUSES = ("pass", "warn", "fail", "error", "not_implemented", "missing")
PASSING = ("pass", "warn")
# most severe first: an exception, a failure, a warning
_RANK = {"error": 0, FAILURE: 1, WARNING: 2}


@dataclass
class Finding:
    """One kind of problem of one function, gathered over every case where it showed up."""
    severity: str                   # "failure" or "warning"
    kind: str                       # exception | value | nan or inf | shape | dtype | count | type
                                    # | mutation | nondeterministic
    message: str                    # in words, from the first case that showed it
    case: str                       # replay text of that case
    cases: int = 1                  # how many cases showed it
    arrays: list[str] = field(default_factory=list)  # the returned arrays concerned
    location: str | None = None     # file:line in the implementation
    pattern: str | None = None
    timestep: int | None = None     # filled in for the function's main finding
    gates: list[str] = field(default_factory=list)
    replay: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FunctionResult:
    """The verdict on one assignment function."""
    function: str
    status: str                        # pass | warn | fail | error | not_implemented | missing
    cases: int = 0                     # cases run
    worst_error: float | None = None   # worst normwise error of the float64 cases (float32 if none)
    tolerance: float | None = None     # the tolerance that worst_error is held to
    worst_error_float32: float | None = None
    seconds: float = 0.0
    diagnosis: str = ""                # human text: what is wrong and where
    gradient: str | None = None        # first wrong returned array: "dWx", "next_h", ...
    timestep: int | None = None        # earliest wrong timestep (sequence layers)
    gate: str | None = None            # the one wrong LSTM gate block, if only one
    pattern: str | None = None         # constant factor, sign flipped, transposed, zero, ...
    failing_case: str | None = None    # replay text of the first case of the main finding
    minimal_case: str | None = None    # replay text of the smallest case found that shows it
    minimal_shape: dict[str, int] | None = None
    replay: str | None = None          # a command line that replays the minimal case
    error_type: str | None = None
    error_message: str | None = None
    location: str | None = None        # file:line in the implementation, for errors and writes
    link: str | None = None            # the derivation of this function
                                       # (docs/lstm.md#lstm_backward)
    required: bool = False             # missing counts as a failure
                                       # (named in --only, --require-all)
    findings: list[Finding] = field(default_factory=list)  # most severe first
    notes: list[str] = field(default_factory=list)
    # [(name, got, want, dims)] of the main finding
    evidence: list[tuple[str, np.ndarray, np.ndarray, str]] = field(default_factory=list,
                                                                   repr=False)

    @property
    def passed(self) -> bool:
        """pass or warn: the math is right for the course's contract."""
        return self.status in PASSING or (self.status == "missing" and not self.required)

    def to_json(self) -> dict[str, Any]:
        data = {key: value for key, value in self.__dict__.items()
                if key not in ("evidence", "findings")}
        data["findings"] = [finding.to_json() for finding in self.findings]
        for key in ("worst_error", "worst_error_float32"):
            if data[key] is not None and not np.isfinite(data[key]):
                data[key] = None
        return data


class Verdicts:
    """What a report says as a whole, from its `results` (name -> a result with .status,
    .function and .passed): shared by the functions' Report and the model's ModelReport."""

    @property
    def checked(self) -> list:
        return [r for r in self.results.values() if r.status != "missing"]

    @property
    def missing(self) -> list[str]:
        return [r.function for r in self.results.values() if r.status == "missing"]

    @property
    def ok(self) -> bool:
        """True when every checked one passes or only warns, and nothing required is missing."""
        return bool(self.checked) and all(r.passed for r in self.results.values())

    def failures(self) -> list:
        return [r for r in self.results.values() if not r.passed]


@dataclass
class Report(Verdicts):
    """What `check_implementation` found, function by function."""
    implementation: str
    seed: int
    cases: int
    results: dict[str, FunctionResult]  # function name -> its result, in the assignment's order
    seconds: float = 0.0
    numeric: bool = False
    strict: bool = False
    notes: list[str] = field(default_factory=list)  # about the file (translated from Python 2)

    def to_json(self) -> dict[str, Any]:
        import autograd
        return {
            "schema_version": SCHEMA_VERSION,
            "ok": self.ok,
            "implementation": self.implementation,
            "seed": self.seed,
            "cases_per_function": self.cases,
            "numeric": self.numeric,
            "strict": self.strict,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
            "versions": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "autograd": getattr(autograd, "__version__", _distribution_version("autograd")),
                "rnn_autograd": rnn_autograd.__version__,
            },
            "functions": {name: result.to_json() for name, result in self.results.items()},
        }


def _distribution_version(name):
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _group_key(problem):
    """Problems of one kind and severity are one finding, whichever case or array shows them."""
    kind = "value" if problem.kind in ("value", "nan or inf") else problem.kind
    return (problem.severity, kind)


class _Checker:
    def __init__(self, executor, impl_argument, cases, seed, numeric, dtypes, progress,
                 strict=False, budget=FUNCTION_BUDGET, size=None, size_only=False):
        self.executor = executor
        self.size = size            # sizes of the --size cases, or None
        self.size_only = size_only
        self.impl_argument = impl_argument
        self.cases = cases
        self.seed = seed
        self.numeric = numeric
        self.dtypes = dtypes
        self.progress = progress
        self.strict = strict
        self.budget = budget
        self.functions = [name for name in ALL_FUNCTIONS if name in executor.functions]
        self.runner = CaseRunner(executor)
        self.hung = {}      # function -> message, for functions that hit the time limit
        self.verdicts = {}  # function -> status, as each is done (a backward reads its forward's)

    def run_case(self, layer, function, case):
        if function == layer.forward:
            return self.runner.run_forward(layer, case)
        # at the user's size, the second-call checks (a warning, seen at small sizes) are skipped
        return self.runner.run_backward(layer, case, second_look=not case.sized)

    def cases_for(self, layer):
        if isinstance(self.cases, list):
            return self.cases
        small = [] if self.size_only else schedule(layer, self.cases, self.seed, self.dtypes)
        return small + (sized_cases(self.size, self.seed, self.dtypes) if self.size else [])

    def _numeric(self, layer, function, case, result):
        """--numeric: check this passing case against finite differences as well."""
        evidence = result.evidence
        rng = np.random.default_rng([case.seed, 1])
        if function == layer.backward:
            names, grads, wants = layer.gradient_names, evidence.got, evidence.wants
        elif layer.loss_gradient:
            names, grads, wants = ("dx",), evidence.got[-1:], {"dx": evidence.wants["dx"]}
        else:
            return
        messages, notes = numeric_problems(case, names, grads, wants, evidence.reference, rng)
        result.notes += notes
        if messages:
            result.problems += [Problem("value", None, message) for message in messages]
            result.settle()

    def _missing(self, function):
        """A missing function, with the closest name the module does define, if one is close."""
        close = difflib.get_close_matches(function, list(self.executor.functions), n=1, cutoff=0.8)
        return FunctionResult(function, "missing",
                              diagnosis=f"did you mean: {close[0]}? (it defines {close[0]}, not "
                                        f"{function})" if close else "")

    def check_function(self, function):
        layer = layer_of(function)
        if function not in self.functions:
            if function in self.executor.defined:
                return FunctionResult(function, "error", diagnosis=f"{function} is not callable")
            return self._missing(function)
        hung = self.hung.get(layer.forward)
        if function == layer.backward and hung:
            return FunctionResult(function, "error", diagnosis=f"cannot be checked: {hung}",
                                  error_type="TimeLimitExceeded")
        if function == layer.backward and layer.forward not in self.functions:
            return FunctionResult(function, "error", diagnosis=f"cannot be checked without "
                                  f"{layer.forward}, whose cache it takes")
        cases = self.cases_for(layer)
        start = time.perf_counter()
        result = FunctionResult(function, "pass", link=derivation_link(function))
        worst, notes = {}, []      # dtype -> worst error of the cases without a failure
        groups = {}                # group key -> [Finding, first CaseResult, first Case]
        for index, case in enumerate(cases):
            if self.budget and time.perf_counter() - start > self.budget:
                notes.append(f"stopped after {index} of {len(cases)} cases: the checking budget of "
                             f"{self.budget:g} s per function ran out (not a fault of the "
                             "implementation)")
                break
            if self.progress:
                self.progress(function, index, len(cases))
            outcome = self.run_case(layer, function, case)
            if self.numeric and outcome.status in PASSING:
                self._numeric(layer, function, case, outcome)
            notes += [note for note in outcome.notes if note not in notes]
            result.cases = index + 1
            if outcome.status == "not_implemented":
                finding = Finding(FAILURE, "not_implemented", outcome.message,
                                  case.replay_text(layer))
                groups = {("not_implemented",): [finding, outcome, case]}
                break
            if outcome.status == "error":
                self._gather(groups, ("error", outcome.error_type, outcome.location),
                             lambda: Finding(FAILURE, "exception", outcome.message,
                                             case.replay_text(layer), location=outcome.location),
                             outcome, case)
                if outcome.error_type == "TimeLimitExceeded":
                    if function == layer.forward:
                        self.hung[function] = outcome.message
                    break
                continue
            for problem in outcome.problems:
                self._gather(groups, _group_key(problem),
                             lambda: Finding(problem.severity, _group_key(problem)[1],
                                             problem.message, case.replay_text(layer),
                                             location=problem.location, pattern=problem.pattern),
                             outcome, case, problem.array)
            if not failures(outcome.problems):
                worst[case.dtype] = max(worst.get(case.dtype, 0.0), outcome.error)
        main_dtype = "float64" if "float64" in worst or not worst else "float32"
        result.worst_error = worst.get(main_dtype)
        result.worst_error_float32 = worst.get("float32") if main_dtype == "float64" else None
        result.tolerance = tolerance_for(main_dtype)
        if self.size and not isinstance(self.cases, list):
            sized = sized_cases(self.size, self.seed, self.dtypes)[0]
            notes.insert(0, f"{len(sized_cases(self.size, self.seed, self.dtypes))} case(s) at "
                            f"{sized.shape_text(layer)}, held to "
                            f"{tolerance_for('float64', sized.sizes):.1e} (float64) and "
                            f"{tolerance_for('float32', sized.sizes):.1e} (float32): the "
                            "tolerances grow with the square root of N*T*(D+H), the terms a weight "
                            "gradient sums")
        result.notes = notes[:10]
        if groups:
            self._verdict(layer, function, groups, result)
        result.seconds = time.perf_counter() - start
        self.verdicts[function] = result.status
        return result

    @staticmethod
    def _gather(groups, key, make, outcome, case, array=None):
        if key not in groups:
            groups[key] = [make(), outcome, case]
        else:
            groups[key][0].cases += 1
        if array and array not in groups[key][0].arrays:
            groups[key][0].arrays.append(array)

    def _verdict(self, layer, function, groups, result):
        """Status, main finding (localised and shrunk) and the other findings, most severe first."""
        ordered = sorted(groups.items(), key=lambda item: _RANK.get(item[0][0], 0))
        (key, (main, outcome, case)), others = ordered[0], ordered[1:]
        kind = key[0]
        result.status = {"not_implemented": "not_implemented", "error": "error",
                         FAILURE: "fail", WARNING: "warn"}[kind]
        if result.status == "warn" and self.strict:
            result.status = "fail"
        result.failing_case = case.replay_text(layer)
        smallest_outcome = None
        if kind == "error" and key[1] in ("TimeLimitExceeded", "WorkerDied"):
            smallest = case  # each attempt would cost a time limit (or a crash): not shrunk
        else:
            smallest, smallest_outcome = self._shrink(layer, function, case, key)
        if case.sized and smallest_outcome is not None:
            # localise at the shrunk size: the probes' cost must not grow with the user's size
            case, outcome = smallest, smallest_outcome
        result.minimal_case = smallest.replay_text(layer)
        result.minimal_shape = {letter: smallest.sizes[letter]
                                for letter in smallest.letters(layer)}
        label = "first case" if kind == WARNING else "failing case"
        lines = [f"{label}: {describe_case(layer, case)}; "
                 f"smallest found: {smallest.shape_text(layer)}"]
        if kind == "not_implemented":
            result.diagnosis = outcome.message
            result.findings = [main]
            return
        if kind == "error":
            result.error_type = outcome.error_type
            result.error_message = outcome.message
            result.location = outcome.location
            lines.append(outcome.message
                         + (f" (at {outcome.location})" if outcome.location else ""))
            lines += [note for note in outcome.notes if note.startswith("hint:")]
        elif kind == FAILURE:
            self._diagnose_failure(layer, function, case, outcome, result, lines)
            if result.gradient and not main.arrays:
                main.arrays = [result.gradient]
            main.timestep, main.pattern = result.timestep, result.pattern
            main.gates = [result.gate] if result.gate else main.gates
        else:
            result.location = main.location
            result.pattern = main.pattern
            result.gradient = main.arrays[0] if main.arrays else None
            lines.append(("(--strict: warnings fail) " if self.strict else "warning: ")
                         + main.message)
        for other_key, (finding, _, other_case) in others:
            label = {"error": "also raises", FAILURE: "also fails",
                     WARNING: "also a warning"}[other_key[0]]
            lines.append(f"{label} in {finding.cases} case(s), first "
                         f"{describe_case(layer, other_case)}: {finding.message}")
        result.diagnosis = "\n".join(lines)
        result.replay = (f"rnn-gradcheck --impl {shlex.quote(self.impl_argument)} "
                         f"--only {function} --replay {result.minimal_case}")
        main.replay = result.replay
        result.findings = [main] + [finding for _, (finding, _, _) in others]

    def _diagnose_failure(self, layer, function, case, outcome, result, lines):
        """Localise the bug on the failing case: which array, timestep, gate, pattern."""
        # Localise on the first failing case, not the shrunk one: with N = H = 1 a single wrong
        # number "fits" any pattern, and T = 1 leaves no time to locate anything in.
        findings = locate(layer, case, outcome, self.runner, np.random.default_rng(0))
        result.gradient = findings.gradient
        result.timestep = findings.timestep
        result.gate = findings.gate
        result.pattern = findings.pattern
        # the first failing case: larger, better to look at
        result.evidence = wrong_arrays(layer, outcome)
        worst = [p.error for p in failures(outcome.problems) if p.error == p.error]
        result.worst_error = max(worst) if worst else None
        result.tolerance = tolerance_for(case.dtype, case.sizes)
        lines += findings.lines
        if function == layer.backward and self.verdicts.get(layer.forward) in ("fail", "error"):
            lines.append(f"note: its forward {layer.forward} fails too, and this backward was fed "
                         "that forward's cache: fix the forward first")

    def _shows(self, layer, function, case, key):
        """Does this case show the finding with this group key?"""
        attempt = self.run_case(layer, function, case)
        if key[0] == "error":
            return attempt.status == "error" and attempt.error_type == key[1], attempt
        if key[0] == "not_implemented":
            return attempt.status == "not_implemented", attempt
        return any(_group_key(problem) == key for problem in attempt.problems), attempt

    def _shrink(self, layer, function, case, key):
        """Greedy shrinking: make each size smaller (1, half, minus one) while the case still
        shows the finding, trying at most SHRINK_ATTEMPTS smaller cases."""
        best, best_outcome, attempts = case, None, 0
        improved = True
        while improved and attempts < SHRINK_ATTEMPTS:
            improved = False
            for letter in best.letters(layer):
                size = best.sizes[letter]
                for smaller in sorted({1, size // 2, size - 1}):
                    if not 1 <= smaller < size or attempts >= SHRINK_ATTEMPTS:
                        continue
                    attempts += 1
                    candidate = best.resized(**{letter: smaller})
                    shows, attempt = self._shows(layer, function, candidate, key)
                    if shows:
                        best, best_outcome, improved = candidate, attempt, True
                        break
        return best, best_outcome


def describe_case(layer: LayerSpec, case: Case) -> str:
    """'N=3, T=4, D=5, H=6, float64' plus the regime of extreme inputs, if any."""
    text = f"{case.shape_text(layer)}, {case.dtype}"
    regime = extreme_regime(layer, case.extreme)
    return text + (f", extreme inputs: {regime.description}" if regime else "")


def derivation_link(function: str) -> str | None:
    """Where the derivation of `function` is: 'docs/lstm.md#lstm_backward' (a path that exists
    here: the repository's docs/, or the copy installed with the package), or None."""
    for folder in _docs_folders():
        for page in sorted(folder.glob("*.md")):
            if f"## `{function}`" in page.read_text(encoding="utf-8"):
                return f"{_shown_path(page)}#{function}"
    return None


def docs_link(page: str, anchor: str) -> str | None:
    """Where a section of the derivations is: 'docs/captioning.md#captioningrnnsample' (a path
    that exists here, as derivation_link's), or None if the page is in neither folder."""
    for folder in _docs_folders():
        if (folder / page).is_file():
            return f"{_shown_path(folder / page)}#{anchor}"
    return None


def _shown_path(path):
    """The path relative to the current folder when it is below it, else absolute."""
    text = str(path)
    try:
        relative = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text
    return relative if not relative.startswith("..") else text


@functools.lru_cache(maxsize=None)
def _docs_folders():
    """The folders that hold the derivations: the source checkout's docs/, then the copy
    installed with the package as data files: <prefix>/share/rnn-autograd/docs, where <prefix>
    is the environment's, or the user's for `pip install --user` (read from the installed
    files' list)."""
    here = Path(__file__).resolve().parents[2] / "docs"
    installed = [Path(sys.prefix) / "share" / "rnn-autograd" / "docs"]
    try:
        files = importlib.metadata.files("rnn-autograd") or []
    except importlib.metadata.PackageNotFoundError:  # not installed: a checkout on sys.path
        files = []
    installed += [Path(file.locate()).resolve().parent for file in files
                  if file.parts[-3:-1] == ("rnn-autograd", "docs") and file.suffix == ".md"]
    folders = [folder for folder in (here, *installed) if folder.is_dir()]
    return tuple(dict.fromkeys(folder.resolve() for folder in folders))


def _caller_folder():
    """The folder of the first caller outside this package (a test file, for the pytest helper)."""
    package = str(Path(__file__).resolve().parents[1])
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(package) and not filename.startswith("<"):
            return Path(filename).resolve().parent
        frame = frame.f_back
    return Path.cwd()


def check_implementation(impl: Implementation = "manual",
                         only: Sequence[str] | None = None,
                         cases: int = DEFAULT_CASES,
                         seed: int = 0,
                         numeric: bool = False,
                         time_limit: float | None = DEFAULT_TIME_LIMIT,
                         dtypes: Sequence[str] = ("float64", "float32"),
                         replay: str | None = None,
                         progress: Callable[[str, int, int], object] | None = None,
                         on_result: Callable[[FunctionResult], object] | None = None,
                         strict: bool = False,
                         require_all: bool = False,
                         budget: float | None = FUNCTION_BUDGET,
                         on_load: Callable[[list[str]], object] | None = None,
                         in_process: bool = False,
                         memory_limit: int = DEFAULT_MEMORY_LIMIT,
                         size: str | Mapping[str, int] | None = None,
                         size_only: bool = False) -> Report:
    """Check the assignment's functions of `impl` against the autograd reference; return a Report.

    Inputs:
    - impl: a .py file path, an importable module name, or a module object
    - only: function names to check (default: all 14, plus affine_* where the file has them);
      a function named here that the file does not define is a failure
    - cases: cases per function (the first few are fixed edge cases); every case is run
    - seed: seed of the case generator; the same seed gives the same cases
    - numeric: also compare every gradient with finite differences (slower)
    - time_limit: seconds per call before it is reported as hanging (0 or None: no limit)
    - dtypes: dtypes of the cases, ("float64", "float32") by default
    - replay: a case in replay text ("N=1,T=2,...,seed=5,dtype=float64"): run only that case
    - progress: callable(function, case_index, case_count) called before every case
    - on_result: callable(FunctionResult) called as soon as each function is done
    - strict: warnings (float32 results, writes into arguments, ...) fail too
    - require_all: a missing function is a failure
    - budget: seconds of checking per function, after which the remaining cases are skipped
    - on_load: callable(notes) called once the implementation has loaded (notes: e.g. that it
      was translated from Python 2)
    - in_process: run the implementation in this process instead of a worker process of its own
      (faster to start, but what it does can reach the checker); a module object always is
    - memory_limit: bytes of memory the worker process may take beyond what it starts with
    - size: also run a few cases at these sizes ("large", or "N=64,T=50,D=256,H=512", or a dict),
      with tolerances grown for the larger sums; size_only: only those

    Raises LoadError (one line, file and line) if the implementation cannot be imported,
    and ValueError for an unknown function name in `only` or a malformed replay case.
    """
    start = time.perf_counter()
    unknown = [name for name in (only or ()) if name not in ALL_FUNCTIONS]
    if unknown:
        raise ValueError(f"unknown function name(s): {', '.join(unknown)}; the assignment's "
                         f"functions are: {', '.join(ALL_FUNCTIONS)}")
    case_list = [Case.parse(replay)] if replay else None  # a malformed case: ValueError now
    if isinstance(size, str):
        size = parse_size(size)
    if size_only and not size:
        raise ValueError("size_only needs a size")
    executor = _executor(impl, time_limit or None, in_process, memory_limit)
    try:
        if on_load:
            on_load(executor.notes)
        names = list(only) if only is not None else list(SEED_FUNCTIONS) + [
            name for name in OPTIONAL_FUNCTIONS if name in executor.functions]
        checker = _Checker(executor, impl if isinstance(impl, str) else executor.label,
                           case_list or cases, seed, numeric, tuple(dtypes), progress,
                           strict=strict, budget=budget, size=size, size_only=size_only)
        results = {}
        for name in ALL_FUNCTIONS:
            if name in names:
                results[name] = checker.check_function(name)
                results[name].required = (results[name].status == "missing"
                                          and (only is not None or require_all))
                if on_result:
                    on_result(results[name])
    finally:
        executor.close()
    report = Report(executor.label, seed, len(case_list) if case_list else cases, results,
                    numeric=numeric, strict=strict, notes=executor.notes)
    report.seconds = time.perf_counter() - start
    return report


def _executor(impl, time_limit, in_process, memory_limit):
    """Where the implementation runs: a worker process of its own, or this process."""
    if in_process or isinstance(impl, types.ModuleType):
        module, label, notes = load_implementation(impl)
        home = getattr(module, "__file__", None)
        if home and home.endswith("__init__.py"):
            home = home[: -len("__init__.py")]
        return InProcess(module, label, home, notes, time_limit)
    try:
        return Worker(os.fspath(impl), time_limit, memory_limit)
    except WorkerStartError as error:
        raise LoadError(str(error)) from None


class ImplementationIncorrect(AssertionError):
    """Raised by assert_implementation_correct; its message is the diagnosis."""


def assert_implementation_correct(impl: Implementation, **options: Any) -> Report:
    """Raise ImplementationIncorrect with the diagnosis unless every checked function passes
    (or only warns; strict=True makes warnings fail too).

    For a user's own pytest suite; a relative path is taken from the calling test file's folder:
        def test_my_layers():
            assert_implementation_correct("my_rnn_layers.py", only=["lstm_backward"])
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not this function's frames
    from rnn_autograd.gradcheck.report import render_failure
    if (isinstance(impl, (str, os.PathLike)) and str(impl).endswith(".py")
            and not os.path.isabs(impl)):
        beside_test = _caller_folder() / impl
        impl = str(beside_test) if beside_test.is_file() else impl
    report = check_implementation(impl, **options)
    if not report.ok:
        details = "\n".join(render_failure(result) for result in report.failures()) or \
            "none of the assignment's functions found in the implementation"
        raise ImplementationIncorrect(f"{len(report.failures())} function(s) of "
                                      f"{report.implementation} do not pass:\n{details}")
    return report


__all__ = ["check_implementation", "assert_implementation_correct", "Report", "FunctionResult",
           "Finding", "ImplementationIncorrect", "STATUSES", "SCHEMA_VERSION"]
