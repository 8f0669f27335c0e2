"""NR201: a str literal passed to a socket's send/sendall/sendto, which Python 3 refuses (it sends bytes).

The tutorial's server does ``c.send('Thank you for connecting')``. The check runs in files that
import one of the catalogue's socket-level modules (protocol ``tcp``) or ``http.client`` (Python 2's
``httplib``), whose ``HTTPConnection.send`` hands its argument to the socket just the same
(``conn.send('0\\r\\n')`` fails on Python 3), and only for a Python 3 target.
"""

from __future__ import annotations

import ast
import re

from netref.catalog import Catalog
from netref.check.registry import Code, Rule, register
from netref.check.scanner import FileScan
from netref.versions import Version

# The protocol whose modules hand out sockets, and the modules whose connections pass send()'s
# argument to a socket (http.client.HTTPConnection.send; its Python 2 name, renamed in the catalogue).
_SOCKET_PROTOCOL = "tcp"
_SENDS_TO_A_SOCKET = ("http.client",)

SEND_STR_BYTES = re.compile(rb"\.send(?:all|to)?[ \t]*\([ \t\r\n]*[rRuUfF]{0,2}['\"]")
_SEND_STR = re.compile(r"\.(send|sendall|sendto)[ \t]*\([ \t\r\n]*([rRuUfF]{0,2}(['\"]))")
_DEF_SEND = re.compile(r"\bdef[ \t]+(send|sendall|sendto)\b")
_SELF = re.compile(r"(?<![\w.])self$")
_RECEIVER = re.compile(r"(?<![\w.])([A-Za-z_]\w*)[ \t]*\Z")


@register
class StrSend(Rule):
    codes = (Code("NR201", kind="str-send",
                  title="str literal passed to a socket's send/sendall/sendto (Python 3 sends bytes)"),)

    @classmethod
    def applies_to(cls, target: Version) -> bool:
        return target >= (3, 0)  # Python 2's sockets take str

    def __init__(self, catalog: Catalog, target: Version) -> None:
        protocol = catalog.protocol(_SOCKET_PROTOCOL)
        python2_names = {old for name in _SENDS_TO_A_SOCKET for old in catalog.renamed_from(name)}
        self.socket_modules = frozenset(protocol.modules if protocol else ()) | {*_SENDS_TO_A_SOCKET, *python2_names}

    def might_find(self, data: bytes) -> bool:
        return SEND_STR_BYTES.search(data) is not None

    def visit(self, scan: FileScan) -> None:
        if self._imports_a_socket_module(scan):
            self._str_sends(scan)

    def _imports_a_socket_module(self, scan: FileScan) -> bool:
        sockets = self.socket_modules
        for statement in scan.imports:
            node = statement.node
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            if any(name in sockets or name.split(".")[0] in sockets for name in names):
                return True
        return False

    def _made_elsewhere(self, scan: FileScan, dot: int) -> bool:
        """Is the receiver of ``.send`` at ``dot`` bound, last before it in its scope, by a call into a module
        that hands out no sockets (``s = websocket.create_connection(url)``: a WebSocket's send takes str)?"""
        code = scan.source.code
        receiver = _RECEIVER.search(code, max(0, dot - 80), dot)
        if receiver is None:
            return False
        name = receiver.group(1)
        scope = scan.blocks.scope_of(dot)
        start = scope.body_start if scope else 0
        assigned = re.compile(rf"(?<![\w.]){re.escape(name)}[ \t]*=[ \t]*([A-Za-z_]\w*)[ \t]*\.")
        bindings = list(assigned.finditer(code, start, dot))
        if not bindings or scan.blocks.scope_of(bindings[-1].start()) != scope:
            return False
        module = self._bound_modules(scan).get(bindings[-1].group(1))
        return module is not None and not {module, module.split(".")[0]} & self.socket_modules

    def _bound_modules(self, scan: FileScan) -> dict[str, str]:
        """name -> module, for the file's ``import m`` / ``import m as name`` statements."""
        found: dict[str, str] = {}
        for statement in scan.imports:
            if isinstance(statement.node, ast.Import):
                for alias in statement.node.names:
                    top = alias.name.split(".")[0]
                    found[alias.asname or top] = alias.name if alias.asname else top
        return found

    def _str_sends(self, scan: FileScan) -> None:
        """``c.send('Thank you for connecting')``: Python 3 sockets take bytes, not str."""
        source, code = scan.source, scan.source.code
        own = set(_DEF_SEND.findall(code))  # self.send(...) calls the class's own method
        for match in _SEND_STR.finditer(code):
            if match.group(1) in own and _SELF.search(code, 0, match.start()):
                continue
            if self._made_elsewhere(scan, match.start()):
                continue
            end = source.string_end(match.start(3))
            after = code[end : end + 200].lstrip(" \t\r\n\\")
            if after.startswith(".encode") or not (
                after[:1] in ("", ")", ",", "%", "+", "'", '"') or after.startswith(".format")
            ):
                continue
            method = match.group(1)
            scan.add(match.start(2), "NR201",
                     f"str literal passed to {method}(): Python 3 sockets send bytes, use b'...' or .encode()",
                     replacement="a bytes literal (b'...') or str.encode()")
