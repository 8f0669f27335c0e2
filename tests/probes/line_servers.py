"""Small, protocol-faithful POP3, IMAP and NNTP servers for the probe tests.

No maintained pure-Python server exists for these three protocols, so each is a threaded
``socketserver`` server on loopback that speaks just enough of its RFC for a client to
greet, ask for capabilities, upgrade with STARTTLS/STLS and quit. Every command line the
server receives is recorded with whether TLS was up at the time, so that tests can prove
what a probe sent (never POST, never a password in the clear) rather than trust it.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass
from typing import Self

#: Longest command line a test server accepts; a client line is never near this.
MAX_LINE = 8192


@dataclass(frozen=True)
class Received:
    """One command line as the server received it."""

    line: str
    secure: bool


@dataclass
class ServerOptions:
    """How a test server behaves; tests flip these to model real servers' quirks."""

    ssl_context: ssl.SSLContext | None = None  # presented on STARTTLS/STLS and implicit TLS
    implicit_tls: bool = False
    offer_starttls: bool = True  # advertised in capabilities and accepted
    greeting: str | None = None  # overrides the protocol's usual greeting
    capabilities_error: bool = False  # refuse CAPABILITIES (NNTP, as many servers do) or CAPA (POP3)
    literal_size: int = 0  # IMAP: announce a literal of this size in the CAPABILITY reply


class LineHandler(socketserver.StreamRequestHandler):
    """One client connection: line I/O, TLS upgrade and the command log."""

    timeout = 10  # a stray client cannot keep a handler thread alive for long
    server: LineServer

    def setup(self) -> None:
        # Without TCP_NODELAY, TLS 1.3's session tickets and the greeting (two small writes)
        # wait on the client's delayed ACK: 40 ms of test-server artefact in every timing.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.server.options.implicit_tls:
            self.request = self._wrap(self.request)
        super().setup()

    def _wrap(self, sock: socket.socket) -> ssl.SSLSocket:
        context = self.server.options.ssl_context
        if context is None:
            raise RuntimeError("this test server has no TLS context")
        return context.wrap_socket(sock, server_side=True)

    @property
    def secure(self) -> bool:
        return isinstance(self.connection, ssl.SSLSocket)

    def start_tls(self) -> None:
        """Upgrade the connection in place, as STARTTLS/STLS do after the go-ahead."""
        self.wfile.flush()
        self.connection = self.request = self._wrap(self.connection)
        self.rfile = self.connection.makefile("rb", self.rbufsize)
        self.wfile = self.connection.makefile("wb", self.wbufsize)

    def send(self, *lines: str) -> None:
        # One write per reply, as real servers do: a write per line meets Nagle's algorithm
        # and the client's delayed ACK, adding ~40 ms to every multi-line reply.
        self.wfile.write(b"".join(line.encode("utf-8") + b"\r\n" for line in lines))
        self.wfile.flush()

    def receive(self) -> str | None:
        """The next command line (logged), or None when the client has gone."""
        try:
            raw = self.rfile.readline(MAX_LINE)
        except (OSError, ValueError):
            return None
        if not raw:
            return None
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        self.server.record(Received(line, self.secure))
        return line

    def handle(self) -> None:
        try:
            self.serve()
        except (OSError, ssl.SSLError):
            pass  # the client went away or failed its handshake: nothing to answer

    def serve(self) -> None:  # pragma: no cover - each protocol overrides it
        raise NotImplementedError


class LineServer(socketserver.ThreadingTCPServer):
    """A loopback server for one protocol, started and stopped by the test using it.

    Use as a context manager; ``port`` and ``log`` are then available.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: type[LineHandler], options: ServerOptions | None = None,
                 host: str = "127.0.0.1") -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, 0), handler)
        self.options = options or ServerOptions()
        self.host = host
        self.log: list[Received] = []
        self._log_lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                         daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def target(self) -> str:
        """``HOST:PORT`` as netref's command line takes it (brackets for IPv6)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def handle_error(self, request, client_address) -> None:
        """Stay quiet: hostile-client tests and failed handshakes are expected here."""

    def record(self, received: Received) -> None:
        with self._log_lock:
            self.log.append(received)

    def commands(self) -> list[str]:
        """The verbs received, upper-cased, in order (for asserting what a probe sent)."""
        return [entry.line.split(" ")[0].upper() for entry in self.log if entry.line]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)


# --- POP3 (RFC 1939, CAPA from RFC 2449, STLS from RFC 2595) -------------------------------

