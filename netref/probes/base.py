"""The one interface every protocol family codes against.

A probe is split in two. The *core* (this module and :mod:`netref.probes`) resolves the
name, connects, wraps TLS, keeps the deadline and the memory bound, times the phases and
turns every failure into a verdict. A *family* module (``netref/probes/<family>.py``, the
name comes from the catalogue's ``Protocol.family``) only speaks the protocol::

    def probe(session: Session) -> None:
        '''Greet, ask for capabilities, quit; fill session.result; raise ProbeFailure.'''

A family that can log in (only ftp: ``--user``) also defines ``needs_password(user) -> bool``
(an anonymous login takes no secret); ``--user`` on any other family is a usage error.

The family receives a :class:`Session` whose socket is already connected (and already
TLS-wrapped for implicit-TLS protocols such as ``smtps``). It must not open connections of
its own, must not import a module the catalogue says is deprecated or removed on the
running Python (``session.module`` names what to speak through), and must stay read-only:
greet, ask capabilities, quit.

Handing the connection to a standard-library client
----------------------------------------------------
Every stdlib client must read and write through :meth:`Session.client_socket`, a
:class:`GuardedSocket` that enforces the deadline and the byte budget on *every* read, even
inside the client's own ``readline``. Never give a client the host and port: it would open
its own connection, outside the deadline. The recipes (``guarded = session.client_socket()``):

Subclass the client once, at module level (building a class per probe costs more than a
loopback exchange), and hand each instance its guarded socket:

- **smtplib**: a subclass of ``smtplib.SMTP`` whose ``_get_socket(host, port, timeout)``
  returns the guarded socket; construct it with ``local_hostname`` and no host (so it does
  not connect), then ``code, greeting = client.connect(session.host, session.port)``:
  ``connect`` reads the greeting through the guarded socket.
- **poplib**: a subclass of ``poplib.POP3`` whose ``_create_socket(timeout)`` returns the
  guarded socket (store it before calling ``POP3.__init__``, which connects and reads the
  greeting). Use ``POP3`` even for pop3s: the session has already done the TLS.
- **imaplib**: the same with ``imaplib.IMAP4._create_socket``. imaplib reads a literal of
  whatever size the server announces in one ``file.read(size)``; the file made by
  :meth:`GuardedSocket.makefile` refuses a read larger than the byte budget, so a hostile
  ``{99999999999}`` costs nothing.
- **ftplib**: ``client = ftplib.FTP(timeout=...)`` (no host), then set ``client.host``,
  ``client.port``, ``client.sock = guarded``, ``client.af = guarded.family``,
  ``client.file = guarded.makefile("r", encoding=client.encoding)`` and
  ``client.welcome = client.getresp()``.
- **http.client**: ``conn = http.client.HTTPConnection(session.host, session.port)`` then
  ``conn.sock = guarded`` before ``conn.request(...)``: a connection with a socket never
  calls ``connect``. Use ``HTTPConnection`` even for https (the session did the TLS).

STARTTLS and friends (SMTP ``STARTTLS``, POP3 ``STLS``, IMAP ``STARTTLS``, FTP ``AUTH TLS``,
NNTP ``STARTTLS``): send the command through the client, check the positive reply, then
call :meth:`Session.start_tls`. Do **not** call the client's own ``starttls()``/``stls()``/
``auth()``: they wrap the socket themselves, outside the deadline. The guarded socket and
the client's file keep working after the upgrade: they read and write through the session,
which holds the connection's only read buffer, so plaintext sent behind the go-ahead (the
STARTTLS injection attack) is seen and refused by ``start_tls``. Reset what the client
learnt in plaintext (smtplib: ``client.ehlo_resp = None``, ``client.esmtp_features = {}``,
``client.does_esmtp = False``, as ``SMTP.starttls`` does). If the server does not offer
the upgrade, raise ``ProbeFailure("tls", "server does not offer STARTTLS")``: ``--starttls``
never degrades to plaintext (the core also checks that TLS really started).

Socket-level families (tcp, telnet, gopher, and NNTP where nntplib is gone) use the session's
own bounded reader: :meth:`Session.readline`, :meth:`Session.read_some` and
:meth:`Session.send` — the same buffer a stdlib client's file reads from.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.catalog import Protocol

#: Failure categories, in the order a probe can meet them.
CATEGORIES = ("dns", "refused", "timeout", "tls", "certificate", "protocol")

#: How many bytes one probe may receive in all. A probe reads a greeting and a capability
#: list; anything beyond this is a hostile or broken server, and reading it would only
#: grow memory.
READ_BUDGET = 4 * 1024 * 1024

#: Longest line the session reader accepts (stdlib clients have their own, smaller limits).
MAX_LINE = 64 * 1024

#: A deadline timeout on the socket younger than this is not set again (see Session._arm).
REARM_AFTER = 0.05

#: Default whole-probe deadline in seconds.
DEFAULT_TIMEOUT = 10.0


class ProbeFailure(Exception):
    """A probe that got an answer it cannot accept, or none: becomes a ``failed`` verdict.

    ``category`` is one of :data:`CATEGORIES`; the message is one line for people.
    """

    def __init__(self, category: str, message: str) -> None:
        if category not in CATEGORIES:
            raise ValueError(f"unknown failure category {category!r}")
        super().__init__(message)
        self.category = category
        self.message = message


class ProbeUsageError(ValueError):
    """The request itself is wrong (unknown protocol, tcp without a port, --starttls on an
    implicit-TLS protocol): the CLI prints one line and exits 2 (UNKNOWN in nagios mode)."""


@dataclass
class ProbeOptions:
    """What the user asked for. ``host`` is a bare name or address (no brackets, no port)."""

    host: str
    port: int | None = None  # None: the catalogue's default port for the protocol
    timeout: float = DEFAULT_TIMEOUT  # deadline for the WHOLE probe, DNS included
    starttls: bool = False
    family: int = 0  # 0 any, 4 IPv4 only, 6 IPv6 only
    sni: str | None = None  # TLS server name (and name checked) when it differs from host
    cafile: str | None = None
    insecure: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never printed, never in JSON
    allow_plaintext_auth: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The options as JSON-ready data, without the password."""
        return {name: value for name, value in _fields(self).items() if name != "password"}


