"""POP3 and pop3s probes against the protocol-faithful POP3 server on loopback."""

from __future__ import annotations

from line_servers import pop3_server
from probing import assert_verified_tls, probe


def test_plain_pop3_reads_greeting_and_capa():
    with pop3_server() as server:
        result = probe("pop3", server)
    assert result.ok, result.message
    assert result.greeting == "+OK netref test POP3 server ready <1.2@localhost>"
    assert result.server_software == "netref-test-pop3"  # from CAPA's IMPLEMENTATION
    assert {"TOP", "UIDL", "USER", "PIPELINING"} <= set(result.capabilities)
    assert result.module == "poplib" and result.tls is None
    assert server.commands() == ["CAPA", "QUIT"]


def test_stls_upgrades_and_capa_is_asked_again(server_ssl_context, ca_file):
    with pop3_server(ssl_context=server_ssl_context) as server:
        result = probe("pop3", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=True)
    assert "STLS" in result.details["capabilities_before_tls"]
    assert "STLS" not in result.capabilities and "UIDL" in result.capabilities
    assert [(entry.line, entry.secure) for entry in server.log] == [
        ("CAPA", False), ("STLS", False), ("CAPA", True), ("QUIT", True)]


def test_pop3s_is_tls_from_the_first_byte(server_ssl_context, ca_file):
    with pop3_server(ssl_context=server_ssl_context, implicit_tls=True) as server:
        result = probe("pop3s", server, ca_file=ca_file)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=False)
    assert result.greeting.startswith("+OK netref test POP3")
    assert all(entry.secure for entry in server.log)


def test_stls_not_offered_is_a_tls_failure(server_ssl_context):
    with pop3_server(ssl_context=server_ssl_context, offer_starttls=False) as server:
        result = probe("pop3", server, starttls=True)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.startswith("server does not offer STLS (CAPA lists: TOP, UIDL")
    assert "STLS" not in server.commands()


def test_a_probe_never_logs_in(server_ssl_context, ca_file):
    with pop3_server(ssl_context=server_ssl_context) as server:
        for starttls in (False, True):
            assert probe("pop3", server, ca_file=ca_file, starttls=starttls).ok
    assert not {"USER", "PASS", "APOP", "AUTH", "RETR", "DELE"} & set(server.commands())


def test_a_server_that_refuses_service_is_a_protocol_failure():
    with pop3_server(greeting="-ERR [SYS/TEMP] too many connections") as server:
        result = probe("pop3", server)
    assert (result.category, result.message) == (
        "protocol", "the server refuses service: -ERR [SYS/TEMP] too many connections")


def test_an_smtp_server_on_the_pop3_port_is_named():
    with pop3_server(greeting="220 mail.example.org ESMTP Postfix") as server:
        result = probe("pop3", server)
    assert (result.category, result.message) == ("protocol", (
        "an SMTP server (Postfix) answered ('220 mail.example.org ESMTP Postfix'), not POP3: "
        f"try netref probe smtp 127.0.0.1:{server.port}"))


def test_stls_is_tried_on_a_server_without_capa(server_ssl_context, ca_file):
    with pop3_server(ssl_context=server_ssl_context, capabilities_error=True) as server:
        result = probe("pop3", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=True)
    assert result.details["capa_supported"] is False and result.capabilities == []
    assert [(entry.line, entry.secure) for entry in server.log] == [
        ("CAPA", False), ("STLS", False), ("CAPA", True), ("QUIT", True)]


def test_stls_refused_by_a_server_without_capa_is_a_tls_failure():
    with pop3_server(capabilities_error=True) as server:  # no TLS context: STLS unknown
        result = probe("pop3", server, starttls=True)
    assert (result.category, result.message) == ("tls", "server refused STLS: -ERR unknown command")
