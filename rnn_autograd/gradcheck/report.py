"""Render a Report for people: one row per function, and under a failing row what is wrong."""
import textwrap

STATUS_LABELS = {"pass": "pass", "fail": "FAIL", "error": "ERROR",
                 "not_implemented": "not implemented", "missing": "missing"}
HEADER = f"{'function':<26} {'status':<16} {'cases':>5} {'worst error':>12} {'tolerance':>10} {'time':>7}"


def _number(value):
    return f"{value:.1e}" if value is not None else "-"


def render_row(result):
    tolerance = f"{result.tolerance:.0e}" if result.tolerance else "-"
    return (f"{result.function:<26} {STATUS_LABELS[result.status]:<16} {result.cases:>5} "
            f"{_number(result.worst_error):>12} {tolerance:>10} {result.seconds:>6.2f}s")


def render_notes(result, indent="    ", limit=3):
    """Notes under a row: prints and warnings of the implementation (at most `limit`)."""
    lines = [f"{indent}note: {note}" for note in result.notes[:limit]]
    if len(result.notes) > limit:
        lines.append(f"{indent}note: ... and {len(result.notes) - limit} more (see --json)")
    return "\n".join(lines)


def render_failure(result, indent="    "):
    """The diagnosis under a failing row, plus the one-line replay command."""
    lines = []
    for line in (result.diagnosis or "").splitlines():
        lines += textwrap.wrap(line, width=100, initial_indent=indent, subsequent_indent=indent + "  ")
    if result.replay:
        lines.append(f"{indent}replay: {result.replay}")
    return f"{result.function}:\n" + "\n".join(lines) if indent == "    " and not lines else "\n".join(lines)


def render_summary(report):
    counts = {}
    for result in report.results.values():
        counts[result.status] = counts.get(result.status, 0) + 1
    parts = [f"{count} {STATUS_LABELS[status]}" for status, count in counts.items()]
    verdict = "OK" if report.ok else "NOT OK"
    count = len(report.results)
    return (f"{verdict}: {count} function{'s' if count != 1 else ''}: {', '.join(parts)} "
            f"({report.seconds:.1f} s)")
