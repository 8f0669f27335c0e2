"""One connection to one server: the deadline, the byte budget and the only read buffer.

The layer above the value types (:mod:`netref.probes.values`) and below the families. A
:class:`Session` is what a family receives (connected, and already TLS-wrapped for
implicit-TLS protocols); it reads and writes under the probe's one deadline and byte
budget, times the phases, and upgrades the connection in place (:meth:`Session.start_tls`,
which times its own handshake: :mod:`netref.probes.tls` is handed a socket, a context, a
name and a deadline, and knows nothing of sessions). A stdlib client reads through a
:class:`GuardedSocket` and its file, :class:`_SessionFile` (see :mod:`netref.probes.clients`
for the recipes).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from netref.probes.values import PlaintextAnswer, ProbeFailure, ProbeOptions, ProbeResult

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _typeshed import ReadableBuffer, WriteableBuffer

    from netref.catalog import Catalog, Protocol

#: How many bytes one probe may receive in all. A probe reads a greeting and a capability
#: list; anything beyond this is a hostile or broken server, and reading it would only
#: grow memory.
READ_BUDGET = 4 * 1024 * 1024

#: Longest line the session reader accepts (stdlib clients have their own, smaller limits).
MAX_LINE = 64 * 1024

#: A deadline timeout on the socket younger than this is not set again (see Session._arm).
REARM_AFTER = 0.05

#: How much of the server's opening words a session keeps for identification (what
#: :mod:`netref.identify` looks at).
OPENING_BYTES = 4096


class CertificateSeen(ProbeFailure):
    """Raised by :meth:`Session.start_tls` on an inspecting session once the certificate is
    described: the core's second, unverified handshake after a refused certificate wants
    nothing more from the server."""

    def __init__(self) -> None:
        super().__init__("certificate", "certificate read without verification")


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
    - ``tls_active``: whether the connection is encrypted now;
    - ``catalog``: the catalogue the probe runs with (None only for a bare test session).

    The session keeps the server's *opening*: what it said before the client's first
    command after it (a greeting; for a protocol where the client speaks first, the answer
    to its request), at most :data:`OPENING_BYTES`. The core identifies it to name a wrong
    protocol or TLS mode, whatever the family made of it.
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
        catalog: Catalog | None = None,
    ) -> None:
        self.options = options
        self.protocol = protocol
        self.result = result
        self.host = host
        self.port = port
        self.module = module
        self.catalog = catalog
        self.deadline = deadline
        self._sock = sock
        self._buffer = bytearray()
        self._received = 0
        self._expired = False
        self._ready_at = time.monotonic()
        self._armed_at: float | None = None  # when the deadline timeout was last set
        self.tls_active = False
        self.opening = bytearray()  # the server's first words (see the class docstring)
        self._opening_done = False
        self._exchange_started: float | None = None
        self.inspect_only = False  # stop at the certificate (see CertificateSeen)
        #: (seconds, failure message): how long the server may stay silent before its first
        #: byte, counted from the exchange's start, when the core knows silence means TLS.
        self.silence_limit: tuple[float, str] | None = None
        #: (seconds, check): after that long without a first byte, ``check()`` once (the core
        #: looks for TLS, then for another protocol's server, on new connections); a failure it
        #: returns is raised at once.
        self.silence_check: tuple[float, Callable[[Session], ProbeFailure | None]] | None = None
        #: called once when the opening holds its first complete line; a failure it returns
        #: is raised at once (the core names another protocol without waiting for the deadline)
        self.opening_check: Callable[[Session], ProbeFailure | None] | None = None
        self._tls_before_exchange = 0.0
        self.watched: list[Session | None] | None = None  # the core watchdog's slot while it watches

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

    def begin_exchange(self) -> None:
        """Start the exchange's clock: the core calls it when it hands the session to the
        family (after implicit TLS). ``first_byte`` is measured from here."""
        self.mark_ready()
        self._exchange_started = self._ready_at
        self._tls_before_exchange = self.result.timings.get("tls", 0.0)

    def end_exchange(self) -> None:
        """Record ``exchange``: the family's time that is neither waiting for the first byte
        nor an in-band TLS handshake, so that the phases are disjoint and add up to at most
        the total (docs/probes.md, "Timings")."""
        if self._exchange_started is None:
            return
        timings = self.result.timings
        elapsed = (time.monotonic() - self._exchange_started) * 1000
        in_band_tls = timings.get("tls", 0.0) - self._tls_before_exchange
        timings["exchange"] = max(elapsed - timings.get("first_byte", 0.0) - in_band_tls, 0.0)
        self._exchange_started = None

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
        impatient = False
        if self.silence_check is not None and not self._received:
            early = self._check_silence(view, wait)
            if early is not None:
                return early
        if self.silence_limit is not None and not self._received:
            patience = self.silence_limit[0] - (time.monotonic() - self._ready_at)
            if wait is None or patience < wait:
                wait, impatient = max(patience, 0.0), True
        self._arm("waiting for the server", wait)
        try:
            count = self._sock.recv_into(view)
        except TimeoutError:
            if impatient and not self.expired and self.silence_limit is not None:
                raise ProbeFailure("timeout", self.silence_limit[1]) from None
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
        if count and not self._opening_done and len(self.opening) < OPENING_BYTES:
            self.opening += view[: min(count, OPENING_BYTES - len(self.opening))]
        self._received += count
        if self.opening_check is not None and (b"\n" in self.opening or len(self.opening) >= OPENING_BYTES):
            check, self.opening_check = self.opening_check, None
            failure = check(self)
            if failure is not None:
                raise failure
        return count

    def _check_silence(self, view: memoryview, wait: float | None) -> int | None:
        """Read for up to the silence check's time; still silent, run the check (once) and raise
        what it finds. Returns the count when the read got an answer (or end of file) meanwhile,
        None to go on with the caller's read. The wait is the read itself, not a ``select``
        before it: a timed ``recv`` polls already, and a probe's reads are its fixed cost."""
        if self.silence_check is None:  # pragma: no cover - the caller checks
            return None
        seconds, check = self.silence_check
        patience = seconds - (time.monotonic() - self._ready_at)
        if wait is not None and wait <= patience:
            return None
        if patience > 0:
            self.silence_check = None  # not for the read that waits for it
            try:
                count = self._receive(view, min(patience, max(self.remaining(), 0.0)))
            finally:
                self.silence_check = (seconds, check) if self.silence_check is None else self.silence_check
            if count is not None:
                return count
        self.silence_check = None
        if self.expired:
            return None
        failure = check(self)
        if failure is not None:
            raise failure
        return None

    @property
    def received(self) -> int:
        """How many bytes the server has sent so far."""
        return self._received

    def sendall(self, data: bytes) -> None:
        """Send all of ``data`` before the deadline."""
        if self.opening:  # the client answers: the server's opening words are complete
            self._opening_done = True
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
        """A socket-like object for a stdlib client (recipes: :mod:`netref.probes.clients`)."""
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
        from netref.probes import tls  # ssl is imported only by probes that use TLS

        if self._buffer:
            raise ProbeFailure("tls", "server sent unencrypted data after agreeing to start TLS")
        in_band = self.protocol.tls != "implicit"
        self._arm("in the TLS handshake")
        name = tls.server_name(self.options, self.host)
        tls.check_server_name(name)  # run_probe checked --sni already; this covers the host
        context = tls.client_context(self.options)  # before the clock: building it is local work
        try:
            with self.phase("tls"):
                wrapped = tls.handshake(self._sock, context, name, self.deadline)
        except TimeoutError:
            raise self.timeout_failure("in the TLS handshake") from None
        except PlaintextAnswer as answer:  # the core names what answered instead
            if not self.opening:
                self.opening += answer.data[:OPENING_BYTES]
            self._received += len(answer.data)
            raise
        self._sock = wrapped
        self._armed_at = None  # a new socket object: set its timeout on the next read
        details = tls.describe(wrapped, insecure=self.options.insecure)
        details.sni = tls.sent_name(name)
        details.checked_name = None if self.options.insecure else name  # --insecure checks nothing
        details.starttls = in_band
        self.result.tls = details
        if self.inspect_only:
            raise CertificateSeen()
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

    def getpeername(self) -> Any:  # the socket's own address type (typeshed: Any)
        return self._session.sock.getpeername()

    def getsockname(self) -> Any:  # the socket's own address type (typeshed: Any)
        return self._session.sock.getsockname()

    def gettimeout(self) -> float:
        return max(self._session.remaining(), 0.0)

    def settimeout(self, value: float | None) -> None:
        """Ignored: the session's deadline decides."""

    def setsockopt(self, *args: object) -> None:
        """Ignored: clients tune nothing a probe relies on."""

    # I/O: reads go through the session's one buffer (see _SessionFile)
    def recv_into(self, buffer: WriteableBuffer, nbytes: int = 0) -> int:
        view = memoryview(buffer).cast("B")
        data = self.recv(nbytes or len(view))
        view[: len(data)] = data
        return len(data)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        return self._session.read_some(bufsize) or b""

    def sendall(self, data: ReadableBuffer, flags: int = 0) -> None:
        self._session.sendall(bytes(data))

    def send(self, data: ReadableBuffer, flags: int = 0) -> int:
        sent = bytes(data)
        self._session.sendall(sent)
        return len(sent)

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

    def _out(self, data: bytes) -> bytes | str:  # by the file's mode
        return data if self._encoding is None else data.decode(self._encoding, self._errors)

    def readline(self, size: int | None = -1) -> bytes | str:
        limit = size if size is not None and size >= 0 else READ_BUDGET
        return self._out(self._session.read_line_upto(limit))

    def read(self, size: int | None = -1) -> bytes | str:
        if size is not None and size > READ_BUDGET:
            raise ProbeFailure("protocol", f"server announced {size} bytes, more than a probe reads")
        return self._out(self._session.read_exactly(size if size is not None and size >= 0 else READ_BUDGET))

    def readinto(self, buffer: WriteableBuffer) -> int:
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
