"""Run one case of one seed function of an implementation against the autograd reference.

The reference is always evaluated in float64 on the very values the implementation got (a
float32 case is upcast), so it is the best answer available for those inputs. Every array the
implementation receives is a read-only copy: an in-place write into an argument, an upstream
gradient or a cache raises inside the implementation, and is reported as a mutation.
"""
from dataclasses import dataclass, field

import autograd
import autograd.numpy as anp
import numpy as np

from rnn_autograd.gradcheck.inputs import make_inputs, make_upstream
from rnn_autograd.gradcheck.calling import TimeLimitExceeded, call
from rnn_autograd.gradcheck.compare import Problem, compare, tolerance_for


@dataclass
class CaseResult:
    status: str                     # pass | fail | error | not_implemented
    error: float = 0.0              # worst normwise error over the compared arrays
    problems: list = field(default_factory=list)
    message: str = ""               # for error / not_implemented
    location: str | None = None     # impl file:line of a raised error
    error_type: str | None = None
    notes: list = field(default_factory=list)
    context: dict = field(default_factory=dict)  # what the localiser needs to look closer


def as_tuple(value):
    """A returned tuple (or list) as a tuple; any single value as a 1-tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def read_only_copy(array):
    copy = np.array(array, copy=True)
    copy.setflags(write=False)
    return copy


def freeze(structure):
    """Make every numpy array inside a cache read-only; return a snapshot for later comparison."""
    snapshot = []

    def walk(item, path):
        if isinstance(item, np.ndarray):
            snapshot.append((path, item, item.copy()))
            item.setflags(write=False)
        elif isinstance(item, dict):
            for key, value in item.items():
                walk(value, f"{path}[{key!r}]")
        elif isinstance(item, (tuple, list)):
            for position, value in enumerate(item):
                walk(value, f"{path}[{position}]")

    walk(structure, "cache")
    return snapshot


def changed(snapshot):
    """Paths of the snapshotted arrays whose values changed since the snapshot."""
    return [path for path, array, copy in snapshot
            if array.shape != copy.shape or not np.array_equal(array, copy, equal_nan=True)]


def is_not_implemented(value):
    """None, or a tuple of Nones: what the untouched assignment skeleton returns."""
    return value is None or (isinstance(value, (tuple, list)) and len(value) > 0
                             and all(item is None for item in value))


def exact_zero_problem(layer, inputs, name, got):
    """Masked positions must get a gradient of exactly 0, not merely a small one."""
    mask_args = [arg for arg in layer.args if arg.kind == "mask"]
    if not mask_args or not isinstance(got, np.ndarray) or name != "dx":
        return None
    masked = ~inputs[mask_args[0].name].astype(bool)
    if got.shape[:2] == masked.shape and np.any(got[masked] != 0):
        largest = float(np.max(np.abs(got[masked])))
        return (f"{name} is not exactly zero at masked positions (largest {largest:.2e}): "
                "multiply by the mask instead of leaving round-off")
    return None


class Reference:
    """Float64 reference values and vector-Jacobian products for one layer and one case."""

    def __init__(self, layer, inputs, upstream):
        self.layer = layer
        self.inputs = {name: (value.astype(np.float64) if value.dtype.kind == "f" else value)
                       for name, value in inputs.items()}
        self.upstream = {name: np.asarray(value, dtype=np.float64) for name, value in upstream.items()}

    def outputs(self):
        return tuple(np.asarray(out) for out in as_tuple(self.layer.reference(*self.inputs.values())))

    def scalar(self, inputs, upstream, numpy=anp):
        """L = sum over outputs of <output, upstream gradient>: its gradient is the VJP."""
        outputs = as_tuple(self.layer.reference(*inputs.values()))
        return sum(numpy.sum(out * up) for out, up in zip(outputs, upstream.values()))

    def gradients(self, upstream=None):
        """VJP of every differentiable argument, as a dict 'dx' -> array, from one trace."""
        upstream = self.upstream if upstream is None else upstream
        names = self.layer.wrt

        def loss(values):
            inputs = dict(self.inputs, **dict(zip(names, values)))
            return self.scalar(inputs, upstream)

        grads = autograd.grad(loss)(tuple(self.inputs[name] for name in names))
        return {"d" + name: np.asarray(grad) for name, grad in zip(names, grads)}


def make_case_data(layer, case):
    """Inputs and upstream gradients of a case (the loss layer's upstream is 1)."""
    rng = np.random.default_rng(case.seed)
    dtype = np.dtype(case.dtype)
    inputs = make_inputs(layer, case.sizes, rng, dtype, extreme=case.extreme)
    if layer.loss_gradient:
        upstream = {"dloss": np.asarray(1.0, dtype=dtype)}
    else:
        upstream = make_upstream(layer, case.sizes, rng, dtype)
    return inputs, upstream


class CaseRunner:
    """Checks the functions of one implementation, one case at a time."""

    def __init__(self, functions, time_limit=None, home=None):
        self.functions = functions      # seed name -> callable of the implementation
        self.time_limit = time_limit    # seconds per call, or None
        self.home = home                # the impl's file or folder, to locate its errors

    def call(self, name, args):
        return call(self.functions[name], args, time_limit=self.time_limit, home=self.home)

    # -- outcomes that end a case early -------------------------------------------------------
    def _raised(self, name, outcome, role=""):
        error = outcome.error
        if isinstance(error, ValueError) and "read-only" in str(error):
            where = f" at {outcome.location}" if outcome.location else ""
            return CaseResult("fail", problems=[Problem(
                "mutation", None, f"{name} writes into an array it was given{role}{where} "
                "(every argument, upstream gradient and cache is handed over read-only); "
                "compute into a new array instead", pattern="mutation")],
                location=outcome.location)
        verb = "" if isinstance(error, (SystemExit, TimeLimitExceeded)) else "raised "
        return CaseResult("error", message=f"{name} {verb}{outcome.error_text}{role}",
                          location=outcome.location, error_type=type(error).__name__)

    @staticmethod
    def _notes(name, outcome):
        notes = []
        if outcome.printed:  # the same words every case, so that the notes of all cases merge
            first_line = outcome.printed.strip().splitlines()[0][:60] if outcome.printed.strip() else ""
            notes.append(f"{name} prints (output suppressed), e.g. {first_line!r}")
        for warning in dict.fromkeys(outcome.warnings):
            notes.append(f"{name} warned: {warning}")
        return notes

    def _unpack(self, name, value, count, names):
        """Check the number of returned values; return (tuple, problem or None)."""
        values = tuple(value) if count > 1 and isinstance(value, (tuple, list)) else (value,)
        if count > 1 and len(values) != count:  # a list of the right length is as good as a tuple
            got = f"{len(value)} values" if isinstance(value, (tuple, list)) else f"one {type(value).__name__}"
            return None, Problem("count", None, f"{name} returned {got}; expected {count}: "
                                 f"{', '.join(names)}")
        return values, None

    # -- forward ---------------------------------------------------------------------------------
    def run_forward(self, layer, case):
        inputs, _ = make_case_data(layer, case)
        reference = Reference(layer, inputs, {})
        names = layer.outputs + (("cache",) if layer.has_cache else ()) + (
            ("dx",) if layer.loss_gradient else ())
        outcome = self.call(layer.forward, [read_only_copy(value) for value in inputs.values()])
        notes = self._notes(layer.forward, outcome)
        if outcome.error is not None:
            result = self._raised(layer.forward, outcome)
            result.notes = notes
            return result
        if is_not_implemented(outcome.value):
            return CaseResult("not_implemented", message=f"{layer.forward} returned None", notes=notes)
        values, problem = self._unpack(layer.forward, outcome.value, len(names), names)
        if problem:
            return CaseResult("fail", problems=[problem], notes=notes)
        wants = list(reference.outputs())
        if layer.loss_gradient:
            reference.upstream = {"dloss": np.float64(1.0)}
            wants.append(reference.gradients()["dx"])
        compared = [(n, v) for n, v in zip(names, values) if n != "cache"]
        result = self._compare_all(layer, case, compared, wants, notes)
        if layer.loss_gradient and not result.problems:
            message = exact_zero_problem(layer, inputs, "dx", values[-1])
            if message:
                result.problems.append(Problem("value", "dx", message, pattern="masked positions"))
                result.status = "fail"
        result.context = dict(inputs=inputs, names=[n for n, _ in compared], values=[v for _, v in compared],
                              wants=wants, reference=reference)
        return result

    def _compare_all(self, layer, case, named_values, wants, notes):
        tolerance = tolerance_for(case.dtype)
        problems, worst = [], 0.0
        for (name, value), want in zip(named_values, wants):
            if value is None:
                problems.append(Problem("type", name, f"{name} is None (not computed yet?)"))
                continue
            error, problem = compare(name, value, want, case.dtype, tolerance, case.sizes)
            if problem:
                problems.append(problem)
            elif error == error:
                worst = max(worst, error)
        return CaseResult("fail" if problems else "pass", worst, problems, notes=notes)

    # -- backward --------------------------------------------------------------------------------
    def run_backward(self, layer, case, second_look=True):
        inputs, upstream = make_case_data(layer, case)
        # The forward's prints and warnings belong to the forward's own row, not to this one.
        forward = self.call(layer.forward, [read_only_copy(value) for value in inputs.values()])
        if forward.error is not None:
            verb = "" if isinstance(forward.error, (SystemExit, TimeLimitExceeded)) else "raised "
            return CaseResult("error", message=f"cannot be checked: its forward {layer.forward} {verb}"
                              f"{forward.error_text}", location=forward.location,
                              error_type=type(forward.error).__name__)
        values = as_tuple(forward.value)
        cache = values[-1] if len(values) == len(layer.outputs) + 1 else None
        upstream_copies = [read_only_copy(value) for value in upstream.values()]
        if cache is None and not is_not_implemented(forward.value):
            return CaseResult("error", message=f"cannot be checked: {layer.forward} did not return "
                              f"{len(layer.outputs)} output(s) and a cache")
        snapshot = freeze(cache)
        outcome = self.call(layer.backward, upstream_copies + [cache])
        notes = self._notes(layer.backward, outcome)
        if outcome.error is not None:
            result = self._raised(layer.backward, outcome)
            result.notes = notes
            if is_not_implemented(forward.value) and result.status == "error":
                result.message += f" (its forward {layer.forward} is not implemented either)"
            return result
        if is_not_implemented(outcome.value):
            return CaseResult("not_implemented", message=f"{layer.backward} returned None", notes=notes)
        if is_not_implemented(forward.value):
            return CaseResult("error", message=f"cannot be checked: its forward {layer.forward} "
                              "returned None", notes=notes)
        names = layer.gradient_names
        grads, problem = self._unpack(layer.backward, outcome.value, len(names), names)
        if problem:
            return CaseResult("fail", problems=[problem], notes=notes)
        reference = Reference(layer, inputs, upstream)
        wants = reference.gradients()
        result = self._compare_all(layer, case, list(zip(names, grads)), [wants[n] for n in names], notes)
        mutated = changed(snapshot)
        if mutated:
            result.problems.append(Problem("mutation", None, f"{layer.backward} changed its cache: "
                                           f"{', '.join(mutated)}", pattern="mutation"))
        if second_look and not result.problems:
            result.problems += self._repeatability(layer, case, upstream_copies, cache, grads)
        result.status = "fail" if result.problems else "pass"
        result.context = dict(inputs=inputs, upstream=upstream, cache=cache, grads=grads,
                              wants=wants, reference=reference)
        return result

    def _repeatability(self, layer, case, upstream_copies, cache, grads):
        """The same cache must give the same gradients again, also after another forward."""
        again = self.call(layer.backward, upstream_copies + [cache])
        other_inputs, _ = make_case_data(layer, type(case)(case.sizes, case.seed + 10**6, case.dtype))
        self.call(layer.forward, [read_only_copy(value) for value in other_inputs.values()])
        after = self.call(layer.backward, upstream_copies + [cache])
        for label, outcome in (("a second call", again), ("another forward call", after)):
            values = as_tuple(outcome.value) if outcome.error is None else None
            same = values is not None and len(values) == len(grads) and all(
                isinstance(a, np.ndarray) and np.array_equal(a, b, equal_nan=True)
                for a, b in zip(values, grads))
            if not same:
                return [Problem("nondeterministic", None, f"{layer.backward} answers differently on "
                                f"{label} with the same cache (state kept between calls, or a cache "
                                "changed in place)", pattern="nondeterministic")]
        return []
