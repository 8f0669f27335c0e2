"""The core tests' hostile servers (tests/probes/servers.py) against the mqtt and socks probes: each
gets a verdict within the deadline, whatever the server does — silent, dripping, flooding, sending
garbage, resetting — and the socks probe with ``--to`` as well, past its greeting; an SSH server's
greeting and an HTTP server's refusal are named as such by both."""

from __future__ import annotations

import random
import time

import pytest
import real_bytes
import servers

from netref.probes import ProbeOptions, run_probe

CASES = [("mqtt", {}), ("mqtt", {"mqtt_version": "5"}), ("socks", {}), ("socks", {"to": "127.0.0.1:80"})]
IDS = ["mqtt-3.1.1", "mqtt-5", "socks", "socks-to"]
SLACK = 0.15  # seconds on top of deadline × 1.1, as in test_core


def timed(protocol: str, port: int, timeout: float, **options):
    started = time.monotonic()
    result = run_probe(protocol, ProbeOptions("127.0.0.1", port=port, timeout=timeout, **options))
    return result, time.monotonic() - started


@pytest.mark.parametrize(("protocol", "options"), CASES, ids=IDS)
def test_silent_server_times_out_within_the_deadline(protocol, options):
    with servers.serve(servers.silent) as server:
        result, wall = timed(protocol, server.port, 0.5, **options)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.5 * 1.1 + SLACK


@pytest.mark.parametrize(("protocol", "options"), CASES, ids=IDS)
def test_drip_feed_cannot_stretch_the_deadline(protocol, options):
    # a CONNACK with a 200-byte body, or a SOCKS5 answer whose CONNECT reply names a 200-byte domain
    text = b"\x20\xc8\x01" + b"\x00" * 200 if protocol == "mqtt" else b"\x05\x00\x05\x00\x00\x03\xc8" + b"a" * 200
    interval = 0.6 if protocol == "socks" and not options else 0.3  # the greeting's answer is 2 bytes
    with servers.serve(servers.drip(text, interval=interval)) as server:
        result, wall = timed(protocol, server.port, 0.5, **options)
    assert (result.verdict, result.category) == ("failed", "timeout"), result.message
    assert wall <= 0.5 * 1.1 + SLACK


def flood(conn) -> None:
    """Pseudo-random bytes (seeded, so every run sees the same), without end."""
    chunk = random.Random(1984).randbytes(65536)
    while True:
        conn.sendall(chunk)


@pytest.mark.parametrize(("protocol", "options"), CASES, ids=IDS)
@pytest.mark.parametrize("handler", [flood, servers.endless_line], ids=["garbage", "endless-line"])
def test_floods_are_protocol_failures_read_no_further(protocol, options, handler):
    with servers.serve(handler) as server:
        result, wall = timed(protocol, server.port, 3, **options)
    assert (result.verdict, result.category) == ("failed", "protocol"), result.message
    assert result.message.isprintable() and len(result.message) < 300
    assert wall < 1.5


@pytest.mark.parametrize(("protocol", "options"), CASES, ids=IDS)
def test_reset_is_a_protocol_failure(protocol, options):
    with servers.serve(servers.reset) as server:
        result, _ = timed(protocol, server.port, 3, **options)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "reset" in result.message or "closed" in result.message, result.message


@pytest.mark.parametrize(("protocol", "name"), [("mqtt", "MQTT"), ("socks", "SOCKS")])
def test_an_ssh_server_is_named(protocol, name, ssh_catalog):
    def sshd(conn) -> None:  # greets at once, as OpenSSH does
        conn.sendall(real_bytes.OPENSSH)
        time.sleep(0.5)

    with servers.serve(sshd) as server:
        result = run_probe(protocol, ProbeOptions("127.0.0.1", port=server.port, timeout=3), ssh_catalog)
    assert not result.ok and result.category == "protocol"
    assert result.message.startswith("an SSH server (OpenSSH_9.2p1) answered")
    assert result.message.endswith(f"not {name}: try netref probe ssh 127.0.0.1:{server.port}")


@pytest.mark.parametrize("protocol", ["mqtt", "socks"])
def test_an_http_server_is_named(protocol):
    def nginx(conn) -> None:  # reads what the client sends first, and refuses it as nginx does
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n\r\n")

    with servers.serve(nginx) as server:
        result, _ = timed(protocol, server.port, 3)
    assert not result.ok and result.category == "protocol"
    assert result.message.startswith("an HTTP server (nginx/1.22.1) answered")
