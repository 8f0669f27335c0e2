"""Targets, name resolution and connecting, all under the probe's one deadline.

``socket.create_connection`` is not enough for a deadline: its timeout applies to each
address in turn, and ``getaddrinfo`` ignores timeouts altogether. Here resolution runs in
a worker thread the probe stops waiting for at the deadline, and connection attempts
overlap in the happy-eyeballs manner (RFC 8305): the next address starts after a short
head start instead of after the previous one has used up its timeout.
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from netref.probes.values import ProbeFailure, ProbeUsageError, is_ip_address

#: A socket address as ``getaddrinfo`` gives it: (host, port) or (host, port, flow, scope).
SockAddr = tuple[Any, ...]
#: One ``getaddrinfo`` answer: family, type, protocol, canonical name, socket address.
AddrInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, SockAddr]

#: RFC 8305's recommended delay before trying the next address.
ATTEMPT_DELAY = 0.25


@dataclass(frozen=True)
class Target:
    """A parsed ``HOST``, ``HOST:PORT``, ``[v6]:PORT`` or bare IPv6 address."""

    host: str  # as typed (Unicode for IDN), without brackets
    port: int | None
    ascii_host: str  # what DNS and TLS see: IDNA A-labels, or the address


def parse_port(text: str) -> int:
    """A TCP port number, or a one-line :class:`ProbeUsageError`."""
    try:
        port = int(text)
    except ValueError:
        raise ProbeUsageError(f"invalid port {text!r}: expected a number from 1 to 65535") from None
    if not 0 < port < 65536:
        raise ProbeUsageError(f"invalid port {port}: expected a number from 1 to 65535")
    return port


def parse_port_spec(text: str) -> tuple[int, str | None]:
    """``--port``: a number, or one with its transport (``53/udp``, ``U:53``, see :mod:`netref.ports`):
    the number and the transport written (None: the protocol's own)."""
    from netref.ports import PortSpecError, explicit_transport
    from netref.ports import parse_port as parse_one

    try:
        return parse_one(text).number, explicit_transport(text)
    except PortSpecError:
        raise ProbeUsageError(f"invalid port {text!r}: expected a number from 1 to 65535 (or 53/udp, U:53)") from None


def ascii_host(host: str) -> str:
    """The name DNS and TLS see: IP literals unchanged, IDN names as A-labels."""
    if is_ip_address(host) or host.isascii():
        return host.lower() if not is_ip_address(host) else host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ProbeUsageError(f"invalid host name {host!r}: {exc}") from None


def parse_target(text: str, port: int | None = None) -> Target:
    """Split ``HOST[:PORT]``; an explicit ``port`` (``--port``) wins over one in the text."""
    text = text.strip()
    if "/" in text or any(ch.isspace() for ch in text):
        raise ProbeUsageError(f"invalid target {text!r}: expected HOST or HOST:PORT, not a URL")
    host, embedded = text, None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ProbeUsageError(f"invalid target {text!r}: missing ']'")
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ProbeUsageError(f"invalid target {text!r}: expected [ADDRESS]:PORT")
            embedded = parse_port(rest[1:])
        if not is_ip_address(host) or ":" not in host:
            raise ProbeUsageError(f"invalid target {text!r}: brackets hold an IPv6 address")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        embedded = parse_port(port_text)
    elif ":" in text and not is_ip_address(text):
        raise ProbeUsageError(f"invalid target {text!r}: write an IPv6 address with a port as [ADDRESS]:PORT")
    if not host:
        raise ProbeUsageError(f"invalid target {text!r}: no host")
    return Target(host=host, port=port if port is not None else embedded, ascii_host=ascii_host(host))


def _address_families(family: int) -> int:
    return {0: socket.AF_UNSPEC, 4: socket.AF_INET, 6: socket.AF_INET6}[family]


def resolve(host: str, port: int, family: int, deadline: float) -> Sequence[AddrInfo]:
    """``getaddrinfo`` results (TCP only), or a ``dns``/``timeout`` :class:`ProbeFailure`.

    The lookup runs in a daemon thread so that a resolver that hangs cannot hold the
    probe past its deadline; the thread is abandoned (it ends when the resolver gives up).
    """
    want = _address_families(family)
    if is_ip_address(host):
        literal = socket.AF_INET6 if ":" in host else socket.AF_INET
        if want not in (socket.AF_UNSPEC, literal):
            raise ProbeFailure("dns", f"{host} is not an IPv{family} address")
        return [literal_info(host, port, literal)]
    outcome: list[Sequence[AddrInfo] | OSError | UnicodeError] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, want, socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            outcome.append(exc)
        done.set()

    threading.Thread(target=lookup, name="netref-dns", daemon=True).start()
    if not done.wait(max(deadline - time.monotonic(), 0.0)):
        raise ProbeFailure("timeout", f"resolving {host} did not finish before the deadline")
    answer = outcome[0]
    if isinstance(answer, BaseException):
        reason = getattr(answer, "strerror", None) or str(answer)
        raise ProbeFailure("dns", f"cannot resolve {host}: {reason}")
    if not answer:
        raise ProbeFailure("dns", f"cannot resolve {host}: no addresses")
    return answer


def literal_info(host: str, port: int, literal: socket.AddressFamily) -> AddrInfo:
    """What ``getaddrinfo(host, port, literal, SOCK_STREAM, 0, AI_NUMERICHOST)`` answers for an
    address literal, built here: the C library's call costs more than a loopback exchange's
    own send and receive. A scoped IPv6 address (``fe80::1%eth0``) still asks it, for the
    interface number."""
    if "%" in host:
        return socket.getaddrinfo(host, port, literal, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)[0]
    address = socket.inet_ntop(literal, socket.inet_pton(literal, host))  # the canonical text, as getaddrinfo's
    sockaddr: SockAddr = (address, port) if literal == socket.AF_INET else (address, port, 0, 0)
    return (literal, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)


def interleave(infos: Sequence[AddrInfo]) -> list[AddrInfo]:
    """Alternate address families, first family first (RFC 8305 section 4)."""
    if not infos:
        return []
    first = [info for info in infos if info[0] == infos[0][0]]
    other = [info for info in infos if info[0] != infos[0][0]]
    mixed: list[AddrInfo] = []
    for index in range(max(len(first), len(other))):
        mixed.extend(group[index] for group in (first, other) if index < len(group))
    return mixed


def format_address(sockaddr: SockAddr) -> str:
    """``127.0.0.1`` / ``::1`` for reports (no port: the port is reported once)."""
    address: str = sockaddr[0]
    return address


def connect(infos: Sequence[AddrInfo], deadline: float) -> tuple[socket.socket, SockAddr]:
    """Connect to the first address that answers, starting a new attempt every
    :data:`ATTEMPT_DELAY` seconds (or at once when one fails) until the deadline.

    Returns the connected blocking socket and the sockaddr that answered. Raises a
    ``refused`` failure when every address refused or was unreachable, ``timeout`` when
    the deadline came first. A connection lent to this thread (:class:`Handed`) to one of the
    addresses is returned instead, once.
    """
    handed: tuple[socket.socket, SockAddr] | None = getattr(_HANDED, "connection", None)
    if handed is not None and any(info[4][:2] == handed[1][:2] for info in infos):
        _HANDED.connection = None
        return handed
    if len(infos) == 1:
        return _connect_one(infos[0], deadline)
    import select

    pending = list(interleave(infos))
    attempts: dict[int, tuple[socket.socket, SockAddr]] = {}  # fd -> (socket, sockaddr)
    errors: list[tuple[SockAddr, OSError]] = []
    poller = select.poll()  # no syscall until poll(): cheap for the usual single address
    next_start = time.monotonic()
    try:
        while pending or attempts:
            now = time.monotonic()
            if now >= deadline:
                break
            if pending and (now >= next_start or not attempts):
                info = pending.pop(0)
                sock = _start_attempt(info, errors)
                if sock is not None:
                    attempts[sock.fileno()] = (sock, info[4])
                    poller.register(sock, select.POLLOUT)
                next_start = time.monotonic() + ATTEMPT_DELAY
                continue
            wait_until = min(deadline, next_start) if pending else deadline
            wait_ms = max(int((wait_until - time.monotonic()) * 1000) + 1, 0)
            for fd, _ in poller.poll(wait_ms):
                sock, sockaddr = attempts.pop(fd)
                poller.unregister(fd)
                error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error == 0:
                    sock.setblocking(True)
                    return sock, sockaddr
                errors.append((sockaddr, OSError(error, _strerror(error))))
                sock.close()
                next_start = time.monotonic()  # a failure starts the next address at once
        raise _connect_failure(infos, errors, timed_out=time.monotonic() >= deadline)
    finally:
        for sock, _ in attempts.values():
            sock.close()


_HANDED = threading.local()


class Handed:
    """``with Handed(sock):`` a connection already made (a scan's connection stage made it and
    saw it accepted), which the next :func:`connect` to its peer in this thread returns instead
    of connecting again; closed on leaving when nothing took it. ``peer``: its (address, port),
    when the caller knows it (else asked of the socket). The socket is given as it is: the
    session sets its timeout before every use."""

    def __init__(self, sock: socket.socket, peer: SockAddr | None = None) -> None:
        self.connection = (sock, peer or sock.getpeername())

    def __enter__(self) -> None:
        _HANDED.connection = self.connection

    def __exit__(self, *exc: object) -> None:
        if getattr(_HANDED, "connection", None) is self.connection:
            _HANDED.connection = None
            self.connection[0].close()


def _connect_one(info: AddrInfo, deadline: float) -> tuple[socket.socket, SockAddr]:
    """The usual case, one address: a plain blocking connect bounded by the time left."""
    family, kind, proto, _, sockaddr = info
    sock = socket.socket(family, kind, proto)
    try:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        sock.connect(sockaddr)
    except TimeoutError:
        sock.close()
        raise _connect_failure([info], [], timed_out=True) from None
    except OSError as exc:
        sock.close()
        error = exc if exc.errno else OSError(0, str(exc))
        raise _connect_failure([info], [(sockaddr, error)], timed_out=False) from None
    return sock, sockaddr


def _start_attempt(info: AddrInfo, errors: list[tuple[SockAddr, OSError]]) -> socket.socket | None:
    family, kind, proto, _, sockaddr = info
    sock = socket.socket(family, kind, proto)
    sock.setblocking(False)
    code = sock.connect_ex(sockaddr)
    if code in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
        return sock
    errors.append((sockaddr, OSError(code, _strerror(code))))
    sock.close()
    return None


def _strerror(code: int) -> str:
    import os

    return os.strerror(code)


def _connect_failure(
    infos: Sequence[AddrInfo], errors: list[tuple[SockAddr, OSError]], timed_out: bool
) -> ProbeFailure:
    port = infos[0][4][1] if infos else "?"
    if timed_out or not errors:
        tried = ", ".join(format_address(info[4]) for info in infos)
        return ProbeFailure("timeout", f"no answer from {tried} port {port} before the deadline")
    details = "; ".join(f"{format_address(addr)}: {(err.strerror or str(err)).lower()}" for addr, err in errors)
    return ProbeFailure("refused", f"cannot connect to port {port}: {details}")
