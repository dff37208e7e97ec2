"""The benchmark harness still runs and checks agreement: not a timing test.

Timings belong to `python -m benchmarks.run`, never to assertions here (the machines are shared
and noisy). What is checked: the command runs at the small size, every registered layer is
timed for manual and rnn_autograd in both dtypes after agreeing with manual, the JSON has the
fields `benchmarks.targets` reads, and the matrix-product floor runs.
The timed layers are the registry's layers with a backward: 8 of them (not sigmoid).
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from rnn_autograd.gradcheck.layers import LAYERS

REPOSITORY = Path(__file__).resolve().parent.parent


def _run(*arguments):
    return subprocess.run([sys.executable, *arguments], cwd=REPOSITORY, capture_output=True,
                          text=True, timeout=300)


def test_small_run_times_every_layer_after_agreement_and_targets_read_it(tmp_path):
    report_path = tmp_path / "small.json"
    completed = _run("-m", "benchmarks.run", "--sizes", "small",
                     "--implementations", "manual,rnn_autograd", "--repeats", "1",
                     "--no-memory", "--no-verification-cost", "--json", str(report_path))
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    report = json.loads(report_path.read_text())
    assert report["failures"] == []
    timed = {(row["layer"], row["dtype"], row["implementation"]) for row in report["results"]}
    # every layer with a backward to time (sigmoid has none: its derivative is the LSTM's business)
    for layer in [layer for layer in LAYERS if layer.backward is not None or layer.loss_gradient]:
        for dtype in ("float64", "float32"):
            for implementation in ("manual", "rnn_autograd"):
                assert (layer.name, dtype, implementation) in timed
    for row in report["results"]:
        assert row["disagreement"] <= report["tolerances"][row["dtype"]]
        assert row["forward_backward"]["median"] > 0 and row["ratio_to_manual"] > 0
    assert set(report["peak_gflops"]) == {"float64", "float32"}
    # the LSTM targets by thread count and the allocator comparison need medium / large sizes
    assert report["thread_targets"] == [] and report["allocator"] == []
    assert all(row["exact"] for row in report["embedding_backward"])  # bincount == np.add.at

    targets = _run("-m", "benchmarks.targets", str(report_path))
    assert targets.returncode == 0, targets.stderr
    assert "embedding backward small float64 faster than np.add.at" in targets.stdout


def test_products_alone_runs_the_layer_shapes():
    """The floor times a callable; at the small size it must run and give a positive time."""
    completed = _run("-c", "from benchmarks.run import products_alone\n"
                           "import json\n"
                           "print(json.dumps([products_alone(name, 'small', dtype, 1)['median']\n"
                           "                  for name in ('rnn', 'lstm')\n"
                           "                  for dtype in ('float64', 'float32')]))")
    assert completed.returncode == 0, completed.stderr
    medians = json.loads(completed.stdout.strip().splitlines()[-1])
    assert len(medians) == 4 and all(np.isfinite(medians)) and min(medians) > 0


def test_targets_mark_the_floor_as_information_not_a_verdict():
    targets = _targets_module()
    report = dict(results=[], peak_gflops={"float64": 100.0},
                  products_alone=[dict(layer="lstm", size="large", dtype="float64",
                                       ratio_to_torch=0.6, fraction_of_peak=0.76)])
    lines = targets.targets(report)
    assert [met for _, _, met in lines] == [None, None]
    assert [value for _, value, _ in lines] == ["0.60", "76%"]
    assert targets._verdict(None) == "info" and targets._verdict(False) == "NOT met"


def _targets_module():
    from importlib import import_module
    sys.path.insert(0, str(REPOSITORY))
    try:
        return import_module("benchmarks.targets")
    finally:
        sys.path.remove(str(REPOSITORY))


def test_targets_read_the_lstm_at_each_thread_count_and_the_allocator():
    targets = _targets_module()
    timing = dict(median=1.0, spread=0.0)
    report = dict(results=[], peak_gflops={"float64": 100.0}, thread_targets=[
        dict(layer="lstm", size="large", dtype=dtype, threads=threads, manual=timing,
             torch=timing, products=timing, ratio_to_torch=ratio, floor_ratio_to_torch=0.5)
        for dtype, threads, ratio in (("float32", 1, 0.9), ("float64", 2, 0.9))],
        allocator=[dict(layer="lstm", size="large", dtype="float64", implementation="rnn_autograd",
                        setting=setting, ratio_to_default=ratio)
                   for setting, ratio in (("glibc default", 1.0), ("kept", 0.8))])
    lines = targets.targets(report)
    assert [(value, met) for _, value, met in lines] == [
        ("0.90", True), ("0.50", None), ("0.90", False), ("0.50", None), ("0.80", None)]
    assert "1 thread(s)" in lines[0][0] and "<= 1.0" in lines[0][0] and "<= 0.8" in lines[2][0]


def test_thread_targets_and_the_allocator_probe_run():
    """At the medium size with one repeat and without PyTorch: the rows are made, no timing is
    judged; the allocator probe runs in its own process and reports page faults."""
    completed = _run("-c", "from benchmarks.run import thread_targets\n"
                           "import json\n"
                           "rows = thread_targets(['small', 'medium'], ['float32'], [1], 1,\n"
                           "                      False)\n"
                           "print(json.dumps([(r['size'], r['threads'], r['ratio_to_torch'], "
                           "r['manual']['median'] > 0, r['products']['median'] > 0)\n"
                           "                  for r in rows]))")
    assert completed.returncode == 0, completed.stderr
    rows = json.loads(completed.stdout.strip().splitlines()[-1])
    assert rows == [["medium", 1, None, True, True]]
    probe = _run("-m", "benchmarks.run", "--allocator-probe",
                 "lstm:small:float64:rnn_autograd:kept:2", "--threads", "1")
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert len(result.get("samples", [])) == 2 or "not available" in result.get("error", "")
    assert result.get("faults_per_call", 0) >= 0
