"""Acceptance suite of rnn-gradcheck: realistic implementations in tests/impls/, each checked whole.

- every bug_*.py (one bug each, the mistakes students make in this assignment) must be reported on
  the function its manifest EXPECTED names, with the status, and where the manifest gives one,
  the gradient / timestep / gate / pattern a perfect localiser would report; every function the
  bug does not touch (not the function, not in also_fail) must still pass;
- the two correct implementations (per-step student style with dict caches, vectorised einsum)
  must pass every function;
- the untouched skeleton must be not_implemented everywhere, not a traceback;
- a Python 2 file and the seed as shipped must make the command exit 2 with one clear line
  naming the file and the line.

The manifests are read from the files with `ast` (the modules are only imported by the checker).
A manifest value that is a tuple lists the answers that are equally right (e.g. a backward that
reverses its cache list is both "nondeterministic" and "mutation"). pattern="none" says that no
pattern applies (the error differs element by element), so the checker must report None rather
than, say, a "constant factor" read off a one-element case. None in a manifest means "not
applicable or not predictable" and is not checked.
"""
import ast
import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_autograd.gradcheck import check_implementation
from rnn_autograd.gradcheck.layers import SEED_FUNCTIONS

IMPLS = Path(__file__).resolve().parent / "impls"
BUG_FILES = sorted(IMPLS.glob("bug_*.py"))
SEED_TEXT = IMPLS / "rnn_layers_seed.txt"  # the scraped seed, copied here as it is
STATUSES = ("pass", "warn", "fail", "error", "not_implemented", "missing")
LOCALISATION = ("gradient", "timestep", "gate", "pattern")
# A module marked HANGS never returns from one function: give the checker a short time limit.
HANG_TIME_LIMIT_SECONDS = 3.0


def _module_constants(path):
    """{name: value} of the module-level constants EXPECTED and HANGS, read without importing."""
    constants = {}
    for node in ast.parse(path.read_text()).body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        name = getattr(node.targets[0], "id", None)
        if name == "EXPECTED":
            assert isinstance(node.value, ast.Call) and node.value.func.id == "dict", path.name
            constants[name] = {keyword.arg: ast.literal_eval(keyword.value)
                               for keyword in node.value.keywords}
        elif name == "HANGS":
            constants[name] = ast.literal_eval(node.value)
    return constants


def manifest(path):
    return _module_constants(path)["EXPECTED"]


@functools.lru_cache(maxsize=None)
def report_for(path):
    """Run the checker once per implementation file (shared by every test of that file)."""
    path = Path(path)
    hangs = _module_constants(path).get("HANGS")
    options = {"time_limit": HANG_TIME_LIMIT_SECONDS} if hangs else {}
    return check_implementation(str(path), seed=0, **options)


NO_PATTERN = "none"  # manifest value: no pattern applies, the checker must report None


def _matches(expected, got):
    if isinstance(expected, tuple):
        return got in expected
    if expected == NO_PATTERN:
        return got is None
    return got == expected


bug_files = pytest.mark.parametrize("path", BUG_FILES,
                                    ids=[path.stem[len("bug_"):] for path in BUG_FILES])
LOCALISED_FILES = [path for path in BUG_FILES
                   if any(manifest(path)[key] is not None for key in LOCALISATION)]
localised_bug_files = pytest.mark.parametrize(
    "path", LOCALISED_FILES, ids=[path.stem[len("bug_"):] for path in LOCALISED_FILES])


def test_suite_is_large_enough():
    assert len(BUG_FILES) >= 24, [path.name for path in BUG_FILES]


@bug_files
def test_manifest_is_well_formed(path):
    text = path.read_text()
    expected = manifest(path)
    assert set(expected) == {"function", "status", "also_fail"} | set(LOCALISATION)
    assert expected["function"] in SEED_FUNCTIONS
    assert expected["status"] in STATUSES
    assert set(expected["also_fail"]) <= set(SEED_FUNCTIONS) - {expected["function"]}
    assert ast.get_docstring(ast.parse(text)), f"{path.name} has no docstring describing its bug"
    assert f"def {expected['function']}(" in text, f"{path.name} does not redefine its function"


@bug_files
def test_bug_is_reported_on_its_function(path):
    expected = manifest(path)
    result = report_for(path).results[expected["function"]]
    assert result.status == expected["status"], result.diagnosis


@localised_bug_files
def test_bug_is_localised(path):
    expected = manifest(path)
    result = report_for(path).results[expected["function"]]
    predicted = {key: expected[key] for key in LOCALISATION if expected[key] is not None}
    reported = {key: getattr(result, key) for key in predicted}
    wrong = {key: (predicted[key], reported[key]) for key in predicted
             if not _matches(predicted[key], reported[key])}
    assert not wrong, f"(expected, reported): {wrong}\n{result.diagnosis}"


@bug_files
def test_bug_leaves_other_functions_passing(path):
    expected = manifest(path)
    touched = {expected["function"], *expected["also_fail"]}
    report = report_for(path)
    not_passing = {name: (result.status, result.diagnosis)
                   for name, result in report.results.items()
                   if name not in touched and result.status != "pass"}
    assert not not_passing


@bug_files
def test_fixture_differs_from_manual_only_where_its_manifest_says(path):
    """Without the checker: the bug breaks its function (and at most also_fail), nothing else.

    tests/impls/selfcheck.py runs the impl and `manual` side by side; this keeps the fixtures
    honest, so that a failure of the tests above is the checker's, not a broken fixture's.
    """
    selfcheck = _selfcheck()
    expected = manifest(path)
    reasons = selfcheck.check_module(path)
    differing = {name for name, reason in reasons.items() if reason}
    allowed = {expected["function"], *expected["also_fail"]}
    assert differing <= allowed, {name: reasons[name] for name in differing - allowed}
    if expected["status"] != "pass":
        assert expected["function"] in differing


