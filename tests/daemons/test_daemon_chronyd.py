"""chronyd (Debian package chrony) on 127.0.0.1, serving its own clock at stratum 8 (``local``), and
without it: unsynchronised. It must run as root (it refuses otherwise); -x leaves the clock alone."""

from __future__ import annotations

import os
import socket

import pytest
from realdaemon import free_port, need, running
from udp_ready import wait_answering

from netref.probes import ProbeOptions, ntp, run_probe


@pytest.mark.parametrize("local", [True, False])
def test_chronyd(tmp_path, local):
    program = need("chronyd", "chrony")
    if os.geteuid() != 0:
        pytest.skip("chronyd runs only as root (CI runs as root)")
    port = free_port(socket.SOCK_DGRAM)
    conf = tmp_path / "chrony.conf"
    lines = [f"port {port}", "cmdport 0", "bindaddress 127.0.0.1", "allow 127.0.0.1", f"pidfile {tmp_path}/pid"]
    conf.write_text("\n".join([*lines, *(["local stratum 8"] if local else [])]) + "\n")
    with running([program, "-d", "-x", "-u", "root", "-f", conf]) as process:
        wait_answering(port, ntp.request(), process)
        result = run_probe("ntp", ProbeOptions("127.0.0.1", port=port, timeout=4))
    if local:
        assert result.ok, result.message
        assert result.details["stratum"] == 8 and result.details["version"] == 4
        assert abs(result.details["offset_ms"]) < 50 and 0 <= result.details["delay_ms"] < 50
    else:
        assert result.category == "protocol" and result.message.startswith("not synchronised")
