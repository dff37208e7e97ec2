"""Load the implementation to check: a .py file, an importable module name, or a module."""
import difflib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
import types
from pathlib import Path

# What the checker accepts as an implementation: a .py file, an importable module name, a module.
Implementation = str | os.PathLike[str] | types.ModuleType


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


def _lost_indentation(path):
    """Has the file lost its indentation? Most lines that open a block (`def ...:`) are followed
    by a line that is not indented deeper."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        lines = [line for line in text.splitlines() if line.strip()]
    except OSError:
        return False
    openers = [index for index, line in enumerate(lines[:-1])
               if re.match(r"\s*(def|for|if|class|while|with)\b.*:\s*$", line)]
    flat = [index for index in openers
            if len(lines[index + 1]) - len(lines[index + 1].lstrip())
            <= len(lines[index]) - len(lines[index].lstrip())]
    return len(openers) >= 3 and len(flat) > 0.8 * len(openers)


def _describe_syntax_error(error, path):
    where = f"{error.filename or path}:{error.lineno}" if error.lineno else str(path)
    hint = ""
    print_line = _python2_print_line(error.filename or path)
    if _lost_indentation(error.filename or path):
        hint = (" (the file has lost its indentation, as text copied from a web page does: the "
                "bodies of its def, for and if lines are not indented; restore the indentation)")
    elif print_line is not None:
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


def _package_of(path):
    """For .../pkg/sub/mod.py inside packages (folders with __init__.py): (folder above pkg,
    'pkg.sub.mod'); for a file outside any package: (None, None)."""
    parts, folder = [path.stem], path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return (folder, ".".join(parts)) if len(parts) > 1 else (None, None)


class _Python2TolerantLoader(importlib.machinery.SourceFileLoader):
    """Loads a source file; if it is Python 2, loads its translation (and notes what changed).

    The translation is fissix's (the maintained fork of lib2to3's fixers): it changes syntax
    (print statements, xrange, dict.iteritems, ...), not meaning: `/` stays true division, which
    is why the checker adds a hint when a float size breaks a Python 2 file (see hints.py).
    Bytecode is not cached, so nothing is written beside the student's files.
    """

    notes = None  # a list shared by one load: what was translated, one line per file

    def get_code(self, fullname):
        return self.source_to_code(self.get_data(self.path), self.path)

    def source_to_code(self, data, path, *, _optimize=-1):
        try:
            return compile(data, path, "exec", dont_inherit=True)
        except SyntaxError as error:
            translated = translate_python2(data.decode("utf-8", errors="replace"), path)
            if translated is None:
                raise error from None
            source, changes = translated
            if self.notes is not None:
                self.notes.append(f"{path} is Python 2 code: checked its Python 3 translation by "
                                  f"fissix ({changes}); the file itself is unchanged")
            return compile(source, path, "exec", dont_inherit=True)


class _Python2TolerantFinder(importlib.abc.MetaPathFinder):
    """During one load: modules found under `folder` are loaded by _Python2TolerantLoader."""

    def __init__(self, folder, notes):
        self.folder = os.path.abspath(folder)
        self.notes = notes

    def find_spec(self, fullname, path, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        origin = spec.origin if spec else None
        if origin and origin.endswith(".py") \
                and os.path.abspath(origin).startswith(self.folder + os.sep):
            loader = _Python2TolerantLoader(fullname, origin)
            loader.notes = self.notes
            spec.loader = loader
        return spec


def translate_python2(source, path="<file>"):
    """(Python 3 source, 'print statement (line 3), xrange (line 9)') or None if not Python 2."""
    try:
        from fissix import pygram
        from fissix.pgen2.parse import ParseError
        from fissix.refactor import RefactoringTool, get_fixers_from_package
    except ImportError:  # fissix is a dependency; without it Python 2 files are refused as before
        return None
    # fix_import turns `import layers` into `from . import layers`: the checker puts the file's
    # folder on sys.path instead, as Python 3 runs a script, so that fixer is left out.
    fixers = [name for name in get_fixers_from_package("fissix.fixes")
              if not name.endswith(".fix_import")]
    tool = RefactoringTool(fixers)
    tool.driver.grammar = pygram.python_grammar  # Python 2's grammar: print is a statement
    changes = {}
    for fixer in tool.pre_order + tool.post_order:
        name = type(fixer).__name__[len("Fix"):].lower()

        def transform(node, results, _transform=fixer.transform, _name=name):
            changes.setdefault(_name, node.get_lineno())
            return _transform(node, results)
        fixer.transform = transform
    try:
        tree = tool.refactor_string(source if source.endswith("\n") else source + "\n", str(path))
    except (ParseError, SyntaxError, IndentationError, ValueError):
        return None
    translated = str(tree)
    if translated == source:
        return None
    matcher = difflib.SequenceMatcher(a=source.splitlines(), b=translated.splitlines(),
                                      autojunk=False)
    edited = {line + 1 for tag, start, end, _, _ in matcher.get_opcodes() if tag != "equal"
              for line in range(start, max(end, start + 1))}
    changes = {name: line for name, line in changes.items() if line in edited}
    if "unicode" in changes and list(changes.values()).count(changes["unicode"]) > 1:
        del changes["unicode"]  # a string literal on a line another fixer rewrote
    try:
        compile(translated, str(path), "exec", dont_inherit=True)
    except SyntaxError:
        return None
    names = {"print": "print statement", "except": "except X, e", "raise": "raise X, msg",
             "dict": "dict.keys/items/values", "has_key": "dict.has_key", "ne": "<>"}
    described = ", ".join(f"{names.get(name, name)} (line {line})" for name, line in
                          sorted(changes.items(), key=lambda item: item[1]))
    return translated, described


class _Loading:
    """Everything one load changes in the interpreter, undone afterwards: sys.path, the finder."""

    def __init__(self, folder, notes):
        self.folder = str(folder)
        self.finder = _Python2TolerantFinder(folder, notes)

    def __enter__(self):
        sys.path.insert(0, self.folder)
        sys.meta_path.insert(0, self.finder)

    def __exit__(self, *exc_info):
        if self.folder in sys.path:
            sys.path.remove(self.folder)
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)


def _forget_package(top):
    """Drop an earlier import of the package `top` (another submission's cs231n, say)."""
    for name in [name for name in sys.modules if name == top or name.startswith(top + ".")]:
        del sys.modules[name]


def _names_its_folder(path):
    """Does the file import its own folder as a package (from cs231n.layers import *, or a
    relative import)? Then it must be imported as folder.module, even without __init__.py."""
    folder = path.parent.name
    if not folder.isidentifier():
        return False
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(re.search(rf"^\s*(from\s+\.|from\s+{folder}\b|import\s+{folder}\b)", text, re.M))


def _import_module(dotted, folder, label, path, notes):
    """import_module(dotted) with `folder` on sys.path, every failure turned into a LoadError."""
    _forget_package(dotted.split(".")[0])
    with _Loading(folder, notes):
        try:
            return importlib.import_module(dotted)
        except ModuleNotFoundError as error:
            if error.name in (dotted, dotted.split(".")[0]):
                raise LoadError(f"{label}: no such file, and no importable module of that "
                                "name") from None
            raise _import_error(error, label, path) from None
        except BaseException as error:  # noqa: BLE001  the impl's own import-time failure
            raise _import_error(error, label, path) from None


def load_implementation(impl):
    """Return (module, label, notes) for a file path, a module name or a module object.

    - a module name is imported with the current folder on sys.path, as `python -m` does;
    - a file inside a package (say cs231n/rnn_layers.py, which may use relative imports such as
      `from .layers import *`) is imported as that package's module; so is a file in a folder
      without __init__.py that imports that folder by name (`from cs231n.layers import *`), as
      `python -c "import cs231n.rnn_layers"` does from the folder above (a namespace package);
    - any other file is imported with its own folder on sys.path, as Python does for a script,
      so it can import its neighbours.
    A Python 2 file (the 2016 course's) is checked through its Python 3 translation; `notes`
    says so, and which constructs were translated.
    Raises LoadError with a one-line message (file and line) on any failure.
    """
    notes = []
    if isinstance(impl, types.ModuleType):
        return impl, impl.__name__, notes
    text = os.fspath(impl)
    path = Path(text)
    looks_like_file = (text.endswith(".py") or os.sep in text or path.is_file()
                       or (path.is_dir() and not (path / "__init__.py").is_file()))
    if not looks_like_file:
        return _import_module(text, os.getcwd(), text, text, notes), text, notes
    if path.is_dir():
        raise LoadError(f"{text}: is a folder; expected a .py file (such as {text}/rnn_layers.py) "
                        "or a module name")
    if not path.is_file():
        raise LoadError(f"{text}: no such file")
    path = path.resolve()
    top, dotted = _package_of(path)
    if not dotted and _names_its_folder(path):
        top, dotted = path.parent.parent, f"{path.parent.name}.{path.stem}"
    if dotted:
        module = _import_module(dotted, top, path.name, path, notes)
        if Path(getattr(module, "__file__", "") or "").resolve() != path:
            raise LoadError(f"{path}: importing it as {dotted} found another file, "
                            f"{module.__file__}; rename one of them")
        return module, str(path), notes
    name = f"_rnn_gradcheck_impl_{path.stem}"
    loader = _Python2TolerantLoader(name, str(path))
    loader.notes = notes
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    if spec is None:
        raise LoadError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with _Loading(path.parent, notes):
        try:
            spec.loader.exec_module(module)
        except BaseException as error:  # noqa: BLE001  the impl's own import-time failure
            del sys.modules[name]
            raise _import_error(error, path.name, path) from None
    return module, str(path), notes
