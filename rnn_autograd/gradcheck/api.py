"""Check an implementation of the seed functions: the Python API behind `rnn-gradcheck`.

    from rnn_autograd.gradcheck import check_implementation, assert_implementation_correct

    report = check_implementation("my_rnn_layers.py")      # a file, a module name or a module
    report.ok                                              # every checked function passes
    report.results["lstm_backward"].diagnosis              # where it goes wrong, in words
    assert_implementation_correct("my_rnn_layers.py")      # in a pytest suite: raises with it
"""
import platform
import shlex
import time
from dataclasses import dataclass, field

import numpy as np

import rnn_autograd
from rnn_autograd.gradcheck.cases import DEFAULT_CASES, Case, schedule
from rnn_autograd.gradcheck.check import CaseRunner
from rnn_autograd.gradcheck.compare import Problem, tolerance_for
from rnn_autograd.gradcheck.loading import load_implementation
from rnn_autograd.gradcheck.localise import evidence, locate, numeric_problems
from rnn_autograd.gradcheck.layers import SEED_FUNCTIONS, layer_of

DEFAULT_TIME_LIMIT = 20.0  # seconds per function: generous for tiny shapes, catches a hang
SHRINK_SECONDS = 3.0       # time spent looking for a smaller failing case
STATUSES = ("pass", "fail", "error", "not_implemented", "missing")


@dataclass
class FunctionResult:
    """The verdict on one seed function."""
    function: str
    status: str                        # pass | fail | error | not_implemented | missing
    cases: int = 0                     # cases run (up to and including the first failing one)
    worst_error: float | None = None   # worst normwise error of the float64 cases (float32 if none)
    tolerance: float | None = None     # the tolerance that worst_error is held to
    worst_error_float32: float | None = None
    seconds: float = 0.0
    diagnosis: str = ""                # human text: what is wrong and where
    gradient: str | None = None        # first wrong returned array: "dWx", "next_h", ...
    timestep: int | None = None        # earliest wrong timestep (sequence layers)
    gate: str | None = None            # the one wrong LSTM gate block, if only one
    pattern: str | None = None         # constant factor, sign flipped, transposed, zero, ...
    failing_case: str | None = None    # replay text of the first failing case
    minimal_case: str | None = None    # replay text of the smallest failing case found
    minimal_shape: dict | None = None
    replay: str | None = None          # a command line that replays the minimal failing case
    error_type: str | None = None
    error_message: str | None = None
    location: str | None = None        # file:line in the implementation, for errors
    notes: list = field(default_factory=list)
    evidence: list = field(default_factory=list, repr=False)  # [(name, got, want, dims)], first failing case

    def to_json(self):
        data = {key: value for key, value in self.__dict__.items() if key != "evidence"}
        if data["worst_error"] is not None and not np.isfinite(data["worst_error"]):
            data["worst_error"] = None
        return data


