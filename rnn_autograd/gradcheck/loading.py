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


def _import_error(error, label, path):
    """A LoadError for an exception raised while importing; re-raise KeyboardInterrupt."""
    if isinstance(error, KeyboardInterrupt):
        raise error
    if isinstance(error, SyntaxError):
        return LoadError(_describe_syntax_error(error, path))
    location = _innermost_location(error.__traceback__, path)
    return LoadError(f"{location}: cannot import {label}: {type(error).__name__}: {error}")


class _OnSysPath:
    """Put a folder first on sys.path for the duration of an import."""

    def __init__(self, folder):
        self.folder = str(folder)

    def __enter__(self):
        sys.path.insert(0, self.folder)

    def __exit__(self, *exc_info):
        if self.folder in sys.path:
            sys.path.remove(self.folder)


def _import_module(dotted, folder, label, path):
    """import_module(dotted) with `folder` on sys.path, every failure turned into a LoadError."""
    with _OnSysPath(folder):
        try:
            return importlib.import_module(dotted)
        except ModuleNotFoundError as error:
            if error.name in (dotted, dotted.split(".")[0]):
                raise LoadError(f"{label}: no such file, and no importable module of that name") from None
            raise _import_error(error, label, path) from None
        except BaseException as error:  # noqa: BLE001  the impl's own import-time failure
            raise _import_error(error, label, path) from None


def _package_of(path):
    """For .../pkg/sub/mod.py inside packages (folders with __init__.py): (folder above pkg,
    'pkg.sub.mod'); for a file outside any package: (None, None)."""
    parts, folder = [path.stem], path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return (folder, ".".join(parts)) if len(parts) > 1 else (None, None)


def load_implementation(impl):
    """Return (module, label) for a file path, a module name or a module object.

    - a module name is imported with the current folder on sys.path, as `python -m` does;
    - a file inside a package (say cs231n/rnn_layers.py, which may use relative imports such as
      `from .layers import *`) is imported as that package's module;
    - any other file is imported with its own folder on sys.path, as Python does for a script,
      so it can import its neighbours.
    Raises LoadError with a one-line message (file and line) on any failure.
    """
    if isinstance(impl, types.ModuleType):
        return impl, impl.__name__
    text = os.fspath(impl)
    path = Path(text)
    looks_like_file = text.endswith(".py") or os.sep in text or path.is_file()
    if not looks_like_file:
        return _import_module(text, os.getcwd(), text, text), text
    if not path.is_file():
        raise LoadError(f"{text}: no such file")
    path = path.resolve()
    top, dotted = _package_of(path)
    if dotted:
        module = _import_module(dotted, top, path.name, path)
        if Path(getattr(module, "__file__", "")).resolve() != path:
            raise LoadError(f"{path}: importing it as {dotted} found another file, "
                            f"{module.__file__}; rename one of them")
        return module, str(path)
    name = f"_rnn_gradcheck_impl_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LoadError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with _OnSysPath(path.parent):
        try:
            spec.loader.exec_module(module)
        except BaseException as error:  # noqa: BLE001  the impl's own import-time failure
            del sys.modules[name]
            raise _import_error(error, path.name, path) from None
    return module, str(path)
