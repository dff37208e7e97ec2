"""`rnn-gradcheck grade`: check a whole class of submissions, one fresh process each, and grade them.

    rnn-gradcheck grade submissions/ --jobs 2                    # -> grades.csv, and a summary
    rnn-gradcheck grade /autograder/submission --gradescope /autograder/results/results.json

A submission is one `.py` file, or a folder holding `cs231n/rnn_layers.py` (with or without
`cs231n/__init__.py`) or one `rnn_layers.py` at any depth. A folder that is none of these is a
class: each `.py` file and each subfolder in it is one submission, named after the file or the
folder (a file called `rnn_layers.py` is named after its folder).

Each submission is checked by `python -m rnn_autograd.gradcheck --impl ... --json ...` in a
process of its own, in a session of its own, with a wall-time limit on the whole check; the
process group is killed when it runs out, and when it ends (a thread or child process the
submission left behind goes with it). What the submission prints goes to files, never to our
terminal. Grading reads only the checker's JSON report: `functions: {name: {status, diagnosis,
pattern, gradient, ...}}`. A function earns its points when its status is `pass`, or `warn`
unless --strict; every other status earns none.

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
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from rnn_autograd.gradcheck.layers import SEED_FUNCTIONS

PROG = "rnn-gradcheck grade"
EXIT_COMPLETED = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 3
EXIT_INTERRUPTED = 130
# The whole check of one submission: 14 functions at the checker's default 20 s each, if every
# one of them hangs, is 280 s; a correct file takes about a second.
DEFAULT_TIMEOUT = 300.0
NOT_CHECKED = "not_checked"   # the CSV's status of a function whose submission could not be checked
SKIPPED_NAMES = {"__pycache__", "__MACOSX"}  # and every name starting with "."


class BadInput(Exception):
    """Bad input to `grade`: the message is one line naming what is wrong."""


@dataclass(frozen=True)
class Submission:
    """One student's work, and how the checker is to load it."""
    name: str          # its row in the grades: a file's stem or a folder's name
    display: str       # its path as given on the command line (for messages)
    root: Path         # absolute folder that paths in diagnoses are shown relative to
    impl: str = ""     # the checker's --impl: an absolute file path, or "cs231n.rnn_layers"
    cwd: Path | None = None  # the folder the check runs in (None: a fresh empty folder)
    problem: str = ""  # why there is nothing to check (no rnn_layers.py found), else ""


@dataclass
class Outcome:
    """What the check of one submission produced: the report's functions, or why there are none."""
    submission: Submission
    functions: dict = field(default_factory=dict)  # name -> the report's JSON object for it
    note: str = ""                                 # why the submission could not be checked
    checked: bool = False                          # a report was read
    crashed: bool = False                          # the checker's process ended without a report
    seconds: float = 0.0


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
# Finding the submissions


def _visible(path):
    return not path.name.startswith(".") and path.name not in SKIPPED_NAMES


def _python_files(folder, name="*.py"):
    """Python files under `folder`, at any depth, skipping hidden folders and __pycache__."""
    found = []
    for path in sorted(folder.rglob(name)):
        relative = path.relative_to(folder).parts
        if path.is_file() and all(not part.startswith(".") and part not in SKIPPED_NAMES for part in relative):
            found.append(path)
    return found


def _load_form(path):
    """(impl, cwd) for the checker: a file in a `cs231n` folder is imported as `cs231n.<module>`
    from the folder above, so that it works as a namespace package too (no __init__.py), with
    `from .layers import *` or `from cs231n.layers import *` inside; any other file by its path."""
    if path.parent.name == "cs231n":
        return f"cs231n.{path.stem}", path.parent.parent
    return str(path), None


def _name_of_file(path):
    """A file's row name: its stem, or for `rnn_layers.py` the student's folder above it."""
    if path.stem != "rnn_layers":
        return path.stem
    folder = path.parent.parent if path.parent.name == "cs231n" else path.parent
    return folder.name or path.stem


