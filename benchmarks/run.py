"""Time every registered layer: forward and forward+backward, in manual, rnn_autograd, PyTorch, JAX.

    python -m benchmarks.run [--sizes small,medium,large] [--dtypes float64,float32]
                             [--repeats K] [--threads K] [--target-threads 1,2] [--json PATH]

Method (printed with the results):
- Every implementation first has to agree with `manual` (outputs and gradients, tolerances
  below); one that disagrees is reported and not timed, and the command exits with status 1.
- Each timed call gets one warm-up call (JAX compiles there), then K repeats; a repeat loops
  the call until it lasts at least MIN_REPEAT_SECONDS, so tiny sizes are not timer noise. The
  implementations take turns repeat by repeat, so load from other processes hits them alike.
  We report the median and the spread: +-half of (max - min) / median, in percent.
- One BLAS thread setting for all: threadpoolctl limits numpy's BLAS, torch.set_num_threads
  limits PyTorch, and XLA's CPU client uses its default (every core) unless --threads 1.
- GFLOP/s counts matrix-product FLOPs only (2 m k n per product); the peak is the best repeat
  of a large square matrix product in the same dtype, timed before and after the layers.
  The table's %peak column uses the peak measured before; the line after it, the best of both.
- The LSTM targets (manual against PyTorch, medium and large) are timed again at each BLAS
  thread count of --target-threads, interleaved with the matrix products alone (the floor).
- The allocator: the LSTM at the large size in fresh subprocesses (1 BLAS thread), with
  glibc's defaults and with the commands' setting (rnn_autograd/gradcheck/allocator.py),
  alternating, with the minor page faults and system time per call.
- Peak memory: extra resident memory (VmHWM - VmRSS from /proc/self/status, after resetting
  the high-water mark through /proc/self/clear_refs) of one forward+backward after a warm-up,
  each in a fresh subprocess with MALLOC_MMAP_THRESHOLD_ fixed so freed buffers are returned.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np

SIZES = {
    "small": dict(N=2, T=3, D=4, H=5, V=10, M=10),
    "medium": dict(N=32, T=20, D=64, H=128, V=1000, M=1000),
    "large": dict(N=64, T=50, D=256, H=512, V=1000, M=1000),
}
DTYPES = {"float64": np.float64, "float32": np.float32}
IMPLEMENTATIONS = ("manual", "rnn_autograd", "torch", "jax")

# Agreement with manual before timing: max |a - b| <= tolerance * max(1, max |b|).
# float64: the implementations differ only by rounding in another summation order (~1e-13);
# float32: sums over N*T = 3200 products in float32 keep about 5 digits.
TOLERANCES = {"float64": 1e-8, "float32": 2e-3}
MIN_REPEAT_SECONDS = 0.02
PEAK_MATRIX_SIZE = 2048   # the square matrix product that defines this machine's peak
MEMORY_LAYERS = ("rnn", "lstm")


def matmul_flops(layer, sizes, mode):
    """Matrix-product FLOPs of one call: 2 m k n per product; the backward does two per forward
    one."""
    N, T, D, H, M = (sizes[letter] for letter in "NTDHM")
    forward = {
        "rnn_step": 2 * N * (D * H + H * H),
        "rnn": 2 * N * T * (D * H + H * H),
        "lstm_step": 2 * N * (D + H) * 4 * H,
        "lstm": 2 * N * T * (D + H) * 4 * H,
        "temporal_affine": 2 * N * T * D * M,
    }.get(layer.name, 0)
    return forward if mode == "forward" else 3 * forward


def _statistics(samples, loops):
    median = float(np.median(samples))
    return dict(median=median, min=min(samples), max=max(samples), loops=loops,
                spread=(max(samples) - min(samples)) / median if median else 0.0)


def measure_together(calls, repeats):
    """Median and spread of `repeats` timings of each call, interleaved.

    calls: dict name -> callable. Each gets one warm-up call; then the repeats take turns
    (a, b, c, b, c, a, ...), so that a burst of load from another process hits every
    implementation alike and the ratios of one run stay meaningful.
    """
    loops = {}
    for name, call in calls.items():
        call()  # warm-up
        start = time.perf_counter()
        call()
        once = time.perf_counter() - start
        loops[name] = max(1, int(MIN_REPEAT_SECONDS / max(once, 1e-7)))
    samples = {name: [] for name in calls}
    names = list(calls)
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            for _ in range(loops[name]):
                calls[name]()
            samples[name].append((time.perf_counter() - start) / loops[name])
    return {name: _statistics(samples[name], loops[name]) for name in calls}


def measure(call, repeats):
    """Median and spread of `repeats` timings of call(), after one warm-up call."""
    return measure_together({"call": call}, repeats)["call"]


def disagreement(got, expected):
    """Largest |got - expected| relative to max(1, max |expected|), over arrays in order."""
    worst = 0.0
    if len(got) != len(expected):
        return float("inf")
    for a, b in zip(got, expected):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            return float("inf")
        if b.size:
            worst = max(worst, float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b)))))
    return worst


def peak_gflops(dtype, repeats):
    """GFLOP/s of a large square matrix product: this machine's practical peak."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((PEAK_MATRIX_SIZE, PEAK_MATRIX_SIZE)).astype(dtype)
    b = rng.standard_normal((PEAK_MATRIX_SIZE, PEAK_MATRIX_SIZE)).astype(dtype)
    timing = measure(lambda: a @ b, repeats)
    return 2 * PEAK_MATRIX_SIZE ** 3 / timing["min"] / 1e9  # the best repeat: a peak, not a typical


