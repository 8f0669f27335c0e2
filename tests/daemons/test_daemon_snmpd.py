"""net-snmp's snmpd (Debian package snmpd) on 127.0.0.1: v2c GET with the right community, and SNMPv3
engine discovery when the community is wrong (the agent stays silent to v2c)."""

from __future__ import annotations

import json

from realdaemon import free_port, need, running
from udp_ready import wait_answering

from netref.probes import ProbeOptions, run_probe, snmp

COMMUNITY = "daemon-test-ro"


def test_snmpd(tmp_path):
    import socket

    program = need("snmpd", "snmpd")
    port = free_port(socket.SOCK_DGRAM)
    conf = tmp_path / "snmpd.conf"
    conf.write_text(f"agentAddress udp:127.0.0.1:{port}\nrocommunity {COMMUNITY} 127.0.0.1\nsysName netref-snmpd\n")
    argv = [
        program,
        "-f",
        "-Lo",
        "-C",
        "-c",
        conf,
        "-p",
        tmp_path / "pid",
        f"--persistentDir={tmp_path}",
        "-I",
        "-smux",
    ]
    env = {"MIBS": "", "MIBDIRS": str(tmp_path), "SNMP_PERSISTENT_DIR": str(tmp_path)}
    with running(argv, env=env) as process:
        wait_answering(port, snmp.discovery_request(7), process)
        v2c = run_probe("snmp", ProbeOptions("127.0.0.1", port=port, timeout=4, community=COMMUNITY))
        assert v2c.ok, v2c.message
        assert v2c.details["answered"] == "v2c" and v2c.details["sysName"] == "netref-snmpd"
        assert v2c.details["sysObjectID"].startswith("1.3.6.1.4.1.8072.") and v2c.server_software
        assert COMMUNITY not in json.dumps(v2c.to_dict())

        v3 = run_probe("snmp", ProbeOptions("127.0.0.1", port=port, timeout=2))  # "public" is not accepted
        assert v3.ok and v3.details["answered"] == "v3" and v3.details["engine_enterprise"] == "net-snmp (8072)"
