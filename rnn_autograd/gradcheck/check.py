"""Run one case of one assignment function of an implementation against the autograd reference.

The implementation runs in an executor (executors.py: a worker process by default); this module
only sends it arrays and reads back what it returned. Every array the implementation receives
is a read-only copy: an in-place write into an argument, an upstream gradient or a cache raises
inside the implementation, and is reported with its file:line as a warning. The call is then
made again with writable copies, so that the math of a function that writes into its inputs is
still checked.
"""
from dataclasses import dataclass, field

import numpy as np

from rnn_autograd.gradcheck.compare import compare
from rnn_autograd.gradcheck.errors import WARNING, Problem, failures, tolerance_for
from rnn_autograd.gradcheck.executors import CacheRef
from rnn_autograd.gradcheck.inputs import extreme_regime, make_inputs, make_upstream
from rnn_autograd.gradcheck.reference import Reference, as_tuple


@dataclass
class Evidence:
    """What the localiser needs to look closer at one checked case."""
    inputs: dict                 # name -> the array the implementation was given
    reference: Reference
    names: tuple                 # the returned arrays that were compared, in order
    got: tuple                   # what the implementation returned for them
    wants: dict                  # name -> the reference's answer
    upstream: dict | None = None  # a backward's upstream gradients (None for a forward)
    cache: object = None          # the cache the backward was given

    @property
    def is_backward(self):
        return self.upstream is not None

    def pairs(self):
        """{returned name: (got, want)}."""
        return {name: (got, self.wants[name]) for name, got in zip(self.names, self.got)}


@dataclass
class CaseResult:
    status: str                     # pass | warn | fail | error | not_implemented
    error: float = 0.0              # worst normwise error over the compared arrays
    problems: list = field(default_factory=list)
    message: str = ""               # for error / not_implemented
    location: str | None = None     # impl file:line of a raised error
    error_type: str | None = None
    notes: list = field(default_factory=list)
    evidence: Evidence | None = None

    def settle(self):
        """Set the status from the problems: any failure fails, warnings alone warn."""
        self.status = "fail" if failures(self.problems) else "warn" if self.problems else "pass"
        return self


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


def _mutation(name, outcome, what, changed_names=()):
    """The warning for a function that writes into `what` (arguments, upstream, cache)."""
    where = f" at {outcome.location}" if outcome.location else ""
    which = f" ({', '.join(changed_names)})" if changed_names else ""
    return Problem("mutation", None, f"{name} writes into {what}{which}{where}: callers (the "
                   "course's gradient checks among them) reuse those arrays; compute into a new "
                   "array instead", pattern="mutation", severity=WARNING, location=outcome.location)


