"""`rnn-gradcheck grade`: check a class of submissions, one fresh process each, and grade them.

    rnn-gradcheck grade submissions/ --jobs 2                    # -> grades.csv, and a summary
    rnn-gradcheck grade /autograder/submission --gradescope /autograder/results/results.json

What a submission is, and how each is checked in a process of its own: `submissions.py`. This
module turns the checker's JSON reports into grades. A function earns its points when its
status is `pass`, or `warn` unless --strict; every other status earns none. It writes the CSV,
Gradescope's results.json and the summary. Bad input is found before anything runs, and every
file is written whole or not at all.

Exit status: 0 the run completed (whatever the grades); 2 bad input (nothing checked, no file
written); 3 an internal error of the grader; 130 interrupted (Ctrl-C: no file written).
"""
import argparse
import csv
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import rnn_autograd
from rnn_autograd.gradcheck.arguments import non_negative_int, positive_int, seconds
from rnn_autograd.gradcheck.layers import ALL_FUNCTIONS, OPTIONAL_FUNCTIONS, SEED_FUNCTIONS
from rnn_autograd.gradcheck.submissions import (
    BadInput,
    Runner,
    checker_arguments,
    checker_starts,
    find_submissions,
    last_line,
    run_all,
)

PROG = "rnn-gradcheck grade"
EXIT_COMPLETED = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 3
EXIT_INTERRUPTED = 130
# The whole check of one submission. The checker stops a call that hangs after its --time-limit
# (10 s by default), so a file that hangs in all 14 functions takes about 140 s; a correct file
# takes about a second. A check stopped here loses all its results: the note says so.
DEFAULT_TIMEOUT = 300.0
NOT_CHECKED = "not_checked"   # the CSV's status of a function whose submission could not be checked


@dataclass
class Grade:
    """One row of the grades."""
    name: str
    statuses: dict     # function -> status ("pass", ..., or "not_checked")
    earned: dict       # function -> points earned
    possible: dict     # function -> points it is worth
    outputs: dict      # function -> text for the student
    note: str
    strict: bool = False

    def passes(self, function):
        return earns(self.statuses[function], self.strict)

    @property
    def score(self):
        return sum(self.earned.values())

    @property
    def max_score(self):
        return sum(self.possible.values())


# ----------------------------------------------------------------------------------------------
# Points


def read_points(path):
    """{function: points} as a JSON or TOML file of `name = points` gives them, checked."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise BadInput(f"--points {path}: cannot read it: {error.strerror or error}") from None
    if str(path).endswith(".toml"):
        try:
            import tomllib
        except ImportError:
            raise BadInput(f"--points {path}: TOML points files need Python 3.11 or later "
                           "(tomllib); write the points as JSON instead") from None
        try:
            table = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise BadInput(f"--points {path}: not valid TOML: {error}") from None
    else:
        try:
            table = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise BadInput(f"--points {path}: not valid JSON: {error}") from None
    if not isinstance(table, dict):
        raise BadInput(f"--points {path}: expected an object of function name to points, "
                       f"got {type(table).__name__}")
    import difflib
    for name, value in table.items():
        if name not in ALL_FUNCTIONS:
            close = difflib.get_close_matches(name, ALL_FUNCTIONS, n=1)
            hint = (f" (did you mean {close[0]}?)" if close
                    else f"; the functions are: {', '.join(ALL_FUNCTIONS)}")
            raise BadInput(f"--points {path}: unknown function name {name!r}{hint}")
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise BadInput(f"--points {path}: {name}: points must be a finite number, "
                           f"got {value!r}")
        if value < 0:
            raise BadInput(f"--points {path}: {name}: points must be 0 or more, got {value!r}")
    return table


def graded_functions(only, points):
    """The columns: --only's functions, else the 14 and any optional one (the affine pair of later
    course years) that the points file names; in the registry's order."""
    wanted = set(only) if only else set(SEED_FUNCTIONS) | (set(points) & set(OPTIONAL_FUNCTIONS))
    return [name for name in ALL_FUNCTIONS if name in wanted]


