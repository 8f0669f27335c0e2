"""The mqtt/mqtts probe against the exact CONNACKs of mosquitto 2.0.11, ejabberd 23.01's mod_mqtt and
amqtt 0.12.1 (captures_mqtt_socks.py), and against hostile brokers: silent, drip-feeding, malformed lengths,
oversized and broken properties, the wrong packet, the wrong protocol."""

from __future__ import annotations

import socket
import struct
import time

import captures_mqtt_socks as real
import pytest
from probing import assert_times_out, probe
from servers import receive_exactly, serve

from netref.probes import ProbeOptions, ProbeUsageError, mqtt, run_probe


def read_packet(conn: socket.socket) -> bytes | None:
    """One MQTT packet from the client (fixed header, remaining length, body), or None at EOF."""
    conn.settimeout(3)
    head = conn.recv(1)
    if not head:
        return None
    length, shift, raw = 0, 0, b""
    while True:
        byte = conn.recv(1)
        if not byte:
            return None
        raw += byte
        length |= (byte[0] & 0x7F) << shift
        shift += 7
        if not byte[0] & 0x80:
            break
    body = receive_exactly(conn, length)
    return None if body is None else head + raw + body


def broker(answer: bytes, received: list[bytes] | None = None, *, close: bool = False, drip: float = 0.0):
    """A broker that reads CONNECT, sends ``answer`` (byte by byte every ``drip`` seconds), then
    records whatever the client sends until it hangs up (or closes at once with ``close``)."""

    def handle(conn: socket.socket) -> None:
        connect = read_packet(conn)
        if connect is None:
            return
        if received is not None:
            received.append(connect)
        if drip:
            for index in range(len(answer)):
                conn.sendall(answer[index : index + 1])
                time.sleep(drip)
        else:
            conn.sendall(answer)
        if close:
            return
        while (packet := read_packet(conn)) is not None:
            if received is not None:
                received.append(packet)

    return handle


def test_mosquitto_311_accepts_and_the_probe_connects_cleanly_and_disconnects():
    received: list[bytes] = []
    with serve(broker(real.MOSQUITTO_311_ACCEPTED, received)) as server:
        result = probe("mqtt", server)
        time.sleep(0.1)
    assert result.ok, result.message
    assert result.message == "MQTT 3.1.1: connection accepted"
    assert result.greeting == "CONNACK 0x00: accepted"
    details = result.details
    assert details["mqtt_version"] == "3.1.1" and details["connack_code"] == 0 and details["connack"] == "accepted"
    assert details["session_present"] is False and details["properties"] is None
    assert result.server_software is None and result.capabilities == []
    connect, disconnect = received
    ident = details["client_id"]
    assert ident.startswith("netref") and len(ident) == 18 and ident.isalnum()
    # CONNECT: protocol MQTT level 4, flags = clean session only (no will, no user, no password)
    assert connect == b"\x10" + bytes([12 + len(ident)]) + b"\x00\x04MQTT\x04\x02\x00\x3c\x00\x12" + ident.encode()
    assert disconnect == b"\xe0\x00"


def test_a_session_present_after_a_clean_session_is_a_warning():
    with serve(broker(b"\x20\x02\x01\x00")) as server:
        result = probe("mqtt", server)
    assert result.ok and result.details["session_present"] is True
    assert result.message == "MQTT 3.1.1: connection accepted; a session was present"
    assert result.warnings == ["the broker says a session was present, although the CONNECT asked for a clean one"]


def test_every_probe_generates_a_new_client_id():
    seen: list[bytes] = []
    with serve(broker(real.MOSQUITTO_311_ACCEPTED, seen)) as server:
        first, second = probe("mqtt", server), probe("mqtt", server)
    assert first.details["client_id"] != second.details["client_id"]


