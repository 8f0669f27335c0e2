"""Hostile servers against the mail, news and file-transfer probes.

Each family hands the connection to a different stdlib client (smtplib, poplib, imaplib,
ftplib) or reads NNTP lines itself; each must still give a verdict within the deadline
and with bounded memory when the server is silent, drips, floods, sends garbage or resets.
The servers are the core tests' (tests/probes/servers.py). The families added later (IRC, XMPP,
WebSocket, XML-RPC) meet the silent and drip-feeding servers here too, each drip past what that
family reads first (mqtt and socks: test_mqtt_socks_hostile.py).
"""

from __future__ import annotations

import random
import time

import pytest
import servers
from http_carried_servers import read_request

from netref.probes import ProbeOptions, run_probe

PROTOCOLS = ["smtp", "submission", "pop3", "imap", "ftp", "nntp"]
SLACK = 0.15  # seconds on top of deadline × 1.1, as in test_core
#: The options each later family needs (xmpp: the domain its stream header names).
LATER_OPTIONS: dict[str, dict[str, str]] = {"irc": {}, "xmpp": {"domain": "localhost"}, "websocket": {}, "xmlrpc": {}}
XMPP_STREAM = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
               b"xmlns:stream='http://etherx.jabber.org/streams' id='x' version='1.0'>")
XMLRPC_BODY = b"<?xml version='1.0'?>" + b" " * 400


def xmlrpc_drip(conn) -> None:
    """An XML-RPC answer's head and body, dripped after the request: the body's read is bounded too."""
    read_request(conn)
    head = b"HTTP/1.1 200 OK\r\nServer: hostile\r\nContent-Type: text/xml\r\n"
    servers.drip(head + b"Content-Length: %d\r\n\r\n" % len(XMLRPC_BODY) + XMLRPC_BODY, interval=0.05)(conn)


#: Per protocol, a drip-feeder that looks like the start of its answer (default: an SMTP-like line).
DRIPS = {
    "irc": servers.drip(b":irc.x NOTICE * :*** " + b"a" * 200 + b"\r\n", 0.05),
    "xmpp": servers.drip(XMPP_STREAM, 0.05),
    "websocket": servers.drip(b"HTTP/1.1 101 " + b"a" * 200, interval=0.05),
    "xmlrpc": xmlrpc_drip,
}


def timed(protocol: str, port: int, timeout: float, **options):
    started = time.monotonic()
    result = run_probe(protocol, ProbeOptions("127.0.0.1", port=port, timeout=timeout, **options))
    return result, time.monotonic() - started


@pytest.mark.parametrize("protocol", PROTOCOLS + list(LATER_OPTIONS))
def test_silent_server_times_out_within_the_deadline(protocol):
    with servers.serve(servers.silent) as server:
        result, wall = timed(protocol, server.port, timeout=0.5, **LATER_OPTIONS.get(protocol, {}))
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.5 * 1.1 + SLACK


@pytest.mark.parametrize("protocol", PROTOCOLS + list(LATER_OPTIONS))
def test_drip_feed_cannot_stretch_the_deadline(protocol):
    with servers.serve(DRIPS.get(protocol, servers.drip(interval=0.05))) as server:
        result, wall = timed(protocol, server.port, timeout=0.5, **LATER_OPTIONS.get(protocol, {}))
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.5 * 1.1 + SLACK


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_endless_line_is_a_protocol_failure(protocol):
    with servers.serve(servers.endless_line) as server:
        result, _wall = timed(protocol, server.port, timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert any(word in result.message for word in ("long", "more than")), result.message
    assert result.message.isprintable() and len(result.message) < 300


def binary_garbage(conn) -> None:
    """Pseudo-random bytes (seeded, so every run sees the same), without end."""
    chunk = random.Random(1984).randbytes(65536)
    while True:
        conn.sendall(chunk)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_binary_garbage_is_a_protocol_failure(protocol):
    with servers.serve(binary_garbage) as server:
        result, _ = timed(protocol, server.port, timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.isprintable() and len(result.message) < 300
    assert result.message.endswith("the server sent binary data"), result.message


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_reset_is_a_protocol_failure(protocol):
    with servers.serve(servers.reset) as server:
        result, _ = timed(protocol, server.port, timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "reset" in result.message or "closed" in result.message, result.message


@pytest.mark.parametrize("protocol", ["smtps", "pop3s", "imaps", "ftps", "nntps"])
def test_implicit_tls_against_a_plaintext_greeting_is_a_tls_failure(protocol):
    with servers.serve(servers.smtp_greeting) as server:
        result, _ = timed(protocol, server.port, timeout=2)
    assert (result.verdict, result.category) == ("failed", "tls")


# -- STARTTLS injection: plaintext behind the go-ahead ------------------------------------------

#: Per protocol: greeting, the replies to the capability commands (each listing the upgrade),
#: the upgrade verb, and its go-ahead. The server sends the go-ahead and an injected reply in
#: one write, as in the attack (CVE-2011-0411): a client that kept the extra line would take it,
#: later, for the server's answer over TLS.
INJECTION = {
    "smtp": (b"220 mail.test ESMTP\r\n", {b"EHLO": b"250-mail.test\r\n250 STARTTLS\r\n"}, b"STARTTLS", b"220 go ahead"),
    "pop3": (b"+OK ready\r\n", {b"CAPA": b"+OK\r\nSTLS\r\n.\r\n"}, b"STLS", b"+OK begin TLS"),
    "imap": (b"* OK ready\r\n", {b"CAPABILITY": b"* CAPABILITY IMAP4rev1 STARTTLS\r\n{tag} OK done\r\n"},
             b"STARTTLS", b"{tag} OK begin TLS"),
    "ftp": (b"220 ftp ready\r\n", {b"FEAT": b"211-Features:\r\n AUTH TLS\r\n211 End\r\n"}, b"AUTH", b"234 go ahead"),
    "nntp": (
        b"200 news ready\r\n", {b"CAPABILITIES": b"101 list\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n"},
        b"STARTTLS", b"382 go ahead",
    ),
}


def injecting(protocol: str):
    greeting, replies, upgrade, go_ahead = INJECTION[protocol]

    def handle(conn) -> None:
        conn.sendall(greeting)
        pending = b""
        while True:
            line = servers.receive_until(conn, lambda data: b"\n" in data)
            if line is None:
                return
            for command in (pending + line).split(b"\r\n")[:-1]:
                words = command.split()
                tag, verb = (words[0], words[1]) if protocol == "imap" else (b"", words[0])
                if verb.upper() == upgrade:
                    conn.sendall(go_ahead.replace(b"{tag}", tag) + b"\r\n" + b"250 injected: trust me\r\n")
                    servers.receive_until(conn, lambda data: False)  # hold until the client leaves
                    return
                conn.sendall(replies.get(verb.upper(), b"500 not here\r\n").replace(b"{tag}", tag))

    return handle


@pytest.mark.parametrize("protocol", sorted(INJECTION))
def test_plaintext_after_the_starttls_go_ahead_is_refused(protocol):
    with servers.serve(injecting(protocol)) as server:
        result, wall = timed(protocol, server.port, timeout=3, starttls=True)
    assert (result.verdict, result.category) == ("failed", "tls"), result.message
    assert "unencrypted data after agreeing to start TLS" in result.message
    assert result.tls is None and wall < 2