def thread_limits(threads):
    """Limit numpy's BLAS (and any OpenMP pool threadpoolctl sees); returns (context,
    description)."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return None, "threadpoolctl not installed: numpy's BLAS threads not limited"
    context = threadpool_limits(limits=threads)
    pools = [f"{pool['internal_api']} {pool.get('version', '')} ({pool.get('architecture', '?')} "
             f"kernel, {pool['num_threads']} threads)" for pool in threadpool_info()]
    return context, "; ".join(pools)


def machine_description():
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return dict(cpu=model, cores=os.cpu_count(), python=platform.python_version(),
                numpy=np.__version__, system=platform.platform())


def make_case(layer, size_name, dtype_name):
    from rnn_autograd.gradcheck.inputs import make_inputs, make_upstream
    seed = (sum(map(ord, layer.name)) * 1000 + list(SIZES).index(size_name) * 10
            + list(DTYPES).index(dtype_name))
    rng = np.random.default_rng(seed)
    sizes = SIZES[size_name]
    return (make_inputs(layer, sizes, rng, DTYPES[dtype_name]),
            make_upstream(layer, sizes, rng, DTYPES[dtype_name]))


def products_alone(layer_name, size_name, dtype_name, repeats):
    """Median and spread of products_call(layer_name, size_name, dtype_name)."""
    return measure(products_call(layer_name, size_name, dtype_name), repeats)


def products_call(layer_name, size_name, dtype_name):
    """A call doing only the matrix products of manual's `layer_name` in one forward+backward.

    The same shapes and order as manual/rnn.py and manual/lstm.py (input projection, T recurrent
    products forward and T back, then dx, dWx, dWh over all rows), with no elementwise work in
    between: a floor for any numpy implementation of the layer on this BLAS, against which the
    forward+backward targets can be read.
    """
    sizes = SIZES[size_name]
    N, T, D, H = (sizes[letter] for letter in "NTDH")
    G = 4 * H if layer_name == "lstm" else H  # width of the pre-activation a_t
    dtype = DTYPES[dtype_name]
    rng = np.random.default_rng(0)
    x_rows, Wx, Wh = (rng.standard_normal(shape).astype(dtype)
                      for shape in ((T * N, D), (D, G), (H, G)))
    h_rows, da_rows = (rng.standard_normal(shape).astype(dtype)
                       for shape in ((T * N, H), (T * N, G)))
    projected, recurrent, carried = (np.empty(shape, dtype)
                                     for shape in ((T * N, G), (N, G), (N, H)))
    dx_rows = np.empty((T * N, D), dtype)

    def products():
        np.matmul(x_rows, Wx, out=projected)                       # input projection, all t
        for t in range(T):
            np.matmul(h_rows[t * N:(t + 1) * N], Wh, out=recurrent)  # h_{t-1} Wh
        for t in range(T):
            np.matmul(da_rows[t * N:(t + 1) * N], Wh.T, out=carried)  # da_t Wh^T
        np.matmul(da_rows, Wx.T, out=dx_rows)                      # dx
        x_rows.T @ da_rows                                         # dWx
        h_rows.T @ da_rows                                         # dWh

    return products


def read_memory_status():
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status if line.startswith("Vm"))
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM")}  # kB


def memory_probe(spec, threads):
    """In a fresh process: extra resident memory of one forward+backward, after a warm-up."""
    from benchmarks.implementations import RUNNERS
    from rnn_autograd.gradcheck.layers import LAYERS
    layer_name, size_name, dtype_name, implementation = spec.split(":")
    layer = next(layer for layer in LAYERS if layer.name == layer_name)
    context, _ = thread_limits(threads)
    if implementation == "torch":
        import torch
        torch.set_num_threads(threads)
    inputs, upstream = make_case(layer, size_name, dtype_name)
    runner = RUNNERS[implementation](layer, inputs, upstream)
    runner.forward_backward()  # warm-up: compilation, allocator pools, lazy imports
    import gc
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # reset VmHWM to the current VmRSS
    before = read_memory_status()["VmRSS"]
    result = runner.forward_backward()
    peak = read_memory_status()["VmHWM"]
    del result
    print(json.dumps({"peak_extra_mb": (peak - before) / 1024}))


def run_memory(implementations, size_name, dtypes, threads):
    rows = []
    environment = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    for layer_name in MEMORY_LAYERS:
        for dtype_name in dtypes:
            for implementation in implementations:
                spec = f"{layer_name}:{size_name}:{dtype_name}:{implementation}"
                process = subprocess.run(
                    [sys.executable, "-m", "benchmarks.run", "--memory-probe", spec,
                     "--threads", str(threads)],
                    capture_output=True, text=True, env=environment, timeout=600)
                try:
                    megabytes = json.loads(process.stdout.strip().splitlines()[-1])["peak_extra_mb"]
                except (IndexError, ValueError, KeyError):
                    megabytes = None
                rows.append(dict(layer=layer_name, size=size_name, dtype=dtype_name,
                                 implementation=implementation, peak_extra_mb=megabytes,
                                 error=None if megabytes is not None else process.stderr[-500:]))
    return rows


TARGET_LAYER = "lstm"
TARGET_SIZES = ("medium", "large")


def thread_targets(sizes, dtypes, thread_counts, repeats, with_torch):
    """manual's LSTM against PyTorch's at each BLAS thread count, with the products-alone floor.

    For every thread count, size (medium, large) and dtype: one forward+backward of manual, of
    PyTorch and of the matrix products alone, interleaved (measure_together).
    """
    from threadpoolctl import threadpool_limits

    from benchmarks.implementations import RUNNERS
    from rnn_autograd.gradcheck.layers import LAYERS
    layer = next(layer for layer in LAYERS if layer.name == TARGET_LAYER)
    rows = []
    for threads in thread_counts:
        with threadpool_limits(limits=threads):
            if with_torch:
                import torch
                torch.set_num_threads(threads)
            for size_name in [name for name in sizes if name in TARGET_SIZES]:
                for dtype_name in dtypes:
                    inputs, upstream = make_case(layer, size_name, dtype_name)
                    calls = {"manual": RUNNERS["manual"](layer, inputs, upstream).forward_backward,
                             "products": products_call(TARGET_LAYER, size_name, dtype_name)}
                    if with_torch:
                        calls["torch"] = RUNNERS["torch"](layer, inputs, upstream).forward_backward
                    timings = measure_together(calls, repeats)
                    torch_median = timings["torch"]["median"] if with_torch else None
                    rows.append(dict(
                        layer=TARGET_LAYER, size=size_name, dtype=dtype_name, threads=threads,
                        **timings,
                        ratio_to_torch=timings["manual"]["median"] / torch_median
                        if torch_median else None,
                        floor_ratio_to_torch=timings["products"]["median"] / torch_median
                        if torch_median else None))
                    print(format_thread_row(rows[-1]), flush=True)
    return rows


def format_thread_row(row):
    def milliseconds(name):
        timing = row.get(name)
        if not timing:
            return f"{'':15}"
        return f"{timing['median'] * 1e3:9.2f} ±{timing['spread'] * 50:3.0f}%"

    def ratio(value):
        return f"{value:8.2f}" if value is not None else f"{'':8}"

    return (f"  {row['layer']:<6}{row['size']:<7}{row['dtype']:<8}{row['threads']:>3}   "
            f"{milliseconds('manual')}{milliseconds('torch')}{milliseconds('products')}"
            f"{ratio(row['ratio_to_torch'])}{ratio(row['floor_ratio_to_torch'])}")


def allocator_probe(spec, threads):
    """In a fresh process: wall time, page faults and system time of a forward+backward."""
    import resource
    layer_name, size_name, dtype_name, implementation, setting, repeats = spec.split(":")
    if setting == "kept":
        from rnn_autograd.gradcheck.allocator import keep_freed_memory
        if not keep_freed_memory():
            print(json.dumps({"error": "the allocator setting is not available here"}))
            return
    from benchmarks.implementations import RUNNERS
    from rnn_autograd.gradcheck.layers import LAYERS
    layer = next(layer for layer in LAYERS if layer.name == layer_name)
    context, _ = thread_limits(threads)
    inputs, upstream = make_case(layer, size_name, dtype_name)
    call = RUNNERS[implementation](layer, inputs, upstream).forward_backward
    call()  # warm-up
    samples, before = [], resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(int(repeats)):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_SELF)
    calls = len(samples)
    print(json.dumps({"samples": samples,
                      "faults_per_call": (after.ru_minflt - before.ru_minflt) / calls,
                      "system_seconds_per_call": (after.ru_stime - before.ru_stime) / calls}))


ALLOCATOR_SETTINGS = ("glibc default", "kept")
ALLOCATOR_ROUNDS = 2   # fresh processes per setting, alternating: default, kept, kept, default


def run_allocator(implementations, size_name, dtypes, threads, repeats):
    """The LSTM at size_name with glibc's defaults and with keep_freed_memory(), alternating."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("MALLOC_")}  # glibc's defaults, unless set by the probe
    collected = {}
    for round_index in range(ALLOCATOR_ROUNDS):
        order = ALLOCATOR_SETTINGS if round_index % 2 == 0 else ALLOCATOR_SETTINGS[::-1]
        for setting in order:
            for implementation in implementations:
                for dtype_name in dtypes:
                    spec = (f"{TARGET_LAYER}:{size_name}:{dtype_name}:{implementation}:"
                            f"{'kept' if setting == 'kept' else 'default'}:{repeats}")
                    process = subprocess.run(
                        [sys.executable, "-m", "benchmarks.run", "--allocator-probe", spec,
                         "--threads", str(threads)],
                        capture_output=True, text=True, env=environment, timeout=600)
                    try:
                        result = json.loads(process.stdout.strip().splitlines()[-1])
                    except (IndexError, ValueError):
                        result = {"error": process.stderr[-500:]}
                    entry = collected.setdefault((implementation, dtype_name, setting),
                                                 dict(samples=[], faults=[], system=[], error=None))
                    if "error" in result:
                        entry["error"] = result["error"]
                        continue
                    entry["samples"] += result["samples"]
                    entry["faults"].append(result["faults_per_call"])
                    entry["system"].append(result["system_seconds_per_call"])
    rows = []
    for (implementation, dtype_name, setting), entry in collected.items():
        row = dict(layer=TARGET_LAYER, size=size_name, dtype=dtype_name,
                   implementation=implementation, setting=setting, error=entry["error"])
        if entry["samples"]:
            row.update(median=float(np.median(entry["samples"])),
                       faults_per_call=float(np.mean(entry["faults"])),
                       system_seconds_per_call=float(np.mean(entry["system"])))
        rows.append(row)
    for row in rows:
        default = next((other for other in rows if other["setting"] == "glibc default"
                        and (other["implementation"], other["dtype"]) ==
                        (row["implementation"], row["dtype"])), None)
        row["ratio_to_default"] = (row["median"] / default["median"]
                                   if default and "median" in row and "median" in default else None)
    return rows


