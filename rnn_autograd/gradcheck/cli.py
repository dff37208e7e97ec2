"""`rnn-gradcheck`: check an implementation of the assignment's 14 functions against autograd.

    rnn-gradcheck                                  # the bundled `manual` package
    rnn-gradcheck --impl my_rnn_layers.py          # your own file
    rnn-gradcheck --impl my_rnn_layers.py --only lstm_step_backward --json report.json

Exit status: 0 every checked function passes or only warns; 1 any fails, raises or is not
implemented (or warns, with --strict); 2 the check cannot run at all (the file cannot be
imported, bad arguments, an output that cannot be written); 3 an internal error of the checker;
130 interrupted (Ctrl-C).
"""
import argparse
import json
import os
import sys
from collections.abc import Sequence

import rnn_autograd
from rnn_autograd.gradcheck.allocator import keep_freed_memory
from rnn_autograd.gradcheck.api import DEFAULT_TIME_LIMIT, check_implementation
from rnn_autograd.gradcheck.arguments import non_negative_int, positive_int, seconds
from rnn_autograd.gradcheck.cases import DEFAULT_CASES
from rnn_autograd.gradcheck.executors import DEFAULT_MEMORY_LIMIT
from rnn_autograd.gradcheck.layers import ALL_FUNCTIONS, SEED_FUNCTIONS
from rnn_autograd.gradcheck.loading import LoadError
from rnn_autograd.gradcheck.report import (
    HEADER,
    has_details,
    junit_xml,
    render_failure,
    render_notes,
    render_row,
    render_summary,
)

INTERNAL_ERROR = 3  # the checker itself failed: not "the implementation fails" (1), not usage (2)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every other can't-run case
        self.exit(2, f"rnn-gradcheck: error: {message} (see rnn-gradcheck --help)\n")


def build_parser():
    parser = _Parser(
        prog="rnn-gradcheck",
        description="Check forward values and hand-written gradients of the assignment's RNN/LSTM "
                    "layer functions (rnn_layers.py) against HIPS autograd, and say where a wrong "
                    "gradient goes wrong.",
        epilog="the assignment's functions: " + ", ".join(SEED_FUNCTIONS)
               + " (and affine_forward, affine_backward where the file has them). "
               "To grade a class of submissions: rnn-gradcheck grade --help")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {rnn_autograd.__version__}")
    parser.add_argument("--model", metavar="PATH",
                        help="check a captioning model instead: the course's classifiers/rnn.py "
                             "(CaptioningRNN.loss and .sample; --only loss,sample)")
    parser.add_argument("--impl", default=None, metavar="FILE_OR_MODULE",
                        help="a .py file or an importable module defining some or all of the 14 "
                             "functions (default: the bundled manual package)")
    parser.add_argument("--only", metavar="NAME[,NAME...]",
                        help="check only these functions (comma separated); a named function the "
                             "file does not define fails")
    parser.add_argument("--strict", action="store_true",
                        help="warnings fail too (float32 results, writes into arguments, a second "
                             "backward that differs, instability far outside the course's range)")
    parser.add_argument("--require-all", action="store_true",
                        help="a function the file does not define fails "
                             "(default: listed as missing)")
    parser.add_argument("--junit", metavar="PATH", help="also write a JUnit XML report to PATH")
    parser.add_argument("--in-process", action="store_true",
                        help="run the implementation in the checker's own process (faster start; "
                             "default: a worker process of its own, which nothing it does can "
                             "escape)")
    parser.add_argument("--memory-limit", type=positive_int, default=DEFAULT_MEMORY_LIMIT // 2**20,
                        metavar="MB", help="memory the worker process may take, in MB "
                                           f"(default {DEFAULT_MEMORY_LIMIT // 2**20})")
    parser.add_argument("--cases", type=_case_count, default=DEFAULT_CASES, metavar="N",
                        help=f"cases per function (default {DEFAULT_CASES})")
    parser.add_argument("--seed", type=non_negative_int, default=0, metavar="S",
                        help="seed of the case generator (default 0)")
    parser.add_argument("--json", metavar="PATH",
                        help="also write the report as JSON to PATH ('-' = stdout)")
    parser.add_argument("--numeric", action="store_true",
                        help="also compare every gradient with finite differences (slower)")
    parser.add_argument("--dtype", choices=("both", "float64", "float32"), default="both",
                        help="dtypes of the cases (default both: float64, and some float32)")
    parser.add_argument("--time-limit", type=seconds, default=DEFAULT_TIME_LIMIT,
                        metavar="SECONDS",
                        help="seconds per call before it counts as hanging "
                             f"(default {DEFAULT_TIME_LIMIT:g})")
    parser.add_argument("--size", metavar="SIZES",
                        help="also check a few cases at the sizes you run: small, medium, large "
                             "(the benchmark's) or N=64,T=50,D=256,H=512; the tolerance grows with "
                             "the sizes and is stated")
    parser.add_argument("--size-only", action="store_true",
                        help="with --size: only the cases at that size, not the random small ones")
    parser.add_argument("--replay", metavar="CASE",
                        help="run one case, as printed after a failure "
                             "(e.g. N=1,T=2,D=1,H=1,seed=3,dtype=float64)")
    parser.add_argument("--plot", metavar="DIR",
                        help="write a PNG heatmap of the gradient error of each failing function "
                             "to DIR (needs matplotlib)")
    parser.add_argument("--quiet", action="store_true",
                        help="print only failing rows and the summary")
    return parser


