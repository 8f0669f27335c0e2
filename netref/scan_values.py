"""What one scanned port is: its states and :class:`PortResult`, below both scan engines.

:mod:`netref.scan` (TCP, and the engine) and :mod:`netref.scan_udp` (one UDP port) both build
port results; the type lives here, below both, so neither imports the other's module back
(``tests/test_layers.py``). :class:`ScanContext` is what the UDP examination needs of a running scan.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from netref.probes.replies import is_unused_upgrade

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.catalog import Catalog
    from netref.probes import ProbeResult
    from netref.versions import Version

#: States of a port, and the one state of a host that could not be scanned at all.
OPEN, CLOSED, FILTERED, UNRESOLVED = "open", "closed", "filtered", "unresolved"
UNKNOWN = "unknown"
OPEN_FILTERED = "open|filtered"


class Timed(Protocol):
    """Options with a per-attempt deadline (netref.scan.ScanOptions)."""

    timeout: float


class ScanContext(Protocol):
    """What examining one port needs of the running scan (netref.scan.Scan is one)."""

    catalog: Catalog
    target: Version

    @property
    def options(self) -> Timed: ...

    def track(self, sock: socket.socket) -> None: ...

    def forget(self, sock: socket.socket) -> None: ...


@dataclass
class PortResult:
    """One port of one host. ``to_dict`` is the documented JSON (docs/json.md, "scan")."""

    host: str
    port: int | None
    state: str
    address: str | None = None
    protocol: str | None = None  # catalogue key, "unknown", or None when not open
    name: str | None = None
    confidence: float | None = None
    software: str | None = None
    software_source: str | None = None  # where the server named it (ProbeResult.software_source)
    tls: str | None = None  # "implicit", "starttls" (offered), "none"
    cert_days: int | None = None
    banner: str | None = None  # first printable line the server sent
    python: str | None = None  # what to import today on the target Python
    legacy: str | None = None  # the tutorial's module, where it is not current: "telnetlib: removed in 3.13 ..."
    verdict: str | None = None  # the family probe's verdict
    category: str | None = None
    message: str = ""
    warnings: list[str] = field(default_factory=list)  # the probe's warnings (ssh's legacy algorithms, ...)
    elapsed_ms: float = 0.0
    order: tuple[int, int] = field(default=(0, 0), repr=False)  # (target, port) input order
    transport: str = "tcp"  # "udp" for a port netref.scan_udp examined

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "address": self.address,
            "port": self.port,
            "transport": self.transport,
            "state": self.state,
            "protocol": self.protocol,
            "name": self.name,
            "confidence": self.confidence,
            "software": self.software,
            "software_source": self.software_source,
            "tls": self.tls,
            "cert_days": self.cert_days,
            "banner": self.banner,
            "python": self.python,
            "legacy": self.legacy,
            "verdict": self.verdict,
            "category": self.category,
            "message": self.message,
            "warnings": list(self.warnings),
            "elapsed_ms": round(self.elapsed_ms, 3),
        }


def scan_warnings(probe: ProbeResult) -> list[str]:
    """A probe's warnings as a scanned port shows them: without "offers STARTTLS, but this probe
    did not use it" (the scan never upgrades; its TLS column says ``starttls``)."""
    return [warning for warning in probe.warnings if not is_unused_upgrade(warning)]
