"""What a hostile or careless user gives the command, and the one-line answer each gets.

(The implementation's own attacks are in test_isolation.py.)
"""
import subprocess
import sys

import numpy as np
import pytest

import manual
import rnn_autograd


def run(*arguments, cwd=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "rnn_autograd.gradcheck", *map(str, arguments)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd)


def assert_usage_error(completed, words):
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert words in completed.stderr, completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("arguments, words", [
    (("--only", ""), "--only names nothing"),
    (("--only", ","), "--only names nothing"),
    (("--replay", ""), "--replay needs a case"),
    (("--replay", "N=2,N=3"), "N is given twice"),
    (("--replay", "N=100000,T=100000,D=1000"), "cannot read"),
    (("--replay", "N=4000,T=4000,D=4000"), "too large"),
    (("--cases", "1000000000"), "at most 100,000 cases"),
    (("--time-limit", "0"), "above 0"),
    (("--time-limit", "nan"), "above 0"),
    (("--time-limit", "inf"), "above 0"),
    (("--time-limit", "-1"), "above 0"),
    (("--impl", "."), "is a folder"),
    (("--plot", "/proc/no/such/folder"), "cannot write"),
])
def test_bad_arguments_are_one_line_errors(arguments, words):
    assert_usage_error(run(*arguments), words)


def test_import_time_exit_and_hang_are_load_errors(tmp_path):
    exits = tmp_path / "exits.py"
    exits.write_text("import os\nos._exit(0)\n")
    assert_usage_error(run("--impl", exits), "exit code 0")
    hangs = tmp_path / "hangs.py"
    hangs.write_text("import time\ntime.sleep(3600)\n")
    assert_usage_error(run("--impl", hangs, "--time-limit", "1", timeout=60), "did not finish")
    asks = tmp_path / "asks.py"
    asks.write_text("name = input('your name? ')\n")
    assert_usage_error(run("--impl", asks), "EOFError")


def test_a_relative_json_path_survives_os_chdir_in_the_implementation(tmp_path):
    impl = tmp_path / "moves.py"
    impl.write_text("import os\nfrom manual import sigmoid as _sigmoid\n\n"
                    "def sigmoid(x):\n    os.chdir('/')\n    return _sigmoid(x)\n")
    completed = run("--impl", impl, "--json", "report.json", "--in-process", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "report.json").is_file()


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix itself warns
@pytest.mark.parametrize("wrap", [np.asmatrix, np.ma.masked_array], ids=["matrix", "masked"])
def test_matrix_and_masked_arrays_are_refused_by_both_trees(wrap):
    x = np.ones((3, 3))  # N = D = H = 3: a matrix product would pass every shape check
    for forward in (manual.rnn_step_forward, rnn_autograd.rnn_step):
        with pytest.raises(TypeError, match=r"x is a numpy.*\(np.asarray\(x\)\)"):
            forward(wrap(x), np.ones((3, 3)), np.ones((3, 3)), np.ones((3, 3)), np.ones(3))
