"""InspIRCd (Debian package inspircd) on 127.0.0.1: a server that speaks first (its hostname-lookup
notices) before the irc probe registers; ISUPPORT, a password demand as an answer, and the scan."""

from __future__ import annotations

import os
from pathlib import Path

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe
from netref.scan import ScanOptions, scan


def config(tmp_path: Path, port: int, guarded: int) -> Path:
    (tmp_path / "motd.txt").write_text("netref daemon test\n")
    path = tmp_path / "inspircd.conf"
    path.write_text(f"""<server name="irc.netref.test" description="netref daemon test" network="NetrefNet">
<admin name="netref" nick="netref" email="netref@localhost">
<bind address="127.0.0.1" port="{port}" type="clients">
<bind address="127.0.0.1" port="{guarded}" type="clients">
<connect name="guarded" allow="*" port="{guarded}" password="s3cret" useident="no" localmax="10" globalmax="10">
<connect name="open" allow="*" port="{port}" useident="no" localmax="10" globalmax="10">
<files motd="{tmp_path}/motd.txt">
<pid file="{tmp_path}/inspircd.pid">
<dns timeout="1">
<options>
""")
    return path


def test_inspircd(tmp_path):
    program = need("inspircd", "inspircd")
    port, guarded = free_port(), free_port()
    argv = [program, "--nofork", f"--config={config(tmp_path, port, guarded)}"]
    if os.geteuid() == 0:
        argv.append("--runasroot")
    with running(argv, port):
        result = run_probe("irc", ProbeOptions("127.0.0.1", port=port, timeout=5))
        assert result.ok, result.message
        assert result.server_software.startswith("InspIRCd-") and result.software_source == "IRC 004"
        assert result.greeting.endswith("NOTICE * :*** Looking up your hostname...")
        assert result.details["network"] == "NetrefNet" and result.details["isupport"]["CHANTYPES"] == "#"

        refused = run_probe("irc", ProbeOptions("127.0.0.1", port=guarded, timeout=5))
        assert refused.ok, refused.message
        assert refused.details["registered"] is False and refused.details["refusal"]["numeric"] is None

        found = {row.port: row for row in scan(["127.0.0.1"], ScanOptions(ports=[port], timeout=4))}
        assert found[port].protocol == "irc" and found[port].software.startswith("InspIRCd-"), found[port]
