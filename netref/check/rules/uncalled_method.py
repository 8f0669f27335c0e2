"""NR202: a socket or file method named but not called, as a statement: ``s.close`` does nothing.

The tutorial's client ends with ``s.close``. The method names are read from the running Python's
socket and io classes, not listed by hand.
"""

from __future__ import annotations

import re

from netref.catalog import Catalog
from netref.check.registry import Code, Rule, register
from netref.check.scanner import FileScan
from netref.versions import Version

_DOTTED_NAME_BYTES = re.compile(rb"[ \t]*[A-Za-z_][\w. \t]*")
_EXPRESSION = re.compile(r"[ \t]*([A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*)[ \t]*")


@register
class UncalledMethod(Rule):
    codes = (Code("NR202", kind="uncalled-method", title="method named but not called, as a statement (s.close)"),)

    def __init__(self, catalog: Catalog, target: Version) -> None:
        methods = _io_methods()
        # ``.close`` (any listed method) ending a line, a comment allowed after it: the pre-filter's
        # loose reading of the bytes; the scan's own pattern reads code without comments.
        names = "|".join(methods)
        self.bare_bytes = re.compile(rb"\.(?:" + names.encode() + rb")[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)")
        self.bare = re.compile(r"\.(?:" + names + r")[ \t\r]*(?=\n|\Z)")

    def might_find(self, data: bytes) -> bool:
        """A line that is only ``name.close`` (comment allowed): the scan's candidates, loosely."""
        for match in self.bare_bytes.finditer(data):
            line_start = data.rfind(b"\n", 0, match.start()) + 1
            if _DOTTED_NAME_BYTES.fullmatch(data, line_start, match.start()):
                return True
        return False

    def visit(self, scan: FileScan) -> None:
        """``s.close`` as a statement names the method and does nothing; ``s.close()`` closes."""
        source, code = scan.source, scan.source.code
        for match in self.bare.finditer(code):
            line_start = source.line_start(match.start())
            expression = _EXPRESSION.fullmatch(code, line_start, match.end())
            if not expression or source.depth(line_start) != 0 or _guarded(source.previous_code_line(line_start)):
                continue
            name = re.sub(r"[ \t]", "", expression.group(1))
            scan.add(expression.start(1), "NR202", f"{name} names the method without calling it: write {name}()",
                     replacement=f"{name}()")


def _guarded(previous_line: str) -> bool:
    """An attribute read on purpose: the first line of a ``try:`` or a ``with ... raises`` block."""
    return previous_line in ("try:",) or (previous_line.endswith(":") and "aises" in previous_line)


def _io_methods() -> tuple[str, ...]:
    """Public methods of sockets and file objects, read from the running Python, not listed by hand."""
    import io
    import socket

    classes = (socket.socket, io.IOBase, io.RawIOBase, io.BufferedIOBase, io.TextIOBase)
    names = {name for cls in classes for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name))}
    return tuple(sorted(names, key=lambda name: (-len(name), name)))
