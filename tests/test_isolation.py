"""The implementation under test runs in a worker process: nothing it does reaches the checker.

tests/impls/hostile.py attacks the checker one way per function (a segfault, os._exit, a hang in
Python and in numpy, 30 GB, KeyboardInterrupt, a lingering thread, closed stdout, os.write(1),
patches of numpy / autograd / the checker's tolerance, np.seterr(all="raise")). Each must be
reported on its own function, the JSON on stdout must stay valid, and this process must be
untouched.
"""
import ast
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import autograd.numpy
import numpy as np
import pytest

import rnn_autograd.gradcheck.errors as errors
from rnn_autograd.gradcheck import check_implementation

HOSTILE = Path(__file__).resolve().parent / "impls" / "hostile.py"
TIME_LIMIT = 2.0  # seconds per call: the two hangs cost this much each


def expected_statuses():
    for node in ast.parse(HOSTILE.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXPECTED":
            return {keyword.arg: ast.literal_eval(keyword.value) for keyword in node.value.keywords}
    raise AssertionError("hostile.py has no EXPECTED")


def test_each_attack_is_reported_on_its_own_function_and_the_json_stays_valid():
    completed = subprocess.run([sys.executable, "-m", "rnn_autograd.gradcheck",
                                "--impl", str(HOSTILE),
                                "--time-limit", str(TIME_LIMIT), "--json", "-", "--quiet"],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)  # nothing the implementation printed got in
    statuses = {name: result["status"] for name, result in report["functions"].items()}
    for function, status in expected_statuses().items():
        assert statuses[function] == status, (function, report["functions"][function]["diagnosis"])
    diagnosis = {name: result["diagnosis"] for name, result in report["functions"].items()}
    assert "SIGSEGV" in diagnosis["rnn_step_backward"]
    assert "exit code 3" in diagnosis["word_embedding_backward"]
    assert "MemoryError" in diagnosis["rnn_backward"]
    assert "time limit" in diagnosis["sigmoid"]
    assert "time limit" in diagnosis["temporal_softmax_loss"]
    assert "its __str__ raises" in diagnosis["lstm_step_backward"]
    assert "KeyboardInterrupt" in diagnosis["lstm_backward"]
    assert "writes into its arguments (x)" in diagnosis["temporal_affine_forward"]


def test_the_checkers_process_is_untouched():
    dot, tanh, tolerance, floating = (np.dot, autograd.numpy.tanh, errors.FLOAT64_TOLERANCE,
                                      np.geterr())
    report = check_implementation(HOSTILE,
                                  only=["temporal_affine_backward", "temporal_softmax_loss"],
                                  time_limit=TIME_LIMIT)
    # its patches did not help it
    assert report.results["temporal_affine_backward"].status == "fail"
    assert ((np.dot, autograd.numpy.tanh, errors.FLOAT64_TOLERANCE, np.geterr())
            == (dot, tanh, tolerance, floating))
    assert not any(thread.name.startswith("Thread") and thread.is_alive()
                   and thread is not threading.main_thread()
                   and thread.daemon is False for thread in threading.enumerate())


def test_the_time_limit_works_from_a_thread():
    """SIGALRM only reaches the main thread; the worker's time limit does not need it."""
    results = {}

    def check():
        results["report"] = check_implementation(HOSTILE, only=["sigmoid"], time_limit=1.0)
    start = time.perf_counter()
    thread = threading.Thread(target=check)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    assert results["report"].results["sigmoid"].error_type == "TimeLimitExceeded"
    assert time.perf_counter() - start < 30


def test_in_process_mode_is_still_there_for_speed():
    assert check_implementation("manual", only=["sigmoid"], in_process=True).ok


def test_no_worker_outlives_a_killed_checker():
    """A grader's timeout kills the checker with SIGKILL: its worker must not keep spinning."""
    import os
    import shutil
    if not sys.platform.startswith("linux") or shutil.which("pgrep") is None:
        pytest.skip("PR_SET_PDEATHSIG and pgrep are Linux's")
    checker = subprocess.Popen([sys.executable, "-m", "rnn_autograd.gradcheck",
                                "--impl", str(HOSTILE), "--only", "sigmoid", "--time-limit", "600"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    workers = []
    while not workers and time.monotonic() < deadline:  # the worker, once it has started
        time.sleep(0.2)
        workers = subprocess.run(["pgrep", "-P", str(checker.pid)], capture_output=True,
                                 text=True).stdout.split()
    assert workers, "no worker started"
    checker.kill()
    checker.wait()
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers)


def _run_pytest_on(tmp_path, source, *options):
    """Run pytest on a test file of its own in a fresh process; return (exit status, output)."""
    test_file = tmp_path / "test_users_suite.py"
    test_file.write_text(source)
    completed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                str(test_file), *options], capture_output=True, text=True,
                               timeout=300, cwd=tmp_path)
    return completed.returncode, completed.stdout + completed.stderr


def test_pytest_timeout_still_works_after_a_check(tmp_path):
    """The checker no longer arms SIGALRM, so it cannot disarm pytest-timeout's."""
    pytest.importorskip("pytest_timeout")
    status, output = _run_pytest_on(tmp_path, '''
import time
import pytest
from rnn_autograd.gradcheck import assert_implementation_correct

@pytest.mark.timeout(5)
def test_check_then_sleep():
    assert_implementation_correct("manual", only=["sigmoid"])
    time.sleep(20)
''')
    assert status == 1 and "Timeout" in output, output


def test_checks_run_under_pytest_xdist(tmp_path):
    pytest.importorskip("xdist")
    status, output = _run_pytest_on(tmp_path, f'''
import pytest
from rnn_autograd.gradcheck import check_implementation

@pytest.mark.parametrize("only", [["sigmoid"], ["rnn_step_backward"]])
def test_in_a_worker(only):
    assert check_implementation("manual", only=only).ok

def test_a_hang_is_stopped_in_a_worker():
    report = check_implementation({str(HOSTILE)!r}, only=["sigmoid"], time_limit=1.0)
    assert report.results["sigmoid"].error_type == "TimeLimitExceeded"
''', "-n", "2")
    assert status == 0, output
