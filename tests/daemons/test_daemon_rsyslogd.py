"""rsyslogd (Debian package rsyslog) receiving the syslog probe's message on 127.0.0.1 over UDP: the
verdict claims only "sent", and rsyslog parses the message as RFC 5424 (app name, msgid, structured data)."""

from __future__ import annotations

import socket
import time

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe


def test_rsyslogd(tmp_path):
    program = need("rsyslogd", "rsyslog")
    port = free_port(socket.SOCK_DGRAM)
    log = tmp_path / "messages"
    conf = tmp_path / "rsyslog.conf"
    conf.write_text(f"""global(workDirectory="{tmp_path}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{port}")
*.* action(type="omfile" file="{log}" template="RSYSLOG_SyslogProtocol23Format")
""")
    with running([program, "-n", "-f", conf, "-i", tmp_path / "pid"]):
        deadline = time.monotonic() + 10
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:  # ready once a line lands
            while not (log.exists() and "ready" in log.read_text()) and time.monotonic() < deadline:
                sender.sendto(b"<14>1 - - test - - - ready", ("127.0.0.1", port))
                time.sleep(0.1)
        result = run_probe("syslog", ProbeOptions("127.0.0.1", port=port, timeout=3))
        ident = result.details["message_id"]
        while ident not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert result.ok and result.message.startswith("sent; no ICMP error")
    [line] = [line for line in log.read_text().splitlines() if ident in line]
    fields = line.split(" ")
    assert fields[0] == "<14>1" and fields[3] == "netref" and fields[5] == "probe"
    assert '[origin software="netref"' in line
