"""Scan one file: read it, pre-filter it, and run every active rule over one shared view of it.

The same lexical scan serves Python 2 and Python 3 files (see :mod:`netref.check.lexer`): import
statements are found once, in code with strings and comments blanked out, parsed one by one, and
shared by the rules (:attr:`FileScan.imports`). A cheap byte-level pre-filter (each rule's
``might_find``) runs first and lets the scanner skip most files of a large tree unread; it is built
so that it never hides a finding (the tests compare runs with and without it).

Every finding goes through :meth:`FileScan.add_at`, and the result is assembled in one place
(:meth:`FileScan.run`): that is where selection applies, where findings in code that cannot run
on the target (:mod:`netref.check.compat`) are dropped, where ``# noqa`` comments suppress findings
(:mod:`netref.check.noqa`), where no finding is kept twice, and where edits that would touch
compatibility code are taken back (``--fix`` never rewrites it).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

from netref.check import noqa
from netref.check.blocks import Blocks
from netref.check.compat import Compat, might_have_compat
from netref.check.filelevel import OLDEST_GRAMMAR, binary_line, guessed_encoding, might_not_parse, syntax_error
from netref.check.lexer import Source, decode_source, offset_in
from netref.check.values import Edit, FileResult, Finding, Rules, Visitor

__all__ = ["Edit", "FileResult", "FileScan", "Finding", "ImportStatement", "compile_error", "scan_bytes", "scan_path"]


@dataclass
class ImportStatement:
    """One import statement found in the code: its parsed node and where it sits."""

    node: ast.Import | ast.ImportFrom
    start: int
    end: int
    text: str  # the statement as code (comments blanked)

    def offset(self, lineno: int, col: int) -> int:
        return self.start + offset_in(self.text, lineno, col)


def scan_path(path: str, rules: Rules, prefilter: bool = True, named: bool = False) -> FileResult:
    """Read and scan one file; an unreadable file is a finding, never an exception.

    ``named``: the file was named on the command line (not found below a directory), so Python's
    parser is asked about it in any case (see :mod:`netref.check.filelevel`).
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:  # a directory netref could not list (see files.python_files)
        reason = _listing_error(path)
        return FileResult(path, _only(rules, Finding(path, 1, 1, "NR900", f"cannot read the directory: {reason}")))
    except OSError as error:
        reason = error.strerror or str(error)
        return FileResult(path, _only(rules, Finding(path, 1, 1, "NR900", f"cannot read the file: {reason}")))
    return scan_bytes(data, path, rules, prefilter, named)


def _listing_error(path: str) -> str:
    try:
        os.listdir(path)
    except OSError as error:
        return error.strerror or str(error)
    return "is a directory"


def _only(rules: Rules, finding: Finding) -> tuple[Finding, ...]:
    return (finding,) if rules.wants(finding.code) else ()


def scan_bytes(data: bytes, path: str, rules: Rules, prefilter: bool = True, named: bool = False) -> FileResult:
    """Scan one file's bytes: the file-level checks (:mod:`netref.check.filelevel`), then the rules."""
    line = binary_line(data)
    if line is not None:
        return FileResult(path, _only(rules, Finding(
            path, line, 1, "NR900", f"not Python source: a binary file (a NUL byte on line {line})")))
    hinted = tuple(rule for rule in rules.active if rule.might_find(data)) if prefilter else rules.active
    syntax = rules.target >= OLDEST_GRAMMAR and rules.wants("NR901")
    suspect = None
    if not hinted:
        suspect = syntax and (named or might_not_parse(data))
        if not suspect and (_plainly_utf8(data) or not rules.wants("NR902")):
            return FileResult(path, ())  # the common case: nothing to read further
    text, undecodable = decode_source(data)
    extra: list[Finding] = []
    if undecodable and rules.wants("NR902"):
        extra.append(Finding(path, _problem_line(undecodable), 1, "NR902", guessed_encoding(undecodable, data)))
    result = FileResult(path, ())
    if hinted:
        scan = FileScan(Source(text), path, rules, undecodable, hinted)
        result = scan.run()
        suspect = syntax and not result.python2 and (named or might_not_parse(data, scan.source.code))
    if suspect:
        error = syntax_error(text, path, rules.target)
        if error is not None:
            extra.append(Finding(path, error[0], error[1], "NR901", f"file does not parse: {error[2]}"))
    if not extra:
        return result
    findings = sorted((*result.findings, *extra), key=lambda f: (f.line, f.col, f.code))
    return replace(result, findings=tuple(findings))


def _plainly_utf8(data: bytes) -> bool:
    """UTF-8 (ASCII included) without a coding line in the first two lines: nothing to say about its
    encoding. Two C-speed tests, where decode_source would run the tokenizer's detection."""
    second_end = data.find(b"\n", data.find(b"\n") + 1)
    if b"coding" in (data if second_end < 0 else data[:second_end]):
        return False
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _problem_line(problem: str) -> int:
    match = re.match(r"line (\d+) ", problem)
    return int(match.group(1)) if match else 1


# -- the scan of one file ---------------------------------------------------------------------------

