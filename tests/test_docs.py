"""The derivations in docs/ must stay true to the code they quote.

Conventions the docs follow (see docs/README.md, "How the code is quoted"):

- one line of code:   `manual/rnn.py`: `da = dnext_h * (1 - next_h * next_h)`
- several lines:      a line holding only `manual/lstm.py`: followed by a ```python block

A quoted line must appear in that file verbatim up to spacing (runs of whitespace are collapsed);
a block's lines must be consecutive lines of the file, each with or without its trailing
comment. These tests check every quotation, that each of the 14 seed functions (and the
optional affine pair) has its own `##` section, and that every relative link in docs/ leads to
an existing file and anchor.
"""
import dataclasses
import difflib
import functools
import inspect
import io
import re
import tokenize
from pathlib import Path

import pytest

import manual
from rnn_autograd.gradcheck import model
from rnn_autograd.gradcheck.api import derivation_link, docs_link
from rnn_autograd.gradcheck.layers import OPTIONAL_FUNCTIONS, SEED_FUNCTIONS

REPOSITORY = Path(__file__).resolve().parent.parent
DOCS = REPOSITORY / "docs"
DOC_FILES = sorted(DOCS.glob("*.md"))
# Pages that are not derivations: the index and the guides to the commands (no code to quote).
GUIDES = {"README.md", "checker.md", "grading.md", "demos.md"}

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"`[^`]*`")
SOURCE_LABEL = re.compile(r"`(manual/[^`\s]+\.py)`:")                     # `manual/x.py`:
INLINE_QUOTE = re.compile(r"`(manual/[^`\s]+\.py)`:[ \t]*`([^`]+)`")       # `manual/x.py`: `code`
BLOCK_LABEL = re.compile(r"^\s*`(manual/[^`\s]+\.py)`:\s*$")               # `manual/x.py`: alone
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
IDENTIFIER_CHARACTER = re.compile(r"\w")
# Macro definitions do not survive GitHub's math renderer; the docs must not use them.
FORBIDDEN_IN_MATH = ("\\newcommand", "\\renewcommand", "\\def", "\\DeclareMathOperator")
# A backslash before ASCII punctuation (\, \; \{ \\) is a Markdown escape: a renderer that runs
# Markdown over the math first turns \{ into {. The docs avoid them (\quad for spacing).
MARKDOWN_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")


@dataclasses.dataclass(frozen=True)
class Quotation:
    """One quoted fragment of `manual/`: where it is in the docs, which file it quotes."""
    doc: Path
    line_number: int
    source: str             # path relative to the repository, e.g. "manual/lstm.py"
    lines: tuple[str, ...]  # one line for an inline quotation, several for a block

    @property
    def id(self):
        return f"{self.doc.name}:{self.line_number}"


def normalise(text):
    """Collapse every run of whitespace to one space and strip the ends."""
    return " ".join(text.split())


def lines_outside_fences(doc):
    """(line number, line) of a Markdown file, skipping fenced code blocks."""
    inside = False
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            yield number, line


