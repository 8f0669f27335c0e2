"""NR301: the file is Python 2 syntax, for a Python 3 target.

Such a file's imports are still checked (the scan is lexical), but its syntax needs a human
first, so ``--fix`` leaves it alone: the rule marks the scan ``python2``, and the scanner drops
every finding's edits. It runs after the other rules, because weak evidence (backticks, ``<>``,
which also haunt docstrings) counts only in a file that has another finding.
"""

from __future__ import annotations

import re
from typing import AnyStr

from netref.check.registry import Code, Rule, register
from netref.check.scanner import FileScan, compile_error
from netref.versions import Version

# Evidence of Python 2 syntax, each pattern led by a literal so that a search is fast. Strong
# markers (a print or exec statement, ``except E, e:``, ``raise E, "text"``) make a file worth a
# look by themselves; weak ones (backticks, ``<>``) count only in a file that has another finding.
# The scan applies the same patterns to code whose strings and comments are blanked out, so
# whatever it reports, the pre-filter has let through.
PY2_STRONG = (
    re.compile(rb"print(?:[ \t]+[\w\"'>`]|[ \t]*[\"'])"),  # at the start of a line
    re.compile(rb"exec[ \t]+[\w\"']"),  # at the start of a line
    re.compile(rb"except[ \t]+[\w.]+[ \t]*,[ \t]*\w+[ \t]*:"),
    re.compile(rb"raise[ \t]+[\w.]+[ \t]*,"),
)
PY2_AT_LINE_START = 2  # the first two strong patterns must start their line
PY2_WEAK = (
    re.compile(rb"`[^`\n]+`"),
    re.compile(rb"<>"),
)
_STRONG_TEXT = tuple(re.compile(pattern.pattern.decode(), re.ASCII) for pattern in PY2_STRONG)
_WEAK_TEXT = tuple(re.compile(pattern.pattern.decode(), re.ASCII) for pattern in PY2_WEAK)


@register
class Python2Syntax(Rule):
    codes = (Code("NR301", kind="python2-syntax", title="file is Python 2 syntax (does not parse as Python 3)"),)
    order = 100  # after every rule: see the module docstring

    @classmethod
    def applies_to(cls, target: Version) -> bool:
        return target >= (3, 0)

    def might_find(self, data: bytes) -> bool:
        return _first_marker(data, PY2_STRONG, b"\n", PY2_AT_LINE_START) is not None

    def wanted(self, might_find: bool, scan: FileScan) -> bool:
        return might_find or scan.reports_something()  # weak evidence counts in a file with findings

    def visit(self, scan: FileScan) -> None:
        """Python 2 evidence in the code, confirmed by Python 3's compiler refusing the file."""
        code = scan.source.code
        evidence = _first_marker(code, _STRONG_TEXT, "\n", PY2_AT_LINE_START)
        if evidence is None and scan.reports_something():
            evidence = _first_marker(code, _WEAK_TEXT, "\n")
        if evidence is None:
            return
        error = compile_error(scan.source.text, scan.path)
        if error is None:
            return
        scan.add_at(error.lineno or 1, max(error.offset or 1, 1), "NR301",
                    f"file is Python 2 syntax ({error.msg}); its imports were checked by a lexical scan",
                    replacement="port the syntax to Python 3")
        scan.python2 = True


def _first_marker(data: AnyStr, markers: tuple[re.Pattern[AnyStr], ...], newline: AnyStr,
                  at_line_start: int = 0) -> int | None:
    """Offset of the first Python 2 marker in ``data`` (a file's bytes, or its code as str), else None.

    The first ``at_line_start`` markers count only where they begin a line (``print x``).
    """
    first = None
    for index, marker in enumerate(markers):
        for match in marker.finditer(data):
            if index < at_line_start and data[data.rfind(newline, 0, match.start()) + 1 : match.start()].strip():
                continue
            first = match.start() if first is None else min(first, match.start())
            break
    return first
