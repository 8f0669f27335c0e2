"""mosquitto (Debian package mosquitto) on 127.0.0.1: the mqtt probe's CONNECT in MQTT 3.1.1 and 5.0
to an anonymous broker, to one that wants credentials, and to one with limits (its 5.0 CONNACK
properties), and a scan that names MQTT on a free port from the answer to the catalogue's hello."""

from __future__ import annotations

from pathlib import Path

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe
from netref.scan import ScanOptions, scan


def _broker(tmp_path: Path, name: str, port: int, *lines: str) -> Path:
    conf = tmp_path / f"{name}.conf"
    conf.write_text("\n".join([f"listener {port} 127.0.0.1", "persistence false", *lines]) + "\n")
    return conf


def _probe(port: int, version: str | None = None):
    return run_probe("mqtt", ProbeOptions("127.0.0.1", port=port, timeout=5, mqtt_version=version))


def test_mosquitto_accepts_311_and_5_and_names_its_limits(tmp_path):
    program = need("mosquitto", "mosquitto")
    port = free_port()
    limits = ("max_qos 1", "retain_available false", "max_packet_size 2048", "max_keepalive 30")
    with running([program, "-c", _broker(tmp_path, "limits", port, "allow_anonymous true", *limits)], port):
        old, new = _probe(port), _probe(port, "5")
        found = {row.port: row for row in scan(["127.0.0.1"], ScanOptions(ports=[port], timeout=4))}
    assert old.ok and old.message == "MQTT 3.1.1: connection accepted", old.message
    assert old.details["connack"] == "accepted" and old.details["properties"] is None
    assert new.ok and new.message == "MQTT 5: connection accepted", new.message
    details = new.details
    assert (details["maximum_qos"], details["retain_available"], details["maximum_packet_size"]) == (1, False, 2048)
    assert details["server_keep_alive"] == 30  # the probe asked for 60
    assert new.capabilities[0] == "QoS 1" and "retain" not in new.capabilities
    row = found[port]
    assert (row.protocol, row.verdict) == ("mqtt", "ok"), row.message
    assert row.python == "no stdlib client: paho-mqtt (PyPI)"


def test_mosquitto_over_tls_is_mqtts_and_found_behind_a_plaintext_probe(tmp_path, pem_files, ca_file):
    program = need("mosquitto", "mosquitto")
    port = free_port()
    cert, key = pem_files
    conf = _broker(tmp_path, "tls", port, "allow_anonymous true", "user root", f"certfile {cert}", f"keyfile {key}")
    with running([program, "-c", conf], port):
        secure = run_probe(
            "mqtts", ProbeOptions("127.0.0.1", port=port, timeout=5, mqtt_version="5", cafile=str(ca_file))
        )
        plain = _probe(port)
        found = {row.port: row for row in scan(["127.0.0.1"], ScanOptions(ports=[port], timeout=4, insecure=True))}
    assert secure.ok and secure.message == "MQTT 5: connection accepted", secure.message
    assert secure.tls is not None and secure.tls.chain_verified and secure.tls.hostname_verified
    assert not plain.ok and plain.category == "tls"
    assert plain.message.endswith(f"try netref probe mqtts 127.0.0.1:{port}"), plain.message
    assert (found[port].protocol, found[port].tls, found[port].verdict) == ("mqtts", "implicit", "ok"), found[
        port
    ].message


def test_mosquitto_without_anonymous_access_says_not_authorised(tmp_path):
    program = need("mosquitto", "mosquitto")
    port = free_port()
    with running([program, "-c", _broker(tmp_path, "auth", port, "allow_anonymous false")], port):
        old, new = _probe(port), _probe(port, "5")
    assert old.ok and old.message == "MQTT 3.1.1: connection refused: not authorised (netref sends no credentials)"
    assert new.ok and new.details["connack_code"] == 0x87 and new.details["connack"] == "not authorized"