class CaseRunner:
    """Checks the functions of one implementation, one case at a time."""

    def __init__(self, executor):
        self.executor = executor        # where the implementation runs (executors.py)

    def call(self, name, args, writable=False, keep_cache=False):
        return self.executor.call(name, list(args), writable=writable, keep_cache=keep_cache)

    # -- outcomes that end a case early -------------------------------------------------------
    @staticmethod
    def _raised(name, outcome, prefix=""):
        """The error of a call that raised (or exited, or hung), with a hint where one applies."""
        verb = "" if outcome.exited else "raised "
        return CaseResult("error", message=f"{prefix}{name} {verb}{outcome.error_text}",
                          location=outcome.location, error_type=outcome.error_type,
                          notes=[outcome.hint] if outcome.hint else [])

    @staticmethod
    def _notes(name, outcome):
        notes = []
        if outcome.printed:  # the same words every case, so that the notes of all cases merge
            first_line = (outcome.printed.strip().splitlines()[0][:60]
                          if outcome.printed.strip() else "")
            notes.append(f"{name} prints (output suppressed), e.g. {first_line!r}")
        for warning in dict.fromkeys(outcome.warnings):
            notes.append(f"{name} warned: {warning}")
        return notes

    @staticmethod
    def _unpack(name, value, count, names):
        """Check the number of returned values; return (tuple, problem or None)."""
        values = tuple(value) if count > 1 and isinstance(value, (tuple, list)) else (value,)
        if count > 1 and len(values) != count:  # a list of the right length is as good as a tuple
            got = (f"{len(value)} values" if isinstance(value, (tuple, list))
                   else f"one {type(value).__name__}")
            return None, Problem("count", None, f"{name} returned {got}; expected {count}: "
                                 f"{', '.join(names)}")
        return values, None

    def _forward(self, layer, inputs):
        """Call the forward on read-only copies; on an in-place write, again on writable copies.

        Returns (outcome, mutation problem or None).
        """
        outcome = self.call(layer.forward, inputs.values(), keep_cache=layer.has_cache)
        if outcome.written:  # it made a read-only argument writable first, then wrote into it
            written = [list(inputs)[index] for index in outcome.written]
            return outcome, _mutation(layer.forward, outcome, "its arguments", written)
        if not outcome.read_only_write:
            return outcome, None
        again = self.call(layer.forward, inputs.values(), writable=True, keep_cache=layer.has_cache)
        written = [list(inputs)[index] for index in again.written]
        return again, _mutation(layer.forward, outcome, "its arguments", written)

    # -- forward ---------------------------------------------------------------------------------
    def run_forward(self, layer, case):
        self.executor.release_all()  # the caches of the case before
        inputs, upstream = make_case_data(layer, case)
        # the loss's forward returns its own gradient: the reference's upstream is dloss = 1
        reference = Reference(layer, inputs, upstream if layer.loss_gradient else {})
        names = layer.outputs + (("cache",) if layer.has_cache else ()) + (
            ("dx",) if layer.loss_gradient else ())
        outcome, mutation = self._forward(layer, inputs)
        notes = self._notes(layer.forward, outcome)
        if outcome.failed:
            result = self._raised(layer.forward, outcome)
            result.notes += notes
            return result
        if is_not_implemented(outcome.value):
            return CaseResult("not_implemented", message=f"{layer.forward} returned None",
                              notes=notes)
        values, problem = self._unpack(layer.forward, outcome.value, len(names), names)
        if problem:
            return CaseResult("fail", problems=[problem], notes=notes)
        wants = dict(zip(layer.outputs, reference.outputs()))
        if layer.loss_gradient:
            wants["dx"] = reference.gradients()["dx"]
        compared = [(n, v) for n, v in zip(names, values) if n != "cache"]
        result = self._compare_all(layer, case, compared, wants, notes)
        if layer.loss_gradient and not failures(result.problems):
            message = exact_zero_problem(layer, inputs, "dx", values[-1])
            if message:
                result.problems.append(Problem("value", "dx", message, pattern="masked positions"))
        if mutation:
            result.problems.append(mutation)
        result.evidence = Evidence(inputs, reference, tuple(n for n, _ in compared),
                                   tuple(v for _, v in compared), wants)
        return self._in_regime(layer, case, result).settle()

    def _compare_all(self, layer, case, named_values, wants, notes):
        tolerance = tolerance_for(case.dtype, case.sizes)
        problems, worst = [], 0.0
        for name, value in named_values:
            if value is None:
                problems.append(Problem("type", name, f"{name} is None (not computed yet?)"))
                continue
            error, found = compare(name, value, wants[name], case.dtype, tolerance, case.sizes)
            problems += found
            if not failures(found) and error == error:
                worst = max(worst, error)
        return CaseResult("pass", worst, problems, notes=notes)

    @staticmethod
    def _in_regime(layer, case, result):
        """In a regime of extreme inputs where only more than the course's formula survives,
        what fails there is a warning, with the advice of the regime."""
        regime = extreme_regime(layer, case.extreme)
        if regime is None or regime.severity != WARNING:
            return result
        for problem in failures(result.problems):
            if problem.kind not in ("value", "nan or inf"):  # a wrong shape is wrong anywhere
                continue
            problem.severity = WARNING
            problem.pattern = "unstable far outside the course's range"
            problem.message += f". The inputs were {regime.description}; {regime.advice}"
        return result

    # -- backward --------------------------------------------------------------------------------
    def run_backward(self, layer, case, second_look=True):
        self.executor.release_all()  # the caches of the case before
        inputs, upstream = make_case_data(layer, case)
        # The forward's prints, warnings and writes belong to the forward's own row, not to this
        # one.
        forward, _ = self._forward(layer, inputs)
        if forward.failed:
            return self._raised(layer.forward, forward, prefix="cannot be checked: its forward ")
        values = as_tuple(forward.value)
        cache = values[-1] if len(values) == len(layer.outputs) + 1 else None
        upstream_copies = list(upstream.values())
        if cache is None and not is_not_implemented(forward.value):
            return CaseResult("error", message=f"cannot be checked: {layer.forward} did not return "
                              f"{len(layer.outputs)} output(s) and a cache")
        if isinstance(cache, CacheRef):
            self.executor.freeze(cache)
        outcome = self.call(layer.backward, upstream_copies + [cache])
        mutation = None
        if outcome.read_only_write:  # note where, then check its math on writable copies
            outcome, mutation, cache = self._backward_writable(layer, inputs, upstream, outcome)
        elif outcome.written:        # it made a read-only upstream gradient writable, then wrote
            mutation = _mutation(layer.backward, outcome, "its upstream gradient",
                                 [list(upstream)[index] for index in outcome.written])
        notes = self._notes(layer.backward, outcome)
        if outcome.failed:
            result = self._raised(layer.backward, outcome)
            result.notes += notes
            if is_not_implemented(forward.value) and result.status == "error":
                result.message += f" (its forward {layer.forward} is not implemented either)"
            return result
        if is_not_implemented(outcome.value):
            return CaseResult("not_implemented", message=f"{layer.backward} returned None",
                              notes=notes)
        if is_not_implemented(forward.value):
            return CaseResult("error", message=f"cannot be checked: its forward {layer.forward} "
                              "returned None", notes=notes)
        names = layer.gradient_names
        grads, problem = self._unpack(layer.backward, outcome.value, len(names), names)
        if problem:
            return CaseResult("fail", problems=[problem], notes=notes)
        reference = Reference(layer, inputs, upstream)
        wants = reference.gradients()
        result = self._compare_all(layer, case, list(zip(names, grads)), wants, notes)
        mutated = (self.executor.changed(cache) if isinstance(cache, CacheRef) and not mutation
                   else [])
        if mutation:
            result.problems.append(mutation)
        elif mutated:  # the array was made writable again by the implementation
            result.problems.append(_mutation(layer.backward, outcome, "its cache", mutated))
        elif second_look and not failures(result.problems):
            result.problems += self._repeatability(layer, case, upstream_copies, cache, grads)
        result.evidence = Evidence(inputs, reference, names, grads, wants, upstream=upstream,
                                   cache=cache)
        return result.settle()

    def _backward_writable(self, layer, inputs, upstream, failed):
        """The backward again, on a fresh cache and writable upstream gradients; what it wrote
        into."""
        forward = self.call(layer.forward, inputs.values(), writable=True, keep_cache=True)
        cache = as_tuple(forward.value)[-1]
        if isinstance(cache, CacheRef):
            self.executor.freeze(cache, read_only=False)
        outcome = self.call(layer.backward, list(upstream.values()) + [cache], writable=True)
        written = [list(upstream)[index] for index in outcome.written if index < len(upstream)]
        written += self.executor.changed(cache) if isinstance(cache, CacheRef) else []
        what = "its upstream gradient" if any(name in upstream for name in written) else "its cache"
        return outcome, _mutation(layer.backward, failed, what, written), cache

    def _repeatability(self, layer, case, upstream_copies, cache, grads):
        """The same cache must give the same gradients again, also after another forward."""
        again = self.call(layer.backward, upstream_copies + [cache])
        if again.failed:
            where = f" at {again.location}" if again.location else ""
            return [Problem("nondeterministic", None, f"{layer.backward} raises on a second call "
                            f"with the same cache: {again.error_text}{where}. A backward should "
                            "only read its cache (cache.pop() or del empties it for the next call, "
                            "e.g. the course's numerical gradient check)",
                            pattern="nondeterministic", severity=WARNING, location=again.location)]
        other_case = type(case)(case.sizes, case.seed + 10**6, case.dtype)
        other_inputs, _ = make_case_data(layer, other_case)
        self.call(layer.forward, other_inputs.values(), keep_cache=True)
        after = self.call(layer.backward, upstream_copies + [cache])
        for label, outcome in (("a second call", again), ("another forward call", after)):
            values = as_tuple(outcome.value) if not outcome.failed else None
            same = values is not None and len(values) == len(grads) and all(
                isinstance(a, np.ndarray) and np.array_equal(a, b, equal_nan=True)
                for a, b in zip(values, grads))
            if not same:
                return [Problem("nondeterministic", None, f"{layer.backward} answers differently "
                                f"on {label} with the same cache (state kept between calls, or a "
                                "cache changed in place)", pattern="nondeterministic",
                                severity=WARNING, location=outcome.location)]
        return []
