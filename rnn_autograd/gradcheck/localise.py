"""Say where a wrong gradient goes wrong: which array, which timestep, which gate, what pattern.

- Which array: every returned gradient is compared; the first wrong one is named, and the
  others are listed as right or wrong.
- Which timestep: the backward is called again with an upstream gradient that is nonzero at
  one timestep s only. The first s that gives a wrong gradient is reported, and whether the
  error sits at step s itself (the step's own backward) or only at earlier steps (the gradient
  carried back across time) or only in the parameters (contributions not summed over time).
- Which gate: for arrays with a 4H axis, the error of each block i, f, o, g.
- Which side: central finite differences of the reference forward along random directions say
  whether the implementation or autograd is right (finite_differences.py).
- What pattern: patterns.py.
"""
from dataclasses import dataclass, field

import autograd
import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval

from layer_contracts.dims import axis_of, gate_axis
from rnn_autograd.gradcheck.compare import compare
from rnn_autograd.gradcheck.errors import failures, tolerance_for, wrong_entries
from rnn_autograd.gradcheck.finite_differences import describe_side, finite_difference_verdict
from rnn_autograd.gradcheck.layers import GATES, layer_named
from rnn_autograd.gradcheck.patterns import PYTORCH_GATE_ORDER, pytorch_gate_order, special_patterns
from rnn_autograd.gradcheck.reference import as_tuple


@dataclass
class Localisation:
    """Where a failing case goes wrong, and the sentences that say so."""
    gradient: str | None = None   # the first wrong returned array
    timestep: int | None = None   # the earliest wrong timestep
    gate: str | None = None       # the one wrong LSTM gate block, if only one
    pattern: str | None = None
    lines: list = field(default_factory=list)


def gate_blocks(got, want, dims, tolerance):
    """The gates (i, f, o, g) whose block of a 4H-axis array is wrong."""
    axis = gate_axis(dims)
    if axis is None or np.shape(got) != np.shape(want):
        return []
    blocks = np.split(wrong_entries(got, want, tolerance), 4, axis=axis)
    return [gate for gate, wrong in zip(GATES, blocks) if np.any(wrong)]


def timestep_errors(got, want, dims, tolerance):
    """Timesteps t at which got[..., t, ...] is wrong, for an array with a T axis."""
    axis = axis_of(dims, "T")
    if axis is None or np.shape(got) != np.shape(want):
        return []
    wrong = np.moveaxis(wrong_entries(got, want, tolerance), axis, 0)
    return [int(t) for t in np.flatnonzero(wrong.reshape(wrong.shape[0], -1).any(axis=1))]


def only_at(array, dims, t):
    """A copy of an upstream gradient that keeps timestep t only (zero elsewhere)."""
    axis = axis_of(dims, "T")
    kept = np.zeros_like(array)
    index = [slice(None)] * array.ndim
    index[axis] = t
    kept[tuple(index)] = array[tuple(index)]
    return kept


def probe_timesteps(runner, layer, case, evidence):
    """Earliest s such that an upstream gradient at timestep s alone gives a wrong gradient.

    Returns (s, {gradient name: (got, want)} of the wrong ones, explanation) or None.
    """
    T = case.sizes.get("T", 1)
    upstream_dims = dict(zip(layer.upstream_names, layer.output_dims))
    if T < 2 or not any(axis_of(dims, "T") is not None for dims in upstream_dims.values()):
        return None
    tolerance = tolerance_for(case.dtype, case.sizes)
    for s in range(T):
        upstream = {name: only_at(value, upstream_dims[name], s)
                    for name, value in evidence.upstream.items()}
        # a fresh cache for every call: a backward may empty its cache (cache.pop())
        forward = runner.call(layer.forward, evidence.inputs.values(), keep_cache=True)
        if forward.failed:
            return None
        cache = as_tuple(forward.value)[-1]
        outcome = runner.call(layer.backward, list(upstream.values()) + [cache])
        if outcome.failed or not isinstance(outcome.value, (tuple, list)):
            return None
        wants = evidence.reference.gradients({k: v.astype(np.float64) for k, v in upstream.items()})
        wrong = {}
        for name, got in zip(layer.gradient_names, outcome.value):
            _, problems = compare(name, got, wants[name], case.dtype, tolerance, case.sizes)
            if any(problem.kind == "value" for problem in problems):
                wrong[name] = (got, wants[name])
        if wrong:
            explanation = _explain_timestep(layer, s, wrong, tolerance)
            if "carries back" in explanation:
                explanation += (_dropped_carry(layer, evidence.reference, upstream, outcome.value,
                                               case.dtype, tolerance)
                                or ": the step's dprev_h / dprev_c is not added to the upstream "
                                   "gradient of the step before, or not passed on")
            return s, wrong, explanation
    return None


def _sequence_with_cut_carries(layer, inputs, cut):
    """The layer's sequence forward rebuilt from its one-step reference, with the gradient of
    the states named in `cut` ("h", "c") stopped where one step hands them to the next."""
    step = layer_named(layer.step).reference
    x, h0 = inputs["x"], inputs["h0"]
    weights = (inputs["Wx"], inputs["Wh"], inputs["b"])
    state = (h0,) + (anp.zeros(h0.shape),) * (len(layer.carries) - 1)  # c_{-1} = 0
    hs = []
    for t in range(x.shape[1]):
        if t > 0:
            state = tuple(getval(s) if name in cut else s for name, s in zip(layer.carries, state))
        state = as_tuple(step(x[:, t], *state, *weights))
        hs.append(state[0])
    return anp.stack(hs, axis=1)  # (N, T, H)


