"""The checker itself: verdicts, exit codes, JSON, replay, localisation on small planted bugs.

The larger suite of realistic student mistakes is tests/test_impls_suite.py; this file pins the
command-line contract and the localiser's reasoning on bugs written inline, one per test.
"""
import json
import subprocess
import sys
import textwrap

import pytest

from rnn_autograd.gradcheck import (
    ImplementationIncorrect,
    LoadError,
    assert_implementation_correct,
    check_implementation,
)
from rnn_autograd.gradcheck.cases import DEFAULT_CASES, Case
from rnn_autograd.gradcheck.layers import OPTIONAL_FUNCTIONS, SEED_FUNCTIONS, layer_of

# Over 2,000 random cases (150 per function x 14) a correct implementation must never be flagged.
FALSE_ALARM_CASES_PER_FUNCTION = 150


def write_impl(tmp_path, body, name="impl.py"):
    """An implementation file: the bundled manual layers with some functions replaced."""
    path = tmp_path / name
    path.write_text("import numpy as np\nfrom manual import *\nimport manual\n\n"
                    + textwrap.dedent(body))
    return path


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "rnn_autograd", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_bundled_manual_passes_every_function():
    report = check_implementation("manual")
    # manual carries the optional affine pair too, so it is checked after the 14
    assert ([r.function for r in report.results.values()]
            == list(SEED_FUNCTIONS + OPTIONAL_FUNCTIONS))
    assert {r.status for r in report.results.values()} == {"pass"}
    assert report.ok
    assert all(r.cases == DEFAULT_CASES and r.worst_error <= r.tolerance
               for r in report.results.values())


def test_no_false_alarm_over_two_thousand_cases():
    report = check_implementation("manual", cases=FALSE_ALARM_CASES_PER_FUNCTION, seed=12345)
    failing = {name: r.diagnosis for name, r in report.results.items() if r.status != "pass"}
    assert failing == {}
    assert sum(r.cases for r in report.results.values()) >= 2000


def test_cli_exit_0_and_json_schema(tmp_path):
    out = tmp_path / "report.json"
    completed = run_cli("--only", "rnn_step_forward,lstm_backward", "--json", out, "--seed", "3")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    data = json.loads(out.read_text())
    assert data["ok"] is True and data["seed"] == 3
    assert set(data["versions"]) == {"python", "numpy", "autograd", "rnn_autograd"}
    assert list(data["functions"]) == ["rnn_step_forward", "lstm_backward"]
    entry = data["functions"]["lstm_backward"]
    assert entry["status"] == "pass" and entry["cases"] == DEFAULT_CASES
    assert entry["worst_error"] <= entry["tolerance"]
    assert "lstm_backward" in completed.stdout and "OK" in completed.stdout


def test_cli_json_to_stdout_is_pure_json(tmp_path):
    completed = run_cli("--only", "sigmoid", "--json", "-")
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["functions"]["sigmoid"]["status"] == "pass"


@pytest.mark.parametrize("args, words", [
    (["--impl", "no_such_file.py"], ["no_such_file.py", "no such file"]),
    (["--impl", "no_such_module_anywhere"], ["no_such_module_anywhere"]),
    (["--only", "lstm_backwards"], ["lstm_backwards", "unknown"]),
    (["--cases", "0"], ["--cases"]),
    (["--replay", "N=1,bogus=2"], ["bogus"]),
])
def test_cli_exit_2_with_one_clear_line(args, words):
    completed = run_cli(*args)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in completed.stderr