def _file_submission(path, display, name=None, root=None):
    path = path.resolve()
    impl, cwd = _load_form(path)
    return Submission(name or _name_of_file(path), display, root or (cwd or path.parent), impl, cwd)


def _own_file(folder):
    """The file that makes `folder` itself one submission, or None."""
    for candidate in (folder / "cs231n" / "rnn_layers.py", folder / "rnn_layers.py"):
        if candidate.is_file():
            return candidate
    return None


def _student_folder(folder, display):
    """A subfolder of a class: one submission, even when it holds nothing to check."""
    folder = folder.resolve()
    own = _own_file(folder)
    found = [own] if own else _python_files(folder, "rnn_layers.py")
    if len(found) > 1:
        in_package = [path for path in found if path.parent.name == "cs231n"]
        found = in_package if len(in_package) == 1 else found
    if not found:
        python = _python_files(folder)
        if len(python) == 1:
            found = python
        else:
            held = ", ".join(str(p.relative_to(folder)) for p in python[:3]) + (", ..." if len(python) > 3 else "")
            problem = (f"no rnn_layers.py found (it holds {held})" if python
                       else "no Python file (.py) found in it")
            return Submission(folder.name, display, folder, problem=problem)
    if len(found) > 1:
        listed = ", ".join(str(p.relative_to(folder)) for p in found)
        return Submission(folder.name, display, folder,
                          problem=f"several rnn_layers.py files ({listed}): keep one")
    return _file_submission(found[0], display, name=folder.name, root=folder)


def _folder_submissions(folder, argument):
    """A folder given on the command line: one submission, or a class of them."""
    own = _own_file(folder)
    if own:
        return [_file_submission(own, argument, name=folder.resolve().name, root=folder.resolve())]
    entries = sorted(entry for entry in folder.iterdir() if _visible(entry))
    if not entries:
        raise BadInput(f"{argument}: the folder is empty: no submission to grade")
    if not _python_files(folder):
        raise BadInput(f"{argument}: no Python file (.py) in this folder or below it: no submission to grade")
    submissions = []
    for entry in entries:
        shown = os.path.join(argument, entry.name)
        if entry.is_dir():
            submissions.append(_student_folder(entry, shown))
        elif entry.suffix == ".py":
            submissions.append(_file_submission(entry, shown))
    return submissions


def find_submissions(arguments):
    """The submissions named by the command line, sorted by name; BadInput for what cannot be graded."""
    submissions = []
    for argument in arguments:
        path = Path(argument)
        if not path.exists():
            raise BadInput(f"{argument}: no such file or folder")
        if path.is_dir():
            submissions += _folder_submissions(path, argument)
        elif path.suffix != ".py":
            raise BadInput(f"{argument}: not a Python file (.py) or a folder")
        else:
            submissions.append(_file_submission(path, argument))
    seen = {}
    for submission in submissions:
        other = seen.setdefault(submission.name, submission)
        if other is not submission and (other.impl, other.root) == (submission.impl, submission.root):
            raise BadInput(f"{submission.display} is given twice (also as {other.display})")
        if other is not submission:
            raise BadInput(f"two submissions would both be named {submission.name!r} in the grades: "
                           f"{other.display} and {submission.display}; rename one or grade them separately")
    return sorted(submissions, key=lambda s: s.name)


# ----------------------------------------------------------------------------------------------
# Points


