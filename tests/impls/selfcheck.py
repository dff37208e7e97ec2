"""Check the fixtures themselves, without rnn-gradcheck: which functions of an impl differ from `manual`.

    python tests/impls/selfcheck.py                 # every .py file in this folder but skeleton/python2
    python tests/impls/selfcheck.py bug_sigmoid_naive.py

For every seed function, the impl and `manual` run on the same inputs: the registry's random
cases (distinct sizes, unit sizes, random sizes; float64 and float32), extreme inputs for sigmoid
(+-1000) and for the softmax scores (+-800), read-only arguments, and every backward called twice
on the cache its own forward produced. A function "differs" when any output differs beyond a
tight tolerance, has another shape or dtype, is not finite where manual's is, raises, or answers
differently on the second call. This is a sanity check of the fixtures (does each bug module break
exactly the function its manifest names?), not a replacement for the checker.
"""
import ast
import contextlib
import importlib.util
import io
import signal
import sys
from pathlib import Path

import numpy as np

import manual
from rnn_autograd.gradcheck.inputs import DISTINCT_SIZES, UNIT_SIZES, draw_sizes, make_inputs, make_upstream
from rnn_autograd.gradcheck.layers import LAYERS, SEED_FUNCTIONS

HERE = Path(__file__).resolve().parent
# float64: correct code agrees with manual to ~1e-15 relative; a float32 cast shows at ~1e-7.
RELATIVE_TOLERANCE = {np.dtype(np.float64): 1e-11, np.dtype(np.float32): 1e-4}
SECONDS_PER_FUNCTION = 3  # a hanging function is cut off after this


class TimeLimit(Exception):
    pass


def load(path):
    """Import a file as a module, with its folder on sys.path (as rnn-gradcheck does)."""
    path = Path(path).resolve()
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location("selfcheck_" + path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def read_only(value):
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.setflags(write=False)
    return value


def differs(got, expected):
    """A short reason why `got` is not `expected`, or None if they agree."""
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"returned {type(got).__name__} of {len(got) if isinstance(got, tuple) else '?'} values"
        for index, (one_got, one_expected) in enumerate(zip(got, expected)):
            reason = differs(one_got, one_expected)
            if reason:
                return f"value {index}: {reason}"
        return None
    got_array, expected_array = np.asarray(got), np.asarray(expected)
    if got is None:
        return "None"
    if got_array.shape != expected_array.shape:
        return f"shape {got_array.shape} != {expected_array.shape}"
    if got_array.dtype != expected_array.dtype:
        return f"dtype {got_array.dtype} != {expected_array.dtype}"
    if not np.all(np.isfinite(got_array)):
        return "nan or inf"
    scale = max(1.0, float(np.max(np.abs(expected_array), initial=0.0)))
    error = float(np.max(np.abs(got_array - expected_array), initial=0.0)) / scale
    if error > RELATIVE_TOLERANCE[expected_array.dtype]:
        return f"values differ (relative error {error:.2e})"
    return None


def strip_cache(result, layer):
    return result[:-1] if layer.has_cache else result


def call(function, *args):
    def on_alarm(signum, frame):
        raise TimeLimit()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(SECONDS_PER_FUNCTION)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return function(*args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def cases():
    rng = np.random.default_rng(0)
    sizes = [DISTINCT_SIZES, UNIT_SIZES] + [draw_sizes(rng) for _ in range(8)]
    for index, one in enumerate(sizes):
        for dtype in (np.float64, np.float32):
            yield one, dtype, index


def extreme_inputs(layer, inputs):
    if layer.name == "sigmoid":
        x = inputs["x"].copy()
        x.flat[0], x.flat[-1] = 1000.0, -1000.0
        return dict(inputs, x=x)
    if layer.name == "temporal_softmax_loss":
        x = inputs["x"].copy()
        x[..., 0] = 800.0
        x[..., -1] = -800.0
        return dict(inputs, x=x)
    return None


def check_layer(module, layer):
    """{function name: reason it differs or None} for the forward and backward of one layer."""
    reasons = {name: None for name in layer.functions}
    for sizes, dtype, index in cases():
        rng = np.random.default_rng(100 + index)
        inputs = make_inputs(layer, sizes, rng, dtype)
        upstream = make_upstream(layer, sizes, rng, dtype)
        all_inputs = [inputs]
        extreme = extreme_inputs(layer, inputs)
        if extreme is not None:
            all_inputs.append(extreme)
        for one_inputs in all_inputs:
            args = [read_only(value) for value in one_inputs.values()]
            expected = getattr(manual, layer.forward)(*one_inputs.values())
            forward = layer.forward
            if reasons[forward] is None:
                try:
                    with np.errstate(all="ignore"):
                        got = call(getattr(module, forward), *args)
                    got_values = strip_cache(got, layer) if layer.has_cache or layer.loss_gradient else got
                    expected_values = strip_cache(expected, layer) if layer.has_cache or layer.loss_gradient else expected
                    if layer.has_cache and not (isinstance(got, tuple) and len(got) == len(expected)):
                        reason = "wrong number of values"
                    else:
                        reason = differs(got_values, expected_values)
                    if reason:
                        reasons[forward] = f"{reason} (sizes {sizes}, {np.dtype(dtype).name})"
                except BaseException as error:  # noqa: BLE001  SystemExit and time limits too
                    reasons[forward] = f"raised {type(error).__name__}: {error}"
            if layer.backward and reasons[layer.backward] is None:
                backward = layer.backward
                try:
                    own_cache = call(getattr(module, forward), *args)[-1]  # the impl's own cache
                    manual_cache = expected[-1]
                    upstream_args = [read_only(value) for value in upstream.values()]
                    expected_gradients = getattr(manual, backward)(*upstream.values(), manual_cache)
                    if not isinstance(expected_gradients, tuple):
                        expected_gradients = (expected_gradients,)
                    for attempt in range(2):
                        got = call(getattr(module, backward), *upstream_args, own_cache)
                        if not isinstance(got, tuple):
                            got = (got,)
                        reason = differs(got, expected_gradients)
                        if reason:
                            reasons[backward] = (f"{'second call: ' if attempt else ''}{reason} "
                                                 f"(sizes {sizes}, {np.dtype(dtype).name})")
                            break
                except BaseException as error:  # noqa: BLE001
                    reasons[backward] = f"raised {type(error).__name__}: {error}"
    return reasons


def check_module(path):
    module = load(path)
    reasons = {}
    for layer in LAYERS:
        reasons.update(check_layer(module, layer))
    return {name: reasons[name] for name in SEED_FUNCTIONS}


def manifest(path):
    """The EXPECTED dict of a bug module, read without importing it."""
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXPECTED":
            return {keyword.arg: ast.literal_eval(keyword.value) for keyword in node.value.keywords}
    return None


def main(names):
    paths = [HERE / name for name in names] if names else sorted(
        path for path in HERE.glob("*.py")
        if path.stem not in ("skeleton", "python2_file", "selfcheck"))
    bad = 0
    for path in paths:
        reasons = check_module(path)
        differing = {name for name, reason in reasons.items() if reason}
        expected = manifest(path)
        if expected is None:
            allowed, required = set(), set()
        else:
            required = {expected["function"]} if expected["status"] != "pass" else set()
            allowed = {expected["function"]} | set(expected.get("also_fail", ()))
        verdict = "ok" if required <= differing <= allowed else "UNEXPECTED"
        bad += verdict != "ok"
        print(f"{verdict:10} {path.name}: differs in {sorted(differing) or 'nothing'}")
        for name in sorted(differing):
            print(f"{'':14}{name}: {reasons[name]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
