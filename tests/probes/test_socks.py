"""The socks probe against the exact replies of Dante 1.4.2, microsocks 1.0.3 and OpenSSH's ssh -D
(captures_mqtt_socks.py), ``--to`` checked before anything is sent, and hostile proxies: silent,
drip-feeding, a wrong version, a malformed reply, the wrong protocol."""

from __future__ import annotations

import socket
import time

import captures_mqtt_socks as real
import pytest
from probing import assert_times_out, probe
from servers import receive_exactly, serve

from netref.probes import ProbeOptions, ProbeUsageError, run_probe, socks


def read_request(conn: socket.socket) -> bytes | None:
    """One SOCKS5 CONNECT request (RFC 1928 4), read by its address type; None at EOF."""
    head = receive_exactly(conn, 4)
    if head is None:
        return None
    if head[3] == 3:
        size = receive_exactly(conn, 1)
        rest = None if size is None else receive_exactly(conn, size[0] + 2)
        return None if rest is None or size is None else head + size + rest
    rest = receive_exactly(conn, (4 if head[3] == 1 else 16) + 2)
    return None if rest is None else head + rest


def proxy(
    method: bytes,
    reply: bytes | None = None,
    sent: list[bytes] | None = None,
    *,
    drip: float = 0.0,
    close: bool = False,
):
    """A proxy that reads the greeting, answers ``method``; reads a CONNECT and answers ``reply``
    (closing without a word for ``b""``); records what the client sent until it hangs up (or
    closes at once with ``close``)."""

    def handle(conn: socket.socket) -> None:
        conn.settimeout(3)
        greeting = receive_exactly(conn, len(socks.GREETING))
        if greeting is None:
            return
        if sent is not None:
            sent.append(greeting)
        for index in range(len(method)) if drip else ():
            conn.sendall(method[index : index + 1])
            time.sleep(drip)
        if not drip:
            conn.sendall(method)
        if reply is not None:
            request = read_request(conn)
            if request is None:
                return
            if sent is not None:
                sent.append(request)
            if not reply:
                return
            conn.sendall(reply)
        while not close and (chunk := conn.recv(256)):
            if sent is not None:
                sent.append(chunk)

    return handle


@pytest.mark.parametrize("server", ["dante", "microsocks", "ssh -D"])
def test_an_open_proxy_selects_no_authentication_and_is_sent_nothing_more(server):
    sent: list[bytes] = []
    with serve(proxy(real.SOCKS5_NO_AUTH, sent=sent)) as listening:
        result = probe("socks", listening)
        time.sleep(0.1)
    assert result.ok, result.message
    assert result.message == "SOCKS5: the proxy selected no authentication (an open proxy to whoever reaches it)"
    assert result.greeting == "SOCKS5 method 0x00: no authentication"
    assert result.details["socks_version"] == 5 and result.details["method_code"] == 0
    assert result.details["no_authentication"] is True
    assert result.details["methods_offered"] == ["no authentication", "username/password", "GSSAPI"]
    assert result.warnings == ["the proxy relays without authentication: anyone who can reach it can use it"]
    assert sent == [b"\x05\x03\x00\x02\x01"]  # the greeting only: no CONNECT without --to


def test_a_proxy_that_wants_a_username_and_password():
    sent: list[bytes] = []
    with serve(proxy(real.SOCKS5_USERNAME, sent=sent)) as listening:  # dante socksmethod username, microsocks -u
        result = probe("socks", listening)
        time.sleep(0.1)
    assert result.ok and result.message == "SOCKS5: the proxy selected username/password (it wants credentials)"
    assert result.details["no_authentication"] is False and result.capabilities == ["username/password"]
    assert result.warnings == [] and sent == [socks.GREETING]


def test_a_proxy_that_accepts_no_method_offered():
    with serve(proxy(b"\x05\xff")) as listening:
        result = probe("socks", listening)
    assert result.ok
    assert result.message == "SOCKS5: the proxy accepts none of no authentication, username/password, GSSAPI"
    with serve(proxy(b"\x05\xff")) as listening:
        result = probe("socks", listening, to="127.0.0.1:80")
    assert not result.ok
    assert result.message == (
        "CONNECT to 127.0.0.1:80 not tried: it accepts none of the methods offered, and netref does not log in"
    )


