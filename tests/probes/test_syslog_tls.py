"""syslog-tls (RFC 5425): the handshake and certificate as for every TLS probe, one octet-counted RFC 5424
message built by the same function as the UDP probe's, and a verdict that claims only what is knowable.

A collector sends nothing back, not even in TLS: there are no reply bytes to replay. What real collectors
do instead (rsyslog accepts the message; rsyslog requiring a client certificate hangs up) is in
tests/daemons/test_daemon_rsyslog_tls.py; here Python's ssl plays the collector.
"""

from __future__ import annotations

import re
import socket
import ssl
import time

import pytest
import servers

from netref.probes import ProbeOptions, ProbeUsageError, run_probe, syslog


class Collector:
    """A TLS handler that keeps what each client sent until it hung up; ``reply`` is sent first."""

    def __init__(self, reply: bytes = b"", hang_up: bool = False) -> None:
        self.received: list[bytes] = []
        self.reply, self.hang_up = reply, hang_up

    def __call__(self, conn: socket.socket) -> None:
        if self.hang_up:
            return
        if self.reply:
            conn.sendall(self.reply)
        data = b""
        conn.settimeout(5)
        try:
            while chunk := conn.recv(4096):
                data += chunk
        except (OSError, ssl.SSLError):
            pass
        self.received.append(data)


def probe_tls(handler, context: ssl.SSLContext | None, ca_file, timeout: float = 5.0, **options):
    with servers.serve(handler, ssl_context=context) as server:
        started = time.monotonic()
        result = run_probe("syslog-tls", ProbeOptions("127.0.0.1", port=server.port, cafile=str(ca_file),
                                                      timeout=timeout, **options))
        wall = time.monotonic() - started
        time.sleep(0.1)  # let the handler record the hang-up
    return result, wall


def test_one_octet_counted_rfc5424_message_naming_netref(server_ssl_context, ca_file):
    collector = Collector()
    result, wall = probe_tls(collector, server_ssl_context, ca_file)
    assert result.ok, result.message
    assert result.message == "accepted over TLS; the protocol sends no reply"
    assert result.tls is not None and result.tls.checked_name == "127.0.0.1" and not result.tls.verify_error
    [frame] = collector.received
    length, _, text = frame.partition(b" ")
    assert int(length) == len(text) == result.details["message_bytes"]  # RFC 5425 §4.3: MSG-LEN SP SYSLOG-MSG
    fields = text.decode().split(" ", 7)
    assert fields[0] == "<14>1" and fields[3:6] == ["netref", fields[4], "probe"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", fields[1])
    assert text.decode().endswith(f"netref syslog probe {result.details['message_id']}: a test message, nothing to do")
    assert '[origin software="netref"' in text.decode()
    assert result.details["framing"] == "octet counting (RFC 5425)"
    assert result.details["delivery"] == "unconfirmed (syslog over TLS has no acknowledgement)"
    assert result.module == "ssl" and wall < 2


def test_the_message_is_built_in_one_place_for_udp_and_tls(server_ssl_context, ca_file, monkeypatch):
    stand_in = b"<14>1 - - netref - probe - "
    monkeypatch.setattr(syslog, "message", lambda ident, host=None, now=None: stand_in + ident.encode())
    collector = Collector()
    result, _ = probe_tls(collector, server_ssl_context, ca_file)
    assert result.ok
    ident = result.details["message_id"].encode()
    assert collector.received == [b"%d %s%s" % (len(stand_in) + 16, stand_in, ident)]


def test_every_probe_has_its_own_id(server_ssl_context, ca_file):
    first, _ = probe_tls(Collector(), server_ssl_context, ca_file)
    second, _ = probe_tls(Collector(), server_ssl_context, ca_file)
    assert first.details["message_id"] != second.details["message_id"]
    assert re.fullmatch(r"[0-9a-f]{16}", first.details["message_id"])


def test_a_collector_that_hangs_up_after_the_handshake_is_not_accepted(server_ssl_context, ca_file):
    result, wall = probe_tls(Collector(hang_up=True), server_ssl_context, ca_file)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.startswith("the collector ")
    assert result.message.endswith("it may require a client certificate, which netref does not send")
    assert wall < 2


def test_a_collector_that_requires_a_client_certificate_refuses_the_probe(server_cert, tls_ca, ca_file):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    tls_ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    result, _ = probe_tls(Collector(), context, ca_file)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.startswith("the collector ended TLS after the handshake")


def test_a_server_that_speaks_is_no_collector(server_ssl_context, ca_file):
    result, _ = probe_tls(Collector(reply=b"hello?\r\n"), server_ssl_context, ca_file)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == "the server answered ('hello?'): not a syslog collector, which never answers"
    assert result.details["unexpected_reply"] == "hello?"


def test_another_protocol_inside_tls_is_named(server_ssl_context, ca_file):
    """An IMAPS server greets right after the handshake: the probe names it and what to run."""
    from line_servers import imap_server

    with imap_server(ssl_context=server_ssl_context, implicit_tls=True) as server:
        result = run_probe("syslog-tls", ProbeOptions("127.0.0.1", port=server.port, cafile=str(ca_file), timeout=5))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith("the server answered ('* OK [CAPABILITY IMAP4rev1] netref test IMAP server")
    assert result.message.endswith(f"it is IMAP4: try netref probe imaps 127.0.0.1:{server.port}")


def test_an_untrusted_certificate_is_refused_before_anything_is_sent(server_ssl_context):
    collector = Collector()
    with servers.serve(collector, ssl_context=server_ssl_context) as server:
        result = run_probe("syslog-tls", ProbeOptions("127.0.0.1", port=server.port, timeout=5))
        time.sleep(0.1)
    assert (result.verdict, result.category) == ("failed", "certificate")
    assert result.tls is not None and result.tls.verify_error  # the certificate is still shown
    assert collector.received in ([], [b""])  # the message never went out


def test_a_plaintext_server_is_a_tls_failure(ca_file):
    result, wall = probe_tls(servers.smtp_greeting, None, ca_file)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert wall < 2


def test_a_silent_port_times_out_within_the_deadline(ca_file):
    result, wall = probe_tls(servers.silent, None, ca_file, timeout=0.6)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.6 * 1.1 + 0.3


def test_starttls_and_udp_do_not_apply():
    with pytest.raises(ProbeUsageError):
        run_probe("syslog-tls", ProbeOptions("127.0.0.1", port=6514, starttls=True))
    with pytest.raises(ProbeUsageError):
        run_probe("syslog-tls", ProbeOptions("127.0.0.1", port=6514, transport="udp"))


def test_a_drip_fed_handshake_cannot_stretch_the_deadline(server_ssl_context, ca_file):
    with servers.serve(Collector(), ssl_context=server_ssl_context) as upstream, \
            servers.serve(servers.drip_proxy(upstream.port, interval=0.05)) as proxy:
        started = time.monotonic()
        result = run_probe("syslog-tls", ProbeOptions("127.0.0.1", port=proxy.port, cafile=str(ca_file), timeout=0.8))
        wall = time.monotonic() - started
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.8 * 1.1 + 0.3