# ----------------------------------------------------------------------------------------------
# Grades


def _relative(text, root):
    """Paths inside the submission shown relative to it: the grades do not depend on where it is."""
    if not text:
        return text
    return text.replace(str(root) + os.sep, "")


def earns(status, strict):
    """The grading rule: `pass` earns a function's points, `warn` too unless --strict, else none."""
    return status == "pass" or (status == "warn" and not strict)


def _student_text(function, result, status, strict, name):
    """What a student reads for one function: the status, the diagnosis and the replay line."""
    diagnosis = result.get("diagnosis") or ""
    if status == "pass":
        cases = result.get("cases")
        return f"pass ({cases} cases)" if cases else "pass"
    if status == "warn":
        head = ("warning: counts as a failure under --strict" if strict
                else "warning (no points lost)")
    elif status == "missing":
        return f"missing: {name} does not define {function}"
    elif status == "not_implemented":
        head = "not implemented"
    else:
        head = status.upper() if status in ("fail", "error") else status
    lines = [head] + ([diagnosis] if diagnosis else [])
    if result.get("replay"):
        lines.append(f"replay: {result['replay']}")
    if result.get("link"):
        lines.append(f"derivation: {_derivation(result['link'])}")
    return "\n".join(lines)


def _derivation(link):
    """The checker's link to a derivation, as a student can find it: a URL as it is, a local
    path (which depends on where the checker is installed) as rnn-autograd's docs/page.md#name."""
    if "://" in link:
        return link
    page, _, anchor = link.partition("#")
    return f"docs/{Path(page).name}" + (f"#{anchor}" if anchor else "") + " in rnn-autograd"


def grade(outcome, functions, points, strict):
    """The Grade of one Outcome: `pass` earns a function's points, `warn` too unless strict."""
    submission = outcome.submission
    statuses, earned, outputs = {}, {}, {}
    for function in functions:
        result = outcome.functions.get(function)
        if not outcome.checked or result is None:
            status = NOT_CHECKED
            why = _relative(outcome.note, submission.root) or "no result"
            outputs[function] = f"not checked: {why}"
        else:
            status = result["status"]
            result = {key: _relative(value, submission.root) if isinstance(value, str) else value
                      for key, value in result.items()}
            outputs[function] = _student_text(function, result, status, strict, submission.name)
        statuses[function] = status
        earned[function] = points[function] if earns(status, strict) else 0
    return Grade(submission.name, statuses, earned, dict(points), outputs,
                 _relative(outcome.note, submission.root), strict)


def _number(value):
    """Points as written: 3 not 3.0, 0.5 as 0.5."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.10g}"


def _json_number(value):
    value = float(value)
    return int(value) if value.is_integer() else value


def _text_cell(text):
    """A cell of text a student controls (a name, an exception message) that a spreadsheet will
    not run as a formula: a leading = + - @ gets a quote before it, as OWASP advises."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def grades_csv(grades, functions):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *functions, "score", "max_score", "note"])
    for row in grades:
        writer.writerow([_text_cell(row.name), *(row.statuses[f] for f in functions),
                         _number(row.score), _number(row.max_score), _text_cell(row.note)])
    return buffer.getvalue()


def gradescope_json(row, functions):
    """Gradescope's results.json for one submission: a test per function."""
    passed = sum(1 for function in functions if row.passes(function))
    results = {
        "score": _json_number(row.score),
        "output": row.note or f"{passed} of {len(functions)} functions pass",
        "tests": [{"name": function,
                   "score": _json_number(row.earned[function]),
                   "max_score": _json_number(row.possible[function]),
                   "status": "passed" if row.passes(function) else "failed",
                   "output": row.outputs[function]}
                  for function in functions],
    }
    return json.dumps(results, indent=2) + "\n"


# ----------------------------------------------------------------------------------------------
# The summary a teacher reads


