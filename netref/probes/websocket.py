"""WebSocket (RFC 6455) over HTTP (websocket, ``ws:``) and HTTPS (wss), the handshake through
``http.client``: Upgrade, verify, Close.

Sent: ``GET --path`` (default ``/``) as an HTTP/1.1 Upgrade with a fresh random
``Sec-WebSocket-Key``, version 13, offering the permessage-deflate extension (RFC 7692) so that a
server that has it says so; then, on ``101 Switching Protocols``, one Close frame (code 1000,
masked as a client's frames must be) and the server's Close reply, read within the deadline.
No message is ever sent, so no application behind the socket sees a request.

Checked: the status is 101, ``Upgrade: websocket``, and ``Sec-WebSocket-Accept`` is the SHA-1 of
our key (RFC 6455, 4.2.2: a server that gets it wrong did not read the handshake). Reported: the
subprotocol and extensions the server chose, its Server header, the Close code and reason, and
how many messages it sent before its Close. A plain HTTP answer instead of 101 fails saying what
answered (status line, Server). Frames are read under the session's deadline and byte budget; a
frame that announces more than :data:`MAX_FRAME` bytes is refused unread.
"""

from __future__ import annotations

import base64
import hashlib
import http.client  # this module is imported only when a WebSocket probe runs
import os
import struct
import time

from netref.probes import replies
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, ProbeOptions, printable

#: The options this family takes beyond the common ones (the core refuses them elsewhere).
TAKES = frozenset({"path"})

DEFAULT_PATH = "/"
#: RFC 6455, 1.3: appended to the key before hashing.
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#: The largest frame read while waiting for the Close reply (a message the server sends first).
MAX_FRAME = 1024 * 1024
#: How long the server's Close reply is waited for (within the deadline): the handshake has
#: already proved WebSocket, and a server that never closes should not cost the whole deadline.
CLOSE_WAIT = 2.0
#: How long before the deadline the wait for the Close reply ends (a verdict, not a timeout).
DEADLINE_MARGIN = 0.1
#: The most frames skipped while waiting for the Close reply.
MAX_FRAMES = 1000
#: Opcodes (RFC 6455, 5.2).
CLOSE, PING, PONG = 0x8, 0x9, 0xA
_OPCODES = {0x0: "continuation", 0x1: "text", 0x2: "binary", CLOSE: "close", PING: "ping", PONG: "pong"}
#: The Close code a client sends when it is done (RFC 6455, 7.4.1: normal closure).
NORMAL_CLOSURE = 1000


def check_options(options: ProbeOptions) -> None:
    """``--path`` must be an absolute HTTP path."""
    replies.http_path(options.path, DEFAULT_PATH)


def probe(session: Session) -> None:
    """Upgrade, verify the accept key, send a Close frame and read the Close reply."""
    path = replies.http_path(session.options.path, DEFAULT_PATH)
    result = session.result
    result.details["path"] = path
    key = new_key()
    response = _upgrade(session, path, key)
    _check_upgrade(session, path, response, key)
    _report_choices(session, response)
    try:
        session.sendall(close_frame(NORMAL_CLOSURE, os.urandom(4)))
    except (BrokenPipeError, ConnectionResetError):  # gone after its 101: the upgrade still stands
        result.warnings.append("no Close reply to our Close frame: the server closed the connection first")
        result.details.update(close_code=None, messages_before_close=0)
        result.message = _summary(session, "no Close reply")
        return
    _read_close(session)


def new_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes in base64 (RFC 6455, 4.1)."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def _upgrade(session: Session, path: str, key: str) -> http.client.HTTPResponse:
    """The Upgrade request and its answer's head, through http.client on the guarded socket."""
    connection = http.client.HTTPConnection(session.host, session.port)
    connection.sock = session.client_socket()  # a connection with a socket never connects
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key),
            ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
            ("User-Agent", "netref-probe"),
        ):  # fmt: skip
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
    except http.client.HTTPException as exc:
        raise ProbeFailure("protocol", f"not an HTTP answer: {printable(str(exc), 120) or 'empty'}") from None
    replies.http_answer(session, response)
    return response


def accept_for(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer ``key`` with (RFC 6455, 4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + GUID).digest()).decode("ascii")


def _check_upgrade(session: Session, path: str, response: http.client.HTTPResponse, key: str) -> None:
    result = session.result
    if response.status != 101:
        raise replies.not_served_here("WebSocket", path, result.greeting or "", result.server_software)
    upgrade = (response.getheader("Upgrade") or "").strip()
    if upgrade.lower() != "websocket":
        shown = f"Upgrade: {printable(upgrade, 60)}" if upgrade else "no Upgrade header"
        raise ProbeFailure("protocol", f"101 Switching Protocols, but to something else than WebSocket ({shown})")
    accept = (response.getheader("Sec-WebSocket-Accept") or "").strip()
    expected = accept_for(key)
    result.details["accept_verified"] = accept == expected
    if accept != expected:
        got = f"'{printable(accept, 60)}'" if accept else "missing"
        why = "the server did not answer our key"
        raise ProbeFailure("protocol", f"Sec-WebSocket-Accept is {got}, not {expected}: {why}")