def test_to_is_not_tried_through_a_proxy_that_wants_credentials():
    sent: list[bytes] = []
    with serve(proxy(real.SOCKS5_USERNAME, sent=sent)) as listening:
        result = probe("socks", listening, to="127.0.0.1:80")
        time.sleep(0.1)
    assert not result.ok and result.category == "protocol"
    assert result.message == "CONNECT to 127.0.0.1:80 not tried: it wants username/password, and netref does not log in"
    assert sent == [socks.GREETING]


@pytest.mark.parametrize(
    ("reply", "bound"),
    [(real.DANTE_CONNECT_OK, "127.0.0.1:49893"), (real.MICROSOCKS_CONNECT_OK, "0.0.0.0:0"),
     (real.SSH_D_CONNECT_OK, "0.0.0.0:0")],
)  # fmt: skip
def test_connect_succeeds_and_nothing_goes_through_the_tunnel(reply, bound):
    sent: list[bytes] = []
    with serve(proxy(real.SOCKS5_NO_AUTH, reply, sent)) as listening:
        result = probe("socks", listening, to="127.0.0.1:1883")
        time.sleep(0.1)
    assert result.ok, result.message
    assert (
        result.message
        == f"SOCKS5, no authentication: CONNECT to 127.0.0.1:1883 succeeded (bound {bound}); closed at once"
    )
    details = result.details
    assert (details["connect_to"], details["reply_code"], details["reply"]) == ("127.0.0.1:1883", 0, "succeeded")
    assert details["bound_address"] == bound
    assert sent == [socks.GREETING, b"\x05\x01\x00\x01\x7f\x00\x00\x01\x07\x5b"]  # and nothing after the reply


@pytest.mark.parametrize(
    ("reply", "to", "message"),
    [
        (real.DANTE_CONNECT_REFUSED, "127.0.0.1:1", "SOCKS5 CONNECT to 127.0.0.1:1: connection refused (reply 5)"),
        (real.DANTE_CONNECT_BLOCKED, "10.1.2.3:80",
         "SOCKS5 CONNECT to 10.1.2.3:80: connection not allowed by ruleset (reply 2)"),
        (real.DANTE_CONNECT_IPV6, "[::1]:1", "SOCKS5 CONNECT to [::1]:1: address type not supported (reply 8)"),
        (real.MICROSOCKS_CONNECT_REFUSED, "127.0.0.1:1", "SOCKS5 CONNECT to 127.0.0.1:1: connection refused (reply 5)"),
        (real.SSH_D_CONNECT_REFUSED, "127.0.0.1:1",
         "the proxy closed the connection without answering CONNECT (it could not connect?)"),
    ],
)  # fmt: skip
def test_connect_refusals_are_named_in_words(reply, to, message):
    with serve(proxy(real.SOCKS5_NO_AUTH, reply)) as listening:
        result = probe("socks", listening, to=to)
    assert not result.ok and result.category == "protocol"
    assert result.message == message


def test_connect_requests_carry_the_address_type_of_the_destination():
    assert socks.connect_request("127.0.0.1", 80) == b"\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50"
    assert socks.connect_request("::1", 80) == b"\x05\x01\x00\x04" + b"\x00" * 15 + b"\x01\x00\x50"
    assert socks.connect_request("example.org", 443) == b"\x05\x01\x00\x03\x0bexample.org\x01\xbb"
    assert socks.destination("[::1]:80") == ("::1", 80)
    assert socks.destination("Bücher.example:80") == ("xn--bcher-kva.example", 80)


def test_a_socks4_reply_to_the_greeting_is_socks4():
    with serve(proxy(real.DANTE_SOCKS4_REJECTED)) as listening:
        result = probe("socks", listening)
    assert result.ok
    assert result.message == (
        "SOCKS4, not SOCKS5: it answered the SOCKS5 greeting with a SOCKS4 reply (request rejected or failed)"
    )
    assert result.details["socks_version"] == 4 and result.details["reply_code"] == 0x5B


