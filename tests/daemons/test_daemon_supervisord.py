"""supervisord (Debian package supervisor) on 127.0.0.1: the xmlrpc probe's system.listMethods over
its inet_http_server, a credential demand named as what answered, and the scan of its port."""

from __future__ import annotations

from pathlib import Path

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe
from netref.scan import ScanOptions, scan


def config(tmp_path: Path, port: int, credentials: bool = False) -> Path:
    path = tmp_path / f"supervisord-{port}.conf"
    auth = "username = netref\npassword = not-given-to-the-probe\n" if credentials else ""
    path.write_text(f"""[supervisord]
nodaemon = true
logfile = {tmp_path / f"supervisord-{port}.log"}
pidfile = {tmp_path / f"supervisord-{port}.pid"}
childlogdir = {tmp_path}
user = root
[inet_http_server]
port = 127.0.0.1:{port}
{auth}[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
""")
    return path


def test_supervisord(tmp_path):
    program = need("supervisord", "supervisor")
    port, guarded = free_port(), free_port()
    with running([program, "-c", config(tmp_path, port)], port), \
            running([program, "-c", config(tmp_path, guarded, credentials=True)], guarded):  # fmt: skip
        result = run_probe("xmlrpc", ProbeOptions("127.0.0.1", port=port, timeout=5))
        assert result.ok, result.message
        assert result.details["method_count"] >= 30 and "supervisor.getState" in result.details["methods"]
        assert result.server_software.startswith("Medusa/") and result.software_source == "Server header"
        assert result.greeting == "HTTP/1.1 200 OK" and result.message.startswith("XML-RPC: ")

        refused = run_probe("xmlrpc", ProbeOptions("127.0.0.1", port=guarded, timeout=5))
        assert (refused.verdict, refused.category) == ("failed", "protocol")
        assert refused.message.startswith("no XML-RPC at /RPC2: the server answered 'HTTP/1.1 401 Unauthorized'")

        # Not a port the catalogue lists for XML-RPC: the scan sends only hellos harmless everywhere
        # (a GET), and supervisord's web page answers it: HTTP, from Medusa.
        [row] = list(scan(["127.0.0.1"], ScanOptions(ports=(port,), timeout=5)))
        assert (row.protocol, row.state) == ("http", "open") and row.software.startswith("Medusa/")