@functools.lru_cache(maxsize=None)
def _selfcheck():
    import importlib.util
    spec = importlib.util.spec_from_file_location("impls_selfcheck", IMPLS / "selfcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["student_correct", "vectorised_correct"])
def test_correct_implementations_pass(name):
    assert not any(_selfcheck().check_module(IMPLS / f"{name}.py").values())
    report = report_for(IMPLS / f"{name}.py")
    assert set(report.results) == set(SEED_FUNCTIONS)
    not_passing = {function: (result.status, result.diagnosis)
                   for function, result in report.results.items() if result.status != "pass"}
    assert not not_passing
    assert report.ok


def test_skeleton_is_not_implemented_everywhere():
    report = report_for(IMPLS / "skeleton.py")
    assert set(report.results) == set(SEED_FUNCTIONS)
    assert {function: result.status for function, result in report.results.items()} == \
        {function: "not_implemented" for function in SEED_FUNCTIONS}


def _syntax_error_line(path):
    try:
        compile(path.read_text(encoding="utf-8", errors="replace"), str(path), "exec")
    except SyntaxError as error:
        return error.lineno
    raise AssertionError(f"{path} compiles under Python 3")


def _assert_exit_2_naming(path, line):
    completed = subprocess.run([sys.executable, "-m", "rnn_autograd", "--impl", str(path)],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2, completed.stderr
    message = completed.stderr.strip()
    assert "Traceback" not in message
    assert len(message.splitlines()) == 1, message
    assert path.name in message, message
    assert str(line) in message, message


def test_python2_file_is_checked_through_its_translation():
    """A Python 2 file is not refused: its translation is checked, and the report says so."""
    path = IMPLS / "python2_file.py"
    line = _syntax_error_line(path)
    assert "print '" in path.read_text().splitlines()[line - 1]
    status, report, stderr = _run_command(path, "--only", "sigmoid")
    assert status == 0, stderr  # 1 / (1 + exp(-x)) overflows to 1 / inf = 0 at -1000: right
    assert report["notes"] == [f"{path} is Python 2 code: checked its Python 3 translation by "
                               f"fissix (print statement (line {line})); the file itself is "
                               "unchanged"]
    assert report["functions"]["sigmoid"]["status"] == "pass"


def test_scraped_seed_text_exits_2_saying_it_lost_its_indentation(tmp_path):
    """The seed as scraped from the web page has no indentation left: it is not Python, and the
    one-line error says so (tests/impls/seed_python2.py is its code with the indentation back)."""
    path = tmp_path / "rnn_layers.py"
    path.write_bytes(SEED_TEXT.read_bytes())
    _assert_exit_2_naming(path, _syntax_error_line(path))
    completed = subprocess.run([sys.executable, "-m", "rnn_autograd", "--impl", str(path)],
                               capture_output=True, text=True, timeout=120)
    assert "lost its indentation" in completed.stderr


# 14 functions x 150 cases = 2,100 cases per correct implementation: the issue's "over 2,000
# random cases on correct implementations: zero false alarms", on code that is not `manual`.
MANY_CASES = 150


@pytest.mark.parametrize("name", ["student_correct", "vectorised_correct"])
def test_correct_implementations_have_no_false_alarm_over_many_cases(name):
    report = check_implementation(str(IMPLS / f"{name}.py"), cases=MANY_CASES, seed=1)
    assert sum(result.cases for result in report.results.values()) >= 2000
    not_passing = {function: (result.status, result.diagnosis)
                   for function, result in report.results.items() if result.status != "pass"}
    assert not not_passing


def _run_command(path, *options):
    """rnn-gradcheck on one impl with the JSON report on stdout: (exit status, report, stderr)."""
    completed = subprocess.run([sys.executable, "-m", "rnn_autograd", "--impl", str(path),
                                "--json", "-", *options],
                               capture_output=True, text=True, timeout=300)
    return completed.returncode, json.loads(completed.stdout), completed.stderr


def test_printing_impl_keeps_the_json_report_clean():
    """An impl that prints must not garble --json on stdout; its printing is noted, not failed."""
    returncode, report, _ = _run_command(IMPLS / "bug_embedding_forward_prints.py")
    assert returncode == 0
    assert {name: entry["status"] for name, entry in report["functions"].items()} == \
        {name: "pass" for name in SEED_FUNCTIONS}
    notes = report["functions"]["word_embedding_forward"]["notes"]
    assert any("print" in note for note in notes), notes


def test_sys_exit_in_impl_is_an_error_and_the_rest_is_still_checked():
    returncode, report, _ = _run_command(IMPLS / "bug_temporal_affine_backward_sys_exit.py")
    assert returncode == 1
    statuses = {name: entry["status"] for name, entry in report["functions"].items()}
    assert statuses.pop("temporal_affine_backward") == "error"
    assert statuses == {name: "pass" for name in SEED_FUNCTIONS
                        if name != "temporal_affine_backward"}


def test_hanging_impl_is_cut_off_by_the_command_line_time_limit():
    returncode, report, _ = _run_command(IMPLS / "bug_rnn_backward_hangs.py",
                                         "--time-limit", str(HANG_TIME_LIMIT_SECONDS))
    assert returncode == 1
    statuses = {name: entry["status"] for name, entry in report["functions"].items()}
    assert statuses.pop("rnn_backward") == "error"
    assert statuses == {name: "pass" for name in SEED_FUNCTIONS if name != "rnn_backward"}
