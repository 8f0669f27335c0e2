"""TLS for every probe: the client context, the handshake under the deadline, and the
certificate details read from the certificate's binary (DER) form.

The details always come from the DER form, verified or not: ``getpeercert()`` returns an
empty dict when verification is off, and ``--insecure`` must still show subject, issuer
and expiry. One decoder for both cases means one code path to trust.
"""

from __future__ import annotations

import datetime as dt
import re
import socket
import ssl
import time
from collections.abc import Iterator
from typing import TypedDict

from netref.probes.values import (
    CertificateRefused,
    PlaintextAnswer,
    ProbeFailure,
    ProbeOptions,
    ProbeUsageError,
    TlsDetails,
    is_ip_address,
)

#: Short names for the attribute types found in certificate subjects and issuers.
_NAME_OIDS = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.5": "serialNumber",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC",
}
_SUBJECT_ALT_NAME = "2.5.29.17"


_CONTEXTS: dict[tuple[str | None, bool], ssl.SSLContext] = {}


def client_context(options: ProbeOptions) -> ssl.SSLContext:
    """The system trust store (or ``--cafile``) with hostname checking; ``--insecure``
    turns both checks off and loads no trust store at all (that costs ~40 ms and would
    show up as handshake time). Contexts are reused within a process: a monitoring loop
    should not reload the trust store for every probe."""
    key = (options.cafile, options.insecure)
    context = _CONTEXTS.get(key)
    if context is not None:
        return context
    if options.insecure:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        try:
            context = ssl.create_default_context(cafile=options.cafile)
        except (OSError, ssl.SSLError) as exc:  # the user's file, not the server: a usage error
            reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
            raise ProbeUsageError(f"--cafile {options.cafile}: cannot load CA certificates from it: {reason}") from None
    _CONTEXTS[key] = context
    return context


#: A DNS label as a TLS server name may carry it (letters, digits, hyphens; RFC 1123; an
#: underscore is tolerated, as real names use it).
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


def check_server_name(name: str) -> None:
    """A ProbeUsageError for a name TLS cannot carry as SNI or check a certificate against:
    an IP address, or a host name of DNS labels (IDN names in A-label form)."""
    if is_ip_address(name):
        return
    try:
        if name.startswith("."):
            raise ValueError("it starts with a dot")
        encoded = name.encode("idna").decode("ascii")
    except ValueError as exc:  # UnicodeError included
        raise ProbeUsageError(f"invalid TLS server name {name!r}: {exc}") from None
    labels = encoded.removesuffix(".").split(".")
    if len(encoded) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ProbeUsageError(
            f"invalid TLS server name {name!r}: expected a host name (letters, digits, hyphens and dots) "
            "or an IP address"
        )


def server_name(options: ProbeOptions, host: str) -> str:
    """The name checked against the certificate, and sent as SNI unless it is an address:
    ``--sni`` when given, otherwise the host probed (an IP literal is checked against the
    IP SANs and, as TLS requires, not sent; see :func:`sent_name`)."""
    return options.sni or host


def sent_name(name: str) -> str | None:
    """The server name a handshake for ``name`` sends as SNI: none for an IP address
    (RFC 6066 §3 forbids literal addresses there, and ``ssl`` sends none)."""
    return None if is_ip_address(name) else name


#: What a TLS record's first bytes may be: content type 20-23 (change cipher spec, alert,
#: handshake, application data), then major version 3 (RFC 8446 §5.1) — or the part of that
#: which has arrived (a server may send its first record a byte at a time).
_TLS_RECORD_START = re.compile(rb"[\x14-\x17](?:\x03|\Z)")


def handshake(sock: socket.socket, context: ssl.SSLContext, name: str, deadline: float) -> ssl.SSLSocket:
    """Wrap ``sock`` for ``name`` and complete the handshake before ``deadline`` (monotonic).

    The server's first bytes are peeked at before OpenSSL reads them: an answer that is no
    TLS record (a plaintext greeting, an HTTP error page) is a :class:`PlaintextAnswer`,
    at once, with what the server said. Raises :class:`ProbeFailure` (``certificate`` or
    ``tls``) for a handshake that failed, and :class:`TimeoutError` when the deadline came
    first: the caller words the timeout, since only it knows what the deadline was given
    as. The caller times the call.
    """
    wrapped = context.wrap_socket(sock, server_hostname=name, do_handshake_on_connect=False)
    try:
        wrapped.settimeout(max(deadline - time.monotonic(), 0.001))
        _handshake_looking(wrapped, deadline)
    except PlaintextAnswer:
        wrapped.close()
        raise
    except OSError as exc:  # SSLError and TimeoutError included
        wrapped.close()
        raise _handshake_failure(exc, name, deadline) from None
    return wrapped


