"""One UDP exchange with one server: retries, ICMP errors, silence and strangers, under the deadline.

The datagram form of :class:`~netref.probes.session.Session`, shared by every UDP family (dns,
ntp, snmp, syslog): the core hands a :class:`DatagramSession` instead of a stream session when
the protocol's default port is a UDP one in the catalogue (and ``--tcp`` was not asked for).

What UDP changes, once for every family:

- **Retries with backoff.** A datagram can be lost: the request is sent again after
  :data:`FIRST_WAIT` seconds, then after twice that, and so on, as long as the deadline lasts.
  A reply to any of the copies is accepted (the family's ``accept`` check decides what is one).
- **Closed ports.** The socket is *connected*, so the kernel reports an ICMP port-unreachable as
  ``ECONNREFUSED`` on the next receive: that is ``refused`` ("closed: ICMP port unreachable"),
  not a silence.
- **Silence** is not a verdict on the port: ``timeout`` with "no answer (open or filtered)",
  nmap's ``open|filtered``.
- **Strangers.** A connected socket only receives from its peer; a datagram from any other
  address, or one the family does not accept (a wrong transaction id, the wrong protocol), is
  ignored and the wait goes on.
- **Bounded reads.** One datagram is at most :data:`MAX_DATAGRAM` bytes and all of them together
  at most the session's byte budget (:data:`~netref.probes.session.READ_BUDGET`).

Timings follow the stream probes' rules: ``connect`` is the (instant) UDP connect, ``first_byte``
the wait for the accepted reply from the first send, ``exchange`` the rest.
"""

from __future__ import annotations

import errno
import functools
import os
import socket
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from netref.probes.session import READ_BUDGET, Session
from netref.probes.values import ProbeFailure

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.probes.net import AddrInfo, SockAddr

#: Seconds before the first retransmission; each later wait doubles (1, 2, 4, ...).
FIRST_WAIT = 1.0
#: How much one datagram may be (the IPv4 UDP maximum payload, 65,507, rounded up).
MAX_DATAGRAM = 65535
#: A receive buffer of this size is enough for every datagram a UDP probe accepts.
RECEIVE_BUFFER = MAX_DATAGRAM + 1

SILENT = "no answer (open or filtered)"
CLOSED = "closed: ICMP port unreachable"

#: ``accept(datagram)``: whether a received datagram is the reply (True) or to be ignored (False).
Accept = Callable[[bytes], bool]


def random_bytes(size: int) -> bytes:
    """Transaction ids, NTP's transmit timestamp, the syslog message id: unpredictable, so that a
    stranger cannot forge an answer; one function, so that a test can make them repeatable."""
    return os.urandom(size)


def silence_failure(session: Session, sends: int) -> ProbeFailure:
    """The verdict of a server that never answered: a timeout that says what silence means on UDP."""
    tries = "1 request" if sends == 1 else f"{sends} requests"
    return ProbeFailure("timeout", f"{SILENT}: {tries} in {session.options.timeout:g} s")