def test_import_time_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken_import.py"
    path.write_text("import numpy as np\n\nx = 1 / 0\n")
    completed = run_cli("--impl", path)
    assert completed.returncode == 2
    assert f"{path}:3" in completed.stderr and "ZeroDivisionError" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_file_defining_no_seed_function_cannot_run(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("def something_else():\n    return 1\n")
    completed = run_cli("--impl", path)
    assert completed.returncode == 2 and "defines none" in completed.stderr


def test_partial_implementation_reports_missing_and_exits_by_what_is_there(tmp_path):
    path = tmp_path / "partial.py"
    path.write_text("from manual import rnn_step_forward, rnn_step_backward\n")
    report = check_implementation(path)
    statuses = {name: r.status for name, r in report.results.items()}
    assert statuses["rnn_step_forward"] == statuses["rnn_step_backward"] == "pass"
    assert {statuses[name] for name in SEED_FUNCTIONS[2:]} == {"missing"}
    assert report.ok  # missing functions are not checked
    assert run_cli("--impl", path).returncode == 0


def test_failure_exit_1_with_replay_that_reproduces_the_minimal_case(tmp_path):
    path = write_impl(tmp_path, """
        def rnn_step_backward(dnext_h, cache):
            dx, dprev_h, dWx, dWh, db = manual.rnn_step_backward(dnext_h, cache)
            return dx, dprev_h, dWx, dWh, db / 2
    """)
    completed = run_cli("--impl", path, "--only", "rnn_step_backward")
    assert completed.returncode == 1
    assert "FAIL" in completed.stdout and "replay: rnn-gradcheck" in completed.stdout
    report = check_implementation(path, only=["rnn_step_backward"])
    result = report.results["rnn_step_backward"]
    assert (result.gradient, result.pattern) == ("db", "constant factor")
    assert result.minimal_shape["N"] == 1 and result.minimal_shape["H"] == 1
    replayed = check_implementation(path, only=["rnn_step_backward"], replay=result.minimal_case)
    assert replayed.results["rnn_step_backward"].status == "fail"
    assert replayed.results["rnn_step_backward"].cases == 1


def test_case_replay_text_round_trips():
    layer = layer_of("lstm_backward")
    case = Case(dict(N=2, T=3, D=4, H=5, V=6, M=7), 42, "float32", False)
    again = Case.parse(case.replay_text(layer))
    assert (again.sizes["N"], again.sizes["T"], again.seed, again.dtype) == (2, 3, 42, "float32")
    with pytest.raises(ValueError, match="dtype=float16"):
        Case.parse("N=1,dtype=float16")


def test_assert_helper_raises_with_the_diagnosis(tmp_path):
    path = write_impl(tmp_path, """
        def temporal_affine_backward(dout, cache):
            dx, dw, db = manual.temporal_affine_backward(dout, cache)
            return dx, -dw, db
    """)
    with pytest.raises(ImplementationIncorrect, match="dw") as raised:
        assert_implementation_correct(path, only=["temporal_affine_backward"])
    assert "opposite sign" in str(raised.value)
    assert assert_implementation_correct("manual", only=["sigmoid"]).ok


def test_python_2_file_is_checked_through_its_translation(tmp_path):
    path = tmp_path / "old.py"
    path.write_text("import numpy as np\n\nprint 'loading', 3\n\n"
                    "def sigmoid(x):\n    for i in xrange(1):\n        pass\n"
                    "    return 1 / (1 + np.exp(-x))\n")
    report = check_implementation(path, only=["sigmoid"])
    assert report.notes == [f"{path} is Python 2 code: checked its Python 3 translation by fissix "
                            "(print statement (line 3), xrange (line 6)); the file itself is "
                            "unchanged"]
    assert path.read_text().startswith("import numpy as np\n\nprint 'loading'")  # untouched
    assert report.results["sigmoid"].status == "pass"  # 1 / (1 + exp(1000)) = 1 / inf = 0: right


def test_load_error_for_a_file_python_2_cannot_read_either(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import numpy as np\n\nprint 'x' +\n")
    with pytest.raises(LoadError, match=r"broken\.py:3.*Python 2"):
        check_implementation(path)


def test_carry_bug_is_located_in_time_not_in_the_step(tmp_path):
    # The gradient reaching h_t from step t+1 is dropped: every single step is right.
    path = write_impl(tmp_path, """
        def rnn_backward(dh, cache):
            x, h0, Wx, Wh, h = cache
            N, T, D = x.shape
            dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
            dprev_h = np.zeros_like(h0)
            for t in reversed(range(T)):
                prev_h = h[:, t - 1] if t > 0 else h0
                da = dh[:, t] * (1 - h[:, t] ** 2)
                dx[:, t] = da @ Wx.T
                dWx += x[:, t].T @ da
                dWh += prev_h.T @ da
                db += da.sum(axis=0)
                dprev_h = da @ Wh.T
            return dx, dprev_h, dWx, dWh, db.astype(x.dtype)
    """)  # noqa: E501  the file under test, one long line as a student writes it
    result = check_implementation(path, only=["rnn_backward"]).results["rnn_backward"]
    assert result.status == "fail"
    assert result.timestep == 1
    assert ("the gradient at t=1 is right, but what it carries back to t=0 is wrong"
            in result.diagnosis)
    assert "dprev_h is not passed back from one step to the one before" in result.diagnosis


def test_dropped_cell_state_carry_is_told_apart_from_a_dropped_hidden_state_carry():
    from pathlib import Path
    impls = Path(__file__).parent / "impls"
    result = check_implementation(impls / "bug_lstm_backward_no_cell_carry.py",
                                  only=["lstm_forward", "lstm_backward"]).results["lstm_backward"]
    assert result.timestep == 1
    assert "dprev_c is not passed back from one step to the one before" in result.diagnosis
    assert "dprev_h is not passed back" not in result.diagnosis


def test_missing_sum_over_time_is_told_apart_from_a_carry_bug(tmp_path):
    # dWh = instead of dWh +=: every step's own gradient is right; only the sum is missing.
    path = write_impl(tmp_path, """
        def rnn_backward(dh, cache):
            dx, dh0, dWx, dWh, db = manual.rnn_backward(dh, cache)
            x, h0, Wx, Wh, h = cache
            da0 = None
            dprev_h = np.zeros_like(h0)
            for t in reversed(range(x.shape[1])):
                da = (dh[:, t] + dprev_h) * (1 - h[:, t] ** 2)
                dprev_h = da @ Wh.T
                dWh = (h[:, t - 1] if t > 0 else h0).T @ da
            return dx, dh0, dWx, dWh, db
    """)
    result = check_implementation(path, only=["rnn_backward"]).results["rnn_backward"]
    assert result.gradient == "dWh" and result.timestep == 1
    assert "not summed" in result.diagnosis


def test_lstm_gate_block_is_named(tmp_path):
    path = write_impl(tmp_path, """
        def lstm_step_backward(dnext_h, dnext_c, cache):
            dx, dprev_h, dprev_c, dWx, dWh, db = manual.lstm_step_backward(dnext_h, dnext_c, cache)
            H = dnext_h.shape[1]
            db = db.copy()
            db[2 * H:3 * H] *= 0.5          # output gate block only
            return dx, dprev_h, dprev_c, dWx, dWh, db
    """)
    result = check_implementation(path, only=["lstm_step_backward"]).results["lstm_step_backward"]
    assert (result.gradient, result.gate) == ("db", "o")


def test_hang_is_cut_by_the_time_limit_and_the_rest_is_checked(tmp_path):
    path = write_impl(tmp_path, """
        def sigmoid(x):
            while True:
                pass
    """)
    report = check_implementation(path, only=["sigmoid", "rnn_step_forward"], time_limit=0.5)
    assert report.results["sigmoid"].status == "error"
    assert "time limit" in report.results["sigmoid"].diagnosis
    assert report.results["rnn_step_forward"].status == "pass"


def test_sys_exit_and_prints_are_contained(tmp_path):
    path = write_impl(tmp_path, """
        import sys
        def sigmoid(x):
            print("debugging", x.shape)
            return manual.sigmoid(x)
        def rnn_step_forward(x, prev_h, Wx, Wh, b):
            sys.exit("bye")
    """)
    report = check_implementation(path, only=["sigmoid", "rnn_step_forward"])
    assert report.results["sigmoid"].status == "pass"
    assert any("prints" in note and "debugging" in note for note in report.results["sigmoid"].notes)
    assert report.results["rnn_step_forward"].status == "error"
    assert "sys.exit" in report.results["rnn_step_forward"].diagnosis


def test_progress_is_reported_for_every_case():
    seen = []
    check_implementation("manual", only=["sigmoid"], cases=5,
                         progress=lambda function, index, total: seen.append(
                             (function, index, total)))
    assert seen == [("sigmoid", index, 5) for index in range(5)]


def test_numeric_mode_passes_correct_code():
    assert check_implementation("manual", numeric=True, cases=5).ok


def test_plot_option_writes_a_heatmap_per_wrong_array(tmp_path):
    pytest.importorskip("matplotlib")
    path = write_impl(tmp_path, """
        def lstm_backward(dh, cache):
            dx, dh0, dWx, dWh, db = manual.lstm_backward(dh, cache)
            H = dh.shape[2]
            dWx = dWx.copy()
            dWx[:, H:2 * H] *= 2            # forget gate block only
            return dx, dh0, dWx, dWh, db
    """)
    plots = tmp_path / "plots"
    completed = run_cli("--impl", path, "--only", "lstm_backward", "--plot", plots)
    assert completed.returncode == 1
    png = plots / "lstm_backward-dWx.png"
    assert f"wrote {png}" in completed.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert sorted(p.name for p in plots.iterdir()) == ["lstm_backward-dWx.png"]


def test_error_matrix_puts_time_on_rows_and_takes_the_worst_over_the_batch():
    import numpy as np

    from rnn_autograd.gradcheck.heatmaps import error_matrix
    want = np.zeros((2, 3, 4))                          # (N, T, D)
    got = want.copy()
    got[1, 2, 3] = 0.5                                  # sequence 1, timestep 2, unit 3
    matrix, rows, columns = error_matrix(got, want, "N,T,D")
    assert (rows, columns, matrix.shape) == ("T", "D", (3, 4))
    assert matrix[2, 3] == 0.5 and np.count_nonzero(matrix) == 1


def test_plot_option_without_matplotlib_exits_2_before_checking(tmp_path):
    # A site directory whose matplotlib cannot be imported stands in for a missing install.
    blocker = tmp_path / "site" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('matplotlib is not installed here')\n")
    completed = subprocess.run([sys.executable, "-m", "rnn_autograd", "--plot",
                                str(tmp_path / "p")],
                               capture_output=True, text=True, timeout=120,
                               env={**__import__("os").environ,
                                    "PYTHONPATH": str(tmp_path / "site")})
    assert completed.returncode == 2
    assert "pip install 'rnn-autograd[plot]'" in completed.stderr
    assert "Traceback" not in completed.stderr and completed.stdout == ""


def test_lists_of_the_right_length_count_as_tuples(tmp_path):
    path = write_impl(tmp_path, """
        def rnn_step_forward(x, prev_h, Wx, Wh, b):
            return list(manual.rnn_step_forward(x, prev_h, Wx, Wh, b))
        def rnn_step_backward(dnext_h, cache):
            return list(manual.rnn_step_backward(dnext_h, cache))
    """)
    report = check_implementation(path, only=["rnn_step_forward", "rnn_step_backward"])
    assert {r.status for r in report.results.values()} == {"pass"}, report.failures()


def make_assignment_package(tmp_path):
    """cs231n/rnn_layers.py importing its neighbour relatively, as the course's files do."""
    package = tmp_path / "cs231n"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text("from manual import sigmoid as stable_sigmoid\n")
    (package / "rnn_layers.py").write_text("from .layers import *\n\n"
                                           "def sigmoid(x):\n    return stable_sigmoid(x)\n")
    return package


def test_file_inside_a_package_may_use_relative_imports(tmp_path):
    package = make_assignment_package(tmp_path)
    report = check_implementation(package / "rnn_layers.py", only=["sigmoid"])
    assert report.results["sigmoid"].status == "pass"


def test_module_name_is_found_in_the_current_folder(tmp_path):
    make_assignment_package(tmp_path)
    # As the console script starts: the current folder is NOT on sys.path by itself.
    script = ("import sys; sys.path.pop(0); from rnn_autograd.gradcheck.cli import main; "
              "sys.exit(main())")
    completed = subprocess.run([sys.executable, "-c", script, "--impl", "cs231n.rnn_layers",
                                "--only", "sigmoid"],
                               capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "sigmoid" in completed.stdout and "pass" in completed.stdout
