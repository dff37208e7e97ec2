"""Hints for errors whose cause is a change of language or library, not the student's math.

A file written for Python 2 (the 2016 course) or an older numpy runs into these after it has
been translated (`loading.py`): the translation changes syntax, not meaning.
"""
import inspect
import re

# `H = b.shape[0] / 4`: an int in Python 2, a float in Python 3.
_TRUE_DIVISION = re.compile(r"^\s*\w[\w, ]*=\s*[^#\n]*[\w\])]\s*/\s*[\w(]")
_REMOVED_FROM_NUMPY = {
    "asfarray": "np.asfarray was removed in numpy 2.0: use np.asarray(x, dtype=float)",
    "float": "np.float was removed in numpy 1.24: use float (or np.float64)",
    "int": "np.int was removed in numpy 1.24: use int (or np.int64)",
    "bool": "np.bool was removed in numpy 1.24 (and is back in 2.0 as np.bool_'s alias): use bool",
    "object": "np.object was removed in numpy 1.24: use object",
}


def _division_lines(function):
    """(line number, text) of the lines of `function` that divide with / into a name."""
    try:
        lines, first = inspect.getsourcelines(function)
    except (OSError, TypeError):
        return []
    return [(first + offset, line.strip()) for offset, line in enumerate(lines)
            if _TRUE_DIVISION.match(line) and "//" not in line]


def hint_for(error, function):
    """A sentence that explains `error` raised by `function`, or ""."""
    text = str(error)
    if isinstance(error, TypeError) and (
            "'float' object cannot be interpreted as an integer" in text
            or "must be integer" in text or "float" in text and "index" in text):
        found = _division_lines(function)
        where = f" (line {found[0][0]}: `{found[0][1]}`)" if found else ""
        return (f"hint: in Python 3, / gives a float{where}: a size such as H = b.shape[0] / 4 is "
                "then 5.0, not 5, and numpy refuses it; use // for integer division")
    if isinstance(error, NameError) and "xrange" in text:
        return "hint: xrange is Python 2; in Python 3 it is range"
    if isinstance(error, AttributeError) and "numpy" in text:
        name = re.search(r"attribute '(\w+)'", text)
        if name and name.group(1) in _REMOVED_FROM_NUMPY:
            return "hint: " + _REMOVED_FROM_NUMPY[name.group(1)]
    return ""
