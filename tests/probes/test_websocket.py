"""The websocket family (websocket, wss): real servers' bytes replayed (websocketd, python3-websockets,
nginx proxying websocketd), the handshake checked, the Close frame, and hostile servers."""

from __future__ import annotations

import base64
import socket
import struct
import time

import captures_http_carried as real
import pytest
import servers
from http_carried_servers import read_head
from probing import probe

from netref.identify import identify
from netref.probes import ProbeOptions, ProbeUsageError, default_catalog, run_probe
from netref.probes import websocket as family

SLACK = 0.15  # seconds on top of deadline × 1.1, as in test_core
#: A client's Close frame with code 1000: 2 bytes of head, 4 of mask, 2 of payload.
CLOSE_FRAME_BYTES = 8


@pytest.fixture(autouse=True)
def captured_key(monkeypatch):
    """The key the captures answer (the probe draws a fresh one otherwise)."""
    monkeypatch.setattr(family, "new_key", lambda: real.WS_KEY)


def read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def replay(capture: bytes, seen: list[bytes] | None = None, after_close: bytes | None = None) -> servers.Handler:
    """The captured head after the request, the rest (the Close reply) after the client's Close frame."""
    head, _, rest = capture.partition(b"\r\n\r\n")

    def handle(conn: socket.socket) -> None:
        request = read_head(conn)
        if not request.startswith(b"GET "):
            return
        conn.sendall(head + b"\r\n\r\n")
        frame = read_exactly(conn, CLOSE_FRAME_BYTES) if capture.startswith(b"HTTP/1.1 101") else b""
        if seen is not None:
            seen.extend([request, frame])
        conn.sendall(rest if after_close is None else after_close)
        servers._until_closed(conn, 3)

    return handle


def test_websocketd_upgrade_verified_and_closed():
    seen: list[bytes] = []
    with servers.serve(replay(real.WEBSOCKETD, seen)) as server:
        result = probe("websocket", server)
    assert result.ok, result.message
    assert result.message == "WebSocket upgrade accepted; closed 1000"
    assert result.greeting == "HTTP/1.1 101 Switching Protocols" and result.server_software is None
    details = result.details
    assert details["accept_verified"] is True and details["close_code"] == 1000 and "close_reason" not in details
    assert details["extensions"] == [] and "subprotocol" not in details and details["path"] == "/"
    assert details["messages_before_close"] == 0 and details["status"] == 101
    assert result.capabilities == ["RFC 6455"] and result.module == "http.client"
    request, frame = seen
    assert request.startswith(b"GET / HTTP/1.1\r\n")
    for header in (b"Upgrade: websocket", b"Connection: Upgrade", b"Sec-WebSocket-Version: 13",
                   b"Sec-WebSocket-Key: " + real.WS_KEY.encode()):
        assert header + b"\r\n" in request
    assert frame[0] == 0x88 and frame[1] == 0x82  # FIN + Close; masked, 2 bytes of payload
    mask, payload = frame[2:6], frame[6:8]
    assert struct.unpack("!H", bytes(byte ^ mask[index] for index, byte in enumerate(payload)))[0] == 1000


def test_python_websockets_offers_permessage_deflate_and_names_itself():
    with servers.serve(replay(real.PYTHON_WEBSOCKETS)) as server:
        result = probe("websocket", server)
    assert result.ok, result.message
    deflate = "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"
    assert result.details["extensions"] == [deflate] and result.capabilities == ["RFC 6455", deflate]
    assert (result.server_software, result.software_source) == ("Python/3.11 websockets/10.4", "Server header")
    assert result.message == f"WebSocket upgrade accepted, {deflate}; closed 1000"


def test_nginx_proxying_websocketd_at_a_path():
    seen: list[bytes] = []
    with servers.serve(replay(real.NGINX_WEBSOCKETD, seen)) as server:
        result = probe("websocket", server, path="/ws")
    assert result.ok, result.message
    assert seen[0].startswith(b"GET /ws HTTP/1.1\r\n") and result.details["path"] == "/ws"
    assert result.server_software == "nginx/1.22.1" and result.details["close_code"] == 1000


