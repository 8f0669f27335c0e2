"""Loopback servers for the core probe tests: HTTP(S), a TCP banner, telnet, gopher, and
the hostile ones (silent, drip-feed, endless line, garbage, reset).

Every server listens on 127.0.0.1 (or ::1) on a free port, serves each connection in a
daemon thread and stops when its ``with`` block ends. Hostile handlers stop as soon as
the client goes away, so a test never leaves a thread writing into the void.
"""

from __future__ import annotations

import http.server
import os
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from typing import ClassVar, Self

Handler = Callable[[socket.socket], None]


class LoopbackServer:
    """A listening socket whose connections each run ``handler(conn)`` in a thread."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.listener.listen(16)
        self.host = host
        self.port = self.listener.getsockname()[1]
        self.handler = handler
        self.ssl_context = ssl_context
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        except OSError:
            pass
        self.listener.close()
        self.thread.join(timeout=2)

    def _accept_loop(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.ssl_context is not None:
                conn.settimeout(5)
                conn = self.ssl_context.wrap_socket(conn, server_side=True)
            conn.settimeout(None)
            self.handler(conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()


def serve(handler: Handler, host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None) -> LoopbackServer:
    """``with serve(banner(b"hi")) as server: ... server.port``."""
    return LoopbackServer(handler, host, ssl_context)


def receive_until(conn: socket.socket, enough: Callable[[bytes], bool], wait: float = 3) -> bytes | None:
    """What the client sent once ``enough`` says so; None if it hung up first."""
    conn.settimeout(wait)
    data = b""
    while not enough(data):
        chunk = conn.recv(256)
        if not chunk:
            return None
        data += chunk
    return data



def receive_exactly(conn: socket.socket, size: int) -> bytes | None:
    """Exactly ``size`` bytes from the client, not one more (what a length or a fixed-size field
    announced; the rest is the next message's); None if it hung up first."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


# -- well-behaved servers -------------------------------------------------------------------


def banner(text: bytes = b"Thank you for connecting\r\n") -> Handler:
    """The tutorial's server.py: send a banner, close."""

    def handle(conn: socket.socket) -> None:
        conn.sendall(text)

    return handle


TELNET_OPENING = bytes([255, 253, 24, 255, 253, 31, 255, 251, 1, 255, 251, 3])  # DO TTYPE, DO NAWS, WILL ECHO, WILL SGA


def telnet_login(received: list[bytes] | None = None) -> Handler:
    """A telnet server that negotiates options, then shows a banner and ``login:``.

    It waits for the client's answers to its options before showing the screen, as real
    telnetd does, and records what the client sent in ``received``.
    """

    def handle(conn: socket.socket) -> None:
        conn.sendall(TELNET_OPENING)
        answers = receive_until(conn, lambda data: len(data) >= 12)  # four three-byte answers
        if answers is None:
            return
        if received is not None:
            received.append(answers)
        conn.sendall(b"\r\nUbuntu 22.04 LTS\r\n\xff\xfa\x18\x01\xff\xf0netref-test login: ")
        try:
            conn.recv(64)  # wait for the client to hang up
        except OSError:
            pass

    return handle


GOPHER_MENU = (
    b"iWelcome to the netref test hole\tfake\t(NULL)\t0\r\n"
    b"i\tfake\t(NULL)\t0\r\n"
    b"1About this server\t/about\tlocalhost\t70\r\n"
    b"0Read me\t/readme.txt\tlocalhost\t70\t+\r\n"
    b"7Search\t/search\tlocalhost\t70\r\n"
    b".\r\n"
)


def gopher_menu(selectors: list[bytes] | None = None, menu: bytes = GOPHER_MENU) -> Handler:
    """A gopher server: answers the root selector with ``menu`` (:data:`GOPHER_MENU`)."""

    def handle(conn: socket.socket) -> None:
        request = receive_until(conn, lambda data: data.endswith(b"\n"))
        if request is None:
            return
        if selectors is not None:
            selectors.append(request)
        conn.sendall(menu)

    return handle


class _HeadHandler(http.server.BaseHTTPRequestHandler):
    """Answers HEAD and GET / with a small page; records the methods it saw."""

    server_version = "netref-test/1.0"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else TLS tickets + Nagle + delayed ACK add 40 ms
    methods: ClassVar[list[str]] = []

    def do_HEAD(self) -> None:
        self.methods.append("HEAD")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "6")
        self.send_header("Allow", "GET, HEAD")
        self.end_headers()

    def do_GET(self) -> None:
        self.methods.append("GET")
        self.do_HEAD()
        self.wfile.write(b"hello\n")

    def log_message(self, *args) -> None:  # quiet test output
        pass


