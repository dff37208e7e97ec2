"""Say where a wrong gradient goes wrong: which array, which timestep, which gate, what pattern.

- Which array: every returned gradient is compared; the first wrong one is named, and the
  others are listed as right or wrong.
- Which timestep: the backward is called again with an upstream gradient that is nonzero at
  one timestep s only. The first s that gives a wrong gradient is reported, and whether the
  error sits at step s itself (the step's own backward) or only at earlier steps (the gradient
  carried back across time) or only in the parameters (contributions not summed over time).
- Which gate: for arrays with a 4H axis, the error of each block i, f, o, g.
- Which side: central finite differences of the reference forward along random directions say
  whether the implementation or autograd is right.
"""
import autograd
import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval

from layer_contracts.dims import axis_of, gate_axis
from rnn_autograd.gradcheck.compare import compare, failures, tolerance_for
from rnn_autograd.gradcheck.reference import as_tuple
from rnn_autograd.gradcheck.layers import GATES, layer_named

# Central differences in float64 with a step of 1e-6 on values of order 1: truncation error
# about 1e-12, rounding error about 1e-16 / 1e-6 = 1e-10 times the scale of the loss. 1e-6 leaves
# a margin of 100 and still separates a wrong gradient (errors of order 1e-2 and more).
FINITE_DIFFERENCE_STEP = 1e-6
FINITE_DIFFERENCE_TOLERANCE = 1e-6
FINITE_DIFFERENCE_DIRECTIONS = 3


def gate_blocks(got, want, dims, tolerance):
    """The gates (i, f, o, g) whose block of a 4H-axis array is wrong."""
    axis = gate_axis(dims)
    if axis is None or np.shape(got) != np.shape(want):
        return []
    blocks_got = np.split(np.asarray(got, dtype=np.float64), 4, axis=axis)
    blocks_want = np.split(np.asarray(want, dtype=np.float64), 4, axis=axis)
    scale = max(1.0, float(np.max(np.abs(want))))
    return [gate for gate, a, b in zip(GATES, blocks_got, blocks_want)
            if float(np.max(np.abs(a - b))) / scale > tolerance]


def timestep_errors(got, want, dims, tolerance):
    """Timesteps t at which got[..., t, ...] is wrong, for an array with a T axis."""
    axis = axis_of(dims, "T")
    if axis is None or np.shape(got) != np.shape(want):
        return []
    scale = max(1.0, float(np.max(np.abs(want))))
    difference = np.abs(np.asarray(got, dtype=np.float64) - want)
    per_step = np.max(np.moveaxis(difference, axis, 0).reshape(difference.shape[axis], -1), axis=1)
    return [int(t) for t in np.flatnonzero(per_step / scale > tolerance)]


def _arg_dims(layer, gradient_name):
    return layer.arg(gradient_name[1:]).dims


PYTORCH_GATE_ORDER = "PyTorch gate order"
# torch.nn.LSTM packs its gates i, f, g, o; the course packs them i, f, o, g. Swapping the last
# two H-blocks of every 4H axis turns one layout into the other.
_PYTORCH_BLOCKS = (0, 1, 3, 2)


def _swap_gate_blocks(array, dims):
    axis = gate_axis(dims)
    blocks = np.split(np.asarray(array), 4, axis=axis)
    return np.concatenate([blocks[index] for index in _PYTORCH_BLOCKS], axis=axis)


def pytorch_gate_order(layer, evidence, tolerance):
    """Does the implementation read (or write) the 4H gate blocks as i, f, g, o?"""
    gate_args = [arg for arg in layer.args if gate_axis(arg.dims) is not None]
    if not gate_args or evidence is None:
        return False
    pairs = evidence.pairs()
    if evidence.is_backward:  # the returned gate gradients, with blocks o and g swapped
        names = [f"d{arg.name}" for arg in gate_args if f"d{arg.name}" in pairs]
        return bool(names) and all(
            np.shape(pairs[name][0]) == np.shape(pairs[name][1]) and not failures(compare(
                name, _swap_gate_blocks(pairs[name][0], layer.arg(name[1:]).dims), pairs[name][1],
                np.asarray(pairs[name][0]).dtype, tolerance, {})[1]) for name in names)
    swapped = dict(evidence.reference.inputs)
    for arg in gate_args:
        swapped[arg.name] = _swap_gate_blocks(swapped[arg.name], arg.dims)
    wants = evidence.reference.outputs(swapped)
    return all(np.shape(got) == np.shape(want) and not failures(compare(
        name, got, want, np.asarray(got).dtype, tolerance, {})[1])
        for (name, (got, _)), want in zip(pairs.items(), wants))


