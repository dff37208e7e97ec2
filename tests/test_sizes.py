"""rnn-gradcheck --size: a few cases at the sizes an engineer runs, beside the random small ones.

The sizes here are a small "large" (a few hundred rows), so that the suite stays fast; what a
check costs at the benchmark's large size is measured in benchmarks/, not asserted here.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_autograd.gradcheck import check_implementation
from rnn_autograd.gradcheck.cases import NAMED_SIZES, parse_size
from rnn_autograd.gradcheck.errors import FLOAT64_TOLERANCE, tolerance_for

IMPL = Path(__file__).resolve().parent / "impls" / "sized_bug_rnn_backward_second_time_block.py"


def expected():
    for node in ast.parse(IMPL.read_text()).body:
        if isinstance(node, ast.Assign) \
                and getattr(node.targets[0], "id", None) == "EXPECTED_AT_SIZE":
            return {keyword.arg: ast.literal_eval(keyword.value) for keyword in node.value.keywords}


def test_named_sizes_are_the_benchmarks():
    run = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    assignment = next(node for node in ast.parse(run.read_text()).body
                      if isinstance(node, ast.Assign)
                      and getattr(node.targets[0], "id", None) == "SIZES")
    assert NAMED_SIZES == compile_sizes(assignment.value)


def compile_sizes(node):
    """SIZES = {"small": dict(N=2, ...), ...} read without importing the benchmark."""
    return {ast.literal_eval(key): {keyword.arg: ast.literal_eval(keyword.value)
                                    for keyword in value.keywords}
            for key, value in zip(node.keys, node.values)}


def test_a_bug_in_the_second_time_block_passes_small_cases_and_fails_at_size():
    manifest = expected()
    small = check_implementation(IMPL, only=[manifest["function"]]).results[manifest["function"]]
    assert small.status == "pass"  # every random small case is one block of rows
    sized = check_implementation(IMPL, only=[manifest["function"]], size=manifest["size"],
                                 size_only=True).results[manifest["function"]]
    assert sized.status == "fail" and sized.gradient == manifest["gradient"]
    assert sized.cases == 3 and sized.replay
    assert "held to" in sized.notes[0]  # the tolerance at that size is stated
    # localised on the shrunk case, whose sizes are at most the user's
    assert all(sized.minimal_shape[letter] <= value
               for letter, value in parse_size(manifest["size"]).items()
               if letter in sized.minimal_shape)


def test_manual_passes_at_a_size_in_both_dtypes():
    report = check_implementation("manual", only=["lstm_backward", "rnn_forward"],
                                  size="N=6,T=30,D=7,H=9")
    assert report.ok and all(result.status == "pass" for result in report.results.values())


def test_tolerance_grows_with_the_size_and_not_at_the_random_sizes():
    assert tolerance_for("float64", dict(N=7, T=6, D=7, H=6)) == FLOAT64_TOLERANCE
    large = tolerance_for("float64", NAMED_SIZES["large"])
    assert 10 * FLOAT64_TOLERANCE < large < 1e-7


@pytest.mark.parametrize("text, message", [
    ("huge", "cannot read"), ("N=0", "cannot read"), ("N=4096,T=4096,D=4096", "too large"),
    ("", "needs")])
def test_bad_sizes_are_one_line_errors(text, message):
    completed = subprocess.run([sys.executable, "-m", "rnn_autograd.gradcheck", "--size", text],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and message in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


def test_size_only_needs_a_size():
    completed = subprocess.run([sys.executable, "-m", "rnn_autograd.gradcheck", "--size-only"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and "--size-only needs --size" in completed.stderr
