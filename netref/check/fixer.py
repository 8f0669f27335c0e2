"""``--fix`` and ``--diff``: apply the scanner's safe edits, and prove the result still parses.

Only module renames and moved attributes with a known new home carry edits (see the rules);
deprecated and removed modules never do, nor does compatibility code (see the scanner). A file is
rewritten only if Python 3 compiles it before and after the edits, so a Python 2 file (whose syntax
needs a human first) is left alone, and only if its bytes decode exactly in its own encoding, so a
file with an unknown codec in its coding cookie or invalid bytes is left alone too.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from itertools import pairwise

from netref.check.lexer import decode_source
from netref.check.scanner import Edit, FileResult, compile_error


@dataclass(frozen=True)
class FixedFile:
    path: str
    before: str
    after: str
    fixed: int  # findings resolved

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path.lstrip('/')}", tofile=f"b/{self.path.lstrip('/')}",
        )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def apply_edits(text: str, edits: list[Edit]) -> str | None:
    """``text`` with ``edits`` applied; None if two edits overlap (then nothing is safe)."""
    ordered = sorted(set(edits))
    for first, second in pairwise(ordered):
        if first.end > second.start:
            return None
    for edit in reversed(ordered):
        text = text[: edit.start] + edit.new + text[edit.end :]
    return text


def fix_result(result: FileResult, data: bytes | None = None) -> FixedFile | None:
    """The fixed text of one scanned file, or None when there is nothing safe to do.

    ``data``: the file's bytes when they were not read from ``result.path`` (stdin).
    """
    fixable = [f for f in result.findings if f.fixable]
    if not fixable or result.python2:
        return None
    if data is None:
        with open(result.path, "rb") as handle:
            data = handle.read()
    before, undecodable = decode_source(data)
    if undecodable:  # the scan reported it (NR902); writing would change bytes no edit touches
        return None
    after = apply_edits(before, [edit for f in fixable for edit in f.edits])
    if after is None or after == before:
        return None
    if compile_error(before, result.path) is not None or compile_error(after, result.path) is not None:
        return None
    return FixedFile(result.path, before, after, len(fixable))


def write(fixed: FixedFile) -> None:
    """Write the fixed text back in the file's own encoding (cookie or BOM), else UTF-8."""
    from tokenize import detect_encoding

    with open(fixed.path, "rb") as handle:
        encoding, _ = detect_encoding(handle.readline)
    with open(fixed.path, "w", encoding=encoding, newline="") as handle:
        handle.write(fixed.after)
