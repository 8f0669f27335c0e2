"""SMTP, submission and smtps probes against aiosmtpd on loopback."""

from __future__ import annotations

import time

import pytest
import servers
from probing import IdleHttpServer, assert_verified_tls, probe
from smtp_server import SmtpServer

from netref.probes import ProbeOptions, run_probe

#: The only commands a probe may send: it greets, asks, upgrades, leaves.
POLITE = {"EHLO", "HELO", "STARTTLS", "QUIT"}


def test_plain_smtp_reads_greeting_software_and_extensions():
    with SmtpServer() as server:
        result = probe("smtp", server)
    assert result.ok, result.message
    assert result.greeting == "220 mail.netref.test netref-test ESMTP (aiosmtpd)"
    assert result.server_software is None  # "ESMTP" is the protocol's word, not a program's (issue 18)
    assert "8BITMIME" in result.capabilities and "SIZE 33554432" in result.capabilities
    assert result.details["starttls_offered"] is False
    assert result.module == "smtplib" and result.substitution is None
    assert result.tls is None
    assert server.verbs() == ["EHLO", "QUIT"]


def test_starttls_upgrades_and_reports_capabilities_after_tls(server_ssl_context, ca_file):
    with SmtpServer(starttls_context=server_ssl_context) as server:
        result = probe("smtp", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=True)
    # aiosmtpd lists STARTTLS on a middle line of the EHLO reply (250-STARTTLS): found.
    before = result.details["capabilities_before_tls"]
    assert "STARTTLS" in before and before[-1] != "STARTTLS"
    # After TLS: STARTTLS is gone and AUTH appears (aiosmtpd offers AUTH only over TLS).
    assert "STARTTLS" not in result.capabilities
    assert any(cap.startswith("AUTH ") for cap in result.capabilities)
    assert [(c.verb, c.secure) for c in server.log] == [
        ("EHLO", False), ("STARTTLS", False), ("EHLO", True), ("QUIT", True)]


def test_submission_port_probe_with_starttls_over_ipv6(server_ssl_context, ca_file):
    with SmtpServer(host="::1", starttls_context=server_ssl_context) as server:
        result = probe("submission", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert result.address_used.startswith("[::1]") or "::1" in result.address_used
    assert_verified_tls(result, starttls=True)
    assert server.log[0].argument == "[IPv6:::1]"  # EHLO names us by address, no reverse DNS


def test_smtps_is_tls_from_the_first_byte(server_ssl_context, ca_file):
    with SmtpServer(implicit_context=server_ssl_context) as server:
        result = probe("smtps", server, ca_file=ca_file)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=False)
    assert result.greeting.startswith("220 mail.netref.test")
    assert all(command.secure for command in server.log)


def test_starttls_not_offered_is_a_tls_failure_not_plaintext():
    with SmtpServer() as server:
        result = probe("smtp", server, starttls=True)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert "does not offer STARTTLS" in result.message and "8BITMIME" in result.message
    assert "8BITMIME" in result.capabilities  # what the plaintext EHLO listed is still reported
    assert "STARTTLS" not in server.verbs()


def test_starttls_with_an_untrusted_certificate_fails_on_the_certificate(server_ssl_context):
    with SmtpServer(starttls_context=server_ssl_context) as server:
        result = probe("smtp", server, starttls=True)  # no --cafile: the test CA is unknown
    assert (result.verdict, result.category) == ("failed", "certificate")
    # Nothing after TLS: the first connection stops at the refused handshake, and the second
    # (the unverified look at the certificate) at the certificate.
    assert server.verbs() == ["EHLO", "STARTTLS", "EHLO", "STARTTLS"]
    assert not any(command.secure for command in server.log)


def test_starttls_insecure_still_describes_the_certificate(server_ssl_context):
    with SmtpServer(starttls_context=server_ssl_context) as server:
        result = probe("smtp", server, starttls=True, insecure=True)
    assert result.ok, result.message
    assert result.tls.insecure is True and result.tls.chain_verified is None
    assert "trustme" in result.tls.issuer and result.tls.not_after


@pytest.mark.parametrize("protocol", ["smtp", "submission", "smtps"])
def test_no_probe_ever_sends_mail(protocol, server_ssl_context, ca_file):
    implicit = protocol == "smtps"
    with SmtpServer(starttls_context=None if implicit else server_ssl_context,
                    implicit_context=server_ssl_context if implicit else None) as server:
        result = probe(protocol, server, ca_file=ca_file, starttls=not implicit)
    assert result.ok, result.message
    assert set(server.verbs()) <= POLITE
    assert not {"MAIL", "RCPT", "DATA", "AUTH"} & set(server.verbs())


def test_an_http_server_where_smtp_was_expected_is_named():
    with IdleHttpServer() as server:
        result = probe("smtp", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith("an HTTP server (BaseHTTP/")  # http.server's Server header
    assert result.message.endswith(
        f"answered ('HTTP/1.1 408 Request Timeout'), not SMTP: try netref probe http 127.0.0.1:{server.port}")
    assert result.timings["total"] < 3000


def _slow_smtp(conn) -> None:
    """A server whose multi-line replies arrive in pieces, and which refuses STARTTLS."""
    conn.sendall(b"220-mx.example.org ESMTP Postfix\r\n")
    time.sleep(0.1)
    conn.sendall(b"220 no UCE\r\n")
    reader = conn.makefile("rb")
    while line := reader.readline():
        verb = line.split()[0].upper() if line.split() else b""
        if verb == b"EHLO":
            conn.sendall(b"250-mx.example.org\r\n250-PIPELINING\r\n")
            time.sleep(0.2)  # STARTTLS arrives in a later segment than the first lines
            conn.sendall(b"250-STARTTLS\r\n250 8BITMIME\r\n")
        elif verb == b"STARTTLS":
            conn.sendall(b"454 4.7.0 TLS not available due to local problem\r\n")
        elif verb == b"QUIT":
            conn.sendall(b"221 2.0.0 Bye\r\n")
            return


def test_multi_line_replies_are_read_whole_and_a_refused_starttls_fails():
    with servers.serve(_slow_smtp) as server:
        plain = run_probe("smtp", ProbeOptions("127.0.0.1", port=server.port, timeout=5))
        upgraded = run_probe("smtp", ProbeOptions("127.0.0.1", port=server.port, timeout=5, starttls=True))
    assert plain.ok, plain.message
    assert plain.greeting == "220-mx.example.org ESMTP Postfix" and plain.server_software == "Postfix"
    assert plain.capabilities == ["PIPELINING", "STARTTLS", "8BITMIME"]
    assert plain.details["starttls_offered"] is True
    assert (upgraded.category, upgraded.message) == (
        "tls", "server refused STARTTLS: 454 4.7.0 TLS not available due to local problem")