MAX_CASES = 100_000  # per function: 10,000 take about three minutes for all 14 in process


def _case_count(text):
    value = positive_int(text)
    if value > MAX_CASES:
        raise argparse.ArgumentTypeError(f"at most {MAX_CASES:,} cases per function, got {value:,}")
    return value


class _Progress:
    """Shows the function and case being checked on an interactive terminal."""

    def __init__(self, stream):
        self.stream = stream
        self.live = stream.isatty()

    def __call__(self, function, index, total):
        if self.live:
            self.stream.write(f"\r  checking {function} case {index + 1}/{total} ...\033[K")
            self.stream.flush()

    def clear(self):
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `rnn-gradcheck` (and of `rnn-gradcheck grade`); returns the exit status."""
    keep_freed_memory()  # this process is the command's own: see allocator.py
    if (sys.argv[1:] if argv is None else list(argv))[:1] == ["grade"]:  # `rnn-gradcheck grade ...`
        from rnn_autograd.gradcheck.grading import main as grade
        return grade((sys.argv[1:] if argv is None else list(argv))[1:])
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C: the rows printed so far stand; 130 as shells expect
        print("\nrnn-gradcheck: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001  a bug of the checker itself: its own exit code
        print(f"rnn-gradcheck: internal error: {type(error).__name__}: {error} (please report it)",
              file=sys.stderr)
        return INTERNAL_ERROR


def _main(argv):
    args = build_parser().parse_args(argv)
    if args.model and args.impl:
        print("rnn-gradcheck: error: --model and --impl check different things; give one of them",
              file=sys.stderr)
        return 2
    args.impl = args.impl or "manual"
    names = ("loss", "sample") if args.model else ALL_FUNCTIONS
    only = None
    if args.only is not None:
        only = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in only if name not in names]
        if unknown or not only:
            what = (f"unknown name(s) in --only: {', '.join(unknown)}" if unknown
                    else "--only names nothing")
            print(f"rnn-gradcheck: error: {what}; expected some of: {', '.join(names)}",
                  file=sys.stderr)
            return 2
    if args.size_only and not args.size:
        print("rnn-gradcheck: error: --size-only needs --size (such as --size large)",
              file=sys.stderr)
        return 2
    if args.replay is not None and not args.replay.strip():
        print("rnn-gradcheck: error: --replay needs a case, such as "
              "N=1,T=2,D=1,H=1,seed=0,dtype=float64", file=sys.stderr)
        return 2
    outputs = [path for path in (args.json, args.junit) if path and path != "-"]
    if args.plot:
        outputs.append(os.path.join(args.plot, "x.png") if os.path.isdir(args.plot) else args.plot)
    for path in outputs:
        problem = _unwritable(path)
        if problem:
            print(f"rnn-gradcheck: error: cannot write {path}: {problem}", file=sys.stderr)
            return 2
    json_path = os.path.abspath(args.json) if args.json and args.json != "-" else args.json
    junit_path = os.path.abspath(args.junit) if args.junit else None
    plot_path = os.path.abspath(args.plot) if args.plot else None
    dtypes = ("float64", "float32") if args.dtype == "both" else (args.dtype,)
    to_stdout_json = args.json == "-"
    out = sys.stderr if to_stdout_json else sys.stdout
    progress = _Progress(sys.stderr)

    if args.plot:
        from rnn_autograd.gradcheck.heatmaps import INSTALL_HINT
        try:
            import matplotlib  # noqa: F401  fail before the check, not after it
        except ImportError:
            print("rnn-gradcheck: error: --plot needs matplotlib, which is not installed: "
                  f"{INSTALL_HINT}", file=sys.stderr)
            return 2
    if args.model:
        return _check_model(args, only, dtypes, out, json_path, junit_path)
    header = [f"rnn-gradcheck: checking {args.impl} against the rnn_autograd reference "
              f"({'replaying one case' if args.replay else f'{args.cases} cases per function'}, "
              f"seed {args.seed})", HEADER]

    def print_header_once():
        while header:  # printed once the implementation has loaded, so a load error stands alone
            _say(header.pop(0), out)

    def on_progress(function, index, total):
        print_header_once()
        progress(function, index, total)

    def on_result(result):
        progress.clear()
        print_header_once()
        if args.quiet and result.status in ("pass", "missing"):
            return
        _say(render_row(result), out)
        if has_details(result) and (result.diagnosis or result.replay):
            _say(render_failure(result), out)
        notes = render_notes(result)
        if notes:
            _say(notes, out)

    try:
        from rnn_autograd.gradcheck.cases import Case
        if args.replay:
            Case.parse(args.replay)
        report = check_implementation(args.impl, only=only, cases=args.cases, seed=args.seed,
                                      numeric=args.numeric, time_limit=args.time_limit,
                                      dtypes=dtypes, replay=args.replay, progress=on_progress,
                                      on_result=on_result,
                                      strict=args.strict, require_all=args.require_all,
                                      in_process=args.in_process, size=args.size,
                                      size_only=args.size_only,
                                      memory_limit=args.memory_limit * 2**20,
                                      on_load=lambda notes: [_say(f"note: {note}", out)
                                                             for note in notes])
    except LoadError as error:
        progress.clear()
        print(f"rnn-gradcheck: error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        progress.clear()
        print(f"rnn-gradcheck: error: {error}", file=sys.stderr)
        return 2
    if not report.checked:
        print(f"rnn-gradcheck: error: {args.impl} defines none of the assignment's functions "
              f"({', '.join(SEED_FUNCTIONS[:3])}, ...)", file=sys.stderr)
        return 2
    _say(render_summary(report), out)
    if plot_path:
        _plot(report, plot_path, out)
    if json_path:
        text = json.dumps(report.to_json(), indent=2)
        if to_stdout_json:
            _say(text, sys.stdout)
        else:
            _write(json_path, text + "\n")
    if junit_path:
        _write(junit_path, junit_xml(report) + "\n")
    return 0 if report.ok else 1


def _check_model(args, only, dtypes, out, json_path, junit_path):
    """--model PATH: the captioning model's loss and sample, with the same rows and exit codes."""
    from rnn_autograd.gradcheck.model import check_model
    _say(f"rnn-gradcheck: checking the captioning model of {args.model} against the rnn_autograd "
         f"reference (seed {args.seed})", out)
    _say(HEADER.replace("function", "part    ", 1), out)

    def on_result(result):
        _say(render_row(result), out)
        if has_details(result) and (result.diagnosis or result.replay):
            _say(render_failure(result), out)
    try:
        options = {} if args.cases == DEFAULT_CASES else {"cases": args.cases}
        report = check_model(args.model, only=only, seed=args.seed, time_limit=args.time_limit,
                             dtypes=dtypes, replay=args.replay, on_result=on_result,
                             strict=args.strict, **options)
    except (LoadError, ValueError) as error:
        print(f"rnn-gradcheck: error: {error}", file=sys.stderr)
        return 2
    _say(render_summary(report).replace(" function", " part"), out)
    if json_path:
        text = json.dumps(report.to_json(), indent=2)
        if json_path == "-":
            _say(text, sys.stdout)
        else:
            _write(json_path, text + "\n")
    if junit_path:
        _write(junit_path, junit_xml(report) + "\n")
    return 0 if report.ok else 1


def _say(text, stream):
    """Print a line of the report; if the reader went away (`| head -1`), go on without it, so
    that the exit status is still the verdict."""
    try:
        print(text, file=stream, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())


def _unwritable(path):
    """Why `path` cannot be written (checked before the check runs), or None."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return "it is a folder"
    if not os.path.isdir(folder):
        return f"no such folder {folder}"
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return "permission denied"
    return None


def _write(path, text):
    """Write a whole file at once: a temporary file beside it, then renamed over it."""
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def _plot(report, directory, out):
    """--plot DIR: a heatmap of the gradient error per timestep and unit for each failing
    function."""
    from rnn_autograd.gradcheck.heatmaps import write_heatmaps
    for path in write_heatmaps(report, directory, out):
        print(f"wrote {path}", file=out)


if __name__ == "__main__":
    sys.exit(main())