def parse_quotations(doc):
    """Every quotation of `manual/` code in one Markdown file; raises on a malformed one."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    quotations = []
    inside_fence = False
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if FENCE.match(line):
            inside_fence = not inside_fence
            continue
        if inside_fence:
            continue
        block = BLOCK_LABEL.match(line)
        if block:
            if number >= len(lines) or not lines[number].strip().startswith("```python"):
                raise ValueError(f"{doc.name}:{number}: `{block[1]}`: must be followed by a "
                                 f"```python block")
            body = []
            cursor = number + 1
            while cursor < len(lines) and not FENCE.match(lines[cursor]):
                body.append(lines[cursor])
                cursor += 1
            fragment = tuple(text for text in body if text.strip())
            if not fragment:
                raise ValueError(f"{doc.name}:{number}: empty block quoting {block[1]}")
            quotations.append(Quotation(doc, number, block[1], fragment))
            number = cursor + 1  # past the closing fence
            continue
        inline = list(INLINE_QUOTE.finditer(line))
        labels = SOURCE_LABEL.findall(line)
        if len(labels) != len(inline):
            raise ValueError(f"{doc.name}:{number}: a `manual/...py`: label must be followed by a "
                             f"`code span` on the same line, or stand alone before a block")
        quotations.extend(Quotation(doc, number, match[1], (match[2],)) for match in inline)
    return quotations


ALL_QUOTATIONS = [quotation for doc in DOC_FILES for quotation in parse_quotations(doc)]


@functools.cache
def source_lines(source):
    """The lines of a source file, each normalised with and without its trailing comment."""
    text = (REPOSITORY / source).read_text(encoding="utf-8")
    raw_lines = text.splitlines()
    code_only = list(raw_lines)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            code_only[row - 1] = raw_lines[row - 1][:column]
    return tuple((normalise(full), normalise(code)) for full, code in zip(raw_lines, code_only)
                 if full.strip())


def occurs_in_line(fragment, line):
    """Is fragment a substring of line that does not cut an identifier in two?"""
    start = line.find(fragment)
    while start != -1:
        end = start + len(fragment)
        cuts_before = (start > 0 and IDENTIFIER_CHARACTER.match(fragment[0])
                       and IDENTIFIER_CHARACTER.match(line[start - 1]))
        cuts_after = (end < len(line) and IDENTIFIER_CHARACTER.match(fragment[-1])
                      and IDENTIFIER_CHARACTER.match(line[end]))
        if not cuts_before and not cuts_after:
            return True
        start = line.find(fragment, start + 1)
    return False


def is_quoted_correctly(source, fragment_lines):
    """Does the fragment appear in the source file (see the module docstring for the rules)?"""
    lines = source_lines(source)
    wanted = [normalise(text) for text in fragment_lines]
    if len(wanted) == 1:
        return any(occurs_in_line(wanted[0], full) for full, _ in lines)
    for first in range(len(lines) - len(wanted) + 1):
        window = lines[first:first + len(wanted)]
        if all(text in pair for text, pair in zip(wanted, window)):
            return True
    return False


@pytest.mark.parametrize("quotation", ALL_QUOTATIONS, ids=lambda quotation: quotation.id)
def test_quoted_code_appears_in_manual(quotation):
    source = REPOSITORY / quotation.source
    assert source.is_file(), f"{quotation.id} quotes {quotation.source}, which does not exist"
    if not is_quoted_correctly(quotation.source, quotation.lines):
        candidates = [full for full, _ in source_lines(quotation.source)]
        hints = {line: difflib.get_close_matches(normalise(line), candidates, n=1, cutoff=0.5)
                 for line in quotation.lines}
        pytest.fail(f"{quotation.id}: not found verbatim in {quotation.source}:\n"
                    + "\n".join(f"  quoted:  {line.strip()}\n  closest: {hint[0] if hint else '-'}"
                                for line, hint in hints.items()))


def test_checker_rejects_altered_code(tmp_path):
    """The check above can fail: a changed character, a cut identifier or a reordered block."""
    assert is_quoted_correctly("manual/rnn.py", ["da = dnext_h * (1 - next_h * next_h)"])
    assert not is_quoted_correctly("manual/rnn.py", ["da = dnext_h * (1 + next_h * next_h)"])
    assert not is_quoted_correctly("manual/rnn.py", ["a = dnext_h * (1 - next_h * next_h)"])
    assert is_quoted_correctly("manual/rnn.py", ["dx = da @ Wx.T", "dprev_h = da @ Wh.T"])
    assert not is_quoted_correctly("manual/rnn.py", ["dprev_h = da @ Wh.T", "dx = da @ Wx.T"])
    broken = tmp_path / "broken.md"
    broken.write_text("`manual/rnn.py`: da = dnext_h\n", encoding="utf-8")  # label without code
    with pytest.raises(ValueError):
        parse_quotations(broken)


def test_every_doc_page_quotes_code():
    """Guards the parser: if the quoting convention changed, the checks above would see nothing."""
    pages = {quotation.doc.name for quotation in ALL_QUOTATIONS}
    missing = [doc.name for doc in DOC_FILES if doc.name not in GUIDES and doc.name not in pages]
    assert not missing, f"pages without any quotation of manual/: {missing}"
    assert len(ALL_QUOTATIONS) >= len(SEED_FUNCTIONS)


def github_anchor(heading):
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def sections(doc):
    """{anchor: (level, text of the section up to the next heading of the same or higher level)}."""
    numbered = list(lines_outside_fences(doc))
    headings = [(index, len(match[1]), match[2]) for index, (_, line) in enumerate(numbered)
                if (match := HEADING.match(line))]
    found, seen = {}, {}
    all_lines = [line for _, line in numbered]
    for position, (index, level, title) in enumerate(headings):
        anchor = github_anchor(title)
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        if count:
            anchor = f"{anchor}-{count}"
        end = next((later for later, later_level, _ in headings[position + 1:]
                    if later_level <= level), len(all_lines))
        found[anchor] = (level, "\n".join(all_lines[index + 1:end]))
    return found


def anchors(doc):
    return set(sections(doc))


@pytest.mark.parametrize("function", SEED_FUNCTIONS + OPTIONAL_FUNCTIONS)
def test_every_seed_function_has_a_section(function):
    owners = [doc for doc in DOC_FILES if sections(doc).get(function, (0,))[0] == 2]
    assert len(owners) == 1, f"{function}: want one `## {function}` section in docs/, got {owners}"
    doc = owners[0]
    source = Path(inspect.getsourcefile(getattr(manual, function))).relative_to(REPOSITORY)
    text = sections(doc)[function][1]
    assert f"`{source.as_posix()}`:" in text, (
        f"{doc.name}#{function} quotes no line of {source.as_posix()}, where {function} lives")
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    assert f"({doc.name}#{function})" in index, (
        f"docs/README.md does not link {doc.name}#{function}")


def relative_links():
    for doc in DOC_FILES:
        for number, line in lines_outside_fences(doc):
            for match in LINK.finditer(CODE_SPAN.sub("code", line)):
                target = match[1]
                if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # skip https:, mailto:, ...
                    yield pytest.param(doc, target, id=f"{doc.name}:{number}:{target}")


@pytest.mark.parametrize("doc, target", list(relative_links()))
def test_relative_link_resolves(doc, target):
    path, _, anchor = target.partition("#")
    destination = (doc.parent / path).resolve() if path else doc
    assert destination.exists(), f"{doc.name} links {target}: {destination} does not exist"
    if anchor:
        assert destination.suffix == ".md", f"{doc.name} links {target}: anchors only into .md"
        assert anchor in anchors(destination), (
            f"{doc.name} links {target}: no such heading; "
            f"anchors are {sorted(anchors(destination))}")


PRINTED_LINKS = [pytest.param(derivation_link, function, id=function)
                 for function in SEED_FUNCTIONS + OPTIONAL_FUNCTIONS]
PRINTED_LINKS += [pytest.param(lambda part: docs_link(*model.LINKS[part]), part, id=f"model-{part}")
                  for part in model.PARTS]


@pytest.mark.parametrize("link_of, name", PRINTED_LINKS)
def test_the_links_the_checker_prints_lead_to_a_heading(link_of, name):
    """The `derivation:` line of a failing row: an existing page, and a heading in it."""
    link = link_of(name)
    assert link, f"the checker prints no derivation for {name}"
    path, _, anchor = link.partition("#")
    assert Path(path).is_file(), f"{name}: {link} does not exist"
    assert anchor in anchors(Path(path)), f"{name}: {link}: no such heading"


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda doc: doc.name)
def test_math_is_written_the_way_github_renders_it(doc):
    """Display math as its own paragraph, inline math balanced and tight, no macro definitions."""
    problems = []
    lines = [line for _, line in lines_outside_fences(doc)]
    for position, line in enumerate(lines):
        text = CODE_SPAN.sub("", line)
        where = f"{doc.name}: {line.strip()[:60]!r}"
        if "$$" in text:
            stripped = text.strip()
            if not (stripped.startswith("$$") and stripped.endswith("$$") and len(stripped) > 4
                    and stripped.count("$$") == 2):
                problems.append(f"{where}: display math must be one line `$$...$$` of its own")
            before = lines[position - 1] if position else ""
            after = lines[position + 1] if position + 1 < len(lines) else ""
            if before.strip() or after.strip():
                problems.append(f"{where}: display math needs a blank line before and after")
            math = [stripped[2:-2]]
        else:
            if text.count("$") % 2:
                problems.append(f"{where}: odd number of $ (unclosed inline math)")
            math = re.findall(r"\$([^$]*)\$", text)
            for span in math:
                if span != span.strip():
                    problems.append(f"{where}: inline math ${span}$ starts or ends with a space")
        for span in math:
            if escaped := MARKDOWN_ESCAPE.search(span):
                problems.append(f"{where}: {escaped[0]} in math: Markdown may read it as an escape")
            for macro in FORBIDDEN_IN_MATH:
                if macro in span:
                    problems.append(f"{where}: {macro} is not rendered on GitHub")
    assert not problems, "\n".join(problems)
