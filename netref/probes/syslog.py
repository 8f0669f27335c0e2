"""Syslog over UDP (RFC 5426) and over TLS (RFC 5425): one RFC 5424 message naming netref, with a unique id.

A collector never answers: UDP syslog has no acknowledgement. So the verdict says what is
known and nothing more. When the port is closed the host answers an ICMP port-unreachable,
which the connected socket reports ("closed: ICMP port unreachable"); otherwise the message was
**sent, and no ICMP error came back** in :data:`LISTEN` seconds, which a firewall that drops
datagrams would also give. It is never "answered". The id lets an operator find the line in
the collector's log (``grep`` for it), the only real proof of delivery.

Over TLS (``syslog-tls``, port 6514) the core has made the handshake and read the certificate as
for every TLS probe; the message goes out framed by octet counting (RFC 5425 §4.3: its length,
a space, the message), and the probe listens :data:`SETTLE` seconds before it closes: a collector
that refuses the client after the handshake (TLS 1.3 sends the verdict on a client certificate
only then) says so with an alert or hangs up, and a server that speaks at all is no collector (an
IMAPS greeting is named). Otherwise the verdict is what is knowable: **accepted over TLS**; the
protocol sends no reply, so delivery is still unconfirmed.

This is the one probe that writes: one informational line, facility user, that says it is a
netref probe. The message is built in one place, :func:`message`, for both transports.
"""

from __future__ import annotations

import datetime
import os
import socket
import ssl

from netref import __version__
from netref.probes import datagram
from netref.probes.datagram import DatagramSession
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, printable

#: How long to listen for the ICMP error a closed port answers (never past the deadline).
LISTEN = 0.5
#: How long to listen after the message over TLS for a collector's alert or hang-up.
SETTLE = 0.25
#: <PRI> = facility 1 (user-level) × 8 + severity 6 (informational), RFC 5424 §6.2.1.
PRIORITY = 1 * 8 + 6
APP_NAME = "netref"
MSGID = "probe"


def message(ident: str, host: str | None = None, now: datetime.datetime | None = None) -> bytes:
    """One RFC 5424 message: header, the registered ``origin`` structured data (§7.2), the text."""
    moment = now or datetime.datetime.now(datetime.UTC)
    stamp = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    hostname = (host or socket.gethostname() or "-").split(".")[0][:255] or "-"
    data = f'[origin software="netref" swVersion="{__version__}"]'
    text = f"netref syslog probe {ident}: a test message, nothing to do"
    return f"<{PRIORITY}>1 {stamp} {hostname} {APP_NAME} {os.getpid()} {MSGID} {data} {text}".encode()


def framed(data: bytes) -> bytes:
    """RFC 5425 §4.3 octet counting: ``MSG-LEN SP SYSLOG-MSG``."""
    return b"%d %s" % (len(data), data)


def probe(session: Session) -> None:
    if isinstance(session, DatagramSession):
        _probe_udp(session)
    elif session.tls_active:
        _probe_tls(session)
    else:
        raise ProbeFailure("protocol", "syslog is probed over UDP (syslog) or TLS (syslog-tls) only")


def _probe_udp(session: DatagramSession) -> None:
    ident = datagram.random_bytes(8).hex()
    sent = message(ident)
    session.send_only(sent, min(LISTEN, max(session.remaining(), 0.0)))
    details = session.result.details
    details["message_id"] = ident
    details["message_bytes"] = len(sent)
    details["delivery"] = "unconfirmed (UDP syslog has no acknowledgement)"
    session.result.message = f"sent; no ICMP error in {LISTEN:g} s (a collector never answers over UDP)"


#: What a collector that hangs up on a verified TLS connection most likely wants.
_REFUSED = "it may require a client certificate, which netref does not send"


def _probe_tls(session: Session) -> None:
    """One framed message over the TLS connection the core opened; listen briefly; close."""
    ident = datagram.random_bytes(8).hex()
    sent = message(ident)
    details = session.result.details
    details["message_id"] = ident
    details["message_bytes"] = len(sent)
    details["framing"] = "octet counting (RFC 5425)"
    details["delivery"] = "unconfirmed (syslog over TLS has no acknowledgement)"
    try:
        session.sendall(framed(sent))
        answer = session.read_some(4096, wait=min(SETTLE, max(session.remaining(), 0.0)))
    except (ssl.SSLError, ConnectionResetError) as exc:  # an alert, a cut without close_notify, a reset
        why = _ended(exc)
        raise ProbeFailure("tls", f"the collector ended TLS after the handshake ({why}); {_REFUSED}") from None
    if answer == b"":
        raise ProbeFailure("tls", f"the collector closed the connection after the handshake; {_REFUSED}")
    if answer:
        details["unexpected_reply"] = printable(answer)
        raise _not_a_collector(session, answer)
    session.result.message = "accepted over TLS; the protocol sends no reply"


def _ended(exc: OSError) -> str:
    """How the collector ended TLS: OpenSSL reports the same refusal as an alert, an EOF without
    close_notify, or (Python 3.13's ssl, a TLS 1.3 client-certificate refusal) a reset."""
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, ssl.SSLEOFError):
        return "cut without close_notify"
    return f"alert {getattr(exc, 'reason', None) or exc}"


def _not_a_collector(session: Session, answer: bytes) -> ProbeFailure:
    """A server that spoke on a syslog-tls port (a collector never does), named from the
    catalogue when it certainly is another protocol's (an IMAP greeting inside TLS)."""
    shown = printable(answer.split(b"\n", 1)[0], 100)
    said = f"the server answered ('{shown}'): not a syslog collector, which never answers"
    catalog = session.catalog
    if catalog is None:
        return ProbeFailure("protocol", said)
    from netref import identify

    certain = [found for found in identify.candidates(answer, catalog) if found.certain]
    answered = catalog.protocol(certain[0].protocol) if certain else None
    if answered is None:
        return ProbeFailure("protocol", said)
    inside = next((p for p in catalog.protocols.values() if p.plain == answered.key and p.tls == "implicit"), answered)
    host = f"[{session.options.host}]" if ":" in session.options.host else session.options.host
    command = f"netref probe {inside.key} {host}:{session.port}"
    return ProbeFailure("protocol", f"{said}; it is {answered.name}: try {command}")