def test_mosquitto_5_accepts_with_its_properties():
    received: list[bytes] = []
    with serve(broker(real.MOSQUITTO_5_ACCEPTED, received)) as server:
        result = probe("mqtt", server, mqtt_version="5")
        time.sleep(0.1)
    assert result.ok and result.message == "MQTT 5: connection accepted"
    details = result.details
    assert details["connack"] == "success" and details["properties"] == ["receive_maximum", "topic_alias_maximum"]
    assert details["topic_alias_maximum"] == 10 and details["receive_maximum"] == 20
    assert result.capabilities == ["QoS 2", "retain", "wildcard subscriptions", "subscription identifiers",
                                   "shared subscriptions"]  # fmt: skip
    connect = received[0]
    assert connect[2:10] == b"\x00\x04MQTT\x05\x02" and connect[12:13] == b"\x00"  # level 5, no properties
    assert received[1] == b"\xe0\x00"


def test_mosquitto_5_limits_are_decoded_and_limit_the_features():
    with serve(broker(real.MOSQUITTO_5_LIMITS)) as server:
        result = probe("mqtt", server, mqtt_version="5")
    assert result.ok
    details = result.details
    assert (details["maximum_qos"], details["retain_available"], details["maximum_packet_size"]) == (1, False, 2048)
    assert (details["server_keep_alive"], details["topic_alias_maximum"], details["receive_maximum"]) == (30, 5, 20)
    assert result.capabilities == [
        "QoS 1",
        "wildcard subscriptions",
        "subscription identifiers",
        "shared subscriptions",
    ]


def test_mosquitto_5_assigned_client_identifier():
    with serve(broker(real.MOSQUITTO_5_ASSIGNED_ID)) as server:
        result = probe("mqtt", server, mqtt_version="5")
    assert result.details["assigned_client_identifier"] == "auto-D3719A08-B0C4-002A-CBB2-21010AED0CD1"


@pytest.mark.parametrize(
    ("answer", "version", "message"),
    [
        (real.MOSQUITTO_311_NOT_AUTHORISED, "3.1.1",
         "MQTT 3.1.1: connection refused: not authorised (netref sends no credentials)"),
        (real.MOSQUITTO_5_NOT_AUTHORIZED, "5",
         "MQTT 5: connection refused: not authorized (netref sends no credentials)"),
        (real.AMQTT_311_NOT_AUTHORISED, "3.1.1",
         "MQTT 3.1.1: connection refused: not authorised (netref sends no credentials)"),
        (real.EJABBERD_311_NOT_AUTHORISED, "3.1.1",
         "MQTT 3.1.1: connection refused: not authorised (netref sends no credentials)"),
        (real.EJABBERD_5_NOT_AUTHORIZED, "5",
         "MQTT 5: connection refused: not authorized (netref sends no credentials)"),
    ],
)  # fmt: skip
def test_a_broker_that_wants_credentials_answered(answer, version, message):
    """A refusal for want of credentials is an answer: the broker is up and speaks MQTT."""
    received: list[bytes] = []
    with serve(broker(answer, received, close=True)) as server:
        result = probe("mqtt", server, mqtt_version=version)
    assert result.ok and result.message == message
    assert result.capabilities == []
    assert len(received) == 1  # no DISCONNECT after a refusal: the broker closes


def test_amqtt_accepts_311_and_refuses_5_in_311_words():
    with serve(broker(real.AMQTT_311_ACCEPTED)) as server:
        assert probe("mqtt", server).message == "MQTT 3.1.1: connection accepted"
    with serve(broker(real.AMQTT_5_UNACCEPTABLE_VERSION, close=True)) as server:
        result = probe("mqtt", server, mqtt_version="5")
    assert not result.ok and result.category == "protocol"
    assert result.message == (
        "MQTT 5: the broker refused the version: unacceptable protocol version; try --mqtt-version 3.1.1"
    )
    assert result.details["connack_code"] == 1 and result.details["properties"] is None


def test_a_5_refusal_with_a_reason_string_and_server_reference():
    props = b"\x1f\x00\x0bmaintenance\x1c\x00\x0fother.example:1"
    answer = b"\x20" + bytes([3 + len(props)]) + b"\x00\x9c" + bytes([len(props)]) + props
    with serve(broker(answer, close=True)) as server:
        result = probe("mqtt", server, mqtt_version="5")
    assert not result.ok
    assert result.message == (
        "MQTT 5: the broker refused the connection: use another server (maintenance); it names other.example:1"
    )