def load_points(path, functions):
    """{function: points} for `functions` from a JSON or TOML file of `name = points`; 1 if unlisted."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise BadInput(f"--points {path}: cannot read it: {error.strerror or error}") from None
    if str(path).endswith(".toml"):
        try:
            import tomllib
        except ImportError:
            raise BadInput(f"--points {path}: TOML points files need Python 3.11 or later (tomllib); "
                           "write the points as JSON instead") from None
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
        if name not in SEED_FUNCTIONS:
            close = difflib.get_close_matches(name, SEED_FUNCTIONS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f"; the functions are: {', '.join(SEED_FUNCTIONS)}"
            raise BadInput(f"--points {path}: unknown function name {name!r}{hint}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise BadInput(f"--points {path}: {name}: points must be a finite number, got {value!r}")
        if value < 0:
            raise BadInput(f"--points {path}: {name}: points must be 0 or more, got {value!r}")
    return {name: table.get(name, 1) for name in functions}


# ----------------------------------------------------------------------------------------------
# Running the checker, one process per submission


def _checker_environment():
    """The environment of each check: the checker importable, one BLAS thread, no .pyc written
    into the submissions' folders, a fixed hash seed (the same run gives the same text)."""
    import rnn_autograd
    environment = dict(os.environ)
    home = Path(rnn_autograd.__file__).resolve().parent.parent
    if home.name not in ("site-packages", "dist-packages"):  # a source tree: put it first
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(home)] + [p for p in environment.get("PYTHONPATH", "").split(os.pathsep) if p])
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    environment["PYTHONHASHSEED"] = "0"
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        environment.setdefault(variable, "1")  # --jobs processes share the cores
    return environment


def checker_arguments(options, strict_supported=True):
    """The options every check gets, as `rnn-gradcheck` spells them (without --impl and --json)."""
    arguments = ["--seed", str(options.seed), "--quiet"]
    if options.cases is not None:
        arguments += ["--cases", str(options.cases)]
    if options.only:
        arguments += ["--only", ",".join(options.only)]
    if options.time_limit is not None:
        arguments += ["--time-limit", repr(options.time_limit)]
    if options.strict and strict_supported:  # grading zeroes warnings under --strict either way
        arguments.append("--strict")
    return arguments


def _kill_group(process):
    """SIGKILL the process group of a check: the checker and whatever the submission started."""
    if os.name != "posix":
        process.kill()
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_unreaped(process):
    """Wait for the checker to end without reaping it, so that its process group id cannot be
    taken by a new process before the group is killed."""
    if os.name == "posix" and hasattr(os, "waitid"):
        while True:
            try:
                os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
                return
            except InterruptedError:
                continue
            except ChildProcessError:
                return
    process.wait()


def _last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class Runner:
    """Checks submissions, each in a fresh process; `stop()` kills every check still running."""

    def __init__(self, options, workdir, arguments):
        self.options = options
        self.workdir = Path(workdir)
        self.arguments = arguments
        self.environment = _checker_environment()
        self._running = set()
        self._lock = threading.Lock()
        self._stopping = False

    def stop(self):
        with self._lock:
            self._stopping = True
            for process in self._running:
                _kill_group(process)

    def check(self, submission):
        if submission.problem:
            return Outcome(submission, note=submission.problem)
        folder = Path(tempfile.mkdtemp(prefix="check-", dir=self.workdir))
        report_path = folder / "report.json"
        command = [sys.executable, "-m", "rnn_autograd.gradcheck", "--impl", submission.impl,
                   "--json", str(report_path), *self.arguments]
        start = time.perf_counter()
        timed_out = threading.Event()
        with open(folder / "stdout", "wb") as stdout, open(folder / "stderr", "wb") as stderr:
            with self._lock:
                if self._stopping:
                    return Outcome(submission, note="interrupted")
                process = subprocess.Popen(command, cwd=submission.cwd or folder, env=self.environment,
                                           stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                           start_new_session=os.name == "posix")
                self._running.add(process)

            def out_of_time():
                timed_out.set()
                _kill_group(process)

            timer = threading.Timer(self.options.timeout, out_of_time)
            timer.daemon = True
            timer.start()
            try:
                _wait_unreaped(process)
            finally:
                timer.cancel()
                _kill_group(process)   # what it left behind: threads die with it, child processes here
                process.wait()
                with self._lock:
                    self._running.discard(process)
        seconds = time.perf_counter() - start
        errors = (folder / "stderr").read_text(encoding="utf-8", errors="replace")[-20000:]
        outcome = self._read(submission, process.returncode, report_path, errors,
                             timed_out.is_set() and process.returncode == -signal.SIGKILL)
        outcome.seconds = seconds
        shutil.rmtree(folder, ignore_errors=True)
        return outcome

    def _read(self, submission, code, report_path, errors, timed_out):
        if timed_out:
            return Outcome(submission, note=f"stopped: the check took longer than the time limit of "
                                            f"{self.options.timeout:g} s per submission (--timeout)")
        if code == 2:  # the checker could not run it: the reason is its last line
            reason = _last_line(errors).removeprefix("rnn-gradcheck: error: ") or "cannot be loaded"
            return Outcome(submission, note=reason)
        if code in (0, 1) and report_path.is_file():
            try:
                report = json.loads(report_path.read_text(encoding="utf-8"))
                functions = report["functions"]
                if isinstance(functions, dict) and all(
                        isinstance(value, dict) and isinstance(value.get("status"), str)
                        for value in functions.values()):
                    return Outcome(submission, functions=functions, checked=True)
            except (ValueError, KeyError, TypeError):
                pass
            return Outcome(submission, note="the checker's report could not be read", crashed=True)
        if code is not None and code < 0:
            name = _signal_name(-code)
            how = (f"was killed by {name} (out of memory?)" if -code == signal.SIGKILL else
                   f"was killed by {name}: the submission crashed the process")
        else:
            how = (f"ended with exit status {code} before writing its report: the submission ends "
                   "the process itself (os._exit?)")
        last = _last_line(errors)
        return Outcome(submission, crashed=True,
                       note=f"the check {how}" + (f"; its last words: {last}" if last else ""))


