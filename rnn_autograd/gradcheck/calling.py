"""Call a function of the implementation under test, and survive whatever it does.

An implementation may raise, print, call sys.exit, warn, or never return. `call` runs it with
stdout/stderr captured, warnings recorded and a time limit (SIGALRM, on Unix main threads),
and always comes back with an Outcome instead of letting the impl take the checker down.
"""
import contextlib
import io
import os
import signal
import threading
import time
import traceback as traceback_module
import warnings
from dataclasses import dataclass, field


class TimeLimitExceeded(Exception):
    """Raised inside the implementation's call when its time limit runs out."""


@dataclass
class Outcome:
    """What one call of the implementation did, in plain data (it crosses process boundaries)."""
    value: object = None
    error_type: str | None = None   # the exception's class name: ValueError, SystemExit, ...
    error_text: str = ""            # "ValueError: ...", "called sys.exit(1)", "did not return ..."
    read_only_write: bool = False   # it failed by writing into a read-only array it was given
    hint: str = ""                  # hints.hint_for: Python 2 semantics, removed numpy names
    location: str | None = None     # file:line where the error was raised, in the impl if possible
    printed: str = ""
    warnings: list = field(default_factory=list)
    seconds: float = 0.0
    written: list = field(default_factory=list)  # indices of the arguments it changed

    @property
    def failed(self):
        return self.error_type is not None

    @property
    def exited(self):
        """An exit or a hang: the message needs no "raised" before it."""
        return self.error_type in ("SystemExit", "TimeLimitExceeded", "WorkerDied")


def describe_error(error):
    """The text of an error as the report shows it."""
    if isinstance(error, SystemExit):
        return f"called sys.exit({error.code!r})"
    if isinstance(error, TimeLimitExceeded):
        return str(error)
    try:
        text = str(error)
    except BaseException:  # noqa: BLE001  an exception whose __str__ raises
        text = "(its message cannot be shown: its __str__ raises)"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _Capture(io.StringIO):
    """Captured output that an implementation cannot close (sys.stdout.close() is a no-op)."""

    def close(self):
        pass


def _location(error, home):
    """The innermost frame of the traceback inside `home` (a file or folder), else innermost."""
    frames = traceback_module.extract_tb(error.__traceback__)
    inside = [frame for frame in frames
              if home and os.path.abspath(frame.filename).startswith(home)]
    frame = (inside or frames or [None])[-1]
    return f"{frame.filename}:{frame.lineno}" if frame else None


@contextlib.contextmanager
def _time_limit(seconds):
    usable = (seconds and hasattr(signal, "SIGALRM")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(f"did not return within the time limit of {seconds:.3g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _record(outcome, error, function, home):
    from rnn_autograd.gradcheck.hints import hint_for
    outcome.error_type = type(error).__name__
    outcome.error_text = describe_error(error)
    outcome.read_only_write = isinstance(error, ValueError) and "read-only" in outcome.error_text
    outcome.location = _location(error, home)
    try:
        outcome.hint = hint_for(error, function)
    except Exception:  # noqa: BLE001  a hint is a courtesy; it must never break the report
        outcome.hint = ""


def call(function, args, time_limit=None, home=None, catch_interrupt=False):
    """Run function(*args) and return an Outcome, whatever it does. KeyboardInterrupt still
    stops us, unless catch_interrupt (in a worker process, where it is the implementation's)."""
    outcome = Outcome()
    captured = _Capture()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
                with _time_limit(time_limit):
                    outcome.value = function(*args)
        except KeyboardInterrupt as error:
            if not catch_interrupt:
                raise
            _record(outcome, error, function, home)
        except BaseException as error:  # noqa: BLE001  SystemExit too: the impl must not stop us
            _record(outcome, error, function, home)
    outcome.seconds = time.perf_counter() - start
    outcome.printed = captured.getvalue()
    outcome.warnings = [f"{w.category.__name__}: {_text(w.message)}" for w in caught]
    return outcome


def _text(value):
    try:
        return str(value)
    except BaseException:  # noqa: BLE001
        return "(cannot be shown)"
