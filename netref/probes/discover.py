"""Is there TLS behind a plaintext probe's silence, and what speaks inside it? Or another
protocol, one whose client speaks first, that answers another hello?

A plaintext probe that meets an implicit-TLS port learns little from it: a TLS server waits for
a ClientHello (so a greeting never comes), or closes a plaintext request unanswered (OpenSSL),
or answers it with a bare ``400`` (nginx to ``HEAD``). :func:`look_inside` finds out for sure,
as ``nmap -sV`` finds ``ssl/imap``: a second connection to the address that answered, a TLS
handshake that verifies nothing (only the question "does it speak TLS" is asked; the probe
of the TLS form verifies), then what the server says inside, identified again from the
catalogue (its greeting, or its answer to the hello of the protocol probed).

Read-only and bounded: one connection, one ClientHello, at most one hello (the one the probe
itself would have sent), :data:`INSIDE_BYTES` read, all under ``budget`` seconds.

A server silent to the probe and to TLS may wait for another protocol's client: an HTTP server
waits for a request line, an MQTT broker for CONNECT. :func:`answer_to_hellos` sends it the
hellos the scan sends to a silent port (the catalogue's harmless ones, by their ``order``), each
on a connection of its own, :data:`HELLO_WAIT` each at most, until one is answered in words the
catalogue recognises for certain: so ``netref probe smtp`` on a web server says "an HTTP server
answered", as ``nmap -sV`` would name the port.
"""

from __future__ import annotations

import socket
import ssl
import time
from typing import TYPE_CHECKING, NamedTuple

from netref import identify as ident
from netref.probes import net
from netref.probes.values import is_ip_address

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.catalog import Catalog, Identify
    from netref.probes.session import Session

#: How much of what the server says inside TLS is read to identify it.
INSIDE_BYTES = 4096
#: How long a server inside TLS may take to greet before the probed protocol's hello is sent.
INSIDE_GREETING_WAIT = 0.5
#: How long each of :func:`answer_to_hellos`'s hellos waits for its answer.
HELLO_WAIT = 0.5


class Inside(NamedTuple):
    """A TLS handshake that succeeded: the version spoken, and what answered inside (None when
    it said nothing the catalogue recognises)."""

    version: str
    found: ident.Identification | None


def look_inside(session: Session, facts: Identify | None, budget: float) -> Inside | None:
    """Connect again to the address that answered ``session``, shake hands in TLS and identify
    what speaks inside (``facts``: the probed protocol's identification, whose hello is sent to a
    server silent inside); None when the server does not speak TLS (or the time ran out)."""
    address = session.result.address_used
    if address is None or session.catalog is None:
        return None
    until = min(time.monotonic() + budget, session.deadline)
    sock = _reconnect(address, session.port, until)
    if sock is None:  # not known to be TLS
        return None
    try:
        wrapped = _handshake(sock, session, until)
        if wrapped is None:
            return None
        return Inside(wrapped.version() or "TLS", _identify_inside(wrapped, session.catalog, facts, until))
    finally:
        sock.close()


def answer_to_hellos(session: Session, budget: float) -> tuple[str, ident.Identification] | None:
    """The first of the catalogue's harmless hellos (not the probed protocol's own, already
    unanswered) that the server at the address that answered ``session`` answers in words the
    catalogue knows for certain: the hello's protocol key and the identification; None when none
    is answered within ``budget``."""
    address, catalog = session.result.address_used, session.catalog
    if address is None or catalog is None:
        return None
    until = min(time.monotonic() + budget, session.deadline)
    own = session.protocol.plain or session.protocol.key
    for key, hello in ident.named_hello_plan(catalog):
        if time.monotonic() >= until:
            break
        if key == own:
            continue
        found = _answer(address, session.port, hello, catalog, min(until, time.monotonic() + HELLO_WAIT))
        if found is not None and found.certain:
            return key, found
    return None


def _answer(address: str, port: int, hello: bytes, catalog: Catalog, until: float) -> ident.Identification | None:
    """Send ``hello`` on a new connection; identify what comes back before ``until``."""
    sock = _reconnect(address, port, until)
    if sock is None:
        return None
    with sock:
        try:
            sock.settimeout(max(until - time.monotonic(), 0.001))
            sock.sendall(hello)
        except OSError:
            return None
        data = _read(sock, until, catalog)
    return ident.identify(data, catalog) if data else None


def _reconnect(address: str, port: int, until: float) -> socket.socket | None:
    """A new connection to the address that answered the probe, or None when it is not taken
    before ``until`` (a port that no longer takes connections tells nothing more)."""
    try:
        sock, _ = net.connect(net.resolve(address, port, 0, until)[:1], until)
    except Exception:  # noqa: BLE001 - any failure to reconnect means: nothing more is known
        return None
    return sock


def _handshake(sock: socket.socket, session: Session, until: float) -> ssl.SSLSocket | None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    name = session.options.sni or (None if is_ip_address(session.host) else session.host)
    try:
        wrapped = context.wrap_socket(sock, server_hostname=name, do_handshake_on_connect=False)
        wrapped.settimeout(max(until - time.monotonic(), 0.001))
        wrapped.do_handshake()
    except (OSError, ValueError):
        return None
    return wrapped


def _identify_inside(
    wrapped: ssl.SSLSocket, catalog: Catalog, facts: Identify | None, until: float
) -> ident.Identification | None:
    """The greeting inside TLS, or (for a protocol whose client speaks first, or a silent server)
    the answer to the probed protocol's hello."""
    data = b""
    if facts is None or facts.first == "server":
        data = _read(wrapped, min(until, time.monotonic() + INSIDE_GREETING_WAIT), catalog)
    if not data and facts is not None and facts.hello:
        try:
            wrapped.settimeout(max(until - time.monotonic(), 0.001))
            wrapped.sendall(facts.hello.encode("latin-1"))
        except (OSError, ValueError):
            return None
        data = _read(wrapped, until, catalog)
    return ident.identify(data, catalog) if data else None


def _read(wrapped: socket.socket, until: float, catalog: Catalog) -> bytes:
    """What the server sends until it is identified for certain, closes, or ``until``."""
    data = b""
    while len(data) < INSIDE_BYTES:
        left = until - time.monotonic()
        if left <= 0:
            break
        try:
            wrapped.settimeout(left)
            chunk = wrapped.recv(INSIDE_BYTES - len(data))
        except (OSError, ValueError):
            break
        if not chunk:
            break
        data += chunk
        if b"\n" in data:
            found = ident.identify(data, catalog)
            if found is not None and found.certain:
                break
    return data