def gradcheck_cost():
    """Wall time of `rnn-gradcheck` with default settings, or why it could not run."""
    command = shutil.which("rnn-gradcheck")
    if command is None:
        return dict(status="not available (rnn-gradcheck is not on PATH)")
    start = time.perf_counter()
    try:
        process = subprocess.run([command], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        return dict(status=f"not available ({type(error).__name__}: {error})")
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        tail = (process.stderr or process.stdout).strip().splitlines()[-1:] or [""]
        return dict(status=f"not available (exit code {process.returncode}: {tail[0][:200]})",
                    seconds=seconds)
    return dict(status="ok", seconds=seconds, summary=process.stdout.strip().splitlines()[-1:])


def finite_difference_cost(size_names, repeats):
    """Central differences along every coordinate of the LSTM's b vs one autograd gradient."""
    from autograd import make_vjp

    from rnn_autograd.gradcheck.layers import LAYERS
    layer = next(layer for layer in LAYERS if layer.name == "lstm")
    rows = []
    for size_name in size_names:
        inputs, upstream = make_case(layer, size_name, "float64")
        dh = upstream["dh"]
        others = {name: value for name, value in inputs.items() if name != "b"}

        def loss(b):
            return np.sum(layer.reference(b=b, **others) * dh)  # <dh, h>: its gradient is the VJP

        def finite_difference():
            b = inputs["b"].copy()
            step = 1e-6  # central differences: truncation ~ step^2, rounding ~ 1e-16 / step
            gradient = np.empty_like(b)
            for k in range(b.size):
                saved = b[k]
                b[k] = saved + step
                plus = loss(b)
                b[k] = saved - step
                minus = loss(b)
                b[k] = saved
                gradient[k] = (plus - minus) / (2 * step)
            return gradient

        def autograd_gradient():
            vjp, _ = make_vjp(loss)(inputs["b"])
            return vjp(1.0)

        error = disagreement((finite_difference(),), (autograd_gradient(),))
        fd = measure(finite_difference, max(1, repeats // 2))
        ad = measure(autograd_gradient, repeats)
        rows.append(dict(size=size_name, coordinates=int(inputs["b"].size),
                         finite_difference_seconds=fd["median"],
                         autograd_seconds=ad["median"], ratio=fd["median"] / ad["median"],
                         relative_disagreement=error))
    return rows


def embedding_against_add_at(size_names, dtypes, repeats):
    """manual's word_embedding_backward vs np.add.at: time, and exactness with repeated indices."""
    import manual
    from rnn_autograd.gradcheck.layers import LAYERS
    layer = next(layer for layer in LAYERS if layer.name == "word_embedding")
    rows = []
    for size_name in size_names:
        for dtype_name in dtypes:
            inputs, upstream = make_case(layer, size_name, dtype_name)
            W = inputs["W"]
            # Draw from at most N*T/2 words: repeated indices are certain (pigeonhole).
            rng = np.random.default_rng(list(SIZES).index(size_name))
            words = max(2, min(W.shape[0], inputs["x"].size // 2))
            x = rng.integers(0, words, size=inputs["x"].shape)
            _, cache = manual.word_embedding_forward(x, W)
            # Small integers: every order of summation gives the same exact float, so the
            # comparison with np.add.at can be exact equality.
            dout = np.round(upstream["dout"] * 4).astype(W.dtype)

            def with_add_at():
                dW = np.zeros_like(W)
                np.add.at(dW, x, dout)
                return dW

            exact = bool(np.array_equal(manual.word_embedding_backward(dout, cache), with_add_at()))
            ours = measure(lambda: manual.word_embedding_backward(dout, cache), repeats)
            theirs = measure(with_add_at, repeats)
            rows.append(dict(size=size_name, dtype=dtype_name, manual_seconds=ours["median"],
                             add_at_seconds=theirs["median"],
                             ratio=ours["median"] / theirs["median"], exact=exact,
                             repeated_indices=int(x.size - np.unique(x).size)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--layers", default="",
                        help="comma-separated registry names (default: all)")
    parser.add_argument("--implementations", default=",".join(IMPLEMENTATIONS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json", default="benchmark-results.json")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the peak-memory subprocesses")
    parser.add_argument("--no-verification-cost", action="store_true",
                        help="skip timing rnn-gradcheck and finite differences")
    parser.add_argument("--target-threads", default="1,2",
                        help="BLAS thread counts at which the LSTM targets are timed again "
                             "(default 1,2; empty to skip)")
    parser.add_argument("--no-allocator", action="store_true",
                        help="skip the allocator subprocesses (glibc default vs kept memory)")
    parser.add_argument("--memory-probe", default="", help=argparse.SUPPRESS)
    parser.add_argument("--allocator-probe", default="", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    if options.threads == 1:  # before JAX is imported anywhere
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                                   + " --xla_cpu_multi_thread_eigen=false"
                                   " intra_op_parallelism_threads=1")
    if options.memory_probe:
        return memory_probe(options.memory_probe, options.threads)
    if options.allocator_probe:
        return allocator_probe(options.allocator_probe, options.threads)

    from benchmarks.implementations import RUNNERS, available, runs_on
    from rnn_autograd.gradcheck.layers import LAYERS

    sizes = [name for name in options.sizes.split(",") if name]
    dtypes = [name for name in options.dtypes.split(",") if name]
    for name in sizes:
        if name not in SIZES:
            parser.error(f"unknown size {name!r}; choose from {', '.join(SIZES)}")
    for name in dtypes:
        if name not in DTYPES:
            parser.error(f"unknown dtype {name!r}; choose from {', '.join(DTYPES)}")
    installed = available()
    implementations = [name for name in options.implementations.split(",")
                       if name in ("manual", "rnn_autograd") or name in installed]
    skipped = [name for name in options.implementations.split(",") if name not in implementations]
    layers = [layer for layer in LAYERS
              if (not options.layers or layer.name in options.layers.split(","))
              and runs_on("manual", layer)]

    context, blas = thread_limits(options.threads)
    versions = {}
    if "torch" in implementations:
        import torch
        torch.set_num_threads(options.threads)
        versions["torch"] = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    if "jax" in implementations:
        import jax
        versions["jax"] = f"{jax.__version__} (XLA CPU, {jax.local_device_count()} device)"
    machine = machine_description()
    print(f"machine: {machine['cpu']}, {machine['cores']} cores; Python {machine['python']}, "
          f"numpy {machine['numpy']}")
    print(f"threads: {options.threads} for every implementation; numpy BLAS: {blas}")
    for name, version in versions.items():
        print(f"{name}: {version}")
    if skipped:
        print(f"not installed, skipped: {', '.join(skipped)}")
    print("sizes: " + "; ".join(f"{name} " + ", ".join(f"{k}={v}" for k, v in SIZES[name].items())
                                for name in sizes))
    print(f"timing: 1 warm-up, median of {options.repeats} repeats "
          f"(each >= {MIN_REPEAT_SECONDS}s); agreement with manual before timing: {TOLERANCES}")

    # The peak is measured before and after the layers (best of both): a burst of load from
    # another process during one measurement would otherwise make every fraction look better.
    peaks = {name: peak_gflops(DTYPES[name], options.repeats) for name in dtypes}

    results, failures = [], []
    print(f"matrix-product peak measured before the layers ({PEAK_MATRIX_SIZE}^3, best repeat): " +
          ", ".join(f"{name} {value:.1f} GFLOP/s" for name, value in peaks.items()) +
          "; the table's %peak column uses this one")
    header = (f"{'layer':<22}{'size':<7}{'dtype':<8}{'implementation':<14}{'forward ms':>14}"
              f"{'fwd+bwd ms':>14}{'/torch':>8}{'/manual':>8}{'GFLOP/s':>9}{'%peak':>7}")
    print()
    print(header)
    print("-" * len(header))
    for size_name in sizes:
        for dtype_name in dtypes:
            for layer in layers:
                inputs, upstream = make_case(layer, size_name, dtype_name)
                runners = {}
                reference = None
                for implementation in implementations:
                    if not runs_on(implementation, layer):
                        continue
                    runner = RUNNERS[implementation](layer, inputs, upstream)
                    outputs = runner.outputs_of(runner.forward())
                    gradients = runner.gradients_of(runner.forward_backward())
                    if reference is None:
                        reference = (outputs, gradients)
                    error = max(disagreement(outputs, reference[0]),
                                disagreement(gradients, reference[1]))
                    if not error <= TOLERANCES[dtype_name]:
                        failures.append(f"{implementation} {layer.name} {size_name} {dtype_name}: "
                                        f"disagrees with manual by {error:.2e}")
                        print(f"{layer.name:<22}{size_name:<7}{dtype_name:<8}{implementation:<14}"
                              f"  DISAGREES with manual by {error:.2e}: not timed")
                        continue
                    runners[implementation] = (runner, error)
                forwards = measure_together(
                    {name: runner.forward for name, (runner, _) in runners.items()},
                    options.repeats)
                boths = measure_together(
                    {name: runner.forward_backward for name, (runner, _) in runners.items()},
                    options.repeats)
                timed = {name: dict(forward=forwards[name], forward_backward=boths[name],
                                    disagreement=error) for name, (_, error) in runners.items()}
                flops = matmul_flops(layer, SIZES[size_name], "forward_backward")
                for implementation, timing in timed.items():
                    both = timing["forward_backward"]["median"]
                    row = dict(layer=layer.name, size=size_name, dtype=dtype_name,
                               implementation=implementation, **timing,
                               matmul_flops_forward_backward=flops,
                               gflops=flops / both / 1e9 if flops else None,
                               fraction_of_peak=flops / both / 1e9 / peaks[dtype_name]
                               if flops else None,
                               ratio_to_torch=both / timed["torch"]["forward_backward"]["median"]
                               if "torch" in timed else None,
                               ratio_to_manual=both / timed["manual"]["forward_backward"]["median"]
                               if "manual" in timed else None)
                    results.append(row)
                    print(format_row(row))
    peaks_after = {name: peak_gflops(DTYPES[name], options.repeats) for name in dtypes}
    print("matrix-product peak measured after the layers: " +
          ", ".join(f"{name} {value:.1f} GFLOP/s" for name, value in peaks_after.items()))
    peaks = {name: max(peaks[name], peaks_after[name]) for name in dtypes}
    for row in results:
        if row["gflops"]:
            row["fraction_of_peak"] = row["gflops"] / peaks[row["dtype"]]
    print("%peak of the sequence layers against the best peak: " + "; ".join(
        f"{row['layer']} {row['size']} {row['dtype']} {row['implementation']} "
        f"{row['fraction_of_peak'] * 100:.0f}%"
        for row in results if row["layer"] in MEMORY_LAYERS and row["size"] == "large"))
    print()

    floors = []
    if "large" in sizes:
        for dtype_name in dtypes:
            for layer_name in MEMORY_LAYERS:
                if not any(row["layer"] == layer_name for row in results):
                    continue
                timing = products_alone(layer_name, "large", dtype_name, options.repeats)
                layer = next(layer for layer in LAYERS if layer.name == layer_name)
                flops = matmul_flops(layer, SIZES["large"], "forward_backward")
                row = dict(layer=layer_name, size="large", dtype=dtype_name, products=timing,
                           fraction_of_peak=flops / timing["median"] / 1e9 / peaks[dtype_name])
                for implementation in ("manual", "torch"):
                    both = next((result["forward_backward"]["median"] for result in results
                                 if (result["layer"], result["size"], result["dtype"],
                                     result["implementation"]) ==
                                 (layer_name, "large", dtype_name, implementation)), None)
                    row[f"ratio_to_{implementation}"] = timing["median"] / both if both else None
                floors.append(row)
        print("the matrix products of manual's forward+backward alone, same shapes, no "
              "elementwise work (a floor for numpy on this BLAS):")
        for row in floors:
            ratios = ", ".join(f"{row[f'ratio_to_{name}']:.2f}x {name}'s whole forward+backward"
                               for name in ("manual", "torch") if row[f"ratio_to_{name}"])
            print(f"  {row['layer']:<6}large {row['dtype']:<9}"
                  f"{row['products']['median'] * 1e3:8.1f} ms"
                  f" ±{row['products']['spread'] * 50:3.0f}%,"
                  f" {row['fraction_of_peak'] * 100:3.0f}% of peak"
                  f" = {ratios}")
        print()

    target_threads = [int(value) for value in options.target_threads.split(",") if value]
    by_threads = []
    if target_threads and any(name in TARGET_SIZES for name in sizes):
        print(f"the LSTM targets again at {', '.join(map(str, target_threads))} BLAS thread(s): "
              "manual, PyTorch and the matrix products alone (the floor), interleaved; ms:")
        print(f"  {'layer':<6}{'size':<7}{'dtype':<8}{'thr':>3}   {'manual':>15}{'torch':>15}"
              f"{'products':>15}{'/torch':>8}{'floor/t':>8}")
        by_threads = thread_targets(sizes, dtypes, target_threads, options.repeats,
                                    "torch" in implementations)
        if "torch" in implementations:
            import torch
            torch.set_num_threads(options.threads)  # back to the table's setting
        print()

    allocator = []
    if not options.no_allocator and "large" in sizes:
        # One BLAS thread: on a shared machine, threads that wait for each other would
        # measure the scheduler more than the allocator.
        allocator = run_allocator([name for name in ("rnn_autograd", "manual")
                                   if name in implementations], "large", dtypes,
                                  1, max(3, options.repeats // 2))
        print(f"the allocator: {TARGET_LAYER} large forward+backward in fresh processes "
              f"({ALLOCATOR_ROUNDS} per setting, alternating, 1 BLAS thread), glibc's defaults "
              "against the commands' keep_freed_memory():")
        for row in allocator:
            if "median" not in row:
                print(f"  {row['implementation']:<14}{row['dtype']:<9}{row['setting']:<15}"
                      f"failed: {row['error']}")
                continue
            ratio = f"{row['ratio_to_default']:.2f}x" if row["ratio_to_default"] else ""
            print(f"  {row['implementation']:<14}{row['dtype']:<9}{row['setting']:<15}"
                  f"{row['median'] * 1e3:9.1f} ms {ratio:>6}  {row['faults_per_call']:8.0f} page "
                  f"faults, {row['system_seconds_per_call'] * 1e3:5.0f} ms system time per call")
        print()

    memory = []
    if not options.no_memory and "large" in sizes:
        memory = run_memory(implementations, "large", dtypes, options.threads)
        print("peak extra resident memory of one forward+backward at large "
              "(VmHWM - VmRSS in a fresh subprocess, MB):")
        for row in memory:
            value = f"{row['peak_extra_mb']:.1f}" if row["peak_extra_mb"] is not None else "failed"
            print(f"  {row['layer']:<6}{row['dtype']:<9}{row['implementation']:<14}{value:>8}")
        print()

    embedding = embedding_against_add_at(sizes, dtypes, options.repeats)
    print("word_embedding_backward vs np.add.at (exact: equal bits with repeated indices):")
    for row in embedding:
        print(f"  {row['size']:<7}{row['dtype']:<9}manual {row['manual_seconds'] * 1e3:8.3f} ms  "
              f"np.add.at {row['add_at_seconds'] * 1e3:8.3f} ms  ratio {row['ratio']:.2f}  "
              f"exact {row['exact']}  ({row['repeated_indices']} repeated indices)")
    print()

    verification = {}
    if not options.no_verification_cost:
        verification["gradcheck"] = gradcheck_cost()
        check = verification["gradcheck"]
        print("rnn-gradcheck, 14 functions, default cases: " +
              (f"{check['seconds']:.2f} s" if check["status"] == "ok" else check["status"]))
        fd_sizes = [name for name in ("small", "medium") if name in sizes] or ["small"]
        verification["finite_difference"] = finite_difference_cost(fd_sizes, options.repeats)
        for row in verification["finite_difference"]:
            print(f"finite differences on lstm b ({row['coordinates']} coordinates, "
                  f"{row['size']}): {row['finite_difference_seconds'] * 1e3:.1f} ms "
                  "vs one autograd gradient "
                  f"{row['autograd_seconds'] * 1e3:.2f} ms: {row['ratio']:.0f}x "
                  f"(agree to {row['relative_disagreement']:.1e})")

    report = dict(machine=machine, threads=options.threads, blas=blas, versions=versions,
                  sizes={name: SIZES[name] for name in sizes}, tolerances=TOLERANCES,
                  repeats=options.repeats, peak_gflops=peaks, results=results, memory=memory,
                  products_alone=floors, thread_targets=by_threads, allocator=allocator,
                  embedding_backward=embedding, verification=verification, failures=failures)
    if options.json:
        with open(options.json, "w") as output:
            json.dump(report, output, indent=1)
        print(f"\nwrote {options.json}")
    if context is not None:
        context.restore_original_limits()
    if failures:
        print("\nDISAGREEMENTS:\n  " + "\n  ".join(failures))
        return 1
    return 0


def format_row(row):
    def milliseconds(timing):
        return f"{timing['median'] * 1e3:8.3f} ±{timing['spread'] * 50:3.0f}%"

    def ratio(value):
        return f"{value:8.2f}" if value is not None else f"{'':8}"

    gflops = f"{row['gflops']:9.1f}" if row["gflops"] else f"{'':9}"
    peak = f"{row['fraction_of_peak'] * 100:6.0f}%" if row["fraction_of_peak"] else f"{'':7}"
    return (f"{row['layer']:<22}{row['size']:<7}{row['dtype']:<8}{row['implementation']:<14}"
            f"{milliseconds(row['forward']):>14}{milliseconds(row['forward_backward']):>14}"
            f"{ratio(row['ratio_to_torch'])}{ratio(row['ratio_to_manual'])}{gflops}{peak}")


if __name__ == "__main__":
    sys.exit(main())