def test_user_properties_are_listed_and_counted():
    pair = b"\x26\x00\x01k\x00\x01v"
    props = pair * 25
    body = b"\x00\x00" + mqtt.encode_length(len(props)) + props  # 175 bytes: a two-byte property length
    answer = b"\x20" + mqtt.encode_length(len(body)) + body
    with serve(broker(answer)) as server:
        result = probe("mqtt", server, mqtt_version="5")
    assert result.ok
    assert result.details["user_property_count"] == 25 and result.details["user_properties"] == ["k=v"] * 20


def test_mqtts_speaks_the_same_inside_tls(server_ssl_context, ca_file):
    with serve(broker(real.MOSQUITTO_5_LIMITS), ssl_context=server_ssl_context) as server:
        result = probe("mqtts", server, ca_file=ca_file, mqtt_version="5")
    assert result.ok, result.message
    assert result.tls is not None and result.tls.chain_verified
    assert result.details["maximum_qos"] == 1


@pytest.mark.parametrize("bad", ["4", "5.0", "3.1", "", "v5"])
def test_an_mqtt_version_other_than_311_or_5_is_a_usage_error(bad):
    with pytest.raises(ProbeUsageError, match=r"--mqtt-version: expected 3\.1\.1 or 5"):
        run_probe("mqtt", ProbeOptions("127.0.0.1", port=1, mqtt_version=bad))


# -- hostile brokers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"\x20\xff\xff\xff\xff\x01\x00\x00", "malformed CONNACK: its remaining length runs past four bytes"),
        (b"\x20\xff\xff\xff\x7f", "the server announced a CONNACK of 268435455 bytes, more than 65536 a probe reads"),
        (b"\x20\x05\x00\x00", "the server announced a CONNACK of 5 bytes and closed after 2"),
        (b"\x30\x02\x00\x00",
         "no CONNACK: the server answered CONNECT with a byte 0x30 (as MQTT: a PUBLISH packet header)"),
        (b"\xe0\x00", "no CONNACK: the server answered CONNECT with a byte 0xe0 (as MQTT: a DISCONNECT packet header)"),
        (b"\x20\x02\x02\x00", "malformed CONNACK: acknowledge flags 0x02: only bit 0 (session present) may be set"),
        (b"\x20\x03\x00\x00\x00", "malformed CONNACK: an MQTT 3.1.1 CONNACK is 2 bytes, not 3"),
        (b"\x20\x02\x00\x09", None),
        (b"", "the server closed the connection without answering CONNECT"),
    ],
)  # fmt: skip
def test_malformed_311_connacks(answer, message):
    with serve(broker(answer, close=True)) as server:
        result = probe("mqtt", server, timeout=3)
    assert not result.ok and result.category == "protocol"
    if message is None:
        assert result.message == "MQTT 3.1.1: the broker refused the connection: an unknown code"
    else:
        assert result.message.startswith(message)  # the core may add that the port could want TLS


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (b"\x7f\x00\x00\x00\x00", "its property length says 127 bytes, but 4 follow"),  # past the packet
        (b"\xff\xff\xff\xff\x01", "its property length runs past four bytes"),
        (b"\x01\x24", "property maximum_qos runs past the property list"),
        (b"\x02\x24\x02", "property maximum_qos is 2, not 0 or 1"),
        (b"\x02\x25\x07", "property retain_available is 7, not 0 or 1"),
        (b"\x02\x01\x00", "property 0x01 is not one a CONNACK carries"),  # payload format: a PUBLISH property
        (b"\x04\x24\x00\x24\x01", "property maximum_qos appears twice"),
        (b"\x05\x1f\x00\x02\xff\xfe", "property reason_string is not UTF-8"),
        (b"\x03\x21\x00\x00", "property receive_maximum is 0, which MQTT 5.0 forbids"),
        (b"\x05\x1f\x00\x09ab", "property reason_string says 9 bytes, past the end of the property list"),
    ],
)
def test_malformed_5_properties(properties, message):
    answer = b"\x20" + mqtt.encode_length(2 + len(properties)) + b"\x00\x00" + properties
    with serve(broker(answer)) as server:
        result = probe("mqtt", server, mqtt_version="5", timeout=3)
    assert not result.ok and result.category == "protocol"
    assert result.message == "malformed CONNACK: " + message


