"""`rnn-gradcheck grade`: a class of submissions built from tests/impls, graded end to end.

- the class: a correct file, two folders with the same LSTM bug (each with the student_correct.py
  its rnn_layers.py imports), a file with a syntax error, and a cs231n/ package with
  no __init__.py whose rnn_layers.py imports its neighbour; the CSV must say what each did, with
  the load error in the note, and the summary must count the shared bug once, for two students;
- the same run twice (with another --jobs) gives the same bytes;
- Gradescope's results.json for one submission, through the real command line;
- submissions that segfault, call os._exit, write to file descriptor 1, or hang (with a child
  process of their own) each get a row, and the run goes on;
- every bad input: exit 2, one line, no output file.

Kept fast: few cases per function, --only where the test is about one function, and one run of
the class shared by several tests. No test asserts a time.
"""
import csv
import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnn_autograd.gradcheck import grading, submissions
from rnn_autograd.gradcheck.layers import SEED_FUNCTIONS

IMPLS = Path(__file__).resolve().parent / "impls"
CASES = "3"  # per function: the checker's first fixed cases are enough to catch the bug used here
BUG = "bug_lstm_backward_no_cell_carry.py"  # breaks lstm_backward only (see its EXPECTED)
WARNS = "bug_rnn_backward_mutates_dh.py"    # a warning on rnn_backward: the math is right
SYNTAX_ERROR = "\n\ndef lstm_backward(dh, cache)\n    return None\n"  # no colon: cannot load
# A hanging submission is stopped after this: enough for a loaded machine to start the check and
# let the submission start its own child process first.
HANG_TIMEOUT_SECONDS = "3"


def _correct_text():
    return (IMPLS / "student_correct.py").read_text()


def _student_with_bug(folder, bug=BUG):
    """A student's folder: the buggy rnn_layers.py beside the student_correct.py it imports."""
    folder.mkdir(parents=True)
    (folder / "rnn_layers.py").write_text((IMPLS / bug).read_text())
    (folder / "student_correct.py").write_text(_correct_text())


def _class(root):
    root.mkdir()
    (root / "alice.py").write_text(_correct_text())
    _student_with_bug(root / "bob")
    _student_with_bug(root / "frank")
    (root / "carol.py").write_text(_correct_text() + SYNTAX_ERROR)
    package = root / "dave" / "assignment3" / "cs231n"  # no __init__.py: a namespace package
    package.mkdir(parents=True)
    (package / "layers.py").write_text("def helper():\n    return 1\n")
    relative_import = "\nfrom .layers import helper  # noqa\n"
    (package / "rnn_layers.py").write_text(_correct_text() + relative_import)
    (root / "notes.txt").write_text("not a submission\n")
    return root