def _fields(obj: Any) -> dict[str, Any]:
    """A flat dataclass as a dict (shallow: lists are copied, nothing else is nested)."""
    return {
        item.name: list(value) if isinstance(value := getattr(obj, item.name), list) else value
        for item in dataclasses.fields(obj)
    }


@dataclass
class TlsDetails:
    """What the TLS handshake established. ``chain_verified``/``hostname_verified`` are None
    when they were not checked (``--insecure``), not False: nothing was proven either way."""

    version: str | None = None
    cipher: str | None = None
    sni: str | None = None
    subject: str | None = None
    issuer: str | None = None
    sans: list[str] = field(default_factory=list)
    not_before: str | None = None  # ISO 8601, UTC
    not_after: str | None = None  # ISO 8601, UTC
    days_left: int | None = None
    chain_verified: bool | None = None
    hostname_verified: bool | None = None
    insecure: bool = False
    starttls: bool = False  # True when upgraded in band (STARTTLS, STLS, AUTH TLS)

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)


@dataclass
class ProbeResult:
    """The one result type of every probe. ``to_dict`` is the documented JSON."""

    protocol: str
    host: str
    port: int | None = None
    addresses: list[str] = field(default_factory=list)  # every address the name resolved to
    address_used: str | None = None  # the one that answered
    timings: dict[str, float] = field(default_factory=dict)  # ms: dns, connect, tls, first_byte, total
    greeting: str | None = None  # greeting or status line, one line
    server_software: str | None = None
    capabilities: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # family-specific extras (JSON-safe)
    tls: TlsDetails | None = None
    module: str | None = None  # the stdlib module the probe spoke through
    substitution: str | None = None  # e.g. "telnetlib: removed in 3.13 (PEP 594) → socket"
    verdict: str = "failed"  # "ok" or "failed"
    category: str | None = None  # one of CATEGORIES when failed
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def fail(self, failure: ProbeFailure) -> None:
        """Record a failure as the verdict."""
        self.verdict, self.category, self.message = "failed", failure.category, failure.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "host": self.host,
            "port": self.port,
            "addresses": list(self.addresses),
            "address_used": self.address_used,
            "timings_ms": {name: round(ms, 3) for name, ms in self.timings.items()},
            "greeting": self.greeting,
            "server_software": self.server_software,
            "capabilities": list(self.capabilities),
            "details": dict(self.details),
            "tls": self.tls.to_dict() if self.tls else None,
            "module": self.module,
            "substitution": self.substitution,
            "verdict": self.verdict,
            "category": self.category,
            "message": self.message,
        }


