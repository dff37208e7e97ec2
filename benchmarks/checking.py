"""What checking costs: the worker process against in-process, and a check at the large size.

    python -m benchmarks.checking [--repeats 3]

1. The default run of every bundled function (`check_implementation("manual")`), in a worker
   process (the default) and in process (`in_process=True`), interleaved, medians.
2. `lstm_backward` checked at the large size only (`--size large --size-only`, float64: two
   cases), against one manual forward+backward at that size in the same run. Target: at most
   5x per case. Peak memory of the checker's process (tracemalloc: numpy reports its buffers)
   and of the worker (its maximum resident set, from the operating system), against the bytes
   of the inputs and outputs of one case. Target: at most 4x.

Timings are ratios against a baseline measured in the same run; nothing here is a test.
"""
import argparse
import resource
import statistics
import time
import tracemalloc

import manual
from rnn_autograd.gradcheck import check_implementation
from rnn_autograd.gradcheck.cases import NAMED_SIZES, Case
from rnn_autograd.gradcheck.check import make_case_data
from rnn_autograd.gradcheck.layers import layer_of

COST_TARGET = 5.0     # checking one large lstm_backward case / one manual forward+backward
MEMORY_TARGET = 4.0   # peak memory / bytes of the inputs and outputs of one case


def _median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def default_run(repeats):
    worker, in_process = [], []
    for _ in range(repeats):  # interleaved, so that the machine's load hits both alike
        worker.append(check_implementation("manual").seconds)
        in_process.append(check_implementation("manual", in_process=True).seconds)
    return statistics.median(worker), statistics.median(in_process)


def large_check(repeats):
    layer = layer_of("lstm_backward")
    sizes = NAMED_SIZES["large"]
    inputs, upstream = make_case_data(layer, Case(dict(sizes), 0))

    def manual_forward_backward():
        h, cache = manual.lstm_forward(*inputs.values())
        return manual.lstm_backward(upstream["dh"], cache)
    one = _median_seconds(manual_forward_backward, repeats)
    grads = manual_forward_backward()
    data_bytes = (sum(a.nbytes for a in inputs.values()) + upstream["dh"].nbytes
                  + sum(g.nbytes for g in grads))
    tracemalloc.start()
    start = time.perf_counter()
    report = check_implementation("manual", only=["lstm_backward"], size="large", size_only=True,
                                  dtypes=("float64",))
    seconds = time.perf_counter() - start
    _, checker_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    result = report.results["lstm_backward"]
    return dict(manual_seconds=one, cases=result.cases, check_seconds=seconds, status=result.status,
                per_case=seconds / result.cases, data_bytes=data_bytes, checker_peak=checker_peak,
                worker_peak=worker_peak)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checking",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args(argv)
    worker, in_process = default_run(options.repeats)
    print(f"default run of the bundled functions: {worker:.2f} s in a worker process, "
          f"{in_process:.2f} s in process (isolation costs {worker / in_process:.2f}x, "
          f"{worker - in_process:+.2f} s)")
    large = large_check(options.repeats)
    ratio = large["per_case"] / large["manual_seconds"]
    print("lstm_backward at the large size: one manual forward+backward "
          f"{large['manual_seconds']:.3f} s; checking {large['cases']} cases took "
          f"{large['check_seconds']:.2f} s ({large['status']}), "
          f"{large['per_case']:.2f} s per case = {ratio:.1f}x (target {COST_TARGET:g}x: "
          f"{'met' if ratio <= COST_TARGET else 'not met'})")
    data = large["data_bytes"]
    for name in ("checker_peak", "worker_peak"):
        share = large[name] / data
        print(f"  {name.replace('_', ' ')}: {large[name] / 2**20:.0f} MB = {share:.1f}x the "
              f"{data / 2**20:.0f} MB of inputs and outputs (target {MEMORY_TARGET:g}x: "
              f"{'met' if share <= MEMORY_TARGET else 'not met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
