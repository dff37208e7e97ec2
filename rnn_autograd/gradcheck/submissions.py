"""The submissions of a class: finding them on disk, and checking each in a process of its own.

    submissions = find_submissions(["class/"])       # sorted by name; BadInput if there are none
    runner = Runner(options, workdir, arguments)     # arguments: the checker's options for all
    outcomes = run_all(submissions, runner, jobs=2, progress=progress)

A submission is one `.py` file, or a folder holding `cs231n/rnn_layers.py` (with or without
`cs231n/__init__.py`) or one `rnn_layers.py` at any depth. A folder that is none of these is a
class: each `.py` file and each subfolder in it is one submission, named after the file or the
folder (a file called `rnn_layers.py` is named after its folder).

Each check is `python -m rnn_autograd.gradcheck --impl ... --json ...` in a process of its own,
in a session of its own, with a wall-time limit on the whole check. When the time runs out, and
again when the check ends, its process group is killed, and so is every process that carries
the check's cookie in its environment (as Jenkins' ProcessTreeKiller does), with its group: the
checker's own worker process, which starts a session of its own, and any child process the
submission started, even once their parent is gone. What the submission prints goes to files,
never to the grader's terminal. Only the checker's JSON report comes back.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

SKIPPED_NAMES = {"__pycache__", "__MACOSX"}  # and every name starting with "."
KILLED = -getattr(signal, "SIGKILL", 9)  # the return code of a process killed by SIGKILL (POSIX)


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


# ----------------------------------------------------------------------------------------------
# Finding the submissions


def _visible(path):
    return not path.name.startswith(".") and path.name not in SKIPPED_NAMES


def _python_files(folder, name="*.py"):
    """Python files under `folder`, at any depth, skipping hidden folders and __pycache__."""
    found = []
    for path in sorted(folder.rglob(name)):
        relative = path.relative_to(folder).parts
        hidden = any(part.startswith(".") or part in SKIPPED_NAMES for part in relative)
        if path.is_file() and not hidden:
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
            held = ", ".join(str(p.relative_to(folder)) for p in python[:3])
            held += ", ..." if len(python) > 3 else ""
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
        raise BadInput(f"{argument}: no Python file (.py) in this folder or below it: "
                       "no submission to grade")
    submissions = []
    for entry in entries:
        shown = os.path.join(argument, entry.name)
        if entry.is_dir():
            submissions.append(_student_folder(entry, shown))
        elif entry.suffix == ".py":
            submissions.append(_file_submission(entry, shown))
    return submissions


def find_submissions(arguments):
    """The submissions the command line names, sorted by name; BadInput if one cannot be graded."""
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
        if other is submission:
            continue
        if (other.impl, other.root) == (submission.impl, submission.root):
            raise BadInput(f"{submission.display} is given twice (also as {other.display})")
        raise BadInput(f"two submissions would both be named {submission.name!r} in the grades: "
                       f"{other.display} and {submission.display}; rename one or grade them "
                       "separately")
    return sorted(submissions, key=lambda s: s.name)


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


def checker_arguments(options):
    """The options every check gets, as `rnn-gradcheck` spells them (without --impl and --json)."""
    arguments = ["--seed", str(options.seed), "--quiet"]
    if options.cases is not None:
        arguments += ["--cases", str(options.cases)]
    if options.only:
        arguments += ["--only", ",".join(options.only)]
    if options.time_limit is not None:
        arguments += ["--time-limit", repr(options.time_limit)]
    if options.strict:  # the checker then reports a warning as a failure
        arguments.append("--strict")
    return arguments


COOKIE = "RNN_GRADCHECK_GRADE_CHECK"  # in the environment of every process of one check


def _kill_group(process):
    """SIGKILL the process group of a check: the checker and whatever shares its group."""
    if os.name != "posix":
        process.kill()
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _processes_with(cookie):
    """The pids whose environment carries `COOKIE=cookie`: every process a check started, in
    whatever session it put itself (the checker's worker calls setsid) and after its parent died
    (it is then a child of init, and no parent link leads to it). Linux only: reads /proc."""
    marker = f"{COOKIE}={cookie}".encode()
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []
    found = []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if marker in handle.read().split(b"\0"):  # a zombie's reads empty: it is done
                    found.append(int(entry))
        except OSError:  # gone already, or not ours to read
            continue
    return found


def _end_check(process, cookie):
    """Kill what is left of a check: its process group, then every process carrying its cookie,
    with the process group of each (where a submission's own child process sits)."""
    _kill_group(process)
    ours = os.getpgrp() if os.name == "posix" else None
    for _ in range(10):  # again while a process forks as it is being killed
        left = [pid for pid in _processes_with(cookie) if pid != os.getpid()]
        if not left:
            return
        for pid in left:
            try:
                group = os.getpgid(pid)
                if group != ours:
                    os.killpg(group, signal.SIGKILL)
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
        time.sleep(0.01)


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


def last_line(text):
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
        self._running = {}  # process -> the cookie in its environment
        self._lock = threading.Lock()
        self._stopping = False

    def stop(self):
        with self._lock:
            self._stopping = True
            for process, cookie in self._running.items():
                _end_check(process, cookie)

    def check(self, submission):
        if submission.problem:
            return Outcome(submission, note=submission.problem)
        folder = Path(tempfile.mkdtemp(prefix="check-", dir=self.workdir))
        report_path = folder / "report.json"
        command = [sys.executable, "-m", "rnn_autograd.gradcheck", "--impl", submission.impl,
                   "--json", str(report_path), *self.arguments]
        start = time.perf_counter()
        timed_out = threading.Event()
        cookie = uuid.uuid4().hex
        environment = dict(self.environment, **{COOKIE: cookie})
        with open(folder / "stdout", "wb") as stdout, open(folder / "stderr", "wb") as stderr:
            with self._lock:
                if self._stopping:
                    return Outcome(submission, note="interrupted")
                try:
                    process = subprocess.Popen(command, cwd=submission.cwd or folder,
                                               env=environment, stdin=subprocess.DEVNULL,
                                               stdout=stdout, stderr=stderr,
                                               start_new_session=os.name == "posix")
                except OSError as error:
                    return Outcome(submission,
                                   note=f"the check could not start: {error.strerror or error}")
                self._running[process] = cookie

            def out_of_time():
                timed_out.set()
                _end_check(process, cookie)

            timer = threading.Timer(self.options.timeout, out_of_time)
            timer.daemon = True
            timer.start()
            try:
                _wait_unreaped(process)
            finally:
                timer.cancel()
                _end_check(process, cookie)  # what it left behind: a worker, a child process
                process.wait()
                with self._lock:
                    self._running.pop(process, None)
        seconds = time.perf_counter() - start
        errors = (folder / "stderr").read_text(encoding="utf-8", errors="replace")[-20000:]
        ours = process.returncode == KILLED or os.name != "posix"  # killed by the timer, not else
        outcome = self._read(submission, process.returncode, report_path, errors,
                             timed_out.is_set() and ours)
        outcome.seconds = seconds
        shutil.rmtree(folder, ignore_errors=True)
        return outcome

    def _read(self, submission, code, report_path, errors, timed_out):
        if timed_out:
            return Outcome(submission, note=f"stopped: the check took longer than the time limit "
                                            f"of {self.options.timeout:g} s per submission "
                                            "(--timeout), so none of its functions could be graded")
        if code == 2:  # the checker could not run it: the reason is its last line
            reason = last_line(errors).removeprefix("rnn-gradcheck: error: ") or "cannot be loaded"
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
            if code == KILLED:
                how = f"was killed by {name} (out of memory, or by the submission?)"
            else:
                how = f"was killed by {name}: the submission crashed the process"
        else:
            how = (f"ended with exit status {code} before writing its report: the submission ends "
                   "the process itself (os._exit?)")
        last = last_line(errors)
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


def checker_starts(environment):
    """Whether `python -m rnn_autograd.gradcheck` can start at all (it said nothing of its own)."""
    completed = subprocess.run([sys.executable, "-c", "import rnn_autograd.gradcheck.cli"],
                               env=environment, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=120)
    return completed.returncode == 0, last_line(completed.stderr)
