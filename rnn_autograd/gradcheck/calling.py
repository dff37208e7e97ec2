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
    value: object = None
    error: BaseException | None = None
    location: str | None = None     # file:line where the error was raised, in the impl if possible
    printed: str = ""
    warnings: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error_text(self):
        if self.error is None:
            return ""
        if isinstance(self.error, SystemExit):
            return f"called sys.exit({self.error.code!r})"
        if isinstance(self.error, TimeLimitExceeded):
            return str(self.error)
        return f"{type(self.error).__name__}: {self.error}"


def _location(error, home):
    """The innermost frame of the traceback inside `home` (a file or folder), else innermost."""
    frames = traceback_module.extract_tb(error.__traceback__)
    inside = [frame for frame in frames if home and os.path.abspath(frame.filename).startswith(home)]
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


def call(function, args, time_limit=None, home=None):
    """Run function(*args) in isolation and return an Outcome. KeyboardInterrupt still stops us."""
    outcome = Outcome()
    captured = io.StringIO()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
                with _time_limit(time_limit):
                    outcome.value = function(*args)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # noqa: BLE001  SystemExit and all: the impl must not stop us
            outcome.error = error
            outcome.location = _location(error, home)
    outcome.seconds = time.perf_counter() - start
    outcome.printed = captured.getvalue()
    outcome.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
    return outcome
