"""Dante's danted (Debian package dante-server) on 127.0.0.1: the socks probe's method negotiation
(no authentication, or username/password), a CONNECT with --to to a listener of the test's own, to
a closed port and outside the ruleset; and a scan that names SOCKS on a free port."""

from __future__ import annotations

import socket
from pathlib import Path

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe
from netref.scan import ScanOptions, scan


def _danted(tmp_path: Path, port: int, method: str) -> Path:
    conf = tmp_path / f"danted-{method}.conf"
    conf.write_text(f"""logoutput: stderr
internal: 127.0.0.1 port = {port}
external: 127.0.0.1
socksmethod: {method}
clientmethod: none
user.unprivileged: nobody
client pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}
socks pass {{ from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }}
socks block {{ from: 0.0.0.0/0 to: 0.0.0.0/0 }}
""")
    return conf


def _probe(port: int, to: str | None = None):
    return run_probe("socks", ProbeOptions("127.0.0.1", port=port, timeout=5, to=to))


def test_dante_without_authentication(tmp_path):
    program = need("danted", "dante-server")
    port, closed = free_port(), free_port()
    with socket.create_server(("127.0.0.1", 0)) as target:  # what the CONNECT reaches; it is sent nothing
        open_port = target.getsockname()[1]
        with running([program, "-f", _danted(tmp_path, port, "none"), "-p", tmp_path / "danted.pid"], port):
            methods = _probe(port)
            reached = _probe(port, f"127.0.0.1:{open_port}")
            refused = _probe(port, f"127.0.0.1:{closed}")
            blocked = _probe(port, "192.0.2.1:80")  # TEST-NET-1, outside the socks pass rule: never connected
            found = {row.port: row for row in scan(["127.0.0.1"], ScanOptions(ports=[port], timeout=4))}
    assert methods.ok and methods.details["method"] == "no authentication", methods.message
    assert methods.warnings  # an open proxy
    assert reached.ok and reached.details["reply"] == "succeeded", reached.message
    assert reached.details["bound_address"].startswith("127.0.0.1:")
    assert not refused.ok and refused.details["reply"] == "connection refused"
    assert not blocked.ok and blocked.details["reply"] == "connection not allowed by ruleset"
    assert found[port].protocol == "socks" and found[port].verdict == "ok", found[port].message
    assert found[port].python == "no stdlib client: PySocks or python-socks (PyPI)"


def test_dante_with_username_authentication(tmp_path):
    program = need("danted", "dante-server")
    port = free_port()
    with running([program, "-f", _danted(tmp_path, port, "username"), "-p", tmp_path / "danted.pid"], port):
        methods, connect = _probe(port), _probe(port, "127.0.0.1:1")
    assert methods.ok and methods.details["method"] == "username/password" and not methods.warnings
    assert not connect.ok and connect.message.startswith("CONNECT to 127.0.0.1:1 not tried: it wants username/password")
