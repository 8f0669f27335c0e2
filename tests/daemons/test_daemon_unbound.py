"""unbound (Debian package unbound) on 127.0.0.1: the dns probe over UDP, over TCP, the TC fallback,
CHAOS version.bind/id.server, and the scan naming DNS on a UDP port."""

from __future__ import annotations

from pathlib import Path

from realdaemon import need, running
from udp_ready import free_port_both, wait_answering

from netref.probes import ProbeOptions, dnswire, run_probe
from netref.scan import ScanOptions, scan

BIG = 40  # TXT records of 60 bytes: more than the 1232-byte EDNS size, so UDP is truncated


def config(tmp_path: Path, port: int) -> Path:
    big = "\n".join(f'  local-data: "big.example.test. 300 IN TXT \\"{index:02d}{"x" * 58}\\""' for index in range(BIG))
    path = tmp_path / "unbound.conf"
    path.write_text(f"""server:
  interface: 127.0.0.1
  port: {port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{tmp_path}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  do-ip6: no
  hide-identity: no
  identity: "netref-daemon-test"
  local-zone: "." static
  local-data: ". 86400 IN SOA a.root.test. nstld.test. 2026120400 1800 900 604800 86400"
  local-data: "www.example.test. 300 IN A 192.0.2.1"
{big}
remote-control:
  control-enable: no
""")
    return path


def test_unbound(tmp_path):
    program = need("unbound", "unbound")
    port = free_port_both()
    with running([program, "-d", "-c", config(tmp_path, port)]) as process:
        wait_answering(port, dnswire.query(1, ".", 6, edns=None), process)
        udp = run_probe("dns", ProbeOptions("127.0.0.1", port=port, timeout=5, query="www.example.test", qtype="A"))
        assert udp.ok, udp.message
        assert udp.details["answers"] == ["www.example.test. 300 IN A 192.0.2.1"] and udp.details["transport"] == "udp"
        assert udp.server_software.startswith("unbound ") and udp.details["id_server"] == "netref-daemon-test"

        tcp = run_probe("dns", ProbeOptions("127.0.0.1", port=port, timeout=5, transport="tcp"))
        assert tcp.ok and tcp.details["transport"] == "tcp" and tcp.details["answers"][0].startswith(". 86400 IN SOA")

        big = run_probe("dns", ProbeOptions("127.0.0.1", port=port, timeout=5, query="big.example.test", qtype="TXT"))
        assert big.ok, big.message
        assert big.details["truncated_udp"] is True and big.details["transport"] == "tcp"
        assert big.details["answer_count"] == BIG and big.details["response_bytes"] > 1232

        [found] = scan(["127.0.0.1"], ScanOptions(ports=[], udp_ports=[port], timeout=3))
        assert (found.state, found.protocol, found.transport) == ("open", "dns", "udp")
