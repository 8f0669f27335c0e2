"""``# noqa`` comments, as flake8 and ruff read them: the suppressions a file carries for itself.

- ``# noqa`` on the line a finding is reported on suppresses every finding of that line;
  ``# noqa: NR101,NR104`` (commas or spaces; prefixes such as ``NR1`` work, as in ``--select``)
  only those codes. The comment may follow other text (``# type: ignore # noqa``).
- A finding inside a statement continued with backslashes, or inside a string that spans lines,
  takes its ``# noqa`` at the end of the continued lines, as ruff maps it (a comment cannot sit
  before a backslash or inside a string). Bracketed statements are not joined: there, as in ruff,
  the comment goes on the reported line (for an import, the line where the statement starts).
- ``# netref: noqa`` anywhere in a file, on a comment line of its own, suppresses every finding of
  the file, as ruff's ``# ruff: noqa``; ``# netref: noqa: NR104`` suppresses those codes in the file.

The comments are read only in a file that has findings and spells ``noqa`` somewhere, so the
common case costs one search of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import cached_property

from netref.check.lexer import STRINGS_AND_COMMENTS, Source
from netref.check.values import Finding

_CODES = r"(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?"
LINE_NOQA = re.compile(r"#\s*noqa\b" + _CODES, re.IGNORECASE)
FILE_NOQA = re.compile(r"\A#\s*netref\s*:\s*noqa\b" + _CODES, re.IGNORECASE)
_ANY_NOQA = re.compile("noqa", re.IGNORECASE)

ALL: tuple[str, ...] = ("",)  # the prefix every code starts with: what a blanket suppression covers


class Suppressions:
    """The ``# noqa`` comments of one file: for each line (and the file), the code prefixes they cover."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.by_line: dict[int, tuple[str, ...]] = {}
        self.file: tuple[str, ...] = ()
        self._continued: set[int] = set()  # lines inside a string that goes on to the next line
        self._read(source.text)

    def _read(self, text: str) -> None:
        line, position = 1, 0
        for match in STRINGS_AND_COMMENTS.finditer(text):
            start, token = match.start(), match.group()
            line += text.count("\n", position, start)
            position = start
            if token[0] != "#":
                breaks = token.count("\n")
                if breaks:
                    self._continued.update(range(line, line + breaks))
                continue
            if not _ANY_NOQA.search(token):
                continue
            whole_file = FILE_NOQA.match(token)
            if whole_file and not text[self.source.line_start(start) : start].strip():
                self.file += _prefixes(whole_file.group("codes"))
                continue
            for directive in LINE_NOQA.finditer(token):
                self.by_line[line] = self.by_line.get(line, ()) + _prefixes(directive.group("codes"))

    def covers(self, finding: Finding) -> bool:
        """Whether a comment suppresses ``finding``."""
        if self.file and finding.code.startswith(self.file):
            return True
        for line in self._lines_for(finding.line):
            codes = self.by_line.get(line)
            if codes and finding.code.startswith(codes):
                return True
        return False

    def _lines_for(self, line: int) -> Iterable[int]:
        """The reported line, then the lines it continues onto (backslash or multi-line string)."""
        yield line
        code, newlines = self.source.code, self._newlines
        while line <= len(newlines):
            end = newlines[line - 1]  # the newline that ends ``line``
            before = end - 1 if end and code[end - 1] == "\r" else end
            if not (before and code[before - 1] == "\\") and line not in self._continued:
                return
            line += 1
            yield line

    @cached_property
    def _newlines(self) -> list[int]:
        """Offset of the newline that ends each line (computed on first need)."""
        return [match.start() for match in re.finditer("\n", self.source.code)]


def _prefixes(codes: str | None) -> tuple[str, ...]:
    if not codes:
        return ALL
    return tuple(code.upper() for code in re.split(r"[\s,]+", codes) if code)


def apply(findings: Sequence[Finding], source: Source) -> list[Finding]:
    """``findings`` without those a ``# noqa`` comment covers."""
    if not findings or not _ANY_NOQA.search(source.text):
        return list(findings)
    return without(findings, Suppressions(source).covers)


def without(findings: Sequence[Finding], suppressed: Callable[[Finding], bool]) -> list[Finding]:
    """``findings`` without the suppressed ones, and without the edits that would touch them.

    ``--fix`` must not touch what the user asked netref to leave alone: a finding that shares an
    edit with a suppressed one (the rewrite of ``import urllib`` and of all its uses travels as one
    set) loses its edits too, so a set of edits is applied whole or not at all.
    """
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for finding in findings:
        (dropped if suppressed(finding) else kept).append(finding)
    held = {edit for finding in dropped for edit in finding.edits}
    if held:
        kept = [replace(f, edits=()) if held.intersection(f.edits) else f for f in kept]
    return kept
