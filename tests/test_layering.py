"""The layering of the packages, read from their imports (ast), so that it cannot rot.

    layer_contracts            numpy only: the argument checks and the dims language
    manual    rnn_autograd     the two trees side by side: each may use layer_contracts only
    gradcheck    demos         checker and demos side by side: the checker uses the twins (it
                               loads `manual` by name, like any implementation); the demos use
                               both trees; neither imports the other
    benchmarks, tests          on top: anything

`rnn_autograd` here means the twins at the top of the package (rnn_autograd/*.py);
`rnn_autograd.gradcheck` and `rnn_autograd.demos` are layers of their own.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# layer -> the project layers it may import (its own layer always)
ALLOWED = {
    "layer_contracts": set(),
    "manual": {"layer_contracts"},
    "twins": {"layer_contracts"},
    "gradcheck": {"layer_contracts", "twins"},
    "demos": {"layer_contracts", "manual", "twins"},
}
# third-party packages each layer may import, beyond the standard library
THIRD_PARTY = {
    "layer_contracts": {"numpy"},
    "manual": {"numpy"},
    "twins": {"numpy", "autograd"},
    # grading: tqdm (optional progress bar), tomllib (standard library from Python 3.11 only)
    "gradcheck": {"numpy", "autograd", "matplotlib", "fissix", "tqdm", "tomllib"},
    "demos": {"numpy", "autograd", "matplotlib", "threadpoolctl", "tqdm"},
}
PROJECT_TOP = {"layer_contracts", "manual", "rnn_autograd", "benchmarks", "tests"}


def layer_of_module(dotted):
    """The layer of a module name, or None for a module outside the project."""
    parts = dotted.split(".")
    if parts[0] in ("layer_contracts", "manual"):
        return parts[0]
    if parts[0] == "rnn_autograd":
        if len(parts) > 1 and parts[1] in ("gradcheck", "demos"):
            return parts[1]
        if parts[1:] == ["__main__"]:  # `python -m rnn_autograd`: an alias of the checker's command
            return "gradcheck"
        return "twins"
    return None


def module_name(path):
    if not path.is_relative_to(ROOT):
        return path.stem
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path):
    """Every module named by an import statement in the file (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            yield node.lineno, target
            for alias in node.names:  # `from rnn_autograd import gradcheck` imports a layer too
                yield node.lineno, f"{target}.{alias.name}"


LIBRARY_FILES = sorted(
    path for top in ("layer_contracts", "manual", "rnn_autograd")
    for path in (ROOT / top).rglob("*.py"))


def _is_standard_library(name):
    import sys
    return name in sys.stdlib_module_names or name == "__future__"


def violations(path, own):
    """Lines of `path` (a file of layer `own`) that import what its layer may not."""
    allowed = ALLOWED[own] | {own}
    wrong = []
    for line, target in imported_modules(path):
        top = target.split(".")[0]
        layer = layer_of_module(target)
        if layer is not None:
            if layer not in allowed:
                wrong.append(f"{path.name}:{line} ({own}) imports {target} ({layer})")
        elif top in PROJECT_TOP:
            wrong.append(f"{path.name}:{line} ({own}) imports {target}, which is above it")
        elif not _is_standard_library(top) and top not in THIRD_PARTY[own]:
            wrong.append(f"{path.name}:{line} ({own}) imports the third-party {top}")
    return wrong


@pytest.mark.parametrize("path", LIBRARY_FILES,
                         ids=[str(p.relative_to(ROOT)) for p in LIBRARY_FILES])
def test_imports_follow_the_layering(path):
    wrong = violations(path, layer_of_module(module_name(path)))
    assert not wrong, "\n".join(wrong)


def test_every_library_file_is_in_a_layer():
    assert {layer_of_module(module_name(path)) for path in LIBRARY_FILES} == set(ALLOWED)


def test_the_layering_test_catches_upward_and_sideways_imports(tmp_path):
    """The rule must be able to fail: imports a twin, the checker or a demo may not make."""
    bad = tmp_path / "bad.py"
    bad.write_text("import manual\nfrom rnn_autograd.gradcheck import layers\n"
                   "from rnn_autograd import demos\nimport torch\nimport os\n")
    assert violations(bad, "twins") == [
        "bad.py:1 (twins) imports manual (manual)",
        "bad.py:2 (twins) imports rnn_autograd.gradcheck (gradcheck)",
        "bad.py:2 (twins) imports rnn_autograd.gradcheck.layers (gradcheck)",
        "bad.py:3 (twins) imports rnn_autograd.demos (demos)",
        "bad.py:4 (twins) imports the third-party torch",
    ]
    assert [line.split(" imports ")[1] for line in violations(bad, "gradcheck")] == [
        "manual (manual)", "rnn_autograd.demos (demos)", "the third-party torch"]
    assert [line.split(" imports ")[1] for line in violations(bad, "demos")] == [
        "rnn_autograd.gradcheck (gradcheck)", "rnn_autograd.gradcheck.layers (gradcheck)",
        "the third-party torch"]


def test_importing_the_twins_loads_neither_the_checker_nor_matplotlib():
    import subprocess
    import sys
    code = ("import sys, rnn_autograd; "
            "print(sorted(m for m in sys.modules if m.startswith(('rnn_autograd.', 'matplotlib', "
            "'manual'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout
    assert "gradcheck" not in loaded and "matplotlib" not in loaded and "manual" not in loaded
    assert "demos" not in loaded


LAYER_LABELS = {
    "layer_contracts": "layer_contracts\\n(numpy only)",
    "manual": "manual\\n(hand-written backward)",
    "twins": "rnn_autograd\\n(autograd twins)",
    "gradcheck": "rnn_autograd.gradcheck\\n(the checker)",
    "demos": "rnn_autograd.demos",
    "benchmarks": "benchmarks",
}
PICTURE = ROOT / "docs" / "images" / "layers.dot"


def layer_graph_dot():
    """The imports between layers, counted from the code, as a Graphviz graph (layers.dot)."""
    from collections import Counter
    edges = Counter()
    for path in LIBRARY_FILES + sorted((ROOT / "benchmarks").glob("*.py")):
        own = layer_of_module(module_name(path)) or "benchmarks"
        for _, target in imported_modules(path):
            layer = layer_of_module(target) or ("benchmarks" if target.startswith("benchmarks")
                                                else None)
            if layer and layer != own:
                edges[(own, layer)] += 1
    lines = ["digraph layers {", "  rankdir=BT; node [shape=box, fontname=Helvetica];"]
    lines += [f'  {key} [label="{label}"];' for key, label in LAYER_LABELS.items()]
    lines += ["  { rank=same; manual; twins; }", "  { rank=same; gradcheck; demos; }"]
    lines += [f'  {source} -> {target} [label="{count}"];'
              for (source, target), count in sorted(edges.items())]
    return "\n".join(lines + ["}"]) + "\n"


def test_the_picture_of_the_layers_is_drawn_from_the_current_code():
    """docs/images/layers.png is rendered from layers.dot (dot -Tpng); the .dot must be current:
    regenerate it with `python tests/test_layering.py > docs/images/layers.dot`."""
    assert PICTURE.read_text() == layer_graph_dot()


if __name__ == "__main__":
    print(layer_graph_dot(), end="")