@dataclass
class Report:
    """What `check_implementation` found, function by function."""
    implementation: str
    seed: int
    cases: int
    results: dict                      # seed function name -> FunctionResult, in seed order
    seconds: float = 0.0
    numeric: bool = False

    @property
    def checked(self):
        return [r for r in self.results.values() if r.status != "missing"]

    @property
    def ok(self):
        """True when every checked function passes (missing ones are not checked)."""
        return bool(self.checked) and all(r.status == "pass" for r in self.checked)

    def failures(self):
        return [r for r in self.results.values() if r.status in ("fail", "error", "not_implemented")]

    def to_json(self):
        import autograd
        return {
            "ok": self.ok,
            "implementation": self.implementation,
            "seed": self.seed,
            "cases_per_function": self.cases,
            "numeric": self.numeric,
            "seconds": round(self.seconds, 3),
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


class _Checker:
    def __init__(self, module, impl_argument, cases, seed, numeric, time_limit, dtypes, progress):
        self.module = module
        self.impl_argument = impl_argument
        self.cases = cases
        self.seed = seed
        self.numeric = numeric
        self.time_limit = time_limit
        self.dtypes = dtypes
        self.progress = progress
        home = getattr(module, "__file__", None)
        if home and home.endswith("__init__.py"):
            home = home[: -len("__init__.py")]
        self.functions = {name: getattr(module, name) for name in SEED_FUNCTIONS
                          if callable(getattr(module, name, None))}
        self.runner = CaseRunner(self.functions, home=home)
        self.hung = {}  # function -> message, for functions that hit the time limit

    def run_case(self, layer, function, case):
        if function == layer.forward:
            return self.runner.run_forward(layer, case)
        return self.runner.run_backward(layer, case)

    def _numeric(self, layer, function, case, result):
        """--numeric: check this passing case against finite differences as well."""
        context = result.context
        rng = np.random.default_rng([case.seed, 1])
        if function == layer.backward:
            names, grads, wants = layer.gradient_names, context["grads"], context["wants"]
        elif layer.loss_gradient:
            names, grads, wants = ("dx",), context["values"][-1:], {"dx": context["wants"][-1]}
        else:
            return
        messages, notes = numeric_problems(case, names, grads, wants, context["reference"], rng)
        result.notes += notes
        if messages:
            result.problems += [Problem("value", None, message) for message in messages]
            result.status = "fail"

    def check_function(self, function):
        layer = layer_of(function)
        if function not in self.functions:
            present = hasattr(self.module, function)
            return FunctionResult(function, "missing" if not present else "error",
                                  diagnosis="" if not present else f"{function} is not callable")
        hung = self.hung.get(layer.forward)
        if function == layer.backward and hung:
            return FunctionResult(function, "error", diagnosis=f"cannot be checked: {hung}",
                                  error_type="TimeLimitExceeded")
        if function == layer.backward and layer.forward not in self.functions:
            return FunctionResult(function, "error", diagnosis=f"cannot be checked without "
                                  f"{layer.forward}, whose cache it takes")
        cases = self.cases if isinstance(self.cases, list) else schedule(layer, self.cases, self.seed, self.dtypes)
        start = time.perf_counter()
        deadline = start + self.time_limit if self.time_limit else None
        result = FunctionResult(function, "pass")
        worst, notes = {}, []  # dtype -> worst error of passing cases
        for index, case in enumerate(cases):
            if self.progress:
                self.progress(function, index, len(cases))
            self.runner.time_limit = max(0.05, deadline - time.perf_counter()) if deadline else None
            outcome = self.run_case(layer, function, case)
            if self.numeric and outcome.status == "pass":
                self._numeric(layer, function, case, outcome)
            notes += [note for note in outcome.notes if note not in notes]
            result.cases = index + 1
            if outcome.status == "pass":
                worst[case.dtype] = max(worst.get(case.dtype, 0.0), outcome.error)
                continue
            result.status = outcome.status
            result.failing_case = case.replay_text(layer)
            if outcome.status == "fail":
                self._diagnose_failure(layer, function, case, outcome, result)
            else:
                result.error_type = outcome.error_type
                result.error_message = outcome.message
                result.location = outcome.location
                result.diagnosis = outcome.message + (f" (at {outcome.location})" if outcome.location else "")
                if outcome.error_type == "TimeLimitExceeded" and function == layer.forward:
                    self.hung[function] = outcome.message
            break
        main_dtype = "float64" if "float64" in worst or not worst else "float32"
        result.tolerance = tolerance_for(case.dtype if result.status == "fail" else main_dtype)
        result.worst_error = worst.get(main_dtype) if result.status == "pass" else (
            _worst_of(outcome) if result.status == "fail" else None)
        result.worst_error_float32 = worst.get("float32") if main_dtype == "float64" else None
        result.seconds = time.perf_counter() - start
        result.notes = notes[:10]
        return result

    def _diagnose_failure(self, layer, function, case, outcome, result):
        """Localise the bug on the failing case, and shrink it to the smallest failing case."""
        smallest, _ = self._shrink(layer, function, case, outcome)
        # Localise on the first failing case, not the shrunk one: with N = H = 1 a single wrong
        # number "fits" any pattern, and T = 1 leaves no time to locate anything in.
        findings = locate(layer, case, outcome, self.runner, np.random.default_rng(0))
        result.gradient = findings["gradient"]
        result.timestep = findings["timestep"]
        result.gate = findings["gate"]
        result.pattern = findings["pattern"]
        result.evidence = evidence(layer, outcome)  # from the first failing case: larger, better to look at
        result.minimal_case = smallest.replay_text(layer)
        result.minimal_shape = {letter: smallest.sizes[letter] for letter in smallest.letters(layer)}
        lines = findings["lines"]
        lines.insert(0, f"failing case: {case.shape_text(layer)}, {case.dtype}"
                     + (f", extreme inputs (magnitudes up to {max(a.extreme for a in layer.args):g})"
                        if case.extreme else "")
                     + f"; smallest failing case found: {smallest.shape_text(layer)}")
        if function == layer.backward and layer.forward in self.functions:
            forward_check = self.runner.run_forward(layer, case)
            if forward_check.status != "pass":
                lines.append(f"note: its forward {layer.forward} fails too, and this backward was "
                             "fed that forward's cache: fix the forward first")
        result.diagnosis = "\n".join(lines)
        result.replay = (f"rnn-gradcheck --impl {shlex.quote(self.impl_argument)} --only {function} "
                         f"--replay {result.minimal_case}")

    def _shrink(self, layer, function, case, outcome):
        """Greedy shrinking: make each size smaller (1, half, minus one) while the case still fails."""
        kind = outcome.problems[0].kind if outcome.problems else None
        best, best_outcome = case, outcome
        stop = time.perf_counter() + SHRINK_SECONDS
        improved = True
        while improved and time.perf_counter() < stop:
            improved = False
            for letter in best.letters(layer):
                size = best.sizes[letter]
                for smaller in sorted({1, size // 2, size - 1}):
                    if not 1 <= smaller < size or time.perf_counter() > stop:
                        continue
                    candidate = Case(dict(best.sizes, **{letter: smaller}), best.seed, best.dtype, best.extreme)
                    attempt = self.run_case(layer, function, candidate)
                    if attempt.status == "fail" and attempt.problems and attempt.problems[0].kind == kind:
                        best, best_outcome, improved = candidate, attempt, True
                        break
        return best, best_outcome


def _worst_of(outcome):
    errors = [p.error for p in outcome.problems if p.error == p.error]
    return max(errors) if errors else None


def check_implementation(impl="manual", only=None, cases=DEFAULT_CASES, seed=0, numeric=False,
                         time_limit=DEFAULT_TIME_LIMIT, dtypes=("float64", "float32"),
                         replay=None, progress=None, on_result=None):
    """Check the seed functions of `impl` against the autograd reference; return a Report.

    Inputs:
    - impl: a .py file path, an importable module name, or a module object
    - only: seed function names to check (default: all 14)
    - cases: random cases per function (the first few are fixed edge cases)
    - seed: seed of the case generator; the same seed gives the same cases
    - numeric: also compare every gradient with finite differences (slower)
    - time_limit: seconds per function before it is reported as hanging
    - dtypes: dtypes of the cases, ("float64", "float32") by default
    - replay: a case in replay text ("N=1,T=2,...,seed=5,dtype=float64"): run only that case
    - progress: callable(function, case_index, case_count) called before every case
    - on_result: callable(FunctionResult) called as soon as each function is done

    Raises LoadError (one line, file and line) if the implementation cannot be imported,
    and ValueError for an unknown function name in `only` or a malformed replay case.
    """
    start = time.perf_counter()
    module, label = load_implementation(impl)
    names = list(SEED_FUNCTIONS) if only is None else list(only)
    unknown = [name for name in names if name not in SEED_FUNCTIONS]
    if unknown:
        raise ValueError(f"unknown function name(s): {', '.join(unknown)}; the seed functions are: "
                         f"{', '.join(SEED_FUNCTIONS)}")
    case_list = [Case.parse(replay)] if replay else None
    checker = _Checker(module, impl if isinstance(impl, str) else label,
                       case_list or cases, seed, numeric, time_limit, tuple(dtypes), progress)
    results = {}
    for name in SEED_FUNCTIONS:
        if name in names:
            results[name] = checker.check_function(name)
            if on_result:
                on_result(results[name])
    report = Report(label, seed, len(case_list) if case_list else cases, results, numeric=numeric)
    report.seconds = time.perf_counter() - start
    return report


class ImplementationIncorrect(AssertionError):
    """Raised by assert_implementation_correct; its message is the diagnosis."""


def assert_implementation_correct(impl, **options):
    """Raise ImplementationIncorrect with the diagnosis unless every checked function passes.

    For a user's own pytest suite:
        def test_my_layers():
            assert_implementation_correct("my_rnn_layers.py", only=["lstm_backward"])
    """
    from rnn_autograd.gradcheck.report import render_failure
    report = check_implementation(impl, **options)
    if not report.ok:
        details = "\n".join(render_failure(result) for result in report.failures()) or \
            "no seed function found in the implementation"
        raise ImplementationIncorrect(f"{len(report.failures())} function(s) of {report.implementation} "
                                      f"do not pass:\n{details}")
    return report


__all__ = ["check_implementation", "assert_implementation_correct", "Report", "FunctionResult",
           "ImplementationIncorrect", "STATUSES"]