def special_patterns(layer, inputs, name, got, want, tolerance):
    """Patterns tied to the layer's data: repeated word indices, masked positions."""
    if np.shape(got) != np.shape(want):
        return None, ""
    scale = max(1.0, float(np.max(np.abs(want))))
    wrong = np.abs(np.asarray(got, dtype=np.float64) - want) > tolerance * scale
    dims = _arg_dims(layer, name) if name.startswith("d") and name[1:] in {a.name for a in layer.args} else ""
    for arg in layer.args:
        if arg.kind == "index" and dims.split(",")[0] == arg.upper and np.any(wrong):
            counts = np.bincount(inputs[arg.name].ravel(), minlength=np.shape(got)[0])
            wrong_rows = np.any(wrong.reshape(wrong.shape[0], -1), axis=1)
            if np.all(counts[wrong_rows] >= 2):
                return "repeated indices", (f"only rows of words that occur more than once are wrong "
                                            f"({int(wrong_rows.sum())} rows): repeated indices must "
                                            "add up their gradients (np.add.at), not overwrite them")
        if arg.kind == "mask" and dims.startswith("N,T") and np.any(wrong):
            masked = ~inputs[arg.name].astype(bool)
            wrong_positions = np.any(wrong.reshape(wrong.shape[:2] + (-1,)), axis=2)
            if np.all(masked[wrong_positions]):
                return "masked positions", ("only masked positions (mask False) are wrong: they "
                                            "must get exactly zero gradient")
    return None, ""


def finite_difference_verdict(reference, arg_name, got, want, rng):
    """Which side agrees with central differences of the reference forward along random directions."""
    inputs = reference.inputs
    base = inputs[arg_name]
    got = np.asarray(got, dtype=np.float64)
    errors_got, errors_want = [], []
    for _ in range(FINITE_DIFFERENCE_DIRECTIONS):
        direction = rng.standard_normal(base.shape)
        direction /= max(np.linalg.norm(direction), 1e-300)
        plus = reference.scalar(dict(inputs, **{arg_name: base + FINITE_DIFFERENCE_STEP * direction}),
                                reference.upstream, numpy=np)
        minus = reference.scalar(dict(inputs, **{arg_name: base - FINITE_DIFFERENCE_STEP * direction}),
                                 reference.upstream, numpy=np)
        numeric = (float(plus) - float(minus)) / (2 * FINITE_DIFFERENCE_STEP)
        scale = max(1.0, abs(numeric))
        errors_got.append(abs(float(np.sum(got * direction)) - numeric) / scale)
        errors_want.append(abs(float(np.sum(want * direction)) - numeric) / scale)
    return max(errors_got), max(errors_want)


def describe_side(arg_name, got_error, want_error):
    if want_error <= FINITE_DIFFERENCE_TOLERANCE and got_error > FINITE_DIFFERENCE_TOLERANCE:
        return (f"finite differences along {FINITE_DIFFERENCE_DIRECTIONS} random directions of "
                f"{arg_name} agree with autograd (error {want_error:.1e}) and not with d{arg_name} "
                f"returned (error {got_error:.1e}): the implementation is wrong")
    if got_error <= FINITE_DIFFERENCE_TOLERANCE and want_error > FINITE_DIFFERENCE_TOLERANCE:
        return (f"finite differences agree with the implementation's d{arg_name} (error {got_error:.1e}) "
                f"and NOT with autograd (error {want_error:.1e}): the reference may be wrong; please report it")
    return (f"finite differences along random directions of {arg_name}: error {got_error:.1e} against the "
            f"implementation, {want_error:.1e} against autograd")


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
        upstream = {name: only_at(value, upstream_dims[name], s) for name, value in evidence.upstream.items()}
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
    candidates = [(name,) for name in layer.carries] + ([tuple(layer.carries)] if len(layer.carries) > 1 else [])
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
                    f"gradient through {' and '.join(cut)} is not carried; with that carry cut off, "
                    "the right answer matches every gradient returned)")
    return ""


def _explain_timestep(layer, s, wrong, tolerance):
    """Plain words for what the one-timestep probes found: the step, the carry or the sum."""
    names = ", ".join(wrong)
    if s == 0:
        return (f"with the upstream gradient at t=0 only, {names} are already wrong: the backward "
                "of a single step is wrong (not what is carried across time)")
    head = f"the gradients from upstream at t < {s} are right; from upstream at t={s}, {names} are wrong"
    for name, (got, want) in wrong.items():
        steps = timestep_errors(got, want, _arg_dims(layer, name), tolerance)
        if steps and s in steps:
            return head + f": {name} at t={s} itself is wrong, so the backward of step {s} is wrong"
        if steps:
            earlier = ", ".join(map(str, steps))
            return (f"the gradient at t={s} is right, but what it carries back to t={earlier} is "
                    f"wrong ({name} there)")
    carried = [name for name in wrong if axis_of(_arg_dims(layer, name), "T") is None]
    return (f"each step's gradient is right, but {', '.join(carried)} does not add up the "
            f"timesteps: the contributions are not summed (dW = ... where dW += ... is needed)")


