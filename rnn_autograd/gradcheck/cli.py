"""`rnn-gradcheck`: check an implementation of the seed's 14 functions against autograd.

    rnn-gradcheck                                  # the bundled `manual` package
    rnn-gradcheck --impl my_rnn_layers.py          # your own file
    rnn-gradcheck --impl my_rnn_layers.py --only lstm_step_backward --json report.json

Exit status: 0 every checked function passes; 1 any fails, raises or is not implemented;
2 the check cannot run at all (the file cannot be imported, bad arguments).
"""
import argparse
import json
import os
import sys

from rnn_autograd.gradcheck.api import DEFAULT_TIME_LIMIT, check_implementation
from rnn_autograd.gradcheck.cases import DEFAULT_CASES
from rnn_autograd.gradcheck.loading import LoadError
from rnn_autograd.gradcheck.report import HEADER, render_failure, render_notes, render_row, render_summary
from rnn_autograd.gradcheck.layers import SEED_FUNCTIONS


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every other can't-run case
        self.exit(2, f"rnn-gradcheck: error: {message} (see rnn-gradcheck --help)\n")


def build_parser():
    parser = _Parser(
        prog="rnn-gradcheck",
        description="Check forward values and hand-written gradients of the seed's RNN/LSTM layer "
                    "functions against HIPS autograd, and say where a wrong gradient goes wrong.",
        epilog="seed functions: " + ", ".join(SEED_FUNCTIONS))
    parser.add_argument("--impl", default="manual", metavar="FILE_OR_MODULE",
                        help="a .py file or an importable module defining some or all of the 14 seed "
                             "functions (default: the bundled manual package)")
    parser.add_argument("--only", metavar="NAME[,NAME...]",
                        help="check only these seed functions (comma separated)")
    parser.add_argument("--cases", type=_positive_int, default=DEFAULT_CASES, metavar="N",
                        help=f"cases per function (default {DEFAULT_CASES})")
    parser.add_argument("--seed", type=_non_negative_int, default=0, metavar="S",
                        help="seed of the case generator (default 0)")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH ('-' = stdout)")
    parser.add_argument("--numeric", action="store_true",
                        help="also compare every gradient with finite differences (slower)")
    parser.add_argument("--dtype", choices=("both", "float64", "float32"), default="both",
                        help="dtypes of the cases (default both: float64, and some float32)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                        help=f"seconds per function before it counts as hanging (default {DEFAULT_TIME_LIMIT:g})")
    parser.add_argument("--replay", metavar="CASE",
                        help="run one case, as printed after a failure (e.g. N=1,T=2,D=1,H=1,seed=3,dtype=float64)")
    parser.add_argument("--plot", metavar="DIR",
                        help="write a PNG heatmap of the gradient error of each failing function to DIR "
                             "(needs matplotlib)")
    parser.add_argument("--quiet", action="store_true", help="print only failing rows and the summary")
    return parser


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
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


def main(argv=None):
    try:
        return _main(argv)
    except BrokenPipeError:  # output piped into `head` and cut: stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv):
    args = build_parser().parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
    if only:
        unknown = [name for name in only if name not in SEED_FUNCTIONS]
        if unknown:
            print(f"rnn-gradcheck: error: unknown function name(s) in --only: {', '.join(unknown)}; "
                  f"expected some of: {', '.join(SEED_FUNCTIONS)}", file=sys.stderr)
            return 2
    dtypes = ("float64", "float32") if args.dtype == "both" else (args.dtype,)
    to_stdout_json = args.json == "-"
    out = sys.stderr if to_stdout_json else sys.stdout
    progress = _Progress(sys.stderr)

    if args.plot:
        from rnn_autograd.gradcheck.heatmaps import INSTALL_HINT
        try:
            import matplotlib  # noqa: F401  fail before the check, not after it
        except ImportError:
            print(f"rnn-gradcheck: error: --plot needs matplotlib, which is not installed: {INSTALL_HINT}",
                  file=sys.stderr)
            return 2
    header = [f"rnn-gradcheck: checking {args.impl} against the rnn_autograd reference "
              f"({'replaying one case' if args.replay else f'{args.cases} cases per function'}, "
              f"seed {args.seed})", HEADER]

    def print_header_once():
        while header:  # printed once the implementation has loaded, so a load error stands alone
            print(header.pop(0), file=out, flush=True)

    def on_progress(function, index, total):
        print_header_once()
        progress(function, index, total)

    def on_result(result):
        progress.clear()
        print_header_once()
        if args.quiet and result.status in ("pass", "missing"):
            return
        print(render_row(result), file=out, flush=True)
        if result.status in ("fail", "error", "not_implemented") and (result.diagnosis or result.replay):
            print(render_failure(result), file=out, flush=True)
        if result.notes:
            print(render_notes(result), file=out, flush=True)

    try:
        from rnn_autograd.gradcheck.cases import Case
        if args.replay:
            Case.parse(args.replay)
        report = check_implementation(args.impl, only=only, cases=args.cases, seed=args.seed,
                                      numeric=args.numeric, time_limit=args.time_limit, dtypes=dtypes,
                                      replay=args.replay, progress=on_progress, on_result=on_result)
    except LoadError as error:
        progress.clear()
        print(f"rnn-gradcheck: error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        progress.clear()
        print(f"rnn-gradcheck: error: {error}", file=sys.stderr)
        return 2
    if not report.checked:
        print(f"rnn-gradcheck: error: {args.impl} defines none of the seed functions "
              f"({', '.join(SEED_FUNCTIONS[:3])}, ...)", file=sys.stderr)
        return 2
    print(render_summary(report), file=out, flush=True)
    if args.plot:
        _plot(report, args.plot, out)
    if args.json:
        text = json.dumps(report.to_json(), indent=2)
        if to_stdout_json:
            print(text)
        else:
            with open(args.json, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
    return 0 if report.ok else 1


def _plot(report, directory, out):
    """--plot DIR: a heatmap of the gradient error per timestep and unit for each failing function."""
    from rnn_autograd.gradcheck.heatmaps import write_heatmaps
    for path in write_heatmaps(report, directory, out):
        print(f"wrote {path}", file=out)


if __name__ == "__main__":
    sys.exit(main())
