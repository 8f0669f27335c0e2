"""The block structure of a file, read lexically and lazily: which ``if``, ``try`` or ``def`` holds an offset.

The scanner never parses a whole file (Python 2 files do not parse as Python 3, and large trees
must be fast), yet compatibility code (``if PY2:``, ``try: import httplib / except ImportError``)
and function scopes are blocks. Python's blocks are indentation, so they can be read from the
scanner's blanked-out code (:attr:`netref.check.lexer.Source.code`, where strings and comments are
spaces): the clauses around an offset are the header lines above it with less indentation whose
bodies reach it. Only the clauses asked about are read, so a file with one finding costs a short
walk up from it, never a pass over every line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, cached_property

from netref.check.lexer import Source

# A blanked multi-line string: its quotes with only spaces and newlines between them.
_MULTILINE_STRING = re.compile(r"'''[ \n]*\n[ \n]*'''|\"\"\"[ \n]*\n[ \n]*\"\"\"")
_HEADER = re.compile(r"(if|elif|else|try|except|finally|def|class|for|while|with|async)\b")
# Clauses that continue a compound statement, and the statements they may follow.
CONTINUES = {"elif": ("if",), "else": ("if", "for", "while", "try"), "except": ("try",), "finally": ("try",)}


@cache
def _dedent(indent: int) -> re.Pattern[str]:
    """A line of code (not blank) indented by at most ``indent``: the newline before it."""
    return re.compile(rf"\n[ \t\f]{{0,{indent}}}(?![ \t\f\r\n])")


def _balanced(code: str, start: int, end: int) -> bool:
    """Are the brackets opened in ``code[start:end]`` closed there?"""
    opened = code.count("(", start, end) + code.count("[", start, end) + code.count("{", start, end)
    return opened <= code.count(")", start, end) + code.count("]", start, end) + code.count("}", start, end)


@dataclass(frozen=True)
class Clause:
    """One clause of a compound statement: ``if COND:`` and its body, ``except ImportError:`` ..."""

    keyword: str  # if, elif, else, try, except, finally, def, class, for, while, with
    start: int  # offset of the keyword
    header: str  # the text between the keyword and the colon (the condition, the exception)
    body_start: int  # just after the colon
    body_end: int  # end of the last line of the body
    indent: int

    def holds(self, offset: int) -> bool:
        return self.body_start <= offset < self.body_end


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
    """Clauses and compound statements of one file, read on demand and remembered."""

    def __init__(self, source: Source):
        self.source, self.code = source, source.code
        self._clauses: dict[int, Clause | None] = {}
        self._compounds: dict[int, Compound] = {}
        self._enclosing: dict[int, list[Clause]] = {}  # by line start: the clauses around a line

    @cached_property
    def _strings(self) -> tuple[list[int], list[int]]:
        spans = [(m.start(), m.end()) for m in _MULTILINE_STRING.finditer(self.code)]
        return [start for start, _ in spans], [end for _, end in spans]

    def _string_end(self, offset: int) -> int | None:
        """End of the multi-line string that ``offset`` is inside, or None."""
        starts, ends = self._strings
        index = bisect_right(starts, offset) - 1
        return ends[index] if index >= 0 and starts[index] < offset < ends[index] else None

    def clause_at(self, start: int) -> Clause | None:
        """The clause whose header keyword is at ``start`` (a line's first code), or None."""
        if start not in self._clauses:
            self._clauses[start] = self._read_clause(start)
        return self._clauses[start]

    def _read_clause(self, start: int) -> Clause | None:
        code = self.code
        match = _HEADER.match(code, start)
        if not match:
            return None
        keyword = match.group(1)
        if keyword == "async":
            following = code[match.end() : match.end() + 8].split(None, 1)
            if not following or following[0] not in ("def", "for", "with"):
                return None
            keyword = following[0]
        colon = self._header_colon(match.end())
        if colon < 0:
            return None
        line_end = self.source.line_end(colon)
        indent = start - self.source.line_start(start)
        if code[colon + 1 : line_end].strip():  # ``if PY2: import urllib2``
            body_end = self.source.statement_end(colon + 1)
            while code.startswith(";", body_end):
                body_end = self.source.statement_end(body_end + 1)
        else:
            body_end = self._block_end(line_end, indent)
        header = self.source.text[match.end() : colon].strip()
        if keyword in ("def", "for", "with") and header.startswith(keyword):  # after async
            header = header[len(keyword) :].strip()
        return Clause(keyword, start, header, colon + 1, body_end, indent)

    def _header_colon(self, offset: int, limit: int = 5_000) -> int:
        """The colon ending a header: outside brackets, not ``:=``, before the header's line ends."""
        code, depth = self.code, 0
        for index in range(offset, min(len(code), offset + limit)):
            char = code[index]
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
            elif char == ":" and depth <= 0 and code[index + 1 : index + 2] != "=":
                return index
            elif char == "\n" and depth <= 0 and code[index - 1 : index] != "\\":
                return -1
        return -1

    def _block_end(self, position: int, indent: int) -> int:
        """End of the indented block whose lines start after ``position`` (the header's newline):
        the first line indented no deeper than the header that is not inside brackets, a string or
        a backslash continuation ends it (found by a regex, checked by counting brackets in C)."""
        code, search_from = self.code, position
        dedent = _dedent(indent)
        while (match := dedent.search(code, search_from)) is not None:
            candidate = match.start()
            continued = code.endswith("\\", 0, candidate) or code.endswith("\\\r", 0, candidate)
            if self._string_end(candidate + 1) is None and not continued and _balanced(code, position, candidate):
                break
            search_from = match.end()
        else:
            candidate = len(code)
        end = candidate
        while end > position and code[end - 1] in " \t\f\r\n":
            end -= 1
        return end

    def enclosing(self, offset: int) -> list[Clause]:
        """The clauses whose bodies hold ``offset``, innermost first: the header lines above it
        with less indentation (lines inside brackets or strings are passed over)."""
        code, source = self.code, self.source
        line_start = source.line_start(offset)
        text = code[line_start : source.line_end(offset)]
        first = line_start + len(text) - len(text.lstrip(" \t\f"))
        own = self.clause_at(first) if first < offset else None
        if line_start not in self._enclosing:
            self._enclosing[line_start] = self._around(line_start, first - line_start)
        if own is not None and own.holds(offset):  # a one-line compound statement: ``if PY2: import x``
            return [own, *self._enclosing[line_start]]
        return self._enclosing[line_start]

    def _around(self, line_start: int, indent: int) -> list[Clause]:
        """The clauses around the line at ``line_start`` (indented by ``indent``), innermost first."""
        code, found, position = self.code, list[Clause](), line_start
        while indent > 0 and position > 0:
            end = position - 1
            position = code.rfind("\n", 0, end) + 1
            text = code[position:end]
            stripped = text.lstrip(" \t\f")
            if not stripped or stripped.isspace() or len(text) - len(stripped) >= indent:
                continue
            clause = self.clause_at(position + len(text) - len(stripped))
            if clause is not None and clause.holds(line_start) and self._string_end(position) is None:
                found.append(clause)
                indent = clause.indent
        return found

    def compound(self, clause: Clause) -> Compound:
        """The whole statement ``clause`` belongs to: ``elif``/``else``/``except`` are found back to
        their ``if`` or ``try``, then the clauses that follow it."""
        head = clause
        while head.keyword in CONTINUES:
            previous = self._previous_clause(head)
            if previous is None:
                break
            head = previous
        if head.start not in self._compounds:
            clauses = [head]
            while (following := self._next_clause(clauses[-1], head.keyword)) is not None:
                clauses.append(following)
            self._compounds[head.start] = Compound(tuple(clauses))
        return self._compounds[head.start]

    def _previous_clause(self, clause: Clause) -> Clause | None:
        """The clause just before ``clause`` in its statement (same indentation, body ending right above)."""
        code, position = self.code, self.source.line_start(clause.start)
        while position > 0:
            end = position - 1
            position = code.rfind("\n", 0, end) + 1
            text = code[position:end]
            stripped = text.lstrip(" \t\f")
            if not stripped or stripped.isspace():
                continue
            if len(text) - len(stripped) == clause.indent:
                previous = self.clause_at(position + clause.indent)
                if previous is not None and previous.body_end >= end - 1 and self._string_end(position) is None:
                    return previous
                return None
        return None

    def _next_clause(self, clause: Clause, head: str) -> Clause | None:
        """The clause that continues the statement after ``clause`` (``else:`` after an ``if`` body)."""
        code, position = self.code, clause.body_end
        while position < len(code):
            start = position + 1
            position = code.find("\n", start)
            if position < 0:
                position = len(code)
            stripped = code[start:position].lstrip(" \t\f")
            if not stripped or stripped.isspace():
                continue
            if position - start - len(stripped) != clause.indent:
                return None
            following = self.clause_at(position - len(stripped))
            if following is not None and head in CONTINUES.get(following.keyword, ()):
                return following
            return None
        return None

    def scope_of(self, offset: int) -> Clause | None:
        """The innermost ``def`` whose body holds ``offset`` (None: module level)."""
        return next((c for c in self.enclosing(offset) if c.keyword == "def"), None)