def _report_choices(session: Session, response: http.client.HTTPResponse) -> None:
    """The subprotocol and the extensions the server chose (RFC 6455, 4.2.2; 9.1, 11.3.4)."""
    protocol = response.getheader("Sec-WebSocket-Protocol")
    offered = response.getheader("Sec-WebSocket-Extensions") or ""
    extensions = [printable(item.strip(), 120) for item in offered.split(",") if item.strip()]
    details = session.result.details
    details["extensions"] = extensions
    if protocol:
        details["subprotocol"] = printable(protocol, 120)
    chosen = [f"subprotocol: {details['subprotocol']}"] if protocol else []
    session.result.capabilities = ["RFC 6455", *extensions, *chosen]


def close_frame(code: int, mask: bytes, reason: bytes = b"") -> bytes:
    """A client's Close frame: FIN, opcode 8, masked payload of the code and ``reason``."""
    payload = struct.pack("!H", code) + reason
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return bytes([0x80 | CLOSE, 0x80 | len(payload)]) + mask + masked


def _read_close(session: Session) -> None:
    """The server's frames until its Close (data frames before it are counted, not kept)."""
    result = session.result
    until = min(session.deadline - DEADLINE_MARGIN, time.monotonic() + CLOSE_WAIT)
    messages = 0
    for _ in range(MAX_FRAMES):
        try:
            opcode, payload = _read_frame(session, until)
        except _NoReply as missing:
            result.warnings.append(f"no Close reply to our Close frame: {missing}")
            break
        if opcode == CLOSE:
            _report_close(session, payload)
            break
        if opcode in (0x1, 0x2):
            messages += 1
    else:
        result.warnings.append(f"no Close reply to our Close frame: {MAX_FRAMES} frames came, and none was one")
    result.details["messages_before_close"] = messages
    if "close_code" not in result.details:
        result.details["close_code"] = None
        result.message = _summary(session, "no Close reply")


def _report_close(session: Session, payload: bytes) -> None:
    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
    session.result.details["close_code"] = code
    if len(payload) > 2:
        session.result.details["close_reason"] = printable(payload[2:].decode("utf-8", "replace"), 120)
    session.result.message = _summary(session, f"closed {code}" if code is not None else "closed (no code)")


def _summary(session: Session, closing: str) -> str:
    details = session.result.details
    extra = "".join(f", {name}" for name in details.get("extensions", []))
    chosen = f", subprotocol {details['subprotocol']}" if details.get("subprotocol") else ""
    return f"WebSocket upgrade accepted{extra}{chosen}; {closing}"


class _NoReply(Exception):
    """The server closed, or ``until`` passed, before a whole frame came (the message says which)."""


def _read_frame(session: Session, until: float) -> tuple[int, bytes]:
    """One server frame (opcode, payload); :class:`_NoReply` when the server closed or ``until`` passed."""
    head = _read_exactly(session, 2, until)
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if head[1] & 0x80:
        raise ProbeFailure("protocol", "the server sent a masked frame (RFC 6455, 5.1: servers never mask)")
    if opcode not in _OPCODES:
        raise ProbeFailure("protocol", f"the server sent a frame with reserved opcode {opcode:#x}")
    if length >= 126:
        extended = _read_exactly(session, 2 if length == 126 else 8, until)
        length = int.from_bytes(extended, "big")
    if opcode >= CLOSE and (length > 125 or not head[0] & 0x80):
        raise ProbeFailure("protocol", f"the server sent a malformed {_OPCODES[opcode]} frame (RFC 6455, 5.5)")
    if length > MAX_FRAME:
        raise ProbeFailure("protocol", f"the server announced a frame of {length} bytes, more than a probe reads")
    return opcode, _read_exactly(session, length, until) if length else b""


def _read_exactly(session: Session, size: int, until: float) -> bytes:
    """``size`` bytes from the session; :class:`_NoReply` at end of file or once ``until`` has passed."""
    data = b""
    while len(data) < size:
        left = until - time.monotonic()
        try:
            chunk = session.read_some(size - len(data), wait=left) if left > 0 else None
        except ConnectionResetError:  # gone without a Close frame, our unread Close behind it
            raise _NoReply("the server reset the connection without one") from None
        if chunk is None:
            raise _NoReply(f"none within {CLOSE_WAIT:g} s")
        if not chunk:
            raise _NoReply("the server closed the connection without one")
        data += chunk
    return data