class DatagramSession(Session):
    """A connected UDP socket under the probe's deadline and byte budget.

    Families call :meth:`exchange` (send, retransmit, wait for an accepted reply) or
    :meth:`send_only` (a datagram that gets no reply: syslog). :meth:`stream` opens a TCP
    session to the same address under the same deadline (DNS's fallback for a truncated
    answer). ``peer`` is the address the socket is connected to.

    It is made as a stream :class:`Session` is (the same arguments, one constructor): what UDP
    adds starts from class defaults, and the peer is the connected socket's own.
    """

    ignored = 0  # datagrams received and not accepted (strangers, wrong ids)
    sends = 0
    sent_at = 0.0  # wall-clock time (time.time()) of the last send: NTP's T1

    @functools.cached_property
    def peer(self) -> SockAddr:
        """The address the socket is connected to, in the form ``recvfrom`` reports a source in."""
        return tuple(self._sock.getpeername())

    # -- the exchange ------------------------------------------------------------------------

    def exchange(self, request: bytes, accept: Accept) -> bytes:
        """Send ``request`` and return the first datagram ``accept`` takes, retransmitting with
        backoff until the deadline. Raises ``refused`` on an ICMP port-unreachable and
        ``timeout`` (:data:`SILENT`) when nothing acceptable came back."""
        reply = self.ask(request, accept)
        if reply is None:
            raise silence_failure(self, self.sends)
        return reply

    def ask(self, request: bytes, accept: Accept, *, patience: float | None = None) -> bytes | None:
        """:meth:`exchange` that gives up after ``patience`` seconds (None: the deadline), and
        then returns None instead of raising: for an optional question (DNS's CHAOS queries)."""
        started = time.monotonic()
        until = self.deadline if patience is None else min(self.deadline, started + patience)
        wait = FIRST_WAIT
        while True:
            self._send(request)
            reply = self._receive_until(min(time.monotonic() + wait, until), accept)
            if reply is not None:
                if "first_byte" not in self.result.timings:
                    self.result.timings["first_byte"] = (time.monotonic() - started) * 1000
                return reply
            if time.monotonic() >= until or self._expired:
                return None
            wait *= 2

    def send_only(self, datagram: bytes, listen: float) -> bool:
        """Send one datagram that gets no reply, then listen ``listen`` seconds (never past the
        deadline) for the ICMP error a closed port answers: True when none came. Whatever the
        server sends back meanwhile is kept in ``opening`` (a syslog collector says nothing)."""
        self._send(datagram)
        until = min(time.monotonic() + listen, self.deadline)
        self._receive_until(until, lambda data: False)
        return True

    def _send(self, datagram: bytes) -> None:
        if self._expired or self.remaining() <= 0:
            raise silence_failure(self, self.sends) if self.sends else self.timeout_failure("sending to the server")
        try:
            self.sent_at = time.time()
            self._sock.send(datagram)
        except ConnectionRefusedError:  # the ICMP error of an earlier datagram
            raise ProbeFailure("refused", CLOSED) from None
        except OSError as error:
            raise _network_failure(error) from None
        self.sends += 1

    def _receive_until(self, until: float, accept: Accept) -> bytes | None:
        """Datagrams until ``accept`` takes one (returned) or ``until`` passes (None)."""
        while True:
            left = until - time.monotonic()
            if left <= 0 or self._expired:
                return None
            if self._received >= READ_BUDGET:
                raise ProbeFailure(
                    "protocol", f"server sent more than {READ_BUDGET // (1024 * 1024)} MiB; stopped reading"
                )
            self._sock.settimeout(left)
            try:
                data, source = self._sock.recvfrom(RECEIVE_BUFFER)  # no zeroed 64 KiB buffer per wait
            except TimeoutError:
                return None
            except ConnectionRefusedError:
                raise ProbeFailure("refused", CLOSED) from None
            except OSError as error:
                if self.expired:
                    return None
                raise _network_failure(error) from None
            if self.expired:
                return None
            count = len(data)
            self._received += count
            if not self.opening:
                self.opening += data[:4096]
            if count > MAX_DATAGRAM or not _same_peer(source, self.peer) or not accept(data):
                self.ignored += 1
                continue
            return data

    # -- a stream to the same server -------------------------------------------------------------

    def stream(self) -> Session:
        """A TCP session to the address this socket is connected to, under the same deadline and
        result (its ``connect`` time is added to the result's). The caller closes it."""
        from netref.probes import net

        infos = [(socket.AddressFamily(self._sock.family), socket.SOCK_STREAM, 0, "", self.peer)]
        with self.phase("connect"):
            sock, _ = net.connect(infos, self.deadline)
        session = Session(
            self.options, self.protocol, self.result, sock, self.deadline, self.host, self.port, self.module,
            self.catalog,
        )  # fmt: skip
        session.begin_exchange()
        return session


def _same_peer(source: object, peer: SockAddr) -> bool:
    """Whether a datagram came from the connected peer (the kernel filters already; this is the
    second lock, and what a test with a spoofing neighbour checks)."""
    return isinstance(source, tuple) and source[:2] == tuple(peer[:2])


def _network_failure(error: OSError) -> ProbeFailure:
    if error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return ProbeFailure("refused", f"unreachable: {(error.strerror or str(error)).lower()} (ICMP)")
    return ProbeFailure("protocol", f"network error: {(error.strerror or str(error)).lower()}")


def connect(infos: Sequence[AddrInfo]) -> tuple[socket.socket, SockAddr]:
    """A UDP socket connected to the first address (connecting sends nothing: it only fixes the
    peer, so that the kernel filters strangers and reports ICMP errors)."""
    family, _, _, _, sockaddr = infos[0]
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.connect(sockaddr)
    except OSError as error:
        sock.close()
        raise _network_failure(error) from None
    return sock, tuple(sockaddr)


def transport(protocol_ports: list[tuple[int, str]], default_port: int | None) -> str:
    """``udp`` when the protocol's default port is catalogued for UDP only or UDP first, else
    ``tcp``: DNS (53/udp listed before 53/tcp) is UDP, DoT (853/tcp) is TCP."""
    for number, kind in protocol_ports:
        if number == default_port:
            return kind
    return "tcp"