def _handshake_looking(wrapped: ssl.SSLSocket, deadline: float) -> None:
    """``do_handshake``, looking at the server's first bytes before OpenSSL does.

    The ClientHello goes out non-blocking; once the socket is readable the first bytes are
    peeked (``MSG_PEEK`` on the raw socket leaves them for OpenSSL). A TLS record lets the
    handshake go on, blocking, under the deadline's timeout.
    """
    import select

    wrapped.setblocking(False)
    _refuse_plaintext(wrapped, socket.MSG_DONTWAIT)  # a greeting that came before our hello
    try:
        wrapped.do_handshake()
        return
    except ssl.SSLWantReadError:
        pass
    except ssl.SSLWantWriteError:  # a full send buffer: no peeking, just the handshake
        wrapped.settimeout(max(deadline - time.monotonic(), 0.001))
        wrapped.do_handshake()
        return
    finally:
        wrapped.settimeout(max(deadline - time.monotonic(), 0.001))
    poller = select.poll()
    poller.register(wrapped.fileno(), select.POLLIN)
    if not poller.poll(max(int((deadline - time.monotonic()) * 1000) + 1, 0)):
        raise TimeoutError()
    _refuse_plaintext(wrapped, after_hello=True)
    wrapped.do_handshake()


def _refuse_plaintext(wrapped: ssl.SSLSocket, flags: int = 0, after_hello: bool = False) -> None:
    """A :class:`PlaintextAnswer` when the bytes waiting on the socket are no TLS record;
    they are peeked (``MSG_PEEK`` on the raw socket), so OpenSSL still reads them.

    ``after_hello``: the handshake call that sent the ClientHello may already have read the
    start of the server's first record (it arrives a byte at a time from some servers), so
    what is left can be any byte of a record. Only a line of text is plaintext then; anything
    else is left to OpenSSL, which names a record that is not TLS itself.
    """
    try:
        first = socket.socket.recv(wrapped, 4096, socket.MSG_PEEK | flags)
    except BlockingIOError:  # nothing yet
        return
    if not first or _TLS_RECORD_START.match(first):
        return
    if not after_hello or _text_line(first):
        raise PlaintextAnswer(first)


def _text_line(data: bytes) -> bool:
    """Whether ``data`` starts with a whole line of printable ASCII (a greeting, a status line)."""
    line, newline, _ = data.partition(b"\n")
    return bool(newline) and all(0x20 <= byte < 0x7F or byte in b"\t\r" for byte in line)


#: OpenSSL's reasons for a first record that is no TLS record at all.
_NOT_TLS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST")

#: OpenSSL's verify codes for a certificate that is not for the name checked
#: (X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_EMAIL_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH).
_NAME_MISMATCH = (62, 63, 64)


def _handshake_failure(exc: OSError, name: str, deadline: float) -> ProbeFailure | TimeoutError:
    """What a handshake that did not complete raises. A passed deadline counts as a timeout
    whatever the socket said: the watchdog shuts the socket down at the deadline."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = exc.verify_message or exc.reason or str(exc)
        return CertificateRefused(_verify_message(exc, name), reason, exc.verify_code in _NAME_MISMATCH)
    if isinstance(exc, TimeoutError) or time.monotonic() >= deadline:
        return TimeoutError()
    if isinstance(exc, ssl.SSLError) and exc.reason in _NOT_TLS:  # plaintext came in between the peeks
        return PlaintextAnswer(b"")
    if isinstance(exc, ssl.SSLError):
        return ProbeFailure("tls", f"TLS handshake failed: {exc.reason or exc}")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return ProbeFailure("tls", f"connection closed during the TLS handshake: {reason}")


def _verify_message(exc: ssl.SSLCertVerificationError, server_name: str) -> str:
    reason = exc.verify_message or exc.reason or str(exc)
    return f"certificate not trusted for {server_name}: {reason}"


def describe(wrapped: ssl.SSLSocket, insecure: bool) -> TlsDetails:
    """What the established connection offers, certificate included."""
    cipher = wrapped.cipher()
    details = TlsDetails(
        version=wrapped.version(),
        cipher=cipher[0] if cipher else None,
        insecure=insecure,
        chain_verified=None if insecure else True,
        hostname_verified=None if insecure else True,
    )
    der = wrapped.getpeercert(binary_form=True)
    if der:
        fill_certificate(details, der)
    return details


#: What the report takes from a certificate: subject, issuer, SANs, validity (as text), expiry.
_Described = tuple[str, str, tuple[str, ...], str, str, dt.datetime]
#: Certificates already described, by their DER bytes: a monitoring loop meets the same one on
#: every probe, and decoding it (two ``strptime`` among the rest) costs more than a loopback
#: exchange. None for one this decoder cannot read. Cleared when it grows past a scan's worth.
_DESCRIBED: dict[bytes, _Described | None] = {}


def fill_certificate(details: TlsDetails, der: bytes) -> None:
    """Subject, issuer, SANs and validity from a DER certificate (best effort: a
    certificate this small decoder cannot read leaves the fields empty, not the probe failed)."""
    if der in _DESCRIBED:
        described = _DESCRIBED[der]
    else:
        described = _describe_certificate(der)
        if len(_DESCRIBED) >= 1024:
            _DESCRIBED.clear()
        _DESCRIBED[der] = described
    if described is None:
        return
    details.subject, details.issuer, sans, details.not_before, details.not_after, expiry = described
    details.sans = list(sans)
    details.days_left = days_left(expiry)  # counted now, not when first seen


def _describe_certificate(der: bytes) -> _Described | None:
    try:
        cert = decode_certificate(der)
    except (ValueError, IndexError):
        return None
    return (
        format_name(cert["subject"]),
        format_name(cert["issuer"]),
        tuple(cert["sans"]),
        cert["not_before"].isoformat(),
        cert["not_after"].isoformat(),
        cert["not_after"],
    )


def days_left(not_after: dt.datetime, now: dt.datetime | None = None) -> int:
    """Whole days until expiry (negative once expired), as monitoring counts them."""
    now = now or dt.datetime.now(dt.UTC)
    return int((not_after - now).total_seconds() // 86400)


def format_name(name: list[tuple[str, str]]) -> str:
    """``CN=localhost, O=Example`` in the certificate's own order."""
    return ", ".join(f"{key}={value}" for key, value in name)