_SEVERITY = {"fail": 0, "error": 1, "warn": 2, "not_implemented": 3}  # for ties in the summary
# Lines of a diagnosis that say which case, or how it was confirmed, rather than what is wrong.
_ASIDE = re.compile(r"^(failing case|first case|finite differences|note:|replay:|derivation:)")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?(e[-+]?\d+)?")
_LOCATION = re.compile(r"\(at [^)]*\)")


def _findings(diagnosis):
    """The lines of a diagnosis that say what is wrong (not which case, not finite differences)."""
    return [line.strip() for line in (diagnosis or "").splitlines()
            if line.strip() and not _ASIDE.match(line.strip())]


def problem_of(result):
    """(key, headline) of a non-passing function: submissions with the same key have the same
    problem, e.g. 30 students whose dprev_c is not carried back. The key is the report's pattern
    when it names one, else the diagnosis with its numbers and file locations blanked out (the
    same bug gives the same words, whatever the values). The headline is the line that says
    most: the first finding when there is a pattern, else the last (the localisation)."""
    status, pattern = result.get("status"), result.get("pattern")
    findings = _findings(result.get("diagnosis"))
    if not findings:
        plain = {"missing": "not defined", "not_implemented": "not implemented"}
        return status, plain.get(status, status)
    if pattern and status in ("fail", "warn"):
        return f"{status}: {result.get('gradient')}: {pattern}", f"[{pattern}] {findings[0]}"
    key = "\n".join(_LOCATION.sub("(at #)", _NUMBER.sub("#", line)) for line in findings)
    return f"{status}: {key}", findings[0] if status not in ("fail", "warn") else findings[-1]


def _score_line(outcomes, grades):
    count = len(grades)
    full = sum(1 for row in grades if row.score == row.max_score)
    mean = sum(row.score for row in grades) / count
    line = (f"{count} submission{'s' if count != 1 else ''}: mean score {mean:.2f} of "
            f"{_number(grades[0].max_score)}, {full} with full marks")
    unchecked = [outcome.submission.name for outcome in outcomes if not outcome.checked]
    if unchecked:
        shown = ", ".join(unchecked[:5]) + (", ..." if len(unchecked) > 5 else "")
        line += f", {len(unchecked)} not checked ({shown}: see the note column)"
    return line


def _status_table(grades, functions):
    """A row per function: how many earned it, and how many had each status that occurs."""
    order = ["pass", "warn", "fail", "error", "not_implemented", "missing", NOT_CHECKED]
    seen = {row.statuses[function] for row in grades for function in functions}
    statuses = [status for status in order if status in seen] + sorted(seen - set(order))
    widths = [max(5, len(status)) for status in statuses]
    lines = [f"{'function':<26} {'passed':>7} "
             + " ".join(f"{status:>{width}}" for status, width in zip(statuses, widths))]
    for function in functions:
        earned = sum(1 for row in grades if row.passes(function))
        counts = [sum(row.statuses[function] == status for row in grades) for status in statuses]
        lines.append(f"{function:<26} {earned:>3}/{len(grades):<3} "
                     + " ".join(f"{count:>{width}}" for count, width in zip(counts, widths)))
    return lines


def _common_problem(outcomes, function):
    """Lines naming the commonest problem of `function` across the class, or [] if none has one."""
    groups = {}
    for outcome in outcomes:
        result = outcome.functions.get(function)
        if not outcome.checked or result is None or result.get("status") in ("pass", "missing"):
            continue  # not defined at all: the table counts those
        key, headline = problem_of(result)
        groups.setdefault(key, []).append(_relative(headline, outcome.submission.root))
    if not groups:
        return []

    def rank(item):  # the commonest; among equally common ones, a wrong answer before a warning
        key, headlines = item
        return -len(headlines), _SEVERITY.get(key.split(":")[0], len(_SEVERITY)), key

    key, headlines = min(groups.items(), key=rank)
    total = sum(len(group) for group in groups.values())
    others = len(groups) - 1
    also = f"; {others} other problem{'s' if others > 1 else ''}" if others else ""
    return [f"  {function}: {len(headlines)} of {total} not passing{also}:",
            *textwrap.wrap(headlines[0], width=100, initial_indent="    ",
                           subsequent_indent="      ", max_lines=6, placeholder=" ...")]


