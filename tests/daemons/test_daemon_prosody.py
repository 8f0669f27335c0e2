"""Prosody (Debian package prosody) on 127.0.0.1: the xmpp probe reads the stream features, upgrades
with STARTTLS and reads them again, reports a stream error (host-unknown) with its condition, the
xmpps probe speaks TLS first (c2s_direct_tls_ports), and the scan names XMPP on unusual ports."""

from __future__ import annotations

import os
from pathlib import Path

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe
from netref.scan import ScanOptions, scan


def config(tmp_path: Path, c2s: int, direct: int, server_cert) -> Path:
    key, cert = tmp_path / "localhost.key", tmp_path / "localhost.crt"
    server_cert.private_key_pem.write_to_path(str(key))
    server_cert.cert_chain_pems[0].write_to_path(str(cert))
    (tmp_path / "data").mkdir()
    path = tmp_path / "prosody.cfg.lua"
    path.write_text(f"""pidfile = "{tmp_path}/prosody.pid"
daemonize = false
run_as_root = true
data_path = "{tmp_path}/data"
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {c2s} }}
c2s_direct_tls_ports = {{ {direct} }}
s2s_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
log = {{ warn = "*console" }}
modules_enabled = {{ "roster"; "saslauth"; "tls"; "disco"; "ping"; "register" }}
modules_disabled = {{ "s2s" }}
authentication = "internal_hashed"
c2s_require_encryption = true
ssl = {{ key = "{key}"; certificate = "{cert}" }}
VirtualHost "localhost"
""")
    return path


def test_prosody(tmp_path, server_cert, ca_file):
    program = need("prosody", "prosody")
    c2s, direct = free_port(), free_port()
    argv = [program, "--config", config(tmp_path, c2s, direct, server_cert), "-F"]
    with running(argv, c2s, env={"HOME": os.fspath(tmp_path)}):
        plain = run_probe("xmpp", ProbeOptions("localhost", port=c2s, timeout=5, family=4))
        assert plain.ok, plain.message
        assert plain.details["starttls"] == "required" and plain.details["stream_from"] == "localhost"

        upgraded = run_probe("xmpp", ProbeOptions("localhost", port=c2s, timeout=5, family=4, starttls=True,
                                                  cafile=str(ca_file)))
        assert upgraded.ok, upgraded.message
        assert upgraded.tls is not None and upgraded.tls.starttls and upgraded.tls.chain_verified
        assert "SCRAM-SHA-1" in upgraded.details["sasl_mechanisms"]

        unknown = run_probe("xmpp", ProbeOptions("127.0.0.1", port=c2s, timeout=5))
        assert (unknown.verdict, unknown.category) == ("failed", "protocol")
        assert unknown.details["stream_error"]["condition"] == "host-unknown"

        tls_first = run_probe("xmpps", ProbeOptions("127.0.0.1", port=direct, timeout=5, domain="localhost",
                                                    sni="localhost", cafile=str(ca_file)))
        assert tls_first.ok, tls_first.message
        assert "sasl" in tls_first.details["features"] and tls_first.tls.chain_verified

        found = {row.port: row for row in scan(["127.0.0.1"], ScanOptions(ports=[c2s, direct], timeout=4,
                                                                           cafile=str(ca_file)))}
        assert found[c2s].protocol == "xmpp", found[c2s]
        assert found[direct].protocol in ("xmpp", "xmpps") and found[direct].tls, found[direct]
