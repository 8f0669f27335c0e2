"""One UDP port of a scan: send the protocol's payload, name what answers, run its probe.

``examine(scan, host, address, port)`` → one :class:`netref.scan.PortResult` (``transport`` "udp"),
whatever engine runs the scan: the whole UDP examination is here, and the engine only hands the
port over (``netref/scan.py``: a :class:`UdpPort` in ``Scan.ports`` is examined here).

UDP has no handshake, so a port is only known by what comes back (nmap ``-sU``'s vocabulary):

- a reply is ``open``: the probe of the port's catalogue protocol answered (DNS on 53, NTP on 123,
  SNMP on 161), or one of the catalogue's UDP payloads (``[protocols.KEY.identify_udp]``: a datagram
  and the patterns its answer matches, data and not code) drew an answer that names its protocol;
  the protocol's probe then runs through :func:`netref.probes.run_probe` like any probe, and the
  Python module to speak it is named;
- an ICMP port-unreachable is ``closed``;
- silence is ``open|filtered``: the port may be open to a service that ignores the payload
  (a syslog collector never answers), or a firewall drops the datagrams.
"""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING

from netref import identify as ident
from netref.catalog import legacy_modules, python_text
from netref.probes import ProbeOptions, ProbeResult, run_probe
from netref.probes.datagram import CLOSED as ICMP_CLOSED
from netref.scan_values import CLOSED, OPEN, OPEN_FILTERED, UNKNOWN, PortResult, ScanContext, scan_warnings

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.catalog import Catalog, Protocol

#: Seconds before the payloads are sent again (once) to a silent port.
RESEND_AFTER = 1.0


class UdpPort(int):
    """A port number that the scan examines over UDP (``Scan.ports`` holds TCP ports as plain ints)."""

    transport = "udp"


def examine(scan: ScanContext, host: str, address: str, port: int) -> PortResult:
    """The UDP examination of one port (see the module's docstring)."""

    started = time.monotonic()
    result = PortResult(host=host, port=int(port), state=OPEN_FILTERED, address=address, transport="udp")
    catalog = scan.catalog
    expected = expected_protocol(catalog, port)
    probed: ProbeResult | None = None
    if expected is not None:
        probed = _probe(scan, expected.key, address, port)
        if probed.category == "refused":
            result.state, result.message = CLOSED, probed.message
        elif probed.ok and expected.identify_udp is None:  # syslog: sent, nothing can come back
            result.protocol, result.name = expected.key, expected.name
            result.message = probed.message
            _name_python(scan, result, expected)
        elif probed.ok or probed.category == "protocol":  # answered in the protocol (perhaps an error)
            result.state = OPEN
            _judge(scan, result, expected, probed)
        else:
            result.message = probed.message
    if result.state == OPEN_FILTERED and (probed is None or probed.category not in ("refused",)):
        _identify(scan, result, address, port, expected, probed)
    result.elapsed_ms = (time.monotonic() - started) * 1000
    return result


def expected_protocol(catalog: Catalog, port: int) -> Protocol | None:
    """The catalogue protocol with a probe listed on ``port``/udp (a first guess, as for TCP)."""
    for match in catalog.by_port(port, "udp"):
        protocol = match.protocol
        if protocol is not None and protocol.family and protocol.tls != "implicit":
            return protocol
    return None


def _probe(scan: ScanContext, key: str, address: str, port: int) -> ProbeResult:
    options = ProbeOptions(host=address, port=int(port), timeout=scan.options.timeout, transport="udp")
    return run_probe(key, options, scan.catalog)


def _identify(
    scan: ScanContext, result: PortResult, address: str, port: int, expected: Protocol | None,
    probed: ProbeResult | None,
) -> None:
    """Send every catalogue UDP payload but the one already tried (all at once, once more after
    :data:`RESEND_AFTER`), name the protocol whose patterns the first answer matches, probe it."""

    catalog = scan.catalog
    tried = expected.key if expected is not None and probed is not None else None
    hellos = [(key, protocol.identify_udp.hello.encode("latin-1")) for key, protocol in catalog.protocols.items()
              if protocol.identify_udp and protocol.identify_udp.hello and key != tried]  # fmt: skip
    if not hellos:
        return
    reply = exchange(scan, address, port, [hello for _, hello in hellos], scan.options.timeout)
    if reply is None:
        if not result.message:
            result.message = "no answer (open or filtered)"
        return
    if reply == b"":
        result.state, result.message = CLOSED, ICMP_CLOSED
        return
    result.state = OPEN
    found = identify_reply(reply, catalog)
    if found is None:
        result.protocol, result.message = UNKNOWN, "answered; nothing netref knows"
        result.banner = reply[:60].hex()
        return
    protocol = catalog.protocols[found]
    _judge(scan, result, protocol, _probe(scan, found, address, port) if protocol.family else None)


def identify_reply(data: bytes, catalog: Catalog) -> str | None:
    """The catalogue protocol whose ``identify_udp`` patterns match a reply, or None."""
    text = data[: ident.PEEK_BYTES].decode("latin-1")
    for key, protocol in catalog.protocols.items():
        facts = protocol.identify_udp
        if facts is not None and ident.matches(text, facts.patterns):
            return key
    return None


def exchange(scan: ScanContext, address: str, port: int, datagrams: list[bytes], timeout: float) -> bytes | None:
    """Send ``datagrams`` on one connected socket (again after :data:`RESEND_AFTER`); the first
    reply, ``b""`` for an ICMP port-unreachable, None for silence until ``timeout``."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    scan.track(sock)
    deadline = time.monotonic() + timeout
    try:
        sock.connect((address, int(port)))
        sends_left, next_send = 2, time.monotonic()
        while (left := deadline - time.monotonic()) > 0:
            if sends_left and time.monotonic() >= next_send:
                for datagram in datagrams:
                    sock.send(datagram)
                sends_left, next_send = sends_left - 1, time.monotonic() + RESEND_AFTER
            wait = min(left, next_send - time.monotonic()) if sends_left else left
            sock.settimeout(max(wait, 0.001))
            try:
                data = sock.recv(65535)
            except TimeoutError:
                continue
            if data:
                return data
    except ConnectionRefusedError:
        return b""
    except OSError:
        return None
    finally:
        scan.forget(sock)
    return None


def _judge(scan: ScanContext, result: PortResult, protocol: Protocol, probed: ProbeResult | None) -> None:
    result.protocol, result.name = protocol.key, protocol.name
    _name_python(scan, result, protocol)
    if probed is None:
        result.message = f"identified; netref has no probe for {protocol.key}"
        return
    result.verdict, result.category, result.message = probed.verdict, probed.category, probed.message
    result.warnings = scan_warnings(probed)
    result.software = probed.server_software
    result.confidence = ident.CERTAIN


def _name_python(scan: ScanContext, result: PortResult, protocol: Protocol) -> None:
    result.python = python_text(scan.catalog, protocol, scan.target)
    result.legacy = "; ".join(legacy_modules(scan.catalog, protocol, scan.target)) or None