def test_oversized_properties_are_refused_before_they_are_read():
    """A CONNACK announcing 1 MiB of properties: refused from its header, nothing more is read."""
    answer = b"\x20" + mqtt.encode_length(1 << 20) + b"\x00\x00" + mqtt.encode_length((1 << 20) - 3)
    with serve(broker(answer)) as server:
        started = time.monotonic()
        result = probe("mqtt", server, mqtt_version="5", timeout=3)
    assert not result.ok and "more than 65536 a probe reads" in result.message
    assert time.monotonic() - started < 1


def test_a_drip_feeding_broker_gets_a_timeout_inside_the_deadline():
    with serve(broker(real.MOSQUITTO_5_ASSIGNED_ID, drip=0.1)) as server:
        assert_times_out("mqtt", server, 1, mqtt_version="5")


def test_the_connect_packet_and_length_encoding():
    assert mqtt.encode_length(0) == b"\x00" and mqtt.encode_length(127) == b"\x7f"
    assert mqtt.encode_length(128) == b"\x80\x01" and mqtt.encode_length(268435455) == b"\xff\xff\xff\x7f"
    assert mqtt.connect_packet(5, "x") == b"\x10\x0e\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01x"
    assert struct.unpack("!H", mqtt.connect_packet(4, "")[10:12])[0] == mqtt.KEEP_ALIVE


# -- identification (the catalogue's facts) ------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [real.MOSQUITTO_HELLO_ANSWER, real.AMQTT_HELLO_ANSWER, real.MOSQUITTO_5_LIMITS, real.MOSQUITTO_5_ASSIGNED_ID,
     real.MOSQUITTO_5_NOT_AUTHORIZED, real.AMQTT_5_UNACCEPTABLE_VERSION, real.MOSQUITTO_311_NOT_AUTHORISED],
)  # fmt: skip
def test_real_connacks_identify_mqtt_for_certain(answer):
    from netref.catalog import load_catalog
    from netref.identify import identify

    found = identify(answer, load_catalog())
    assert found is not None and (found.protocol, found.certain, found.software) == ("mqtt", True, None)


def test_the_hello_is_a_311_connect_with_an_empty_client_id_tried_blind():
    from netref.catalog import load_catalog
    from netref.identify import hello_plan

    catalog = load_catalog()
    hello = mqtt.connect_packet(4, "")
    assert hello_plan(catalog, "mqtt")[0] == hello_plan(catalog, "mqtts")[0] == hello
    assert hello in hello_plan(catalog)  # harmless elsewhere: sent on ports of unknown protocol too


def test_plaintext_mqtt_on_a_tls_port_finds_mqtt_inside_tls(server_ssl_context):
    with serve(broker(real.MOSQUITTO_311_ACCEPTED), ssl_context=server_ssl_context) as server:
        result = probe("mqtt", server, timeout=4)
    assert not result.ok and result.category == "tls"
    assert "the server speaks TLS on this port" in result.message and "an MQTT server" in result.message
    assert result.message.endswith(f"try netref probe mqtts 127.0.0.1:{server.port}")


def test_mqtts_on_a_plaintext_broker_fails_in_tls():
    """mosquitto closes a connection whose first byte is no valid packet header: a ClientHello's 0x16
    reads as a CONNECT with flags 6, which MQTT forbids."""

    def mosquitto(conn: socket.socket) -> None:
        conn.recv(1)

    with serve(mosquitto) as server:
        result = probe("mqtts", server, timeout=3)
    assert not result.ok and result.category == "tls"