def summary(outcomes, grades, functions, strict):
    """Lines for the terminal: how many earned each function, and the commonest problem of each."""
    lines = [_score_line(outcomes, grades), *_status_table(grades, functions)]
    problems = [line for function in functions for line in _common_problem(outcomes, function)]
    if problems:
        lines += ["most common problem per function:"] + problems
    if strict:
        lines.append("--strict: warnings earn no points")
    return lines


class Progress:
    """A progress bar on an interactive stderr only: tqdm when installed, else one \\r line."""

    def __init__(self, total, stream):
        self.total, self.done, self.stream = total, 0, stream
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.bar = None
        if self.live:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, unit="submission", file=stream, leave=False)
            except ImportError:
                pass

    def advance(self, name):
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.live:
            self.stream.write(f"\r  graded {self.done}/{self.total} ({name[:40]})\033[K")
            self.stream.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


# ----------------------------------------------------------------------------------------------
# Output files: checked before anything runs, written whole or not at all


def check_writable(path, option):
    """BadInput unless `path` can be written (created or replaced). Returns it absolute."""
    path = Path(os.path.abspath(path))
    folder = path.parent
    if path.is_dir():
        raise BadInput(f"{option} {path}: is a folder, not a file")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise BadInput(f"{option} {path}: {folder} {what}")
    if path.exists() and not os.access(path, os.W_OK):
        raise BadInput(f"{option} {path}: the file is not writable")
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise BadInput(f"{option} {path}: cannot write in {folder}: "
                       f"{error.strerror or error}") from None
    return path


def write_atomically(path, text):
    """Write the whole file or nothing: a temporary file beside it, then os.replace."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # as open() would have made it
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# ----------------------------------------------------------------------------------------------
# The command


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2
        self.exit(EXIT_BAD_INPUT, f"{PROG}: error: {message} (see {PROG} --help)\n")


def build_parser():
    parser = _Parser(
        prog=PROG,
        description="Check every submission with rnn-gradcheck, each in a process of its own, and "
                    "write the grades: a CSV (one row per submission, one column per function), "
                    "optionally Gradescope's results.json, and a summary on the terminal.",
        epilog="A submission: a .py file; or a folder holding cs231n/rnn_layers.py or one "
               "rnn_layers.py. Any other folder is a class: each .py file and each subfolder in "
               "it is a submission. "
               "Exit status: 0 the run completed, 2 bad input, 3 internal error, 130 interrupted.")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {rnn_autograd.__version__}")
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                        help="a submission, or a folder of them")
    parser.add_argument("--csv", default="grades.csv", metavar="PATH",
                        help="where to write the grades (default grades.csv)")
    parser.add_argument("--gradescope", metavar="PATH",
                        help="also write Gradescope's results.json for the (single) submission")
    parser.add_argument("--points", metavar="FILE",
                        help="points per function: JSON {\"lstm_backward\": 3, ...}, or TOML "
                             "lstm_backward = 3 (Python 3.11+); unlisted functions get 1 "
                             "(default: 1 each). Naming affine_forward / affine_backward grades "
                             "them too")
    parser.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                        help="submissions checked at once (default 1)")
    parser.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="wall time for the whole check of one submission "
                             f"(default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--seed", type=non_negative_int, default=0, metavar="S",
                        help="seed of the cases, the same for every submission (default 0)")
    parser.add_argument("--cases", type=positive_int, default=None, metavar="N",
                        help="cases per function (default: the checker's)")
    parser.add_argument("--only", metavar="NAME[,NAME...]", help="grade only these functions")
    parser.add_argument("--time-limit", type=seconds, default=None, metavar="SECONDS",
                        help="the checker's time limit per call (default: the checker's)")
    parser.add_argument("--strict", action="store_true", help="warnings earn no points")
    parser.add_argument("--quiet", action="store_true",
                        help="print only the first line of the summary")
    return parser


def _checker_accepts(arguments):
    """None if the installed checker's command line accepts `arguments`, else its complaint.
    Read from the checker's own parser, so that grading cannot pass it an option it lacks."""
    import contextlib

    from rnn_autograd.gradcheck.cli import build_parser as checker_parser
    complaint = io.StringIO()
    try:
        with contextlib.redirect_stderr(complaint):
            checker_parser().parse_args(["--impl", "submission.py", "--json", "report.json",
                                         *arguments])
    except SystemExit:
        return last_line(complaint.getvalue()) or "refused"
    return None