class HttpServer:
    """``http.server`` on loopback, plain or with TLS; ``methods`` lists requests seen."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None, host: str = "127.0.0.1"):
        handler = type("Handler", (_HeadHandler,), {"methods": []})
        server_class = type(
            "Server",
            (http.server.ThreadingHTTPServer,),
            {"address_family": socket.AF_INET6 if ":" in host else socket.AF_INET},
        )
        self.httpd = server_class((host, 0), handler)
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self.methods = handler.methods
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- hostile servers -------------------------------------------------------------------------


def _until_closed(conn: socket.socket, seconds: float) -> None:
    """Hold a connection open without speaking until the peer leaves or time runs out."""
    conn.settimeout(seconds)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def silent(conn: socket.socket) -> None:
    """Accepts and never speaks."""
    _until_closed(conn, 30)


def drip(text: bytes = b"220 " + b"a" * 200 + b"\r\n", interval: float = 0.2) -> Handler:
    """Sends ``text`` one byte every ``interval`` seconds, forever (a slowloris in reverse)."""

    def handle(conn: socket.socket) -> None:
        while True:
            for byte in text:
                conn.sendall(bytes([byte]))
                time.sleep(interval)

    return handle


def _relay(conn: socket.socket, upstream_port: int, answer: Callable[[bytes], None]) -> None:
    """Relay ``conn`` to a server on ``upstream_port``: the client's bytes pass at once, the
    server's go through ``answer`` (which sends them on, slowly)."""
    with socket.create_connection(("127.0.0.1", upstream_port), timeout=10) as upstream:

        def forward() -> None:
            try:
                while data := conn.recv(4096):
                    upstream.sendall(data)
            except OSError:
                pass

        threading.Thread(target=forward, daemon=True).start()
        while data := upstream.recv(4096):
            answer(data)


def drip_proxy(upstream_port: int, interval: float = 0.05) -> Handler:
    """Relays to a real server on ``upstream_port``, passing the client's bytes at once and
    the server's one byte every ``interval`` seconds: a TLS handshake that crawls."""

    def handle(conn: socket.socket) -> None:
        def drip_out(data: bytes) -> None:
            for byte in data:
                conn.sendall(bytes([byte]))
                time.sleep(interval)

        _relay(conn, upstream_port, drip_out)

    return handle


def delay_proxy(upstream_port: int, delay: float = 0.2) -> Handler:
    """Relays to a real server on ``upstream_port``, holding the server's first bytes back for
    ``delay`` seconds: a slow first byte, so that phases which overlap it add up to too much."""

    def handle(conn: socket.socket) -> None:
        held = [delay]

        def late_start(data: bytes) -> None:
            time.sleep(held.pop() if held else 0)
            conn.sendall(data)

        _relay(conn, upstream_port, late_start)

    return handle


def endless_line(conn: socket.socket) -> None:
    """One line that never ends: 64 KiB of ``A`` after another."""
    chunk = b"A" * 65536
    while True:
        conn.sendall(chunk)


def garbage(conn: socket.socket) -> None:
    """Random binary bytes, without end."""
    while True:
        conn.sendall(os.urandom(65536))


def reset(conn: socket.socket) -> None:
    """Accepts, then resets the connection (RST, not FIN)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.05)


def reset_after_request(conn: socket.socket) -> None:
    """Reads the request, then resets: a server that dies mid-exchange."""
    conn.settimeout(3)
    try:
        conn.recv(4096)
    except OSError:
        return
    reset(conn)


def smtp_greeting(conn: socket.socket) -> None:
    """An SMTP greeting on a port where HTTP was expected (the wrong protocol)."""
    conn.sendall(b"220 mail.example.test ESMTP Postfix\r\n")
    _until_closed(conn, 5)
