"""ngIRCd (Debian package ngircd) on 127.0.0.1: the irc probe registers, reads 001-005 and ISUPPORT,
reports a password demand as an answer, and the scan names IRC on an unusual port."""

from __future__ import annotations

from pathlib import Path

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe
from netref.scan import ScanOptions, scan


def config(tmp_path: Path, port: int, password: str | None = None) -> Path:
    path = tmp_path / f"ngircd-{port}.conf"
    secret = f"Password = {password}\n" if password else ""
    path.write_text(f"""[Global]
Name = irc.netref.test
Info = netref daemon test
Listen = 127.0.0.1
Ports = {port}
Network = NetrefNet
MotdPhrase = "netref daemon test"
PidFile = {tmp_path}/ngircd-{port}.pid
{secret}[Options]
PAM = no
Ident = no
DNS = no
""")
    return path


def test_ngircd(tmp_path):
    program = need("ngircd", "ngircd")
    port, guarded = free_port(), free_port()
    with running([program, "-n", "-f", config(tmp_path, port)], port), \
            running([program, "-n", "-f", config(tmp_path, guarded, "s3cret")], guarded):
        result = run_probe("irc", ProbeOptions("127.0.0.1", port=port, timeout=5))
        assert result.ok, result.message
        assert result.server_software.startswith("ngircd-") and result.software_source == "IRC 004"
        assert result.details["network"] == "NetrefNet" and result.details["server_name"] == "irc.netref.test"
        assert result.details["isupport"]["NICKLEN"].isdigit() and result.details["registered"] is True
        assert result.timings["total"] < 2000  # QUIT is not waited for (ngIRCd answers it after a second)

        refused = run_probe("irc", ProbeOptions("127.0.0.1", port=guarded, timeout=5))
        assert refused.ok, refused.message
        assert refused.details["registered"] is False and refused.details["password_required"] is True

        found = {row.port: row for row in scan(["127.0.0.1"], ScanOptions(ports=[port], timeout=4))}
        assert found[port].protocol == "irc", found[port]
        assert found[port].software.startswith("ngircd-") and found[port].software_source == "IRC 004"
