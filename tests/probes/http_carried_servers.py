"""Live loopback servers for the protocols carried over HTTP, for the tests that need a server that
answers whatever the probe sends (a fresh WebSocket key each time): Python's own XML-RPC server,
and a WebSocket server that answers the handshake and the Close frame as RFC 6455 says (the replay
tests use real servers' bytes instead: captures_http_carried.py)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import servers

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_head(conn: socket.socket) -> bytes:
    """An HTTP request's head; what came when it is not one (a ClientHello, or the peer left)."""
    conn.settimeout(3)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk or data[:1] == b"\x16" or chunk[:1] == b"\x16":
            return data + chunk
        data += chunk
    return data


def read_request(conn: socket.socket) -> bytes:
    """An HTTP request, head and Content-Length body; what came when it is not one (a ClientHello)."""
    data = read_head(conn)
    if b"\r\n\r\n" not in data:
        return data
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    length = int(lengths[0]) if lengths else 0
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextlib.contextmanager
def xmlrpc_server(context: ssl.SSLContext | None = None) -> Iterator[Any]:
    """``xmlrpc.server.SimpleXMLRPCServer`` with introspection and ``pow`` (TLS with ``context``)."""
    from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

    class Quiet(SimpleXMLRPCRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = SimpleXMLRPCServer(("127.0.0.1", 0), requestHandler=Quiet, logRequests=False)
    server.register_introspection_functions()
    server.register_function(pow)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.host, server.port = "127.0.0.1", server.server_address[1]  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _websocket(conn: socket.socket) -> None:
    """Answer the Upgrade (the Accept computed from the key), then the client's Close with Close 1000."""
    request = servers.receive_until(conn, lambda data: b"\r\n\r\n" in data)
    if request is None:
        return
    key = next((line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")), b"")  # fmt: skip
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + accept + b"\r\nServer: netref-test-ws\r\n\r\n")  # fmt: skip
    if servers.receive_until(conn, lambda data: len(data) >= 8) is not None:
        conn.sendall(b"\x88\x02\x03\xe8")


def websocket_server(context: ssl.SSLContext | None = None) -> servers.LoopbackServer:
    """A WebSocket server on 127.0.0.1 (wss with ``context``)."""
    return servers.serve(_websocket, ssl_context=context)
