"""Read one or more JSON files from `python -m benchmarks.run` and check the targets of the
performance issue, one line per target, with the measured value of each run. Lines marked
"info" are context, not targets: "(floor)" is the time of the layer's matrix products alone
(same shapes as manual's, no elementwise work), divided by PyTorch's whole forward+backward
and as a fraction of the matrix-product peak; "(allocator)" is the time of a forward+backward
with the commands' allocator setting divided by the time with glibc's defaults.

    python -m benchmarks.targets benchmark-results.json [more.json ...]
"""
import json
import sys

# manual's forward+backward / PyTorch's: float64 at most 0.8, float32 at least as fast.
LIMITS_TO_TORCH = {"float64": 0.8, "float32": 1.0}


def _median(results, layer, size, dtype, implementation):
    for row in results:
        if (row["layer"], row["size"], row["dtype"], row["implementation"]) == (
                layer, size, dtype, implementation):
            return row["forward_backward"]["median"], row
    return None, None


def targets(report):
    """(description, measured value, met?) for every target this report can answer."""
    results, lines = report["results"], []
    by_threads = report.get("thread_targets", [])
    for row in by_threads:  # the LSTM at each BLAS thread count, with its floor
        limit = LIMITS_TO_TORCH[row["dtype"]]
        where = f"{row['layer']} {row['size']} {row['dtype']} {row['threads']} thread(s)"
        if row.get("ratio_to_torch") is not None:
            lines.append((f"manual {where} fwd+bwd / torch <= {limit}",
                          f"{row['ratio_to_torch']:.2f}", row["ratio_to_torch"] <= limit))
        if row.get("floor_ratio_to_torch") is not None:
            lines.append((f"(floor) {where} matrix products alone / torch",
                          f"{row['floor_ratio_to_torch']:.2f}", None))
    for layer in ("lstm", "rnn"):
        if by_threads and layer == by_threads[0]["layer"]:
            continue  # answered above, at every thread count
        for size in ("medium", "large"):
            for dtype, limit in LIMITS_TO_TORCH.items():
                ours, _ = _median(results, layer, size, dtype, "manual")
                theirs, _ = _median(results, layer, size, dtype, "torch")
                if ours and theirs:
                    lines.append((f"manual {layer} {size} {dtype} fwd+bwd / torch <= {limit}",
                                  f"{ours / theirs:.2f}", ours / theirs <= limit))
    for row in report.get("products_alone", []):  # context, not a target: met is None
        if row.get("ratio_to_torch"):
            lines.append((f"(floor) {row['layer']} large {row['dtype']} matrix products alone "
                          "/ torch",
                          f"{row['ratio_to_torch']:.2f}", None))
        if row.get("fraction_of_peak"):
            lines.append((f"(floor) {row['layer']} large {row['dtype']} matrix products alone, "
                          "% of peak",
                          f"{row['fraction_of_peak'] * 100:.0f}%", None))
    _, row = _median(results, "lstm", "large", "float64", "manual")
    if row:
        fraction = row["gflops"] / report["peak_gflops"]["float64"]
        lines.append(("manual lstm large float64 >= 75% of matmul peak",
                      f"{fraction * 100:.0f}% ({row['gflops']:.1f} of "
                      f"{report['peak_gflops']['float64']:.1f} GFLOP/s)", fraction >= 0.75))
    for layer in ("lstm", "rnn"):
        for size, limit in (("large", 1.5), ("medium", 2.5)):
            for dtype in ("float64", "float32"):
                ours, _ = _median(results, layer, size, dtype, "rnn_autograd")
                manual, _ = _median(results, layer, size, dtype, "manual")
                if ours and manual:
                    lines.append((f"rnn_autograd {layer} {size} {dtype} / manual <= {limit}",
                                  f"{ours / manual:.2f}", ours / manual <= limit))
    for row in report.get("allocator", []):  # context, not a target
        if row["setting"] != "glibc default" and row.get("ratio_to_default"):
            lines.append((f"(allocator) {row['implementation']} {row['layer']} {row['size']} "
                          f"{row['dtype']} memory kept / glibc default",
                          f"{row['ratio_to_default']:.2f}", None))
    memory = {(row["layer"], row["dtype"], row["implementation"]): row["peak_extra_mb"]
              for row in report.get("memory", [])}
    for layer in ("lstm", "rnn"):
        for dtype in ("float64", "float32"):
            ours, theirs = memory.get((layer, dtype, "manual")), memory.get((layer, dtype, "torch"))
            if ours and theirs:
                lines.append((f"manual {layer} large {dtype} peak memory <= torch",
                              f"{ours:.0f} vs {theirs:.0f} MB", ours <= theirs))
    for row in report.get("embedding_backward", []):
        lines.append((f"embedding backward {row['size']} {row['dtype']} faster than np.add.at, "
                      "exact",
                      f"{row['ratio']:.2f}x, exact {row['exact']}",
                      row["ratio"] < 1 and row["exact"]))
    check = report.get("verification", {}).get("gradcheck")
    if check:
        seconds = check.get("seconds")
        lines.append(("rnn-gradcheck, 14 functions, default < 5 s",
                      f"{seconds:.2f} s" if check["status"] == "ok" else check["status"],
                      check["status"] == "ok" and seconds < 5))
    return lines


def _verdict(met):
    return "info" if met is None else "met" if met else "NOT met"


def main(paths):
    runs = []
    for path in paths:
        with open(path) as source:
            runs.append(targets(json.load(source)))
    for index, (description, _, _) in enumerate(runs[0]):
        values = "   ".join(f"{run[index][1]:>10} {_verdict(run[index][2])}"
                            for run in runs if index < len(run))
        print(f"{description:<62} {values}")


if __name__ == "__main__":
    main(sys.argv[1:])