_IMPORT_KEYWORDS = (re.compile(r"import\b"), re.compile(r"from\b"))


class FileScan:
    """One file as the rules see it: its source, its import statements, and the findings so far."""

    def __init__(self, source: Source, path: str, rules: Rules, undecodable: str | None = None,
                 hinted: tuple[Visitor, ...] | None = None):
        self.source, self.path, self.rules = source, path, rules
        self.hinted = rules.active if hinted is None else hinted  # the rules whose pre-filter passed
        self.undecodable = undecodable  # why the text is not the file's own (then --fix must not write it)
        self.findings: list[Finding] = []
        self.offsets: list[int] = []  # where each finding was reported, for the compat filter
        self.python2 = False  # set by the Python 2 syntax rule: then no mechanical fix is safe
        self.dead_spans: list[tuple[int, int]] = []  # more dead code, found by the rules (ImportError handlers)
        self.deletable: list[tuple[int, str]] = []  # (offset, what) of dead compatibility code, for NR401

    def run(self) -> FileResult:
        for rule in self.rules.active:
            if rule.wanted(rule in self.hinted, self):
                rule.visit(self)
        pairs = [(f, offset) for f, offset in zip(self.findings, self.offsets, strict=True) if self.rules.wants(f.code)]
        if pairs:
            pairs = self._judged_for_compatibility(pairs)
        wanted = list(dict.fromkeys(noqa.apply([f for f, _ in pairs], self.source)))  # never printed twice
        if self.python2 or self.undecodable:  # no mechanical fix is safe (NR301 and NR902 say why)
            wanted = [replace(f, edits=()) for f in wanted]
        wanted.sort(key=lambda f: (f.line, f.col, f.code))
        return FileResult(self.path, tuple(wanted), self.python2)

    def _judged_for_compatibility(self, pairs: list[tuple[Finding, int]]) -> list[tuple[Finding, int]]:
        """Drop findings in dead code; take back edits that would touch compatibility code."""
        compat, kept = self.compat, []
        for finding, offset in pairs:
            if offset >= 0 and self.is_dead(offset):
                continue
            touches = any(compat.protects(edit.start) for edit in finding.edits)
            kept.append((replace(finding, edits=()) if touches else finding, offset))
        return kept

    @cached_property
    def blocks(self) -> Blocks:
        """The file's block structure, read on demand (see :mod:`netref.check.blocks`)."""
        return Blocks(self.source)

    @cached_property
    def compat(self) -> Compat:
        """The file's version tests and import guards, judged for the target."""
        return Compat(self.blocks if might_have_compat(self.source.code) else None, self.rules.target)

    def is_dead(self, offset: int) -> bool:
        """Is ``offset`` in code that cannot run on the target (a dead version branch or ImportError handler)?"""
        return self.compat.is_dead(offset) or any(start <= offset < end for start, end in self.dead_spans)

    def add(self, offset: int, code: str, message: str, *, module: str | None = None, replacement: str | None = None,
            backport: str | None = None, pep: int | None = None, edits: tuple[Edit, ...] = ()) -> None:
        """Report ``code`` at ``offset`` in the text."""
        line, col = self.source.position(offset)
        self.add_at(line, col, code, message, module=module, replacement=replacement, backport=backport, pep=pep,
                    edits=edits, offset=offset)

    def add_at(self, line: int, col: int, code: str, message: str, *, module: str | None = None,
               replacement: str | None = None, backport: str | None = None, pep: int | None = None,
               edits: tuple[Edit, ...] = (), offset: int | None = None) -> None:
        """Report ``code`` at a 1-based line and column: the one door every finding goes through."""
        self.findings.append(Finding(self.path, line, col, code, message, module, replacement, backport, pep, edits))
        self.offsets.append(-1 if offset is None else offset)  # -1: about the whole file, never dead code

    def reports_something(self) -> bool:
        """Has a selected code been reported so far?"""
        return any(self.rules.wants(finding.code) for finding in self.findings)

    @cached_property
    def imports(self) -> list[ImportStatement]:
        """Every import statement of the file, found lexically and parsed one by one."""
        return list(self._import_statements())

    def _import_statements(self) -> Iterator[ImportStatement]:
        source, code, skip_until = self.source, self.source.code, 0
        starts = sorted(m.start() for keyword in _IMPORT_KEYWORDS for m in keyword.finditer(code))
        for start in starts:
            if start < skip_until or (start and (code[start - 1].isalnum() or code[start - 1] in "_.")):
                continue
            before = code[source.line_start(start) : start].strip()
            if before and before[-1] not in ";:":
                continue
            end = source.statement_end(start)
            text = code[start:end]
            try:
                node = ast.parse(text).body[0]
            except (SyntaxError, ValueError, IndexError):
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                skip_until = end
                yield ImportStatement(node, start, end, text)


def compile_error(text: str, path: str) -> SyntaxError | None:
    """Python 3's verdict on ``text`` (compiled, never run): the SyntaxError, or None."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, path, "exec", dont_inherit=True)
        except SyntaxError as error:
            return error
        except ValueError:  # null bytes
            return None
    return None
