"""Render a Report for people: one row per function, and under a row what is wrong or suspect.

Also the machine-readable forms besides the JSON: JUnit XML (one testcase per function) for CI
dashboards.
"""
import textwrap
from xml.etree import ElementTree

STATUS_LABELS = {"pass": "pass", "warn": "warn", "fail": "FAIL", "error": "ERROR",
                 "not_implemented": "not implemented", "missing": "missing"}
HEADER = (f"{'function':<26} {'status':<16} {'cases':>5} {'worst error':>12} {'tolerance':>10} "
          f"{'time':>7}")
WIDTH = 100


def _number(value):
    return f"{value:.1e}" if value is not None else "-"


def render_row(result):
    tolerance = f"{result.tolerance:.0e}" if result.tolerance else "-"
    required = result.status == "missing" and result.required
    label = STATUS_LABELS[result.status] + (" (required)" if required else "")
    return (f"{result.function:<26} {label:<16} {result.cases:>5} "
            f"{_number(result.worst_error):>12} {tolerance:>10} {result.seconds:>6.2f}s")


def render_notes(result, indent="    ", limit=3):
    """Notes under a row: prints and warnings of the implementation (at most `limit`)."""
    notes = [note for note in result.notes if not note.startswith("hint:")]
    lines = [f"{indent}note: {note}" for note in notes[:limit]]
    if len(notes) > limit:
        lines.append(f"{indent}note: ... and {len(notes) - limit} more (see --json)")
    return "\n".join(lines)


def render_failure(result, indent="    "):
    """The diagnosis under a row, the replay command and the derivation to read."""
    lines = []
    for line in (result.diagnosis or "").splitlines():
        lines += textwrap.wrap(line, width=WIDTH, initial_indent=indent,
                               subsequent_indent=indent + "  ")
    if result.replay:
        lines.append(f"{indent}replay: {result.replay}")
    if result.link and result.status not in ("pass", "missing"):
        lines.append(f"{indent}derivation: {result.link}")
    return "\n".join(lines)


def has_details(result):
    return (result.status not in ("pass", "missing")
            or (result.status == "missing" and result.diagnosis))


def render_summary(report):
    counts = {}
    for result in report.results.values():
        counts[result.status] = counts.get(result.status, 0) + 1
    parts = [f"{count} {STATUS_LABELS[status]}" for status, count in counts.items()]
    verdict = "OK" if report.ok else "NOT OK"
    count = len(report.results)
    text = (f"{verdict}: {count} function{'s' if count != 1 else ''}: {', '.join(parts)} "
            f"({report.seconds:.1f} s)")
    if report.missing:
        text += "\nmissing: " + ", ".join(report.missing)
    if any(result.status == "warn" for result in report.results.values()):
        text += "\nwarnings do not fail the check (the math is right); --strict makes them fail"
    return text


def junit_xml(report):
    """The report as JUnit XML: one testsuite, one testcase per function."""
    suite = ElementTree.Element("testsuite", name="rnn-gradcheck", tests=str(len(report.results)),
                                failures=str(sum(r.status == "fail"
                                                 or (r.status == "missing" and r.required)
                                                 for r in report.results.values())),
                                errors=str(sum(r.status in ("error", "not_implemented")
                                               for r in report.results.values())),
                                skipped=str(sum(r.status == "missing" and not r.required
                                                for r in report.results.values())),
                                time=f"{report.seconds:.3f}")
    for name, result in report.results.items():
        case = ElementTree.SubElement(suite, "testcase", classname=report.implementation, name=name,
                                      time=f"{result.seconds:.3f}")
        details = render_failure(result, indent="")
        if result.status == "fail" or (result.status == "missing" and result.required):
            first = (result.diagnosis or "missing").splitlines()
            message = first[min(1, len(first) - 1)][:200]
            ElementTree.SubElement(case, "failure", message=message).text = details
        elif result.status in ("error", "not_implemented"):
            message = (result.error_message or result.status)[:200]
            ElementTree.SubElement(case, "error", message=message).text = details
        elif result.status == "missing":
            ElementTree.SubElement(case, "skipped", message="not defined in the implementation")
        elif result.status == "warn":
            ElementTree.SubElement(case, "system-out").text = details
    return ElementTree.tostring(suite, encoding="unicode")
