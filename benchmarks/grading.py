"""Grade a generated class: 200 submissions, copies of the correct and buggy files of tests/impls.

    python -m benchmarks.grading                        # 200 submissions, --jobs 2: the target
    python -m benchmarks.grading --submissions 50 --jobs 1 --without-hangs --keep /tmp/class

Each submission is a student's folder: one of tests/impls/student_correct.py,
vectorised_correct.py or bug_*.py, taken in turn, as its rnn_layers.py, beside a copy of the
correct module it imports (`from student_correct import *`, `import vectorised_correct`, ...), so
that every submission stands alone and the class has about 5 copies of each file. One of the
bug files hangs in rnn_backward until the checker's time limit per call stops it (10 s by
default), as a real hang would.
`rnn-gradcheck grade` runs as a command, as a teacher would run it, and its wall time is what is
reported. The target of issue 11: under 2 minutes for 200 submissions with --jobs 2 on 2 cores.

To see where the time goes, it also reports the CPU time of the whole run (which a machine
shared with other jobs does not inflate as it does the wall time), and times what every
submission pays, one at a time: starting Python, importing the checker (numpy, autograd), and
the check itself.
"""
import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
IMPLS = REPOSITORY / "tests" / "impls"
TARGET_SECONDS = 120.0
CORRECT = ("student_correct.py", "vectorised_correct.py")


HELPERS = ("student_correct", "vectorised_correct")  # the modules bug files build on


def helpers_of(text):
    """The correct modules of tests/impls that an impl file imports."""
    return [name for name in HELPERS if f"import {name}" in text or f"from {name} import" in text]


def sources(without_hangs):
    files = [IMPLS / name for name in CORRECT] + sorted(IMPLS.glob("bug_*.py"))
    if without_hangs:
        files = [path for path in files if "\nHANGS = True" not in path.read_text()]
    return files


def make_class(folder, count, without_hangs):
    """`count` student folders in `folder` (student_000/rnn_layers.py, ...); {name: source file}."""
    files = sources(without_hangs)
    made = {}
    for index in range(count):
        source = files[index % len(files)]
        name = f"student_{index:03d}"
        student = folder / name
        student.mkdir()
        text = source.read_text()
        (student / "rnn_layers.py").write_text(text)
        for helper in helpers_of(text):
            (student / f"{helper}.py").write_text((IMPLS / f"{helper}.py").read_text())
        made[name] = source.name
    return made


def _seconds(command, repeats=5):
    """Best wall time of a short command, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=REPOSITORY)
        best = min(best, time.perf_counter() - start)
    return best


def overheads(cases):
    """What each submission pays, measured one at a time: interpreter, imports, a check."""
    python = _seconds([sys.executable, "-c", "pass"])
    imports = _seconds([sys.executable, "-c", "import rnn_autograd.gradcheck.cli"])
    correct = str(IMPLS / "student_correct.py")
    whole = _seconds([sys.executable, "-m", "rnn_autograd.gradcheck", "--impl", correct, "--quiet"]
                     + (["--cases", str(cases)] if cases else []), repeats=3)
    return dict(python=python, imports=imports - python, check=whole - imports,
                one_submission=whole)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.grading",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cases", type=int, default=None,
                        help="cases per function (default: the checker's)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="the checker's time limit per call (default: the checker's)")
    parser.add_argument("--without-hangs", action="store_true",
                        help="leave out the file that hangs")
    parser.add_argument("--keep", metavar="DIR",
                        help="generate the class in DIR and keep it (and grades.csv)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as scratch:
        folder = Path(args.keep or scratch)
        submissions = folder / "class"
        submissions.mkdir(parents=True, exist_ok=True)
        made = make_class(submissions, args.submissions, args.without_hangs)
        grades = folder / "grades.csv"
        command = [sys.executable, "-m", "rnn_autograd.gradcheck", "grade", str(submissions),
                   "--jobs", str(args.jobs), "--csv", str(grades), "--quiet"]
        if args.cases:
            command += ["--cases", str(args.cases)]
        if args.time_limit:
            command += ["--time-limit", str(args.time_limit)]
        print(f"grading {len(made)} submissions ({len(set(made.values()))} distinct files), "
              f"--jobs {args.jobs}: {' '.join(command[1:])}", flush=True)
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        completed = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY)
        wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time of the grader and of every check (each was waited for, so it is counted here)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(completed.stdout.rstrip())
        if completed.returncode != 0:
            print(completed.stderr.rstrip(), file=sys.stderr)
            return 1
        with open(grades, newline="") as handle:
            rows = list(csv.DictReader(handle))
        full = sum(1 for row in rows if row["score"] == row["max_score"])
        statuses = Counter(value for row in rows for key, value in row.items()
                           if key not in ("submission", "score", "max_score", "note"))
        print(f"wall time {wall:.1f} s for {len(rows)} submissions "
              f"({wall / len(rows) * 1000:.0f} ms each, "
              f"{args.jobs} at once); {full} with full marks; statuses: "
              + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())))
        verdict = "met" if wall < TARGET_SECONDS else "NOT met"
        print(f"target: under {TARGET_SECONDS:.0f} s: {verdict}")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"CPU time {cpu:.1f} s ({cpu / len(rows) * 1000:.0f} ms per submission); load "
              f"average {load:.1f} at the end. Where the checks are CPU-bound, {args.jobs} idle "
              f"cores would take about {cpu / args.jobs:.0f} s, plus the time hanging calls wait")
        cost = overheads(args.cases)
        print("one submission on its own (best of several): "
              f"python start-up {cost['python'] * 1000:.0f} ms, imports of the checker "
              f"(numpy, autograd) {cost['imports'] * 1000:.0f} ms, the check of a correct file "
              f"{cost['check'] * 1000:.0f} ms; "
              f"{cost['one_submission'] * 1000:.0f} ms in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
