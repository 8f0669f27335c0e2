"""A loopback server that replays a conversation captured from a real server (captures_irc_xmpp).

For each captured step it waits for the bytes the captured client sent — and records what the
probe sent instead, so a test can check the probe said the same — then sends the captured reply,
byte for byte; after a ``<proceed/>`` it shakes hands in TLS (the test CA's localhost certificate:
the real server's self-signed one is not the point), and after a step that ended with the real
server closing, it closes too.
"""

from __future__ import annotations

import socket
import ssl
import time
from typing import Self

from captures_irc_xmpp import Step
from servers import Handler, _until_closed, serve


class Replay:
    """``with Replay(steps) as server: probe(..., server)``; ``server.sent``: what the client said."""

    def __init__(self, steps: list[Step], ssl_context: ssl.SSLContext | None = None,
                 implicit_tls: bool = False) -> None:
        self.steps = steps
        self.tls_context = ssl_context
        self.sent: list[bytes] = []
        self.server = serve(self._handle, ssl_context=ssl_context if implicit_tls else None)
        self.host = "127.0.0.1"

    @property
    def port(self) -> int:
        return self.server.port

    def __enter__(self) -> Self:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(3)
        for expected, reply, closed in self.steps:
            if expected:
                got = b""
                try:
                    while len(got) < len(expected):
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        got += chunk
                except OSError:
                    pass
                self.sent.append(got)
                if not got:
                    return
            conn.sendall(reply)
            if closed:
                return
            if b"<proceed " in reply and self.tls_context is not None:
                conn = self.tls_context.wrap_socket(conn, server_side=True)
                conn.settimeout(3)
        try:  # hold the connection until the client leaves, recording what else it says
            while chunk := conn.recv(4096):
                self.sent.append(chunk)
        except OSError:
            pass


def byte_by_byte(reply: bytes, pause: float) -> Handler:
    """A server that reads the client's first words, then sends ``reply`` one byte per ``pause``
    seconds and holds the line: a parser must read lines (IRC) or a stream (XMPP) cut anywhere."""

    def handle(conn: socket.socket) -> None:
        conn.settimeout(3)
        conn.recv(4096)
        for index in range(len(reply)):
            conn.sendall(reply[index:index + 1])
            time.sleep(pause)
        _until_closed(conn, 3)

    return handle