# -- a minimal DER reader: just what a certificate report needs ------------------------------


def _tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the element at ``offset``."""
    tag = data[offset]
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    end = offset + length
    if end > len(data):
        raise ValueError("truncated DER")
    return tag, offset, end


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    offset = start
    while offset < end:
        tag, content, stop = _tlv(data, offset)
        yield tag, content, stop
        offset = stop


def _oid(raw: bytes) -> str:
    first = raw[0]
    parts = [str(min(first // 40, 2)), str(first - 40 * min(first // 40, 2))]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(str(value))
            value = 0
    return ".".join(parts)


def _text(tag: int, raw: bytes) -> str:
    if tag == 0x1E:  # BMPString
        return raw.decode("utf-16-be", "replace")
    if tag == 0x1C:  # UniversalString
        return raw.decode("utf-32-be", "replace")
    return raw.decode("utf-8", "replace")


def _name(data: bytes, start: int, end: int) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for _, set_start, set_end in _children(data, start, end):
        for _, attr_start, attr_end in _children(data, set_start, set_end):
            (_, oid_start, oid_end), (value_tag, value_start, value_end) = list(
                _children(data, attr_start, attr_end)
            )[:2]
            oid = _oid(data[oid_start:oid_end])
            pairs.append((_NAME_OIDS.get(oid, oid), _text(value_tag, data[value_start:value_end])))
    return pairs


def _time(tag: int, raw: bytes) -> dt.datetime:
    text = raw.decode("ascii")
    if tag == 0x17:  # UTCTime: YYMMDDHHMMSSZ, years 1950-2049
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    return dt.datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)


def _sans(data: bytes, start: int, end: int) -> list[str]:
    import ipaddress

    names: list[str] = []
    for tag, value_start, value_end in _children(data, start, end):
        raw = data[value_start:value_end]
        if tag == 0x82:  # dNSName
            names.append("DNS:" + raw.decode("ascii", "replace"))
        elif tag == 0x87:  # iPAddress
            names.append("IP:" + str(ipaddress.ip_address(raw)))
        elif tag == 0x81:  # rfc822Name
            names.append("email:" + raw.decode("ascii", "replace"))
        elif tag == 0x86:  # uniformResourceIdentifier
            names.append("URI:" + raw.decode("ascii", "replace"))
    return names


class Certificate(TypedDict):
    """What a report needs from an X.509 certificate."""

    issuer: list[tuple[str, str]]
    subject: list[tuple[str, str]]
    not_before: dt.datetime
    not_after: dt.datetime
    sans: list[str]


def decode_certificate(der: bytes) -> Certificate:
    """Subject, issuer, validity and SANs of an X.509 certificate in DER form."""
    _, cert_start, cert_end = _tlv(der, 0)
    _, tbs_start, tbs_end = next(_children(der, cert_start, cert_end))
    fields = list(_children(der, tbs_start, tbs_end))
    if fields[0][0] == 0xA0:  # explicit version
        fields = fields[1:]
    _serial, _algorithm, issuer, validity, subject = fields[:5]
    not_before, not_after = list(_children(der, validity[1], validity[2]))[:2]
    sans: list[str] = []
    for tag, start, _end in fields[5:]:
        if tag != 0xA3:  # extensions
            continue
        _, seq_start, seq_end = _tlv(der, start)
        for _, ext_start, ext_end in _children(der, seq_start, seq_end):
            parts = list(_children(der, ext_start, ext_end))
            if _oid(der[parts[0][1] : parts[0][2]]) == _SUBJECT_ALT_NAME:
                _, octets_start, _octets_end = parts[-1]
                _, names_start, names_end = _tlv(der, octets_start)
                sans = _sans(der, names_start, names_end)
    return {
        "issuer": _name(der, issuer[1], issuer[2]),
        "subject": _name(der, subject[1], subject[2]),
        "not_before": _time(not_before[0], der[not_before[1] : not_before[2]]),
        "not_after": _time(not_after[0], der[not_after[1] : not_after[2]]),
        "sans": sans,
    }
