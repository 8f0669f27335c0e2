"""Ports as nmap users write them: ``53/udp``, ``U:53,161,T:80``, ``1-1024``, ``80-``, ``-1024``, ``-``.

One parser for every command that takes ports (``netref scan --ports``, ``netref probe --port``,
``netref port``), so a spelling means the same everywhere:

- ``25`` a port; ``8000-8100`` a range; nmap's open ends: ``80-`` is 80 to 65535, ``-1024`` is
  1 to 1024, ``-`` is every port from 1 to 65535;
- ``U:`` and ``T:`` (nmap's prefixes) make the ports after them UDP or TCP until the next prefix:
  ``U:53,161,T:21-25,80`` is 53/udp, 161/udp and 21-25/tcp, 80/tcp;
- ``53/udp``, ``80/tcp``: one item's transport, as nmap prints ports and ``/etc/services`` lists them;
- an item with neither is the ``default`` transport (TCP unless the caller says otherwise: ``scan
  --udp`` makes it UDP, as ``nmap -sU``);
- ``S:`` (SCTP in nmap) and port 0 are refused, with one line saying why.

Imports nothing of netref: the probes, the scan and the CLI all build on it.
"""

from __future__ import annotations

from typing import NamedTuple

TRANSPORTS = ("tcp", "udp")
_PREFIXES = {"T": "tcp", "U": "udp"}
LOWEST, HIGHEST = 1, 65535


class PortSpecError(ValueError):
    """A port list netref cannot read; the message is one line for people (exit 2)."""


class ScanPort(NamedTuple):
    """One port and its transport: ``ScanPort(53, "udp")`` is ``53/udp``."""

    number: int
    transport: str = "tcp"

    def __str__(self) -> str:
        return f"{self.number}/{self.transport}"


def parse_port(text: str, default: str = "tcp") -> ScanPort:
    """One port: ``53``, ``53/udp``, ``U:53``; a :class:`PortSpecError` for anything else (a range included)."""
    ports = parse_ports(text, default)
    if len(ports) != 1 or any(mark in text.strip().lstrip("TUtu:") for mark in ",-"):
        raise PortSpecError(f"invalid port {text!r}: expected one port from 1 to 65535 (53, 53/udp)")
    return ports[0]


def explicit_transport(text: str) -> str | None:
    """The transport ``text`` writes (``53/udp``, ``U:53``), or None when it leaves it to the default."""
    as_tcp, as_udp = parse_ports(text, "tcp"), parse_ports(text, "udp")
    return as_tcp[0].transport if as_tcp == as_udp else None


def parse_ports(text: str, default: str = "tcp") -> list[ScanPort]:
    """Every port of a list, in the order given, each (number, transport) once."""
    if default not in TRANSPORTS:
        raise PortSpecError(f"invalid transport {default!r}: expected tcp or udp")
    found: dict[ScanPort, None] = {}
    current = default
    for raw in text.split(","):
        item = raw.strip()
        if len(item) >= 2 and item[1] == ":":
            prefix = item[0].upper()
            if prefix not in _PREFIXES:
                what = "SCTP (S:) is not something netref scans" if prefix == "S" else f"unknown prefix {item[:2]!r}"
                raise PortSpecError(f"--ports: {what}; use T: (TCP) or U: (UDP)")
            current, item = _PREFIXES[prefix], item[2:].strip()
            if not item:
                raise PortSpecError(f"--ports: {raw.strip()!r} names a transport but no port")
        transport = current
        if "/" in item:
            item, _, suffix = item.partition("/")
            transport = suffix.strip().lower()
            if transport not in TRANSPORTS:
                raise PortSpecError(f"--ports: {raw.strip()!r}: the transport after '/' is tcp or udp")
        for number in _range(item.strip(), raw.strip()):
            found.setdefault(ScanPort(number, transport))
    if not found:
        raise PortSpecError("--ports: no ports given")
    return list(found)


def _range(item: str, shown: str) -> range:
    if not item:
        raise PortSpecError(f"--ports: {shown!r} is empty (25,80,8000-8100, U:53)")
    low, dash, high = item.partition("-")
    try:
        first = int(low) if low.strip() else LOWEST
        last = int(high) if high.strip() else (HIGHEST if dash else first)
    except ValueError:
        raise PortSpecError(f"--ports: {shown!r} is not a port or a range (25, 8000-8100, 80-, -1024, U:53)") from None
    if not LOWEST <= first <= last <= HIGHEST:
        raise PortSpecError(f"--ports: {shown!r} is not within 1-65535, low to high")
    return range(first, last + 1)


def split(ports: list[ScanPort]) -> tuple[list[int], list[int]]:
    """The TCP port numbers and the UDP port numbers, each in the order given."""
    return [port.number for port in ports if port.transport == "tcp"], [
        port.number for port in ports if port.transport == "udp"
    ]