def dims_of(layer, name):
    """Legend dims of a returned array: 'N,T,D' for dx of rnn, 'D,4H' for dWx of lstm, ..."""
    if name in layer.outputs:
        return dict(zip(layer.outputs, layer.output_dims))[name]
    if name.startswith("d") and name[1:] in {arg.name for arg in layer.args}:
        return layer.arg(name[1:]).dims
    return ""


def wrong_arrays(layer, result):
    """[(name, got, want, dims)] of every wrongly valued array of a failing case."""
    if result.evidence is None:
        return []
    values = result.evidence.pairs()
    return [(p.array, np.asarray(values[p.array][0]), np.asarray(values[p.array][1]), dims_of(layer, p.array))
            for p in result.problems if p.kind == "value" and p.array in values]


def locate(layer, case, result, runner, rng):
    """Fill in the localisation of a failing case: returns a dict of findings and lines of text."""
    tolerance = tolerance_for(case.dtype, case.sizes)
    evidence = result.evidence
    findings = dict(gradient=None, timestep=None, gate=None, pattern=None, lines=[])
    problems = failures(result.problems)
    first = problems[0]
    findings["gradient"] = first.array
    findings["pattern"] = first.pattern
    lines = findings["lines"]
    lines.append(first.message)
    if len(problems) > 1:
        wrong = [p.array for p in problems if p.array]
        right = [n for n in evidence.names if n not in wrong] if evidence else []
        lines.append(f"wrong: {', '.join(wrong)}" + (f"; right: {', '.join(right)}" if right else ""))
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
        findings["pattern"] = pattern
        lines.append(sentence)
    elif findings["pattern"] is None:  # a scalar (the loss) has no pattern; its companions may
        other = next((p for p in problems[1:] if p.kind == "value" and p.pattern), None)
        if other:
            findings["pattern"] = other.pattern
            lines.append(other.message)
    gates = []
    for problem in problems if findings["pattern"] != "precision" else []:  # rounding is everywhere
        if problem.array and problem.kind == "value" and problem.array.startswith("d") \
                and problem.array[1:] in {a.name for a in layer.args}:
            gates += [g for g in gate_blocks(*values[problem.array], _arg_dims(layer, problem.array),
                                             tolerance) if g not in gates]
    if gates:
        findings["gate"] = gates[0] if len(gates) == 1 else None
        lines.append(f"LSTM gate blocks with errors: {', '.join(gates)} (of i, f, o, g along 4H)"
                     + (" -- only the " + gates[0] + " gate" if len(gates) == 1 else ""))
    if evidence.is_backward:
        probed = probe_timesteps(runner, layer, case, evidence)
        if probed:
            findings["timestep"], _, sentence = probed
            lines.append(sentence)
        if not case.extreme and findings["pattern"] != "precision":
            got_error, want_error = finite_difference_verdict(evidence.reference, first.array[1:],
                                                              got, want, rng)
            lines.append(describe_side(first.array[1:], got_error, want_error))
    else:
        dims = dims_of(layer, first.array)
        steps = timestep_errors(got, want, dims, tolerance) if dims else []
        if steps:
            findings["timestep"] = steps[0]
            lines.append(f"{first.array} is right before t={steps[0]} and wrong from there on "
                         f"(wrong at t = {', '.join(map(str, steps))})")
    return findings


def numeric_problems(case, names, grads, wants, reference, rng):
    """--numeric: compare each returned gradient with finite differences directly.

    Returns (messages about the implementation, notes about the reference).
    """
    if case.extreme:
        return [], []
    tolerance = max(FINITE_DIFFERENCE_TOLERANCE, tolerance_for(case.dtype, case.sizes))
    messages, notes = [], []
    for name, got in zip(names, grads):
        got_error, want_error = finite_difference_verdict(reference, name[1:], got, wants[name], rng)
        if got_error > tolerance:
            messages.append(f"{name} disagrees with finite differences (error {got_error:.1e} > {tolerance:.0e})")
        if want_error > FINITE_DIFFERENCE_TOLERANCE:
            notes.append(f"the autograd reference's {name} disagrees with finite differences "
                         f"(error {want_error:.1e}); please report this")
    return messages, notes
