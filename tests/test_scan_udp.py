"""``netref scan`` on UDP ports (netref.scan_udp): open with the protocol named, closed, open|filtered.

The DNS server here answers with unbound's own datagrams (tests/probes/udp_captures/dns.json), its
transaction id copied from each question: the scan's fixed identification query and the probe's
random ones alike.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from netref.catalog import Catalog, Port
from netref.probes import default_catalog
from netref.scan import ScanOptions, scan

sys.path.insert(0, str(Path(__file__).parent / "probes"))
from udp_replay import DnsReplay


@pytest.fixture
def unbound():
    server = DnsReplay()
    yield server
    server.close()


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_udp_ports_open_closed_and_open_filtered(unbound):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        udp = [unbound.port, closed_port(), silent.getsockname()[1]]
        results = {r.port: r for r in scan(["127.0.0.1"], ScanOptions(ports=[], udp_ports=udp, timeout=1.5))}
    dns, closed, quiet = (results[port] for port in udp)
    assert (dns.state, dns.protocol, dns.transport, dns.verdict) == ("open", "dns", "udp", "ok")
    assert dns.software == "unbound 1.17.1" and dns.python == "socket; dnspython (PyPI)"
    assert unbound.seen[0].startswith(b"nr")  # the catalogue's identification query came first
    assert (closed.state, closed.message) == ("closed", "closed: ICMP port unreachable")
    assert (quiet.state, quiet.protocol) == ("open|filtered", None)
    assert json.loads(json.dumps(dns.to_dict()))["transport"] == "udp"


def test_the_ports_own_protocol_is_probed_first(unbound):
    """A port the catalogue lists for DNS over UDP is probed as DNS straight away (no payload guessing)."""
    base = default_catalog()
    dns = base.protocols["dns"]
    ports = (*dns.ports, Port(unbound.port, "udp", "domain", "test", False))
    catalog = Catalog(base.path, {**base.protocols, "dns": dns._replace(ports=ports)}, base.modules, base.apis)
    [result] = scan(["127.0.0.1"], ScanOptions(ports=[], udp_ports=[unbound.port], timeout=1.5), catalog)
    assert (result.state, result.protocol, result.verdict) == ("open", "dns", "ok")
    assert not any(seen.startswith(b"nr") for seen in unbound.seen)  # no identification query needed


def test_tcp_and_udp_ports_side_by_side_in_the_table(unbound):
    from netref.views import scan_row

    results = list(scan(["127.0.0.1"], ScanOptions(ports=[closed_port()], udp_ports=[unbound.port], timeout=1.5)))
    shown = sorted(scan_row(result.to_dict())["port"] for result in results)
    assert shown == sorted([f"{results[0].port}/{results[0].transport}", f"{results[1].port}/{results[1].transport}"])
    assert {result.transport for result in results} == {"tcp", "udp"}
