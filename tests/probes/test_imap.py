"""IMAP and imaps probes against the protocol-faithful IMAP server on loopback."""

from __future__ import annotations

import tracemalloc

from line_servers import imap_server
from probing import assert_verified_tls, probe


def _verbs(server) -> list[str]:
    """IMAP commands without their tags."""
    return [entry.line.split(" ")[1].upper() for entry in server.log]


def test_plain_imap_reads_greeting_and_capability():
    with imap_server() as server:
        result = probe("imap", server)
    assert result.ok, result.message
    assert result.greeting == "* OK [CAPABILITY IMAP4rev1] netref test IMAP server ready"
    assert result.server_software is None  # free greeting text names no program (issue 18)
    assert result.capabilities == ["IMAP4rev1", "LITERAL+", "ID", "ENABLE", "IDLE", "AUTH=PLAIN"]  # as sent
    assert result.details["preauth"] is False and result.module == "imaplib"
    assert _verbs(server) == ["CAPABILITY", "LOGOUT"]


def test_starttls_upgrades_and_capability_is_asked_again(server_ssl_context, ca_file):
    with imap_server(ssl_context=server_ssl_context) as server:
        result = probe("imap", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=True)
    assert {"STARTTLS", "LOGINDISABLED"} <= set(result.details["capabilities_before_tls"])
    assert "STARTTLS" not in result.capabilities and "AUTH=PLAIN" in result.capabilities
    assert [(verb, entry.secure) for verb, entry in zip(_verbs(server), server.log, strict=False)] == [
        ("CAPABILITY", False), ("STARTTLS", False), ("CAPABILITY", True), ("LOGOUT", True)]


def test_imaps_over_ipv6(server_ssl_context, ca_file):
    with imap_server(ssl_context=server_ssl_context, implicit_tls=True, host="::1") as server:
        result = probe("imaps", server, ca_file=ca_file)
    assert result.ok, result.message
    assert result.address_used and "::1" in result.address_used
    assert_verified_tls(result, starttls=False)
    assert all(entry.secure for entry in server.log)


def test_starttls_not_offered_is_a_tls_failure():
    with imap_server() as server:  # no TLS context: CAPABILITY lists no STARTTLS
        result = probe("imap", server, starttls=True)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.startswith("server does not offer STARTTLS (CAPABILITY lists: IMAP4REV1")
    assert "STARTTLS" not in _verbs(server) and "LOGIN" not in _verbs(server)


def test_a_huge_announced_literal_is_refused_without_buffering_it():
    size = 50_000_000
    tracemalloc.start()
    try:
        with imap_server(literal_size=size) as server:
            result = probe("imap", server, timeout=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert str(size) in result.message
    assert peak < 8 * 1024 * 1024  # the server sent 50 MB; the probe kept a few MB at most
    assert result.timings["total"] < 3000


def test_a_bye_greeting_is_a_refusal():
    with imap_server(greeting="* BYE server shutting down") as server:
        result = probe("imap", server)
    assert (result.category, result.message) == (
        "protocol", "the server refuses service: * BYE server shutting down")


def test_a_no_greeting_is_reported_as_text_not_as_a_bytes_repr():
    """imaplib raises its error with the raw greeting (bytes): the verdict shows the line,
    not Python's ``b'...'`` (which it did before the families shared one exception reader)."""
    with imap_server(greeting="* NO not today") as server:
        result = probe("imap", server)
    assert (result.category, result.message) == ("protocol", "bad reply: * NO not today")


def test_preauth_connection_cannot_start_tls(server_ssl_context):
    """RFC 9051: STARTTLS is only valid before authentication; PREAUTH skips that state."""
    greeting = "* PREAUTH [CAPABILITY IMAP4rev1] logged in as alice"
    with imap_server(greeting=greeting, ssl_context=server_ssl_context) as server:
        plain = probe("imap", server)
        result = probe("imap", server, starttls=True)
    assert plain.ok and plain.details["preauth"] is True
    assert (result.verdict, result.category) == ("failed", "tls")
    assert "STARTTLS illegal in state AUTH" in result.message
    assert "STARTTLS" not in _verbs(server)
