"""Port lists as nmap users write them (netref.ports), and the scan's use of them."""

from __future__ import annotations

import pytest

from netref import ports
from netref.ports import PortSpecError, ScanPort
from netref.scan import ScanUsageError, parse_port_list, parse_ports


def numbers(text: str, default: str = "tcp") -> list[str]:
    return [str(port) for port in ports.parse_ports(text, default)]


def test_open_ended_ranges_as_nmap_reads_them():
    """``80-`` once scanned port 80 alone: the empty upper bound was read as the lower one."""
    assert parse_ports("80-") == list(range(80, 65536))
    assert parse_ports("-1024") == list(range(1, 1025))
    assert parse_ports("-") == list(range(1, 65536))
    assert parse_ports("65530-") == [65530, 65531, 65532, 65533, 65534, 65535]


def test_transport_prefixes_and_suffixes():
    assert numbers("U:53,161,T:21-23,80") == ["53/udp", "161/udp", "21/tcp", "22/tcp", "23/tcp", "80/tcp"]
    assert numbers("53/udp,53/tcp,53") == ["53/udp", "53/tcp"]  # 53 (tcp by default) once
    assert numbers("53,161", default="udp") == ["53/udp", "161/udp"]
    assert numbers("u:53, t:80") == ["53/udp", "80/tcp"]
    assert ports.parse_ports("U:-3") == [ScanPort(1, "udp"), ScanPort(2, "udp"), ScanPort(3, "udp")]


def test_split_and_explicit_transport():
    assert ports.split(ports.parse_ports("U:53,T:80,161/udp")) == ([80], [53, 161])
    assert (ports.explicit_transport("53/udp"), ports.explicit_transport("U:53"), ports.explicit_transport("53")) == (
        "udp", "udp", None,
    )  # fmt: skip
    assert ports.parse_port("161/udp") == ScanPort(161, "udp") and str(ScanPort(161, "udp")) == "161/udp"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("S:80", "SCTP (S:) is not something netref scans"),
        ("X:80", "unknown prefix 'X:'"),
        ("U:", "names a transport but no port"),
        ("0", "not within 1-65535"),
        ("70000", "not within 1-65535"),
        ("90-80", "low to high"),
        ("53/sctp", "tcp or udp"),
        ("http", "not a port or a range"),
        ("25,,80", "is empty"),
    ],
)
def test_wrong_lists_are_one_line_errors(text, fragment):
    with pytest.raises(PortSpecError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        ports.parse_ports(text)


def test_one_port_where_one_is_expected():
    with pytest.raises(PortSpecError, match="expected one port"):
        ports.parse_port("53,54")
    with pytest.raises(PortSpecError, match="expected one port"):
        ports.parse_port("80-")


def test_scan_port_lists_and_defaults(tmp_path):
    from netref.probes import default_catalog

    catalog = default_catalog()
    tcp, udp = parse_port_list(None, udp=True, catalog=catalog)
    assert tcp == [] and {53, 123, 161, 162, 514} <= set(udp)
    tcp, udp = parse_port_list(None, catalog=catalog)
    assert udp == [] and 25 in tcp
    assert parse_port_list("53,T:80", udp=True) == ([80], [53])
    with pytest.raises(ScanUsageError, match="SCTP"):
        parse_port_list("S:1")