def _prepare(args):
    """Everything that can be wrong with the input, found before anything runs."""
    if args.only is not None:
        args.only = [name.strip() for name in args.only.split(",") if name.strip()]
        if not args.only:
            raise BadInput("--only names no function")
        unknown = [name for name in args.only if name not in ALL_FUNCTIONS]
        if unknown:
            raise BadInput(f"unknown function name(s) in --only: {', '.join(unknown)}; "
                           f"the functions are: {', '.join(ALL_FUNCTIONS)}")
    listed = read_points(args.points) if args.points else {}
    functions = graded_functions(args.only, listed)
    points = {name: listed.get(name, 1) for name in functions}
    outputs = {"csv": check_writable(args.csv, "--csv")}
    if args.gradescope:
        outputs["gradescope"] = check_writable(args.gradescope, "--gradescope")
        if outputs["gradescope"] == outputs["csv"]:
            raise BadInput(f"--csv and --gradescope name the same file, {outputs['csv']}")
    submissions = find_submissions(args.submissions)
    if args.gradescope and len(submissions) != 1:
        names = ", ".join(submission.name for submission in submissions[:3])
        names += ", ..." if len(submissions) > 3 else ""
        raise BadInput(f"--gradescope writes the results of one submission; "
                       f"found {len(submissions)} ({names})")
    return functions, points, outputs, submissions


def main(argv: Sequence[str] | None = None) -> int:
    """`rnn-gradcheck grade ...`; returns the exit status."""
    try:
        return _main(argv)
    except SystemExit as exit:  # argparse: --help (0) or a bad option (2, one line already printed)
        return exit.code if isinstance(exit.code, int) else EXIT_BAD_INPUT
    except BadInput as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted: no grades written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the summary piped into `head`: the files are written, stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_COMPLETED
    except Exception as error:  # noqa: BLE001  one line, and a code of its own
        print(f"{PROG}: internal error: {type(error).__name__}: {error} (please report it)",
              file=sys.stderr)
        return EXIT_INTERNAL_ERROR


def _main(argv):
    args = build_parser().parse_args(argv)
    functions, points, outputs, submissions = _prepare(args)
    arguments = checker_arguments(args)
    complaint = _checker_accepts(arguments)
    if complaint:
        raise RuntimeError(f"the checker refuses the options grading gives it: {complaint}")
    start = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="rnn-gradcheck-grade-")
    try:
        runner = Runner(args, workdir, arguments)
        progress = Progress(len(submissions), sys.stderr)
        try:
            outcomes = run_all(submissions, runner, args.jobs, progress)
        finally:
            progress.close()
        if any(outcome.crashed for outcome in outcomes):
            starts, why = checker_starts(runner.environment)
            if not starts:
                raise RuntimeError(f"the checker does not start in a subprocess ({why}), "
                                   "so no submission could be checked")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    grades = [grade(outcome, functions, points, args.strict) for outcome in outcomes]
    write_atomically(outputs["csv"], grades_csv(grades, functions))
    if "gradescope" in outputs:
        write_atomically(outputs["gradescope"], gradescope_json(grades[0], functions))
    lines = summary(outcomes, grades, functions, args.strict)
    written = ", ".join(path for path in (args.csv, args.gradescope) if path)  # as given
    print(f"{PROG}: graded {len(grades)} submission{'s' if len(grades) != 1 else ''} "
          f"in {time.perf_counter() - start:.1f} s ({args.jobs} at once, seed {args.seed}); "
          f"wrote {written}")
    for line in lines[:1] if args.quiet else lines:
        print(line)
    return EXIT_COMPLETED