def test_a_plain_http_answer_instead_of_101_fails_saying_what_answered():
    with servers.serve(replay(real.NGINX_200)) as server:
        result = probe("websocket", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == "no WebSocket at /: the server answered 'HTTP/1.1 200 OK' from nginx/1.22.1"
    assert result.greeting == "HTTP/1.1 200 OK" and result.server_software == "nginx/1.22.1"


def test_a_wrong_accept_is_refused(monkeypatch):
    monkeypatch.setattr(family, "new_key", lambda: base64.b64encode(b"another key, 16b").decode())
    with servers.serve(replay(real.WEBSOCKETD)) as server:
        result = probe("websocket", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith("Sec-WebSocket-Accept is 'zquySgQgxNZIedC2XYqh0PBulWk=', not ")
    assert result.details["accept_verified"] is False


def test_the_accept_is_rfc_6455s_example():
    assert family.accept_for("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455, 1.3


def test_a_101_to_another_protocol_is_refused():
    with servers.serve(replay(real.WEBSOCKETD.replace(b"Upgrade: websocket", b"Upgrade: h2c"))) as server:
        result = probe("websocket", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "to something else than WebSocket (Upgrade: h2c)" in result.message


def test_messages_before_the_close_reply_are_counted():
    frames = b"\x81\x05hello" + b"\x82\x7e\x01\x00" + b"x" * 256 + b"\x89\x00" + b"\x88\x05\x03\xe9bye"
    with servers.serve(replay(real.WEBSOCKETD, after_close=frames)) as server:
        result = probe("websocket", server)
    assert result.ok, result.message
    assert result.details["messages_before_close"] == 2
    assert (result.details["close_code"], result.details["close_reason"]) == (1001, "bye")


def test_no_close_reply_is_a_warning_within_the_deadline():
    with servers.serve(replay(real.WEBSOCKETD, after_close=b"")) as server:
        started = time.monotonic()
        result = probe("websocket", server, timeout=1.0)
        wall = time.monotonic() - started
    assert result.ok, result.message
    assert result.warnings == ["no Close reply to our Close frame: none within 2 s"]
    assert result.details["close_code"] is None and result.message.endswith("; no Close reply")
    assert wall <= 1.0 * 1.1 + SLACK


def test_a_server_that_hangs_up_instead_of_closing_is_a_warning():
    def hang_up(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(real.WEBSOCKETD.partition(b"\r\n\r\n")[0] + b"\r\n\r\n")

    with servers.serve(hang_up) as server:
        result = probe("websocket", server)
    assert result.ok, result.message
    [warning] = result.warnings  # closed, or reset (our Close frame unread): the kernel's timing decides
    assert warning in ("no Close reply to our Close frame: the server closed the connection without one",
                       "no Close reply to our Close frame: the server reset the connection without one",
                       "no Close reply to our Close frame: the server closed the connection first")


@pytest.mark.parametrize(
    ("frames", "fragment"),
    [
        (b"\x82\x7f" + (2**62).to_bytes(8, "big"), f"announced a frame of {2**62} bytes, more than a probe reads"),
        (b"\x88\x7e\x01\x00" + b"x" * 256, "malformed close frame"),
        (b"\x88\x82abcd\x62\x8a", "masked frame"),
        (b"\x83\x00", "reserved opcode 0x3"),
    ],
)
def test_hostile_frames_are_protocol_failures(frames, fragment):
    with servers.serve(replay(real.WEBSOCKETD, after_close=frames)) as server:
        result = probe("websocket", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert fragment in result.message, result.message


def test_an_oversized_header_is_a_protocol_failure():
    big = b"HTTP/1.1 101 Switching Protocols\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
    with servers.serve(replay(big)) as server:
        result = probe("websocket", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "not an HTTP answer" in result.message and len(result.message) < 300


def test_wss_over_tls(server_ssl_context, ca_file):
    with servers.serve(replay(real.PYTHON_WEBSOCKETS), ssl_context=server_ssl_context) as server:
        result = probe("wss", server, ca_file=ca_file)
    assert result.ok, result.message
    assert result.tls is not None and result.tls.chain_verified and result.details["close_code"] == 1000


def test_ws_is_an_alias_and_wss_defaults_to_443():
    catalog = default_catalog()
    assert catalog.protocol("ws").key == "websocket" and catalog.protocols["wss"].default_port == 443
    assert catalog.protocols["wss"].plain == "websocket" and catalog.protocols["wss"].family == "websocket"


def test_the_answers_identify_websocket_or_plain_http():
    catalog = default_catalog()
    found = identify(real.WEBSOCKETD_TO_HELLO, catalog)
    assert found is not None and (found.protocol, found.certain, found.software) == ("websocket", True, None)
    assert identify(real.WEBSOCKETD_TO_GET, catalog).protocol == "http"
    assert identify(real.NGINX_WEBSOCKETD, catalog).software == "nginx/1.22.1"


def test_a_path_that_is_no_path_is_a_usage_error():
    with pytest.raises(ProbeUsageError, match="--path: expected an absolute HTTP path such as /, not 'ws'"):
        run_probe("websocket", ProbeOptions("127.0.0.1", port=1, path="ws"))


def test_the_upgrade_header_is_recognised_in_any_case():
    answer = real.NGINX_WEBSOCKETD.replace(b"Upgrade: websocket", b"upgrade: WebSocket")
    assert identify(answer, default_catalog()).protocol == "websocket"


def test_an_endless_stream_of_messages_ends_within_the_close_wait():
    def stream(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(real.WEBSOCKETD.partition(b"\r\n\r\n")[0] + b"\r\n\r\n")
        while True:
            conn.sendall(b"\x81\x7e\x10\x00" + b"x" * 4096)
            time.sleep(0.001)

    with servers.serve(stream) as server:
        started = time.monotonic()
        result = probe("websocket", server, timeout=1.0)
        wall = time.monotonic() - started
    assert wall <= 1.0 * 1.1 + SLACK
    assert result.ok or "more than 4 MiB" in result.message, result.message
    if result.ok:
        assert result.details["messages_before_close"] > 0 and result.details["close_code"] is None


def test_frames_without_end_are_counted_up_to_a_limit(monkeypatch):
    monkeypatch.setattr(family, "MAX_FRAMES", 5)
    with servers.serve(replay(real.WEBSOCKETD, after_close=b"\x81\x01x" * 10)) as server:
        result = probe("websocket", server)
    assert result.ok and result.details["messages_before_close"] == 5
    assert result.warnings == ["no Close reply to our Close frame: 5 frames came, and none was one"]