def run_all(submissions, runner, jobs, progress):
    """Check every submission, `jobs` at once. Threads only wait here: each check is a process."""
    outcomes = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade") as pool:
        futures = {pool.submit(runner.check, submission): submission for submission in submissions}
        try:
            for future in as_completed(futures):
                outcome = future.result()
                outcomes[outcome.submission.name] = outcome
                progress.advance(outcome.submission.name)
        except BaseException:
            runner.stop()
            for future in futures:
                future.cancel()
            raise
    return [outcomes[submission.name] for submission in submissions]


# ----------------------------------------------------------------------------------------------
# Grades


def _relative(text, root):
    """Paths inside the submission shown relative to it, so grades do not depend on where it lies."""
    if not text:
        return text
    return text.replace(str(root) + os.sep, "")


def earns(status, strict):
    """The grading rule: `pass` earns a function's points, `warn` too unless --strict; nothing else."""
    return status == "pass" or (status == "warn" and not strict)


def _student_text(function, result, status, strict, name):
    """What a student reads for one function: the status, the diagnosis and the replay line."""
    diagnosis = result.get("diagnosis") or ""
    if status == "pass":
        cases = result.get("cases")
        return f"pass ({cases} cases)" if cases else "pass"
    if status == "warn":
        head = "warning: counts as a failure under --strict" if strict else "warning (no points lost)"
    elif status == "missing":
        return f"missing: {name} does not define {function}"
    elif status == "not_implemented":
        head = "not implemented"
    else:
        head = status.upper() if status in ("fail", "error") else status
    lines = [head] + ([diagnosis] if diagnosis else [])
    if result.get("replay"):
        lines.append(f"replay: {result['replay']}")
    return "\n".join(lines)


def grade(outcome, functions, points, strict):
    """The Grade of one Outcome: `pass` earns a function's points, `warn` too unless strict."""
    submission = outcome.submission
    statuses, earned, outputs = {}, {}, {}
    for function in functions:
        result = outcome.functions.get(function)
        if not outcome.checked or result is None:
            status = NOT_CHECKED
            outputs[function] = f"not checked: {_relative(outcome.note, submission.root) or 'no result'}"
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