def printable(data: bytes | str, limit: int = 200) -> str:
    """One display line from server bytes: decoded leniently, control bytes escaped, cut.

    Servers send anything; a report must never carry raw control sequences to a terminal.
    """
    text = data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data
    text = text.rstrip("\r\n")
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Session:
    """One connection to one server, under one deadline and one byte budget.

    Created by :func:`netref.probes.run_probe`; a family receives it connected.

    Attributes a family uses:

    - ``options`` (:class:`ProbeOptions`), ``protocol`` (catalogue ``Protocol``),
      ``result`` (:class:`ProbeResult`, fill ``greeting``, ``server_software``,
      ``capabilities``, ``details``; the core sets the verdict);
    - ``host``: the server name in ASCII (IDN A-labels) for Host headers, EHLO and the like;
      ``port``: the port connected to;
    - ``module``: the module to speak through (the catalogue's modern module, or the
      substitute when the tutorial's module is deprecated or gone on this Python);
    - ``tls_active``: whether the connection is encrypted now.
    """

    def __init__(
        self,
        options: ProbeOptions,
        protocol: Protocol,
        result: ProbeResult,
        sock: socket.socket,
        deadline: float,
        host: str,
        port: int,
        module: str,
    ) -> None:
        self.options = options
        self.protocol = protocol
        self.result = result
        self.host = host
        self.port = port
        self.module = module
        self.deadline = deadline
        self._sock = sock
        self._buffer = bytearray()
        self._received = 0
        self._expired = False
        self._ready_at = time.monotonic()
        self._armed_at: float | None = None  # when the deadline timeout was last set
        self.tls_active = False
        self.watched: list | None = None  # the core watchdog's slot while it watches

    # -- time ---------------------------------------------------------------------------

    def remaining(self) -> float:
        """Seconds left before the deadline (may be negative)."""
        return self.deadline - time.monotonic()

    def timeout_failure(self, doing: str = "waiting for the server") -> ProbeFailure:
        """The failure for a passed deadline, worded for what was going on."""
        return ProbeFailure("timeout", f"deadline of {self.options.timeout:g} s passed while {doing}")

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a named phase into ``result.timings[name]`` (ms; repeated phases add up)."""
        started = time.monotonic()
        try:
            yield
        finally:
            elapsed = (time.monotonic() - started) * 1000
            self.result.timings[name] = self.result.timings.get(name, 0.0) + elapsed

    def mark_ready(self) -> None:
        """Restart the first-byte clock (the core calls it once connected and after TLS)."""
        self._ready_at = time.monotonic()

    def expire(self) -> None:
        """Called by the watchdog at the deadline: unblock whatever is reading.

        Shutting the socket down wakes a thread blocked in ``recv`` (even inside a stdlib
        client's ``readline`` or an SSL read); the next guarded read then reports a timeout
        instead of an end of file.
        """
        self._expired = True
        try:
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
        except OSError:
            pass

    @property
    def expired(self) -> bool:
        return self._expired or self.remaining() <= 0

    # -- raw I/O under the deadline and the budget ------------------------------------------

    def _arm(self, doing: str, wait: float | None = None) -> None:
        """Set the socket timeout to what is left (or to ``wait`` when shorter).

        A deadline timeout set less than :data:`REARM_AFTER` ago is kept: ``settimeout``
        is a system call, and a read may then overrun by at most that much — less in
        practice, since the watchdog shuts the socket at the deadline itself.
        """
        now = time.monotonic()
        remaining = self.deadline - now
        if self._expired or remaining <= 0:
            raise self.timeout_failure(doing)
        if wait is not None and wait < remaining:
            self._sock.settimeout(max(wait, 0.0))
            self._armed_at = None
        elif self._armed_at is None or now - self._armed_at > REARM_AFTER:
            self._sock.settimeout(remaining)
            self._armed_at = now

    def _receive(self, view: memoryview, wait: float | None = None) -> int | None:
        """Receive into ``view``, bounded by deadline and budget: the count (0 at end of
        file), or None when ``wait`` seconds pass in silence."""
        budget = READ_BUDGET - self._received
        if budget <= 0:
            raise ProbeFailure(
                "protocol", f"server sent more than {READ_BUDGET // (1024 * 1024)} MiB; stopped reading"
            )
        if len(view) > budget:
            view = view[:budget]
        self._arm("waiting for the server", wait)
        try:
            count = self._sock.recv_into(view)
        except TimeoutError:
            if wait is not None and not self.expired:
                return None
            raise self.timeout_failure("waiting for the server") from None
        except OSError:
            if self._expired:
                raise self.timeout_failure("waiting for the server") from None
            raise
        if self._expired:
            raise self.timeout_failure("waiting for the server")
        if count and "first_byte" not in self.result.timings:
            self.result.timings["first_byte"] = (time.monotonic() - self._ready_at) * 1000
        self._received += count
        return count

    def sendall(self, data: bytes) -> None:
        """Send all of ``data`` before the deadline."""
        self._arm("sending to the server")
        try:
            self._sock.sendall(data)
        except TimeoutError:
            raise self.timeout_failure("sending to the server") from None
        except OSError:
            if self._expired:
                raise self.timeout_failure("sending to the server") from None
            raise

    send = sendall

    # -- the session's own bounded reader (socket-level families) ---------------------------

    def _fill(self, size: int = 4096, wait: float | None = None) -> bool | None:
        """Append up to ``size`` more bytes to the buffer; False at end of file, None when
        ``wait`` passed in silence."""
        chunk = bytearray(size)
        count = self._receive(memoryview(chunk), wait)
        if count is None:
            return None
        del chunk[count:]
        self._buffer += chunk
        return count > 0

    def readline(self, limit: int = MAX_LINE) -> bytes:
        """One line including its ``\\n``; what is left at end of file; ``b""`` at EOF.

        A line longer than ``limit`` is a :class:`ProbeFailure` (``protocol``), so an
        endless line costs at most ``limit`` bytes of memory.
        """
        line = self.read_line_upto(limit)
        if len(line) >= limit and not line.endswith(b"\n"):
            raise ProbeFailure("protocol", f"server sent a line longer than {limit} bytes")
        return line

    def read_line_upto(self, size: int) -> bytes:
        """A file's ``readline(size)``: through the ``\\n``, or ``size`` bytes of a longer
        line (the caller decides what a long line means), or what is left at end of file."""
        start = 0
        while True:
            newline = self._buffer.find(b"\n", start, size)
            if newline >= 0:
                return self._take(newline + 1)
            if len(self._buffer) >= size:
                return self._take(size)
            start = len(self._buffer)
            if not self._fill():
                return self._take(len(self._buffer))

    def read_exactly(self, size: int) -> bytes:
        """A file's ``read(size)``: ``size`` bytes, fewer only at end of file."""
        while len(self._buffer) < size:
            if not self._fill(min(max(size - len(self._buffer), 4096), 65536)):
                break
        return self._take(min(size, len(self._buffer)))

    def _take(self, count: int) -> bytes:
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def read_some(self, max_bytes: int = 4096, wait: float | None = None) -> bytes | None:
        """Whatever arrives first, up to ``max_bytes``; ``b""`` at end of file.

        ``wait`` bounds the wait in seconds (never past the deadline): when it passes with
        nothing received the result is ``None`` — for optional data such as a banner. With
        ``wait=None`` the wait runs to the deadline, and then a ``timeout`` failure is raised.
        """
        if not self._buffer:
            filled = self._fill(max_bytes, wait)
            if filled is None:
                return None
            if not filled:
                return b""
        return self._take(max_bytes)

    # -- handing the connection over -----------------------------------------------------------

    def client_socket(self) -> GuardedSocket:
        """A socket-like object for a stdlib client (see the module docstring for recipes)."""
        return GuardedSocket(self)

    @property
    def sock(self) -> socket.socket:
        """The current underlying socket (an ``ssl.SSLSocket`` once TLS is up). Read only:
        reading it directly bypasses the deadline and the budget."""
        return self._sock

    def start_tls(self) -> None:
        """Upgrade the connection in place: SNI, verification (unless ``--insecure``),
        handshake within the deadline, and the TLS details recorded in ``result.tls``.

        Call it right after the server agreed (``220 Ready to start TLS`` and the like).
        Unencrypted bytes already waiting after that reply are refused: that is the
        STARTTLS command-injection attack, and a probe must not pretend they were secure.
        """
        from netref.probes import tls

        if self._buffer:
            raise ProbeFailure("tls", "server sent unencrypted data after agreeing to start TLS")
        in_band = self.protocol.tls != "implicit"
        self._arm("in the TLS handshake")
        self._sock, details = tls.handshake(self._sock, self.options, self.host, self)  # times "tls"
        self._armed_at = None  # a new socket object: set its timeout on the next read
        details.starttls = in_band
        self.result.tls = details
        self.tls_active = True
        self.mark_ready()

    def close(self) -> None:
        """Close the connection (the core does this after the family returns)."""
        try:
            self._sock.close()
        except OSError:
            pass


class GuardedSocket:
    """A socket stand-in for stdlib clients: every read and write goes through the
    session, so the deadline, the watchdog and the byte budget hold inside the client's
    own ``readline``. It follows the session across :meth:`Session.start_tls`.

    Closing and shutting it down are left to the session (a client's ``quit``/``close``
    is harmless); ``settimeout`` is ignored because the session owns the timing.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._closed = False

    # attributes clients look at
    @property
    def family(self) -> int:
        return self._session.sock.family

    @property
    def type(self) -> int:
        return self._session.sock.type

    @property
    def proto(self) -> int:
        return self._session.sock.proto

    def fileno(self) -> int:
        return self._session.sock.fileno()

    def getpeername(self) -> Any:
        return self._session.sock.getpeername()

    def getsockname(self) -> Any:
        return self._session.sock.getsockname()

    def gettimeout(self) -> float:
        return max(self._session.remaining(), 0.0)

    def settimeout(self, value: float | None) -> None:
        """Ignored: the session's deadline decides."""

    def setsockopt(self, *args: Any) -> None:
        """Ignored: clients tune nothing a probe relies on."""

    # I/O: reads go through the session's one buffer (see _SessionFile)
    def recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        view = memoryview(buffer).cast("B")
        data = self.recv(nbytes or len(view))
        view[: len(data)] = data
        return len(data)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        return self._session.read_some(bufsize) or b""

    def sendall(self, data: bytes, flags: int = 0) -> None:
        self._session.sendall(bytes(data))

    def send(self, data: bytes, flags: int = 0) -> int:
        self._session.sendall(bytes(data))
        return len(data)

    def makefile(
        self,
        mode: str = "r",
        buffering: int | None = None,
        *,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> _SessionFile:
        """A reading file over the session's buffer (clients write with ``sendall``)."""
        if set(mode) - set("rb"):
            raise ValueError(f"a probe's clients only read from their file, not mode {mode!r}")
        return _SessionFile(self._session, None if "b" in mode else encoding or "utf-8", errors or "strict")

    def shutdown(self, how: int) -> None:
        """Left to the session."""

    def close(self) -> None:
        """Left to the session (which closes the real socket once the family returns)."""
        self._closed = True

    def unwrap(self) -> GuardedSocket:  # ftplib's ccc/quit paths may call it
        return self


class _SessionFile:
    """What a stdlib client reads from: file methods on the session's own buffer.

    A ``BufferedReader`` would keep what it read ahead in a buffer of its own. After
    STARTTLS, plaintext a server sent behind its go-ahead (the STARTTLS injection attack)
    would then sit where :meth:`Session.start_tls` cannot see it, and a fresh file would
    drop it silently. Through the session there is one buffer per connection: start_tls
    refuses such bytes for every family alike, and the client's file simply follows the
    connection across the upgrade. ``read(n)`` refuses, before allocating, more than the
    byte budget (imaplib reads a literal of whatever size the server announces).
    """

    def __init__(self, session: Session, encoding: str | None, errors: str) -> None:
        self._session = session
        self._encoding, self._errors = encoding, errors
        self.closed = False

    def _out(self, data: bytes) -> Any:
        return data if self._encoding is None else data.decode(self._encoding, self._errors)

    def readline(self, size: int | None = -1) -> Any:
        limit = size if size is not None and size >= 0 else READ_BUDGET
        return self._out(self._session.read_line_upto(limit))

    def read(self, size: int | None = -1) -> Any:
        if size is not None and size > READ_BUDGET:
            raise ProbeFailure("protocol", f"server announced {size} bytes, more than a probe reads")
        return self._out(self._session.read_exactly(size if size is not None and size >= 0 else READ_BUDGET))

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._session.read_exactly(len(view))
        view[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def flush(self) -> None:
        """Nothing to flush: the file only reads."""

    def close(self) -> None:
        self.closed = True  # the session closes the connection