def grade(*arguments):
    """Run `rnn-gradcheck grade` in this process: (exit status, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    try:
        code = grading.main([str(argument) for argument in arguments])
    finally:
        sys.stdout, sys.stderr = saved
    return code, stdout.getvalue(), stderr.getvalue()


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grading")
    class_folder = _class(folder / "class")
    code, out, err = grade(class_folder, "--csv", folder / "grades.csv", "--cases", CASES,
                           "--jobs", "2")
    return dict(folder=folder, class_folder=class_folder, code=code, out=out, err=err,
                csv=folder / "grades.csv")


def test_the_class_gets_one_row_per_submission_with_statuses_and_scores(graded_class):
    assert graded_class["code"] == 0, graded_class["err"]
    rows = _rows(graded_class["csv"])
    assert list(rows[0]) == ["submission", *SEED_FUNCTIONS, "score", "max_score", "note"]
    assert [row["submission"] for row in rows] == ["alice", "bob", "carol", "dave", "frank"]
    by_name = {row["submission"]: row for row in rows}
    for name in ("alice", "dave"):  # dave: cs231n/ without __init__.py, with a relative import
        assert all(by_name[name][f] == "pass" for f in SEED_FUNCTIONS), by_name[name]
        row = by_name[name]
        assert (row["score"], row["max_score"], row["note"]) == ("14", "14", "")
    for name in ("bob", "frank"):
        assert [f for f in SEED_FUNCTIONS if by_name[name][f] != "pass"] == ["lstm_backward"]
        assert by_name[name]["lstm_backward"] == "fail"
        assert by_name[name]["score"] == "13"
    carol = by_name["carol"]
    assert all(carol[f] == grading.NOT_CHECKED for f in SEED_FUNCTIONS)
    assert carol["score"] == "0" and carol["max_score"] == "14"
    assert carol["note"].startswith("carol.py:") and "cannot import: SyntaxError" in carol["note"]
    # paths are relative to each submission
    assert str(graded_class["folder"]) not in graded_class["csv"].read_text()


def test_the_summary_counts_a_shared_bug_once_and_says_what_it_is(graded_class):
    out = graded_class["out"]
    assert "5 submissions: mean score" in out and "2 with full marks" in out
    assert "1 not checked (carol" in out
    function_row = next(line for line in out.splitlines() if line.startswith("lstm_backward "))
    assert function_row.split()[1] == "2/5"   # passed
    assert "lstm_backward: 2 of 2 not passing:" in out
    assert "dprev_c" in out                    # what a teacher would tell the class
    assert graded_class["err"] == ""           # not a terminal: no progress bar


def test_the_same_submissions_give_the_same_bytes(graded_class, tmp_path):
    again = tmp_path / "again.csv"
    code, _, err = grade(graded_class["class_folder"], "--csv", again, "--cases", CASES,
                         "--jobs", "1")
    assert code == 0, err
    assert again.read_bytes() == graded_class["csv"].read_bytes()


def test_gradescope_results_through_the_command_line(tmp_path):
    _student_with_bug(tmp_path / "submission")
    points = tmp_path / "points.json"
    points.write_text(json.dumps({"lstm_backward": 3, "lstm_forward": 0.5}))
    results = tmp_path / "results" / "results.json"
    results.parent.mkdir()
    completed = subprocess.run(
        [sys.executable, "-m", "rnn_autograd.gradcheck", "grade", "submission",
         "--gradescope", results, "--csv", "grades.csv", "--points", points, "--cases", CASES,
         "--only", "sigmoid,lstm_forward,lstm_backward"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(results.read_text())
    assert report["score"] == 1.5
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in report["tests"]] == [
        ("sigmoid", 1, 1, "passed"), ("lstm_forward", 0.5, 0.5, "passed"),
        ("lstm_backward", 0, 3, "failed")]
    failing = report["tests"][2]["output"]
    assert failing.startswith("FAIL\n") and "dprev_c" in failing
    assert "replay: rnn-gradcheck --impl rnn_layers.py --only lstm_backward --replay" in failing
    assert report["tests"][0]["output"] == f"pass ({CASES} cases)"
    assert "derivation: " in failing  # where the student can read how the backward goes
    rows = _rows(tmp_path / "grades.csv")
    assert [(r["submission"], r["score"], r["max_score"]) for r in rows] == [
        ("submission", "1.5", "4.5")]


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_a_warning_costs_points_only_under_strict(tmp_path, strict):
    _student_with_bug(tmp_path / "gina", bug=WARNS)
    code, _, err = grade(tmp_path / "gina", "--csv", tmp_path / "grades.csv", "--cases", CASES,
                         "--only", "rnn_backward", *(["--strict"] if strict else []))
    assert code == 0, err
    [row] = _rows(tmp_path / "grades.csv")
    # under --strict the checker itself reports the warning as a failure
    assert (row["rnn_backward"], row["score"]) == (("fail", "0") if strict else ("warn", "1"))


HOSTILE = {
    "segfault": "import ctypes\nctypes.string_at(0)\n",
    "exit_three": "import os\nos._exit(3)\n",
    "exit_zero": "import os\nos._exit(0)\n",
    "noisy": "import os\nos.write(1, b'GARBAGE on fd 1\\n')\nos.write(2, b'GARBAGE on fd 2\\n')\n"
             "print('GARBAGE')\nfrom student_correct import *  # noqa\n",
    # from the checker's worker process, kill the checker itself: no report at all
    "kills_checker": "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\n"
                     "time.sleep(120)\n",
}
# hangs at import, after starting a process of its own that would outlive it; writes down the
# pids of both (its own is the checker's worker process, which has a session of its own)
HANGS = ("import os, subprocess, sys, time\n"
         "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
         "open({pid_file!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
         "while True:\n    time.sleep(0.01)\n")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """One run over every hostile submission and a correct one; the hang overlaps the others."""
    folder = tmp_path_factory.mktemp("hostile")
    class_folder = folder / "class"
    class_folder.mkdir()
    for name, text in HOSTILE.items():
        (class_folder / f"{name}.py").write_text(text)
    pid_file = folder / "grandchild.pid"
    (class_folder / "hangs.py").write_text(HANGS.format(pid_file=str(pid_file)))
    (class_folder / "student_correct.py").write_text(_correct_text())
    code, out, err = grade(class_folder, "--csv", folder / "grades.csv", "--cases", CASES,
                           "--only", "sigmoid", "--jobs", "2", "--timeout", HANG_TIMEOUT_SECONDS)
    rows = {row["submission"]: (row["sigmoid"], row["score"], row["note"])
            for row in _rows(folder / "grades.csv")}
    return dict(code=code, out=out, err=err, rows=rows, pid_file=pid_file)


def test_submissions_that_crash_get_a_row_and_the_run_goes_on(hostile_run):
    assert hostile_run["code"] == 0, hostile_run["err"]
    notes = hostile_run["rows"]
    assert notes["student_correct"] == ("pass", "1", "")
    assert notes["noisy"] == ("pass", "1", "")
    assert "GARBAGE" not in hostile_run["out"] + hostile_run["err"]
    assert notes["segfault"][:2] == (grading.NOT_CHECKED, "0") and "SIGSEGV" in notes["segfault"][2]
    assert notes["exit_three"][:2] == (grading.NOT_CHECKED, "0")
    assert re.search(r"exit (code|status) 3\b", notes["exit_three"][2]), notes["exit_three"]
    assert re.search(r"exit (code|status) 0\b", notes["exit_zero"][2]), notes["exit_zero"]
    assert notes["kills_checker"][:2] == (grading.NOT_CHECKED, "0")
    assert "the check was killed by SIGKILL" in notes["kills_checker"][2]


def _gone(pid):
    """True when the process has ended (a zombie whose parent has not reaped it counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return state in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_hanging_submission_is_stopped_with_the_processes_it_started(hostile_run):
    assert hostile_run["rows"]["hangs"][:2] == (grading.NOT_CHECKED, "0")
    note = hostile_run["rows"]["hangs"][2]
    assert f"time limit of {HANG_TIMEOUT_SECONDS} s per submission" in note
    for pid in map(int, hostile_run["pid_file"].read_text().split()):  # the worker, then its child
        for _ in range(100):  # SIGKILL is delivered at once; the kernel may take a moment
            if _gone(pid):
                break
            time.sleep(0.02)
        assert _gone(pid), f"process {pid}, which ran or was started by the submission, is alive"


# ----------------------------------------------------------------------------------------------
# Bad input: exit 2, one line, no file


def _one_correct(folder):
    folder.mkdir(exist_ok=True)
    (folder / "alice.py").write_text("def sigmoid(x):\n    return x\n")
    return folder


def _bad_points(tmp_path, text, suffix=".json"):
    path = tmp_path / f"points{suffix}"
    path.write_text(text)
    return ["class", "--points", path]


def _empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    return ["empty"]


def _folder_of_text(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("not Python")
    return ["docs"]


def _two_alices(tmp_path):
    return [_one_correct(tmp_path / folder) / "alice.py" for folder in ("one", "two")]


def _gradescope_for_two(tmp_path):
    (tmp_path / "class" / "bob.py").write_text("")
    return ["class", "--gradescope", tmp_path / "out" / "results.json"]


BAD_INPUTS = {
    "empty folder": (_empty_folder, "empty: the folder is empty"),
    "folder of non-Python files": (_folder_of_text, "docs: no Python file (.py)"),
    "duplicate names": (_two_alices, "two submissions would both be named 'alice'"),
    "the same submission twice": (lambda t: ["class", "class"], "is given twice"),
    "output folder missing": (lambda t: ["class", "--csv", t / "nowhere" / "grades.csv"],
                              "does not exist"),
    "output folder is a file": (lambda t: ["class", "--csv", t / "class" / "alice.py" / "g.csv"],
                                "is not a folder"),
    "output is a folder": (lambda t: ["class", "--csv", t / "class"], "is a folder, not a file"),
    "gradescope for several": (_gradescope_for_two,
                               "--gradescope writes the results of one submission; found 2"),
    "points: unknown function": (lambda t: _bad_points(t, '{"lstm_backwards": 2}'),
                                 "unknown function name 'lstm_backwards' (did you mean "
                                 "lstm_backward?)"),
    "points: negative": (lambda t: _bad_points(t, '{"lstm_backward": -1}'),
                         "points must be 0 or more, got -1"),
    "points: not a number": (lambda t: _bad_points(t, '{"sigmoid": "three"}'),
                             "must be a finite number"),
    "points: not JSON": (lambda t: _bad_points(t, '{"sigmoid": '), "not valid JSON"),
    "points: a list": (lambda t: _bad_points(t, '[1, 2]'), "expected an object"),
    "points: no such file": (lambda t: ["class", "--points", t / "missing.json"], "cannot read it"),
    "only: unknown name": (lambda t: ["class", "--only", "lstm_backwards"],
                           "unknown function name(s) in --only"),
    "timeout 0": (lambda t: ["class", "--timeout", "0"],
                  "must be a number of seconds above 0"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS),
                         ids=lambda case: case.replace(" ", "-").replace(":", ""))
def test_bad_input_is_one_line_exit_2_and_no_file(tmp_path, monkeypatch, case):
    make, expected = BAD_INPUTS[case]
    monkeypatch.chdir(tmp_path)
    _one_correct(tmp_path / "class")
    (tmp_path / "out").mkdir()
    arguments = make(tmp_path)
    if "--csv" not in arguments:
        arguments += ["--csv", tmp_path / "out" / "grades.csv"]
    before = sorted(tmp_path.rglob("*"))
    code, out, err = grade(*arguments)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("rnn-gradcheck grade: error: "), err
    assert expected in err
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, no temporary file left


def test_an_internal_error_has_a_code_of_its_own(tmp_path, monkeypatch):
    def broken(arguments):
        raise RuntimeError("broken on purpose")
    monkeypatch.setattr(grading, "find_submissions", broken)  # as grading calls it
    code, out, err = grade(_one_correct(tmp_path / "class"), "--csv", tmp_path / "grades.csv")
    assert code == grading.EXIT_INTERNAL_ERROR not in (0, 1, 2)
    assert err == ("rnn-gradcheck grade: internal error: RuntimeError: broken on purpose "
                   "(please report it)\n")
    assert not (tmp_path / "grades.csv").exists()


# ----------------------------------------------------------------------------------------------
# The grading rule and the points file, without running anything


def _outcome(statuses):
    submission = submissions.Submission("student", "student.py", Path("/nowhere"),
                                        "/nowhere/student.py")
    functions = {name: {"status": status, "diagnosis": f"{name} is {status}"}
                 for name, status in statuses.items()}
    return submissions.Outcome(submission, functions=functions, checked=True)


STATUS_OF = {"rnn_step_forward": "pass", "rnn_step_backward": "warn", "rnn_forward": "fail",
             "rnn_backward": "error", "sigmoid": "not_implemented", "lstm_forward": "missing",
             "lstm_backward": "some_future_status"}


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_pass_earns_warn_earns_unless_strict_and_nothing_else_does(strict):
    points = {name: 2 for name in STATUS_OF}
    row = grading.grade(_outcome(STATUS_OF), list(STATUS_OF), points, strict)
    earning = {"rnn_step_forward"} | (set() if strict else {"rnn_step_backward"})
    assert row.earned == {name: 2 if name in earning else 0 for name in STATUS_OF}
    assert row.statuses == STATUS_OF
    results = json.loads(grading.gradescope_json(row, list(STATUS_OF)))
    assert results["score"] == 2 * len(earning)
    assert {t["name"] for t in results["tests"] if t["status"] == "passed"} == earning
    warning = results["tests"][1]["output"]
    assert warning.startswith("warning: counts as a failure under --strict" if strict
                              else "warning (no points lost)")


def test_the_same_problem_with_other_numbers_is_one_problem():
    first = {"status": "fail", "pattern": None, "diagnosis":
             "failing case: N=3, T=4\ndx is wrong: error 2.00e-01\n"
             "Precisely: dprev_c is not carried back"}
    other_numbers = first["diagnosis"].replace("2.00e-01", "7.5e-02").replace("N=3", "N=2")
    second = dict(first, diagnosis=other_numbers)
    other = dict(first, diagnosis=first["diagnosis"].replace("dprev_c", "dprev_h"))
    assert grading.problem_of(first) == grading.problem_of(second)
    assert grading.problem_of(first)[0] != grading.problem_of(other)[0]
    assert grading.problem_of(first)[1] == "Precisely: dprev_c is not carried back"
    factor = {"status": "fail", "pattern": "constant factor", "gradient": "dW", "diagnosis": "a\nb"}
    assert grading.problem_of(factor)[0] == grading.problem_of(dict(factor, diagnosis="c"))[0]


def test_points_from_toml_need_python_3_11(tmp_path):
    path = tmp_path / "points.toml"
    path.write_text("lstm_backward = 3\nsigmoid = 0.5\n")
    if sys.version_info >= (3, 11):
        assert grading.read_points(path) == {"lstm_backward": 3, "sigmoid": 0.5}
    else:
        with pytest.raises(grading.BadInput, match="need Python 3.11"):
            grading.read_points(path)


def test_the_columns_are_the_14_unless_only_or_the_points_name_others():
    assert grading.graded_functions(None, {}) == list(SEED_FUNCTIONS)
    assert grading.graded_functions(None, {"lstm_backward": 3}) == list(SEED_FUNCTIONS)
    assert grading.graded_functions(None, {"affine_backward": 2}) == [*SEED_FUNCTIONS,
                                                                      "affine_backward"]
    assert grading.graded_functions(["lstm_backward", "sigmoid"], {}) == ["sigmoid",
                                                                          "lstm_backward"]


def test_a_note_a_student_controls_is_not_a_spreadsheet_formula():
    submission = submissions.Submission("=cmd", "=cmd.py", Path("/nowhere"), "/nowhere/=cmd.py")
    outcome = submissions.Outcome(submission, note='=HYPERLINK("http://example.com")')
    row = grading.grade(outcome, ["sigmoid"], {"sigmoid": 1}, strict=False)
    [line] = grading.grades_csv([row], ["sigmoid"]).splitlines()[1:]
    assert line == """'=cmd,not_checked,0,1,"'=HYPERLINK(""http://example.com"")\""""
