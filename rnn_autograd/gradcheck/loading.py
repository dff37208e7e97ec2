"""Load the implementation to check: a .py file, an importable module name, or a module."""
import importlib
import importlib.util
import os
import re
import sys
import types
from pathlib import Path


class LoadError(Exception):
    """The implementation cannot be loaded; the message is one line naming file and line."""


_PYTHON2_PRINT = re.compile(r"^\s*print\s+[^\s(=]")


def _python2_print_line(path):
    """Line number of the first Python 2 print statement in the file, or None."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if _PYTHON2_PRINT.match(line) or re.search(r"\bprint\s+'", line):
                    return number
    except OSError:
        return None
    return None


def _describe_syntax_error(error, path):
    where = f"{error.filename or path}:{error.lineno}" if error.lineno else str(path)
    hint = ""
    print_line = _python2_print_line(error.filename or path)
    if print_line is not None:
        hint = (f" (line {print_line} is a Python 2 print statement: this file is Python 2 code, "
                "and the checker runs Python 3)")
    return f"{where}: cannot import: {type(error).__name__}: {error.msg}{hint}"


def _innermost_location(traceback, path):
    """file:line of the innermost traceback frame inside `path` (else the innermost at all)."""
    location = None
    while traceback is not None:
        frame_file = traceback.tb_frame.f_code.co_filename
        if location is None or os.path.abspath(frame_file) == os.path.abspath(path):
            location = f"{frame_file}:{traceback.tb_lineno}"
        traceback = traceback.tb_next
    return location or str(path)


def load_implementation(impl):
    """Return (module, label) for a file path, a module name or a module object.

    A file is imported with its own folder on sys.path, as Python does for a script, so it
    can import its neighbours. Raises LoadError with a one-line message on any failure.
    """
    if isinstance(impl, types.ModuleType):
        return impl, impl.__name__
    text = os.fspath(impl)
    path = Path(text)
    looks_like_file = text.endswith(".py") or os.sep in text or path.is_file()
    if not looks_like_file:
        try:
            module = importlib.import_module(text)
        except SyntaxError as error:
            raise LoadError(_describe_syntax_error(error, text)) from None
        except ModuleNotFoundError as error:
            if error.name == text.split(".")[0] or error.name == text:
                raise LoadError(f"{text}: no such file, and no importable module of that name") from None
            raise LoadError(f"{text}: cannot import: {type(error).__name__}: {error}") from None
        except BaseException as error:  # noqa: BLE001  the impl's own import-time failure
            if isinstance(error, KeyboardInterrupt):
                raise
            location = _innermost_location(error.__traceback__, getattr(error, "filename", text))
            raise LoadError(f"{location}: cannot import {text}: {type(error).__name__}: {error}") from None
        return module, text
    if not path.is_file():
        raise LoadError(f"{text}: no such file")
    path = path.resolve()
    name = f"_rnn_gradcheck_impl_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LoadError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        del sys.modules[name]
        raise LoadError(_describe_syntax_error(error, path)) from None
    except BaseException as error:  # noqa: BLE001  the impl's own import-time failure
        del sys.modules[name]
        if isinstance(error, KeyboardInterrupt):
            raise
        location = _innermost_location(error.__traceback__, path)
        raise LoadError(f"{location}: cannot import {path.name}: {type(error).__name__}: {error}") from None
    finally:
        if sys.path and sys.path[0] == folder:
            sys.path.pop(0)
    return module, str(path)
