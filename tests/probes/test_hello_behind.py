"""A server silent to the probe may wait for another protocol's client (issue 18, item 2): after
two seconds of silence the probe sends the catalogue's harmless hellos, each on a connection of its
own, and names what answers (an ``smtp`` probe on a web server says HTTP; an ``ssh`` or ``ldap``
probe on an MQTT broker says MQTT), inside the deadline."""

from __future__ import annotations

import socket
import time

import captures_mqtt_socks as captured
import real_bytes
import servers
import test_mqtt

from netref.probes import ProbeOptions, run_probe
from netref.probes.mismatch import TLS_CHECK_AFTER, TLS_CHECK_BUDGET

#: The silence, the TLS handshake nobody answers, the hellos: well inside the 8 s deadline.
FOUND_WITHIN = TLS_CHECK_AFTER + TLS_CHECK_BUDGET + 1.5


def web_server(answer: bytes = real_bytes.NGINX_200):
    """nginx's exact answer, to a request whose head ends; silent (as nginx waits) to anything else."""

    def handle(conn: socket.socket) -> None:
        if servers.receive_until(conn, lambda data: b"\r\n\r\n" in data, wait=8) is not None:
            conn.sendall(answer)

    return handle


def probe(protocol: str, port: int, timeout: float = 8.0):
    started = time.monotonic()
    result = run_probe(protocol, ProbeOptions("127.0.0.1", port=port, timeout=timeout))
    return result, time.monotonic() - started


def test_a_server_first_probe_on_a_web_server_names_http():
    with servers.serve(web_server()) as web:
        result, took = probe("smtp", web.port)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith(f"silent for {TLS_CHECK_AFTER:g} s: no greeting; it answers HTTP's hello: ")
    assert "an HTTP server (nginx/1.22.1), not SMTP: try netref probe http 127.0.0.1:" in result.message
    assert result.server_software == "nginx/1.22.1" and result.software_source == "Server header"
    assert took < FOUND_WITHIN  # found by the first hello, not at the deadline


def test_a_client_first_probe_met_by_silence_names_http():
    """MQTT's CONNECT has no line end: a web server waits for the rest of its request line."""
    with servers.serve(web_server()) as web:
        result, took = probe("mqtt", web.port)
    assert result.category == "protocol"
    assert result.message.startswith("silent for 2 s: no answer to the request; it answers HTTP's hello: ")
    assert "not MQTT: try netref probe http" in result.message and took < FOUND_WITHIN


def test_an_ssh_probe_on_an_mqtt_broker_names_mqtt():
    """The HTTP hello comes first: a broker that refuses it (closing) is asked in MQTT next."""

    def broker(conn: socket.socket) -> None:
        first = test_mqtt.read_packet(conn)
        if first is not None and first[:1] == b"\x10":  # a CONNECT: mosquitto's CONNACK
            conn.sendall(captured.MOSQUITTO_311_ACCEPTED)
            test_mqtt.read_packet(conn)

    with servers.serve(broker) as mqtt:
        result, took = probe("ssh", mqtt.port)
    assert result.category == "protocol"
    assert "it answers MQTT's hello: an MQTT server, not SSH: try netref probe mqtt" in result.message
    assert took < FOUND_WITHIN


def test_a_server_silent_to_every_hello_still_times_out_at_the_deadline():
    with servers.serve(servers.silent) as mute:
        result, took = probe("smtp", mute.port, timeout=5)
    assert result.category == "timeout" and "answers" not in result.message
    assert took < 5 * 1.1 + 0.2


def test_short_deadlines_send_no_hello():
    """Below twice the silence check's time the probe only waits: its deadline is the user's."""
    accepted: list[int] = []

    def count(conn: socket.socket) -> None:
        accepted.append(1)
        servers.silent(conn)

    with servers.serve(count) as mute:
        result, _ = probe("smtp", mute.port, timeout=2 * TLS_CHECK_AFTER)
    assert result.category == "timeout" and len(accepted) == 1


def test_a_socks_server_takes_a_not_an():
    with servers.serve(lambda conn: conn.sendall(captured.SOCKS5_NO_AUTH) or servers.silent(conn)) as proxy:
        result, _ = probe("mqtt", proxy.port, timeout=3)
    assert "a SOCKS server answered" in result.message, result.message