def _dropped_carry(layer, reference, upstream, grads, dtype, tolerance):
    """Name the carried state whose gradient the implementation drops, if one explains it all."""
    if not layer.step:
        return ""
    upstream64 = {k: np.asarray(v, dtype=np.float64) for k, v in upstream.items()}
    candidates = [(name,) for name in layer.carries]
    candidates += [tuple(layer.carries)] if len(layer.carries) > 1 else []
    for cut in candidates:
        def loss(values):
            inputs = dict(reference.inputs, **dict(zip(layer.wrt, values)))
            hs = _sequence_with_cut_carries(layer, inputs, cut)
            return anp.sum(hs * upstream64[layer.upstream_names[0]])
        wants = autograd.grad(loss)(tuple(reference.inputs[n] for n in layer.wrt))
        if all(not failures(compare(name, got, want, dtype, tolerance, {})[1])
               for name, got, want in zip(layer.gradient_names, grads, wants)):
            names = " and ".join(f"dprev_{state}" for state in cut)
            verb = "are" if len(cut) > 1 else "is"
            return (f": {names} {verb} not passed back from one step to the one before (the "
                    f"gradient through {' and '.join(cut)} is not carried; with that carry cut "
                    "off, the right answer matches every gradient returned)")
    return ""


def _explain_timestep(layer, s, wrong, tolerance):
    """Plain words for what the one-timestep probes found: the step, the carry or the sum."""
    names = ", ".join(wrong)
    if s == 0:
        return (f"with the upstream gradient at t=0 only, {names} are already wrong: the backward "
                "of a single step is wrong (not what is carried across time)")
    head = (f"the gradients from upstream at t < {s} are right; from upstream at t={s}, {names} "
            "are wrong")
    for name, (got, want) in wrong.items():
        steps = timestep_errors(got, want, layer.dims_of(name), tolerance)
        if steps and s in steps:
            return head + f": {name} at t={s} itself is wrong, so the backward of step {s} is wrong"
        if steps:
            earlier = ", ".join(map(str, steps))
            return (f"the gradient at t={s} is right, but what it carries back to t={earlier} is "
                    f"wrong ({name} there)")
    carried = [name for name in wrong if axis_of(layer.dims_of(name), "T") is None]
    return (f"each step's gradient is right, but {', '.join(carried)} does not add up the "
            f"timesteps: the contributions are not summed (dW = ... where dW += ... is needed)")


def wrong_arrays(layer, result):
    """[(name, got, want, dims)] of every wrongly valued array of a failing case."""
    if result.evidence is None:
        return []
    values = result.evidence.pairs()
    return [(p.array, np.asarray(values[p.array][0]), np.asarray(values[p.array][1]),
             layer.dims_of(p.array))
            for p in result.problems if p.kind == "value" and p.array in values]


def locate(layer, case, result, runner, rng):
    """The Localisation of a failing case."""
    tolerance = tolerance_for(case.dtype, case.sizes)
    evidence = result.evidence
    findings = Localisation()
    problems = failures(result.problems)
    first = problems[0]
    findings.gradient = first.array
    findings.pattern = first.pattern
    lines = findings.lines
    lines.append(first.message)
    if len(problems) > 1:
        wrong = [p.array for p in problems if p.array]
        right = [n for n in evidence.names if n not in wrong] if evidence else []
        lines.append(f"wrong: {', '.join(wrong)}"
                     + (f"; right: {', '.join(right)}" if right else ""))
    values = evidence.pairs() if evidence is not None else {}
    if first.kind != "value" or first.array not in values:
        return findings
    got, want = values[first.array]
    pattern, sentence = special_patterns(layer, evidence.inputs, first.array, got, want, tolerance)
    if pattern is None and pytorch_gate_order(layer, evidence, tolerance):
        pattern, sentence = PYTORCH_GATE_ORDER, (
            "it is exactly right with the gate blocks in PyTorch's order i, f, g, o; the course "
            "packs them i, f, o, g along 4H: a[:, 2H:3H] is the output gate o (sigmoid), "
            "a[:, 3H:4H] the candidate g (tanh)")
    if pattern:
        findings.pattern = pattern
        lines.append(sentence)
    elif findings.pattern is None:  # a scalar (the loss) has no pattern; its companions may
        other = next((p for p in problems[1:] if p.kind == "value" and p.pattern), None)
        if other:
            findings.pattern = other.pattern
            lines.append(other.message)
    gates = []
    for problem in problems if findings.pattern != "precision" else []:  # rounding is everywhere
        if problem.array and problem.kind == "value" and layer.argument_of(problem.array):
            gates += [g for g in gate_blocks(*values[problem.array], layer.dims_of(problem.array),
                                             tolerance) if g not in gates]
    if gates:
        findings.gate = gates[0] if len(gates) == 1 else None
        lines.append(f"LSTM gate blocks with errors: {', '.join(gates)} (of i, f, o, g along 4H)"
                     + (" -- only the " + gates[0] + " gate" if len(gates) == 1 else ""))
    if evidence.is_backward:
        probed = probe_timesteps(runner, layer, case, evidence)
        if probed:
            findings.timestep, _, sentence = probed
            lines.append(sentence)
        if not case.extreme and findings.pattern != "precision":
            got_error, want_error = finite_difference_verdict(evidence.reference, first.array[1:],
                                                              got, want, rng)
            lines.append(describe_side(first.array[1:], got_error, want_error))
    else:
        dims = layer.dims_of(first.array)
        steps = timestep_errors(got, want, dims, tolerance) if dims else []
        if steps:
            findings.timestep = steps[0]
            lines.append(f"{first.array} is right before t={steps[0]} and wrong from there on "
                         f"(wrong at t = {', '.join(map(str, steps))})")
    return findings


