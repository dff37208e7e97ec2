"""The commands' allocator setting (rnn_autograd/gradcheck/allocator.py and its demos copy).

What it changes is measured by `python -m benchmarks.run` (timings never go into tests). Here:
the two copies are the same text, only the commands' `main()` call it (the library never changes
the allocator of a process it is imported into), and it reports what it did.
"""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIES = [ROOT / "rnn_autograd" / "gradcheck" / "allocator.py",
          ROOT / "rnn_autograd" / "demos" / "allocator.py"]
COMMANDS = {ROOT / "rnn_autograd" / "gradcheck" / "cli.py",
            ROOT / "rnn_autograd" / "demos" / "charlm.py",
            ROOT / "rnn_autograd" / "demos" / "gradient_flow.py"}


def test_the_two_copies_are_the_same_text():
    first, second = (path.read_text(encoding="utf-8") for path in COPIES)
    assert first == second


def _functions_calling(path, name):
    """The functions of path whose bodies call `name`, and whether its module level does."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    callers = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and getattr(inner.func, "id", None) == name:
                    callers.add(node.name)
    module_level = any(isinstance(inner, ast.Call) and getattr(inner.func, "id", None) == name
                       for statement in tree.body
                       if not isinstance(statement, (ast.FunctionDef, ast.ClassDef))
                       for inner in ast.walk(statement))
    return callers, module_level


def test_only_the_commands_main_functions_set_the_allocator():
    library = [path for top in ("layer_contracts", "manual", "rnn_autograd")
               for path in (ROOT / top).rglob("*.py") if path not in COPIES]
    for path in library:
        callers, module_level = _functions_calling(path, "keep_freed_memory")
        assert not module_level, f"{path.name} sets the allocator when it is imported"
        if path in COMMANDS:
            assert callers == {"main"}, (path.name, callers)
        else:
            assert not callers, f"{path.name} sets the allocator from {callers}"


def test_it_sets_glibc_and_leaves_a_users_environment_alone():
    code = ("from rnn_autograd.gradcheck.allocator import keep_freed_memory; "
            "import platform; print(keep_freed_memory(), platform.libc_ver()[0] == 'glibc')")

    def run(environment):
        completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                   cwd=ROOT, env=environment, check=True)
        return completed.stdout.split()

    import os
    clean = {name: value for name, value in os.environ.items() if not name.startswith("MALLOC_")}
    changed, is_glibc = run(clean)
    assert changed == is_glibc                      # set where glibc allocates, a no-op elsewhere
    assert run(dict(clean, MALLOC_TRIM_THRESHOLD_="131072"))[0] == "False"  # the user chose
