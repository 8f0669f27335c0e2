"""The probe's value types: what a request asks, what a probe found, and how it failed.

The bottom layer of :mod:`netref.probes`: it imports nothing of netref, so every other
probe module (the session, TLS, the families, the report and the monitoring judge) can
build on it without an import cycle.
"""

from __future__ import annotations

import dataclasses
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _typeshed import DataclassInstance

#: Why a probe failed, in the order a probe can meet the causes.
Category = Literal["dns", "refused", "timeout", "tls", "certificate", "protocol"]

#: The failure categories as a tuple (``Category``'s values, in the same order).
CATEGORIES: tuple[Category, ...] = get_args(Category)

#: A probe's verdict.
Verdict = Literal["ok", "failed"]

#: Default whole-probe deadline in seconds.
DEFAULT_TIMEOUT = 10.0


class ProbeFailure(Exception):
    """A probe that got an answer it cannot accept, or none: becomes a ``failed`` verdict.

    ``category`` is one of :data:`CATEGORIES`; the message is one line for people.
    """

    def __init__(self, category: Category, message: str) -> None:
        if category not in CATEGORIES:  # callers outside the type checker's sight
            raise ValueError(f"unknown failure category {category!r}")
        super().__init__(message)
        self.category: Category = category
        self.message = message


class CertificateRefused(ProbeFailure):
    """Verification refused the server's certificate (a ``certificate`` failure).

    ``reason`` is OpenSSL's (``certificate has expired``); ``name_mismatch`` says whether it
    was the host-name check that failed, rather than the chain.
    """

    def __init__(self, message: str, reason: str, name_mismatch: bool) -> None:
        super().__init__("certificate", message)
        self.reason = reason
        self.name_mismatch = name_mismatch


class PlaintextAnswer(ProbeFailure):
    """A server that answered the TLS ClientHello in plaintext (a greeting, an HTTP error):
    the wrong TLS mode, found from its first bytes instead of a cryptic handshake error.
    ``data`` is what it sent (peeked: at most what had arrived; empty when OpenSSL read it
    first and only its complaint is known)."""

    def __init__(self, data: bytes) -> None:
        super().__init__("tls", "the server answered in plaintext, not TLS")
        self.data = data


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
    transport: str | None = None  # "udp" or "tcp" (53/udp, --tcp); None: the catalogue's for the protocol
    query: str | None = None  # dns/dot: the name asked about (None: the root zone)
    qtype: str | None = None  # dns/dot: the record type asked for (None: SOA)
    community: str = field(default="public", repr=False)  # snmp v2c: a secret, never printed, never in JSON
    path: str | None = None  # xmlrpc/websocket: the HTTP path (None: the family's default, /RPC2 or /)
    to: str | None = None  # socks: HOST:PORT to ask the proxy to CONNECT to (None: negotiate methods only)
    mqtt_version: str | None = None  # mqtt/mqtts: "3.1.1" (None: the same) or "5"
    domain: str | None = None  # xmpp/xmpps: the stream's domain (None: --sni, else HOST)

    def to_dict(self) -> dict[str, Any]:
        """The options as JSON-ready data, without the password or the SNMP community."""
        return {name: value for name, value in _fields(self).items() if name not in _SECRETS}


#: Option fields that are secrets: :meth:`ProbeOptions.to_dict` leaves them out.
_SECRETS = frozenset({"password", "community"})


def _fields(obj: DataclassInstance) -> dict[str, Any]:
    """A flat dataclass as a dict (shallow: lists are copied, nothing else is nested)."""
    return {
        item.name: list(value) if isinstance(value := getattr(obj, item.name), list) else value
        for item in dataclasses.fields(obj)
    }


@dataclass
class TlsDetails:
    """What the TLS handshake established. ``chain_verified``/``hostname_verified`` are None
    when they were not checked (``--insecure``), not False: nothing was proven either way.

    When verification refused the certificate, the details are still filled (from a second,
    unverified handshake): ``verify_error`` says why, and the failed check is False."""

    version: str | None = None
    cipher: str | None = None
    sni: str | None = None  # the server name SENT (None: none was, as for an address target)
    checked_name: str | None = None  # the name the certificate was checked against (or would have been)
    subject: str | None = None
    issuer: str | None = None
    sans: list[str] = field(default_factory=list)
    not_before: str | None = None  # ISO 8601, UTC
    not_after: str | None = None  # ISO 8601, UTC
    days_left: int | None = None
    chain_verified: bool | None = None
    hostname_verified: bool | None = None
    verify_error: str | None = None  # why verification refused the certificate shown here
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
    timings: dict[str, float] = field(default_factory=dict)  # ms: disjoint phases, then total
    greeting: str | None = None  # greeting or status line, one line
    server_software: str | None = None
    #: where the server named its software: "greeting", "Server header", "IMPLEMENTATION
    #: capability", "SSH version line", "RootDSE vendorName", "IRC 004", ... (docs/json.md);
    #: None when ``server_software`` is
    software_source: str | None = None
    capabilities: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # family-specific extras (JSON-safe)
    tls: TlsDetails | None = None
    warnings: list[str] = field(default_factory=list)  # facts that do not fail the probe but need a look
    module: str | None = None  # the stdlib module the probe spoke through
    substitution: str | None = None  # e.g. "telnetlib: removed in 3.13 (PEP 594) → socket"
    verdict: Verdict = "failed"
    category: Category | None = None  # set when failed
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
            "software_source": self.software_source,
            "capabilities": list(self.capabilities),
            "details": dict(self.details),
            "tls": self.tls.to_dict() if self.tls else None,
            "warnings": list(self.warnings),
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


def counted(number: int, noun: str) -> str:
    """``1 line``, ``2 lines``: a count for people (the plural is the noun plus ``s``)."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def is_ip_address(host: str) -> bool:
    """Whether ``host`` is an IPv4 or IPv6 literal (so it needs no resolution and no IDNA,
    and TLS sends no server name for it). A scoped IPv6 address (``fe80::1%eth0``) counts:
    the scope is for the kernel."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host.split("%", 1)[0] if family == socket.AF_INET6 else host)
            return True
        except (OSError, ValueError):
            continue
    return False
