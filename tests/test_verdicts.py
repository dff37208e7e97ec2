"""Verdicts a course can trust: correct course code passes (or only warns), every real mistake
fails, every layout a student hands in loads.

The course-style correct files in tests/impls/ name the functions that must warn in a VERDICT
constant (read with ast, without importing): every other function must pass, nothing may fail,
and with strict=True exactly the warned functions fail.
"""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from rnn_autograd.gradcheck import api, assert_implementation_correct, check_implementation
from rnn_autograd.gradcheck.check import CaseRunner
from rnn_autograd.gradcheck.layers import OPTIONAL_FUNCTIONS, SEED_FUNCTIONS

IMPLS = Path(__file__).resolve().parent / "impls"
COURSE_FILES = ["seed_python3_fixed", "course_correct_pop_cache", "course_correct_inplace_carry"]
# The no-false-alarm run: RNN_GRADCHECK_FULL=1 runs 10,000 cases per function (documented in the
# README with its time); by default a fraction of them.
FULL = os.environ.get("RNN_GRADCHECK_FULL") == "1"
MANY_CASES = 10_000 if FULL else 150


def verdict(name):
    """The VERDICT constant of a course-style file: {"warn": (function, ...)}."""
    for node in ast.parse((IMPLS / f"{name}.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "VERDICT":
            return {keyword.arg: ast.literal_eval(keyword.value) for keyword in node.value.keywords}
    raise AssertionError(f"{name}.py has no VERDICT")


def run_cli(*arguments):
    return subprocess.run([sys.executable, "-m", "rnn_autograd.gradcheck", *map(str, arguments)],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name", COURSE_FILES)
def test_course_style_correct_code_passes_or_warns(name):
    warned = set(verdict(name)["warn"])
    report = check_implementation(IMPLS / f"{name}.py")
    statuses = {function: result.status for function, result in report.results.items()}
    assert statuses == {function: "warn" if function in warned else "pass"
                        for function in SEED_FUNCTIONS}, \
        {f: report.results[f].diagnosis for f in statuses if statuses[f] not in ("pass", "warn")}
    assert report.ok
    for function in warned:
        result = report.results[function]
        assert result.findings and all(f.severity == "warning" for f in result.findings)
        assert result.replay and "--replay" in result.replay
        assert result.link and result.link.endswith(f"#{function}")


@pytest.mark.parametrize("name", COURSE_FILES)
def test_strict_turns_exactly_the_warnings_into_failures(name):
    warned = set(verdict(name)["warn"])
    report = check_implementation(IMPLS / f"{name}.py", strict=True)
    assert {f for f, r in report.results.items() if r.status == "fail"} == warned
    assert not report.ok


def test_seed_with_its_two_python3_fixes_exits_0_and_warns_for_what_the_issue_names():
    completed = run_cli("--impl", IMPLS / "seed_python3_fixed.py", "--json", "-")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["schema_version"] == api.SCHEMA_VERSION and report["ok"] is True
    findings = [finding for function in report["functions"].values()
                for finding in function["findings"]]
    assert {finding["severity"] for finding in findings} == {"warning"}
    assert {finding["kind"] for finding in findings} == {"dtype", "value"}
    loss = report["functions"]["temporal_softmax_loss"]["findings"]
    assert [f["pattern"] for f in loss] == ["unstable far outside the course's range"]
    assert "extreme=far" in loss[0]["case"] and "log-sum-exp" in loss[0]["message"]
    assert run_cli("--impl", IMPLS / "seed_python3_fixed.py", "--strict", "--quiet").returncode == 1


def test_seed_as_the_2016_course_wrote_it_is_translated_and_its_float_size_named():
    path = IMPLS / "seed_python2.py"
    division_line = next(number for number, line in enumerate(path.read_text().splitlines(), 1)
                         if line.strip() == "H = b.shape[0]/4")
    report = check_implementation(path)
    assert len(report.notes) == 1 and "print statement" in report.notes[0]
    for function in ("lstm_forward", "lstm_backward"):
        result = report.results[function]
        assert result.status == "error", result.diagnosis
        assert f"line {division_line}: `H = b.shape[0]/4`" in result.diagnosis
        assert "use // for integer division" in result.diagnosis
        assert result.replay
    assert result.location.endswith(f"seed_python2.py:{division_line + 1}")  # np.zeros((N, T, H))
    others = {f: r.status for f, r in report.results.items()
              if f not in ("lstm_forward", "lstm_backward")}
    assert set(others.values()) <= {"pass", "warn"}
    assert run_cli("--impl", path, "--quiet").returncode == 1


def test_exception_at_batch_of_one_outranks_the_dtype_warning():
    result = check_implementation(IMPLS / "bug_rnn_forward_squeeze_breaks_batch_of_one.py",
                                  only=["rnn_forward"]).results["rnn_forward"]
    assert result.status == "error"
    assert result.minimal_shape["N"] == 1 and result.replay
    assert [f.severity for f in result.findings] == ["failure", "warning"]
    assert result.findings[1].kind == "dtype"


def test_fix_the_forward_first_only_when_the_forward_fails():
    dtype_only = check_implementation(IMPLS / "bug_rnn_backward_memoises_by_shape.py",
                                      only=["rnn_forward", "rnn_backward"])
    assert "fix the forward first" not in dtype_only.results["rnn_backward"].diagnosis
    cell = check_implementation(IMPLS / "bug_lstm_forward_cell_starts_at_h0.py",
                                only=["lstm_forward", "lstm_backward"])
    if cell.results["lstm_backward"].status == "fail":
        assert "fix the forward first" in cell.results["lstm_backward"].diagnosis


def test_shrinking_does_not_depend_on_machine_speed(monkeypatch):
    """The smallest case is found with a count of attempts, not a time budget."""
    path = IMPLS / "bug_rnn_backward_no_hidden_carry.py"
    fast = check_implementation(path, only=["rnn_backward"], cases=8).results["rnn_backward"]
    original = CaseRunner.call

    def slow_call(self, name, args, **options):
        import time
        time.sleep(0.01)
        return original(self, name, args, **options)
    monkeypatch.setattr(CaseRunner, "call", slow_call)
    slow = check_implementation(path, only=["rnn_backward"], cases=8).results["rnn_backward"]
    assert (slow.minimal_case, slow.replay) == (fast.minimal_case, fast.replay)


def test_a_missing_function_named_in_only_fails_and_a_close_name_is_suggested(tmp_path):
    path = tmp_path / "rnn_layers.py"
    path.write_text("from manual import *\nfrom manual import lstm_backward as lstm_backwards\n"
                    "del lstm_backward\n")
    report = check_implementation(path, only=["lstm_forward", "lstm_backward"])
    result = report.results["lstm_backward"]
    assert result.status == "missing" and result.required and not report.ok
    assert "did you mean: lstm_backwards?" in result.diagnosis
    assert check_implementation(path).ok  # not named: listed, not failed
    assert not check_implementation(path, require_all=True).ok
    quiet = run_cli("--impl", path, "--quiet")
    assert quiet.returncode == 0 and "missing: lstm_backward" in quiet.stdout
    assert run_cli("--impl", path, "--quiet", "--require-all").returncode == 1


def test_junit_report_has_one_testcase_per_function(tmp_path):
    junit = tmp_path / "junit.xml"
    completed = run_cli("--impl", IMPLS / "bug_rnn_backward_no_hidden_carry.py", "--junit", junit,
                        "--quiet")
    assert completed.returncode == 1
    suite = ElementTree.parse(junit).getroot()
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == set(SEED_FUNCTIONS)
    assert cases["rnn_backward"].find("failure") is not None
    assert cases["rnn_forward"].find("failure") is None and suite.get("failures") == "1"


def test_unwritable_output_is_refused_before_checking(tmp_path):
    completed = run_cli("--json", tmp_path / "no" / "such" / "folder" / "r.json")
    assert completed.returncode == 2 and "cannot write" in completed.stderr
    assert "function" not in completed.stdout  # nothing was checked


def test_namespace_package_without_init_loads_as_python_does(tmp_path):
    """cs231n/ without __init__.py, whose rnn_layers.py does `from cs231n.layers import *`."""
    package = tmp_path / "cs231n"
    package.mkdir()
    (package / "layers.py").write_text("import numpy as np\n\ndef stable(x):\n"
                                       "    return np.exp(-np.logaddexp(0, -x))\n")
    (package / "rnn_layers.py").write_text("from cs231n.layers import *\n\n"
                                           "def sigmoid(x):\n    return stable(x)\n")
    check = subprocess.run([sys.executable, "-c", "import cs231n.rnn_layers"], cwd=tmp_path)
    assert check.returncode == 0  # the layout Python itself accepts
    report = check_implementation(package / "rnn_layers.py", only=["sigmoid"])
    assert report.results["sigmoid"].status == "pass", report.results["sigmoid"].diagnosis


def test_pytest_helper_finds_a_relative_file_beside_the_test(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # running pytest from elsewhere
    assert assert_implementation_correct("impls/student_correct.py", only=["sigmoid"]).ok
    assert "__tracebackhide__" in assert_implementation_correct.__code__.co_varnames


CORRECT_EVERYWHERE = ["manual", "student_correct", "vectorised_correct"]


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize("name", CORRECT_EVERYWHERE + COURSE_FILES)
def test_no_false_alarm_over_many_random_cases(name, strict):
    impl = name if name == "manual" else IMPLS / f"{name}.py"
    report = check_implementation(impl, cases=MANY_CASES, seed=7, strict=strict)
    warned = set(verdict(name)["warn"]) if name in COURSE_FILES else set()
    checked = SEED_FUNCTIONS + (OPTIONAL_FUNCTIONS if name == "manual" else ())  # manual has affine
    expected = {function: ("fail" if strict else "warn") if function in warned else "pass"
                for function in checked}
    got = {function: result.status for function, result in report.results.items()}
    assert got == expected, {f: report.results[f].diagnosis for f in got if got[f] != expected[f]}
    if name in CORRECT_EVERYWHERE:  # no finding of any severity in any case
        assert not any(result.findings for result in report.results.values())