@pytest.mark.parametrize(
    "bad", ["nope", "host:", ":80", "host:0", "host:65536", "host:http", "::1:80", "[1.2.3.4]:80", "a b:80", "a/b:80"]
)
def test_to_must_be_host_port(bad):
    with pytest.raises(ProbeUsageError, match=r"^--to: "):
        run_probe("socks", ProbeOptions("127.0.0.1", port=1, to=bad))


# -- hostile proxies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "reply", "message"),
    [
        (b"\x04\x00", None, "not a SOCKS5 answer: version byte 4 (expected 5)"),
        (b"\x05\x00", b"\x04\x00\x00\x01\x7f\x00\x00\x01\x00\x50",
         "malformed SOCKS5 reply: version byte 4 (expected 5)"),
        (b"\x05\x00", b"\x05\x00\x01\x01\x7f\x00\x00\x01\x00\x50",
         "malformed SOCKS5 reply: reserved byte 1 (expected 0)"),
        (b"\x05\x00", b"\x05\x00\x00\x07\x7f\x00\x00\x01\x00\x50",
         "malformed SOCKS5 reply: address type 7 (expected 1, 3 or 4)"),
        (b"\x05\x00", b"\x05\x00\x00\x01\x7f\x00", "the server closed the connection inside the SOCKS5 bound address"),
        (b"\x05\x00", b"\x05\x00", "the server closed the connection inside the SOCKS5 reply"),
        (b"\x05\x05", None, "SOCKS5: the proxy selected method 0x05 (IANA-assigned, not offered)"),
        (b"\x05", None, "the server closed the connection without answering the SOCKS5 greeting"),
    ],
)  # fmt: skip
def test_malformed_answers(method, reply, message):
    with serve(proxy(method, reply, close=True)) as listening:
        result = probe("socks", listening, to="127.0.0.1:80" if reply is not None else None, timeout=3)
    assert not result.ok and result.category == "protocol"
    assert result.message.startswith(message)


def test_a_domain_bound_address():
    reply = b"\x05\x00\x00\x03\x09proxy.lan\x1f\x90"
    with serve(proxy(b"\x05\x00", reply)) as listening:
        result = probe("socks", listening, to="example.org:443")
    assert result.ok and result.details["bound_address"] == "proxy.lan:8080"


def test_a_drip_feeding_proxy_gets_a_timeout_inside_the_deadline():
    with serve(proxy(b"\x05\x00", real.DANTE_CONNECT_OK, drip=0.6)) as listening:
        assert_times_out("socks", listening, 1, to="127.0.0.1:80")


def test_an_mqtt_broker_is_not_a_socks_proxy():
    """mosquitto closes a connection whose first byte is no MQTT packet type (5 is reserved)."""

    def mosquitto(conn: socket.socket) -> None:
        conn.recv(64)

    with serve(mosquitto) as listening:
        result = probe("socks", listening, timeout=3)
    assert not result.ok
    assert result.message.startswith("the server closed the connection without answering the SOCKS5 greeting")


# -- identification (the catalogue's facts) ------------------------------------------------------


def test_real_method_answers_identify_socks_for_certain():
    from netref.catalog import load_catalog
    from netref.identify import hello_plan, identify

    catalog = load_catalog()
    for answer in (real.SOCKS5_NO_AUTH, real.SOCKS5_USERNAME, real.MICROSOCKS_TO_SOCKS4):
        found = identify(answer, catalog)
        assert found is not None and (found.protocol, found.certain) == ("socks", True)
    socks4 = identify(real.DANTE_SOCKS4_REJECTED, catalog)
    assert socks4 is not None and (socks4.protocol, socks4.certain) == ("socks", False)  # a hint: 8 bytes of a shape
    assert hello_plan(catalog, "socks")[0] == b"\x05\x02\x00\x02"  # no authentication or username/password
    assert b"\x05\x02\x00\x02" in hello_plan(catalog)
