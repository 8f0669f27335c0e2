"""NNTP and nntps probes against the protocol-faithful NNTP server on loopback.

nntplib is deprecated in 3.11 and gone in 3.13: the probe speaks NNTP lines itself on every
Python, and says so. One test makes nntplib unimportable to prove it is never needed.
"""

from __future__ import annotations

import sys

from line_servers import Received, nntp_server
from probing import assert_verified_tls, probe

SUBSTITUTION_PREFIX = "nntplib: "


def test_plain_nntp_reads_greeting_and_capabilities():
    with nntp_server() as server:
        result = probe("nntp", server)
    assert result.ok, result.message
    assert result.greeting == "200 netref test NNTP server ready (posting ok)"
    assert result.server_software == "netref-test-nntp 1.0"
    assert {"VERSION 2", "READER", "OVER"} <= set(result.capabilities)
    assert result.details["posting_allowed"] is True and result.message == "answered, posting allowed"
    assert result.module == "socket"
    assert result.substitution.startswith(SUBSTITUTION_PREFIX) and result.substitution.endswith("→ socket")
    assert server.commands() == ["CAPABILITIES", "QUIT"]


def test_capabilities_500_falls_back_to_mode_reader():
    with nntp_server(capabilities_error=True) as server:
        result = probe("nntp", server)
    assert result.ok, result.message
    assert result.capabilities == [] and result.details["capabilities_supported"] is False
    assert result.details["mode_reader"] == "200 Reader mode, posting permitted"
    assert result.server_software is None  # no IMPLEMENTATION, and the greeting names no program
    assert server.commands() == ["CAPABILITIES", "MODE", "QUIT"]


def test_starttls_when_advertised(server_ssl_context, ca_file):
    with nntp_server(ssl_context=server_ssl_context) as server:
        result = probe("nntp", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=True)
    assert "STARTTLS" in result.details["capabilities_before_tls"]
    assert "STARTTLS" not in result.capabilities and "READER" in result.capabilities
    assert [(entry.line, entry.secure) for entry in server.log] == [
        ("CAPABILITIES", False), ("STARTTLS", False), ("CAPABILITIES", True), ("QUIT", True)]


def test_starttls_does_not_depend_on_capabilities(server_ssl_context, ca_file):
    """Many servers answer CAPABILITIES with 500 yet accept STARTTLS."""
    with nntp_server(ssl_context=server_ssl_context, capabilities_error=True) as server:
        result = probe("nntp", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=True)
    assert ("STARTTLS", False) in [(entry.line, entry.secure) for entry in server.log]
    assert result.details["mode_reader"].startswith("200")
    assert server.log[-1] == Received("QUIT", True)


def test_starttls_refused_is_a_tls_failure_not_plaintext(server_ssl_context):
    with nntp_server(ssl_context=server_ssl_context, offer_starttls=False) as server:
        result = probe("nntp", server, starttls=True)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message == "server refused STARTTLS: 580 Can not initiate TLS negotiation"
    assert result.tls is None


def test_starttls_unknown_to_the_server_is_a_tls_failure():
    with nntp_server() as server:  # no TLS at all: STARTTLS is an unknown command
        result = probe("nntp", server, starttls=True)
    assert (result.category, result.message) == ("tls", "server refused STARTTLS: 500 Unknown command")


def test_nntps_over_tls_from_the_first_byte(server_ssl_context, ca_file):
    with nntp_server(ssl_context=server_ssl_context, implicit_tls=True) as server:
        result = probe("nntps", server, ca_file=ca_file)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=False)
    assert all(entry.secure for entry in server.log)


def test_never_posts(server_ssl_context, ca_file):
    with nntp_server(ssl_context=server_ssl_context) as server:
        for options in ({}, {"starttls": True}):
            assert probe("nntp", server, ca_file=ca_file, **options).ok
    with nntp_server(capabilities_error=True) as server:
        assert probe("nntp", server).ok
    assert "POST" not in server.commands() and "IHAVE" not in server.commands()


def test_works_with_nntplib_unimportable(monkeypatch, server_ssl_context, ca_file):
    monkeypatch.setitem(sys.modules, "nntplib", None)  # import nntplib now raises ImportError
    with nntp_server(ssl_context=server_ssl_context) as server:
        result = probe("nntp", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert sys.modules["nntplib"] is None  # nothing imported it behind our back


def test_a_non_nntp_greeting_is_named(ssh_catalog):
    with nntp_server(greeting="SSH-2.0-OpenSSH_9.6") as server:
        result = probe("nntp", server, catalog=ssh_catalog)
    assert (result.category, result.message) == ("protocol", (
        "an SSH server (OpenSSH_9.6) answered ('SSH-2.0-OpenSSH_9.6'), not NNTP: "
        f"try netref probe ssh 127.0.0.1:{server.port}"))


def test_reading_only_server():
    with nntp_server(greeting="201 netref test NNTP server ready (no posting)") as server:
        result = probe("nntp", server)
    assert result.ok and result.details["posting_allowed"] is False
    assert result.message == "answered, reading only"


def test_service_unavailable_greeting():
    with nntp_server(greeting="502 You have no permission to talk. Goodbye.") as server:
        result = probe("nntp", server)
    assert result.category == "protocol" and result.message.startswith("the server refuses service: 502")
