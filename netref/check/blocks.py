"""The block structure of a file, read lexically: which statements sit inside which ``if``, ``try`` or ``def``.

The scanner never parses a whole file (Python 2 files do not parse as Python 3, and large trees
must be fast), yet compatibility code (``if PY2:``, ``try: import httplib / except ImportError``)
and function scopes are blocks. Python's blocks are indentation, so they can be read from the
scanner's blanked-out code (:attr:`netref.check.lexer.Source.code`): logical lines (brackets,
backslashes and multi-line strings joined), their indentation, and the compound statements'
headers. Built only for files that have something to judge, never for the rest.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from netref.check.lexer import Source

# A blanked multi-line string: its quotes with only spaces and newlines between them.
_MULTILINE_STRING = re.compile(r"'''[ \n]*\n[ \n]*'''|\"\"\"[ \n]*\n[ \n]*\"\"\"")
_HEADER = re.compile(r"(if|elif|else|try|except|finally|def|class|for|while|with|async)\b")
_CLAUSES = {"elif": ("if",), "else": ("if", "for", "while", "try"), "except": ("try",), "finally": ("try",)}


@dataclass(frozen=True)
class Clause:
    """One clause of a compound statement: ``if COND:`` and its body, ``except ImportError:`` ..."""

    keyword: str  # if, elif, else, try, except, finally, def, class, for, while, with
    start: int  # offset of the keyword
    header: str  # the text between the keyword and the colon (the condition, the exception)
    body_start: int  # just after the colon
    body_end: int  # end of the last line of the body
    indent: int


@dataclass(frozen=True)
class Compound:
    """A compound statement: its clauses in order (``if`` / ``elif`` / ``else``; ``try`` / ``except``)."""

    clauses: tuple[Clause, ...]

    @property
    def start(self) -> int:
        return self.clauses[0].start

    @property
    def end(self) -> int:
        return self.clauses[-1].body_end


class Blocks:
    """Logical lines, compound statements and function scopes of one file."""

    def __init__(self, source: Source):
        self.source = source
        self.lines = _logical_lines(source.code)  # (start of code, end, indent)
        self.compounds = _compounds(source.text, source.code, self.lines)
        self._starts = [start for start, _, _ in self.lines]
        scopes = [c for compound in self.compounds for c in compound.clauses if c.keyword == "def"]
        self.scopes = sorted(scopes, key=lambda clause: clause.start)

    def scope_of(self, offset: int) -> Clause | None:
        """The innermost ``def`` whose body holds ``offset`` (None: module level)."""
        inner = None
        for scope in self.scopes:
            if scope.start > offset:
                break
            if scope.body_start <= offset < scope.body_end:
                inner = scope
        return inner

    def line_at(self, offset: int) -> tuple[int, int, int] | None:
        """The logical line holding ``offset``."""
        index = bisect_right(self._starts, offset) - 1
        if index < 0:
            return None
        line = self.lines[index]
        return line if offset <= line[1] else None


def _logical_lines(code: str) -> list[tuple[int, int, int]]:
    """(start, end, indent) of every logical line that holds code: continuation lines (open
    brackets, a trailing backslash, the inside of a multi-line string) belong to the line above."""
    inside = [(m.start(), m.end()) for m in _MULTILINE_STRING.finditer(code)]
    lines: list[tuple[int, int, int]] = []
    depth, continued, position, string_index = 0, False, 0, 0
    size = len(code)
    while position < size:
        end = code.find("\n", position)
        if end < 0:
            end = size
        while string_index < len(inside) and inside[string_index][1] <= position:
            string_index += 1
        in_string = string_index < len(inside) and inside[string_index][0] < position
        text = code[position:end]
        stripped = text.lstrip(" \t\f")
        if stripped.strip() and not in_string and depth <= 0 and not continued:
            indent = len(text) - len(stripped)
            lines.append((position + indent, end, indent))
        elif lines and (stripped.strip() or in_string):
            start, _, indent = lines[-1]
            lines[-1] = (start, end, indent)
        if not in_string:
            depth += sum(text.count(o) for o in "([{") - sum(text.count(c) for c in ")]}")
        continued = text.rstrip(" \t\r").endswith("\\")
        position = end + 1
    return lines


def _header_colon(code: str, start: int, end: int) -> int:
    """Offset of the colon that ends a compound statement's header (outside brackets, not ``:=``)."""
    depth = 0
    for index in range(start, end):
        char = code[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == ":" and depth == 0 and code[index + 1 : index + 2] != "=":
            return index
    return -1


def _compounds(text: str, code: str, lines: list[tuple[int, int, int]]) -> list[Compound]:
    """Every compound statement, with its clauses chained (an ``else`` joins the ``if`` above it)."""
    compounds: list[list[Clause]] = []
    open_at: dict[int, int] = {}  # indent -> index in compounds of the statement a clause may extend
    for index, (start, end, indent) in enumerate(lines):
        for deeper in [level for level in open_at if level > indent]:
            del open_at[deeper]
        match = _HEADER.match(code, start)
        keyword = match.group(1) if match else ""
        if keyword == "async":
            after = code[match.end() : end].lstrip() if match else ""
            keyword = after.split(None, 1)[0] if after else ""
            keyword = keyword if keyword in ("def", "for", "with") else ""
        if not keyword:
            open_at.pop(indent, None)
            continue
        colon = _header_colon(code, start, end)
        if colon < 0:
            open_at.pop(indent, None)
            continue
        body_end = end
        if not code[colon + 1 : end].strip():  # the body is the indented block below
            following = index + 1
            while following < len(lines) and lines[following][2] > indent:
                body_end = lines[following][1]
                following += 1
        header = text[(match.end() if match else start) : colon].strip()
        if keyword in ("def", "for", "with") and header.startswith(keyword):
            header = header[len(keyword) :].strip()
        clause = Clause(keyword, start, header, colon + 1, body_end, indent)
        chain = open_at.get(indent)
        if keyword in _CLAUSES and chain is not None and compounds[chain][0].keyword in _CLAUSES[keyword]:
            compounds[chain].append(clause)
        else:
            compounds.append([clause])
            open_at[indent] = len(compounds) - 1
    return [Compound(tuple(clauses)) for clauses in compounds]