def grades_csv(grades, functions):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *functions, "score", "max_score", "note"])
    for row in grades:
        writer.writerow([row.name, *(row.statuses[f] for f in functions),
                         _number(row.score), _number(row.max_score), row.note])
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


_ASIDE = re.compile(r"^(failing case|finite differences|note:|replay:)")
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
        return status, {"missing": "not defined", "not_implemented": "not implemented"}.get(status, status)
    if pattern and status in ("fail", "warn"):
        return f"{status}: {result.get('gradient')}: {pattern}", f"[{pattern}] {findings[0]}"
    key = "\n".join(_LOCATION.sub("(at #)", _NUMBER.sub("#", line)) for line in findings)
    return f"{status}: {key}", findings[0] if status not in ("fail", "warn") else findings[-1]


def summary(outcomes, grades, functions, strict):
    """Lines for the terminal: how many earned each function, and the commonest problem of each."""
    count = len(grades)
    full = sum(1 for row in grades if row.score == row.max_score)
    unchecked = [o.submission.name for o in outcomes if not o.checked]
    mean = sum(row.score for row in grades) / count
    lines = [f"{count} submission{'s' if count != 1 else ''}: mean score {mean:.2f} of "
             f"{_number(grades[0].max_score)}, {full} with full marks"
             + (f", {len(unchecked)} not checked ({', '.join(unchecked[:5])}"
                f"{', ...' if len(unchecked) > 5 else ''}: see the note column)" if unchecked else "")]
    statuses = ["pass", "warn", "fail", "error", "not_implemented", "missing", NOT_CHECKED]
    seen = {row.statuses[f] for row in grades for f in functions}
    statuses = [s for s in statuses if s in seen] + sorted(seen - set(statuses))
    lines.append(f"{'function':<26} {'passed':>7} " + " ".join(f"{s:>{max(5, len(s))}}" for s in statuses))
    for function in functions:
        earned = sum(1 for row in grades if row.passes(function))
        counts = [sum(1 for row in grades if row.statuses[function] == s) for s in statuses]
        lines.append(f"{function:<26} {earned:>3}/{count:<3} "
                     + " ".join(f"{c:>{max(5, len(s))}}" for c, s in zip(counts, statuses)))
    problems = []
    for function in functions:
        groups = {}
        for outcome in outcomes:
            result = outcome.functions.get(function)
            if not outcome.checked or result is None or result.get("status") == "pass":
                continue
            key, headline = problem_of(result)
            groups.setdefault(key, []).append(_relative(headline, outcome.submission.root))
        if not groups:
            continue
        key, headlines = min(groups.items(), key=lambda item: (-len(item[1]), item[0]))
        total = sum(len(group) for group in groups.values())
        others = f"; {len(groups) - 1} other problem{'s' if len(groups) > 2 else ''}" if len(groups) > 1 else ""
        problems.append(f"  {function}: {len(headlines)} of {total} not passing{others}:")
        problems += textwrap.wrap(headlines[0], width=100, initial_indent="    ", subsequent_indent="      ",
                                  max_lines=6, placeholder=" ...")
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
        raise BadInput(f"{option} {path}: cannot write in {folder}: {error.strerror or error}") from None
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


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds above 0, got {text}")
    return value