class Pop3Handler(LineHandler):
    """Greets, answers CAPA, STLS, USER/PASS (always rejected), NOOP and QUIT."""

    def serve(self) -> None:
        options = self.server.options
        self.send(options.greeting or "+OK netref test POP3 server ready <1.2@localhost>")
        while (line := self.receive()) is not None:
            verb = line.split(" ")[0].upper()
            if verb == "CAPA" and options.capabilities_error:
                self.send("-ERR unknown command")  # an RFC 1939-only server
            elif verb == "CAPA":
                capabilities = ["TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING"]
                if options.offer_starttls and not self.secure and options.ssl_context:
                    capabilities.append("STLS")
                capabilities.append("IMPLEMENTATION netref-test-pop3")
                self.send("+OK Capability list follows", *capabilities, ".")
            elif verb == "STLS" and options.offer_starttls and options.ssl_context and not self.secure:
                self.send("+OK Begin TLS negotiation")
                self.start_tls()
            elif verb == "QUIT":
                self.send("+OK netref test POP3 server signing off")
                return
            elif verb in ("USER", "NOOP"):
                self.send("+OK")
            elif verb == "PASS":
                self.send("-ERR [AUTH] invalid credentials")
            else:
                self.send("-ERR unknown command")


# --- IMAP (RFC 9051 / 3501, STARTTLS) -------------------------------------------------------

class ImapHandler(LineHandler):
    """Greets, answers CAPABILITY, STARTTLS, NOOP and LOGOUT; LOGIN is always refused."""

    def capabilities(self) -> str:
        words = ["IMAP4rev1", "LITERAL+", "ID", "ENABLE", "IDLE"]
        if self.server.options.offer_starttls and not self.secure and self.server.options.ssl_context:
            words += ["STARTTLS", "LOGINDISABLED"]
        else:
            words.append("AUTH=PLAIN")
        return " ".join(words)

    def serve(self) -> None:
        options = self.server.options
        self.send(options.greeting or "* OK [CAPABILITY IMAP4rev1] netref test IMAP server ready")
        while (line := self.receive()) is not None:
            tag, _, rest = line.partition(" ")
            verb = rest.split(" ")[0].upper()
            if verb == "CAPABILITY":
                if options.literal_size:
                    # A hostile server: an announced literal the client must not buffer whole.
                    self.send(f"* CAPABILITY IMAP4rev1 X-HUGE {{{options.literal_size}}}")
                    chunk = b"x" * 65536  # sent piecewise: the test measures the client's memory
                    for _ in range(options.literal_size // len(chunk)):
                        self.wfile.write(chunk)
                    self.wfile.write(b"x" * (options.literal_size % len(chunk)))
                    self.send("", f"{tag} OK CAPABILITY completed")
                    continue
                self.send(f"* CAPABILITY {self.capabilities()}", f"{tag} OK CAPABILITY completed")
            elif verb == "STARTTLS" and options.offer_starttls and options.ssl_context and not self.secure:
                self.send(f"{tag} OK Begin TLS negotiation now")
                self.start_tls()
            elif verb == "LOGOUT":
                self.send("* BYE netref test IMAP server logging out", f"{tag} OK LOGOUT completed")
                return
            elif verb == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif verb == "LOGIN":
                self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
            else:
                self.send(f"{tag} BAD unknown command")


# --- NNTP (RFC 3977, STARTTLS from RFC 4642) ------------------------------------------------

class NntpHandler(LineHandler):
    """Greets, answers CAPABILITIES (or 500 when told to), MODE READER, STARTTLS, QUIT.

    POST is answered 440 (posting not permitted) so that a test can see it arrive, if a
    probe were ever to send it.
    """

    def serve(self) -> None:
        options = self.server.options
        self.send(options.greeting or "200 netref test NNTP server ready (posting ok)")
        while (line := self.receive()) is not None:
            words = line.upper().split()
            verb = words[0] if words else ""
            if verb == "CAPABILITIES":
                if options.capabilities_error:
                    self.send("500 What?")
                    continue
                capabilities = ["VERSION 2", "READER", "LIST ACTIVE NEWSGROUPS", "OVER",
                                "IMPLEMENTATION netref-test-nntp 1.0"]
                if options.offer_starttls and not self.secure and options.ssl_context:
                    capabilities.append("STARTTLS")
                self.send("101 Capability list:", *capabilities, ".")
            elif verb == "MODE" and words[1:] == ["READER"]:
                self.send("200 Reader mode, posting permitted")
            elif verb == "STARTTLS" and options.ssl_context and not self.secure:
                if not options.offer_starttls:
                    self.send("580 Can not initiate TLS negotiation")
                    continue
                self.send("382 Continue with TLS negotiation")
                self.start_tls()
            elif verb == "POST":
                self.send("440 Posting not permitted")
            elif verb == "QUIT":
                self.send("205 Connection closing")
                return
            else:
                self.send("500 Unknown command")


def pop3_server(**options) -> LineServer:
    host = options.pop("host", "127.0.0.1")
    return LineServer(Pop3Handler, ServerOptions(**options), host)


def imap_server(**options) -> LineServer:
    host = options.pop("host", "127.0.0.1")
    return LineServer(ImapHandler, ServerOptions(**options), host)


def nntp_server(**options) -> LineServer:
    host = options.pop("host", "127.0.0.1")
    return LineServer(NntpHandler, ServerOptions(**options), host)