def build_parser():
    parser = _Parser(
        prog=PROG,
        description="Check every submission with rnn-gradcheck, each in a process of its own, and "
                    "write the grades: a CSV (one row per submission, one column per function), "
                    "optionally Gradescope's results.json, and a summary on the terminal.",
        epilog="A submission: a .py file; or a folder holding cs231n/rnn_layers.py or one rnn_layers.py. "
               "Any other folder is a class: each .py file and each subfolder in it is a submission. "
               "Exit status: 0 the run completed, 2 bad input, 3 internal error, 130 interrupted.")
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                        help="a submission, or a folder of them")
    parser.add_argument("--csv", default="grades.csv", metavar="PATH",
                        help="where to write the grades (default grades.csv)")
    parser.add_argument("--gradescope", metavar="PATH",
                        help="also write Gradescope's results.json for the (single) submission")
    parser.add_argument("--points", metavar="FILE",
                        help="points per function: JSON {\"lstm_backward\": 3, ...}, or TOML "
                             "lstm_backward = 3 (Python 3.11+); unlisted functions get 1 (default: 1 each)")
    parser.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                        help="submissions checked at once (default 1)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"wall time for the whole check of one submission (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--seed", type=_non_negative_int, default=0, metavar="S",
                        help="seed of the cases, the same for every submission (default 0)")
    parser.add_argument("--cases", type=_positive_int, default=None, metavar="N",
                        help="cases per function (default: the checker's)")
    parser.add_argument("--only", metavar="NAME[,NAME...]", help="grade only these functions")
    parser.add_argument("--time-limit", type=_seconds, default=None, metavar="SECONDS",
                        help="the checker's time limit per function (default: the checker's)")
    parser.add_argument("--strict", action="store_true", help="warnings earn no points")
    parser.add_argument("--quiet", action="store_true", help="print only the first line of the summary")
    return parser


def _checker_accepts(arguments):
    """None if the installed checker's command line accepts `arguments`, else its complaint.
    Read from the checker's own parser, so that grading cannot pass it an option it lacks."""
    import contextlib
    from rnn_autograd.gradcheck.cli import build_parser as checker_parser
    complaint = io.StringIO()
    try:
        with contextlib.redirect_stderr(complaint):
            checker_parser().parse_args(["--impl", "submission.py", "--json", "report.json", *arguments])
    except SystemExit:
        return _last_line(complaint.getvalue()) or "refused"
    return None


def _prepare(args):
    """Everything that can be wrong with the input, found before anything runs."""
    if args.only is not None:
        args.only = [name.strip() for name in args.only.split(",") if name.strip()]
        if not args.only:
            raise BadInput("--only names no function")
        unknown = [name for name in args.only if name not in SEED_FUNCTIONS]
        if unknown:
            raise BadInput(f"unknown function name(s) in --only: {', '.join(unknown)}; "
                           f"the functions are: {', '.join(SEED_FUNCTIONS)}")
    functions = [name for name in SEED_FUNCTIONS if not args.only or name in args.only]
    points = load_points(args.points, functions) if args.points else {name: 1 for name in functions}
    outputs = {"csv": check_writable(args.csv, "--csv")}
    if args.gradescope:
        outputs["gradescope"] = check_writable(args.gradescope, "--gradescope")
        if outputs["gradescope"] == outputs["csv"]:
            raise BadInput(f"--csv and --gradescope name the same file, {outputs['csv']}")
    submissions = find_submissions(args.submissions)
    if args.gradescope and len(submissions) != 1:
        raise BadInput(f"--gradescope writes the results of one submission; found {len(submissions)} "
                       f"({', '.join(s.name for s in submissions[:3])}{', ...' if len(submissions) > 3 else ''})")
    return functions, points, outputs, submissions


def _checker_starts(environment):
    """Whether `python -m rnn_autograd.gradcheck` can start at all (it said nothing of its own)."""
    completed = subprocess.run([sys.executable, "-c", "import rnn_autograd.gradcheck.cli"], env=environment,
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    return completed.returncode == 0, _last_line(completed.stderr)


def main(argv=None):
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
        print(f"{PROG}: internal error: {type(error).__name__}: {error} (please report it)", file=sys.stderr)
        return EXIT_INTERNAL_ERROR


def _main(argv):
    args = build_parser().parse_args(argv)
    functions, points, outputs, submissions = _prepare(args)
    arguments = checker_arguments(args, strict_supported=_checker_accepts(["--strict"]) is None)
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
            starts, why = _checker_starts(runner.environment)
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
          f"in {time.perf_counter() - start:.1f} s ({args.jobs} at once, seed {args.seed}); wrote {written}")
    for line in lines[:1] if args.quiet else lines:
        print(line)
    return EXIT_COMPLETED
