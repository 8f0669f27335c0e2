"""Issue 9: every field of a probe says what happened on the wire, and a probe of the wrong
protocol or the wrong TLS mode fails fast, naming what answered and what to run instead.

One section per numbered point of the issue, against the suite's local servers: servers of
another catalogue protocol on the probed port, TLS-only servers probed in plaintext and the
reverse, servers that offer STARTTLS a probe does not use.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any

import captures_irc_xmpp as captured
import captures_mqtt_socks as real_bytes
import captures_ssh
import ldap_replay
import pytest
import servers
import test_mqtt
import test_socks
from ftp_server import FtpServer
from http_carried_servers import websocket_server, xmlrpc_server
from line_servers import imap_server, nntp_server, pop3_server
from probing import probe
from replay_irc_xmpp import Replay
from smtp_server import SmtpServer
from typer.testing import CliRunner
from udp_replay import DotServer

from netref.cli import app
from netref.probes import ProbeOptions, run_probe
from netref.probes.monitoring import OK, WARNING, Thresholds, judge

runner = CliRunner()

#: The phases of the one timing model (docs/probes.md, "Timings"): disjoint, in this order.
PHASES = ("dns", "connect", "tls", "first_byte", "exchange")


# -- servers for every family ---------------------------------------------------------------------


def _server(protocol: str, context: ssl.SSLContext, tmp_path: Any, cert_files: Any) -> Any:
    """A well-behaved local server for ``protocol`` (TLS as the protocol wants, STARTTLS offered)."""
    certfile, keyfile = cert_files
    factories: dict[str, Callable[[], contextlib.AbstractContextManager[Any]]] = {
        "http": servers.HttpServer,
        "https": lambda: servers.HttpServer(context),
        "ftp": lambda: FtpServer(tmp_path, tls="explicit", certfile=certfile, keyfile=keyfile),
        "ftps": lambda: FtpServer(tmp_path, tls="implicit", certfile=certfile, keyfile=keyfile),
        "smtp": lambda: SmtpServer(starttls_context=context),
        "submission": lambda: SmtpServer(starttls_context=context),
        "smtps": lambda: SmtpServer(implicit_context=context),
        "pop3": lambda: pop3_server(ssl_context=context),
        "pop3s": lambda: pop3_server(ssl_context=context, implicit_tls=True),
        "imap": lambda: imap_server(ssl_context=context),
        "imaps": lambda: imap_server(ssl_context=context, implicit_tls=True),
        "nntp": lambda: nntp_server(ssl_context=context),
        "nntps": lambda: nntp_server(ssl_context=context, implicit_tls=True),
        "telnet": lambda: servers.serve(servers.telnet_login()),
        "gopher": lambda: servers.serve(servers.gopher_menu()),
        "tcp": lambda: servers.serve(servers.banner()),
        "ssh": lambda: servers.serve(captures_ssh.Replay(captures_ssh.OPENSSH_DEFAULT)),
        "syslog-tls": lambda: servers.serve(servers.silent, ssl_context=context),  # a collector: never answers
        "dot": lambda: DotServer(context),
        "mqtt": lambda: servers.serve(test_mqtt.broker(real_bytes.MOSQUITTO_311_ACCEPTED)),
        "mqtts": lambda: servers.serve(test_mqtt.broker(real_bytes.MOSQUITTO_311_ACCEPTED), ssl_context=context),
        "socks": lambda: servers.serve(test_socks.proxy(real_bytes.SOCKS5_NO_AUTH)),
        "ldap": lambda: ldap_replay.ReplayServer(ldap_replay.capture("openldap-starttls"), context),
        "ldaps": lambda: ldap_replay.ReplayServer(ldap_replay.capture("openldap-ldaps"), context),
        "xmlrpc": xmlrpc_server,
        "xmlrpcs": lambda: xmlrpc_server(context),
        "websocket": websocket_server,
        "wss": lambda: websocket_server(context),
        "irc": lambda: Replay(captured.NGIRCD_REGISTRATION),
        "ircs": lambda: Replay(captured.NGIRCD_REGISTRATION, context, implicit_tls=True),
        "xmpp": lambda: Replay(captured.PROSODY_STARTTLS, context),  # the domain: 127.0.0.1, as long as localhost
        "xmpps": lambda: Replay(captured.PROSODY_DIRECT_TLS, context, implicit_tls=True),
    }
    return factories[protocol]()


def _families() -> list[str]:
    from netref.catalog import load_catalog
    from netref.probes import transport

    # The UDP families (dns, ntp, snmp, syslog) are timed in test_udp.py: no TCP proxy can delay them.
    return [key for key, protocol in load_catalog().protocols.items()
            if protocol.family and transport(protocol, ProbeOptions("h")) == "tcp"]  # fmt: skip


IN_BAND = ["smtp", "submission", "pop3", "imap", "nntp", "ftp"]


# -- 1. starttls_offered: what the server offered before TLS, for every in-band upgrade ---------


@pytest.mark.parametrize("protocol", IN_BAND)
def test_starttls_offered_is_what_was_offered_before_tls(protocol, server_ssl_context, ca_file, tmp_path, cert_files):
    with _server(protocol, server_ssl_context, tmp_path, cert_files) as server:
        upgraded = probe(protocol, server, ca_file=ca_file, starttls=True)
        plain = probe(protocol, server)
    assert upgraded.ok and upgraded.tls is not None and upgraded.tls.starttls, upgraded.message
    assert upgraded.details["starttls_offered"] is True  # the post-TLS list no longer names it
    assert plain.ok and plain.details["starttls_offered"] is True


@pytest.mark.parametrize("protocol", ["smtp", "pop3", "imap", "nntp"])
def test_starttls_not_offered_is_false_and_implicit_tls_does_not_say(protocol, server_ssl_context):
    factory = {"smtp": SmtpServer, "pop3": pop3_server, "imap": imap_server, "nntp": nntp_server}[protocol]
    with factory() as server:
        result = probe(protocol, server)
    assert result.ok and result.details["starttls_offered"] is False and result.warnings == []
    with SmtpServer(implicit_context=server_ssl_context) as server:
        implicit = probe("smtps", server, insecure=True)
    assert implicit.ok and "starttls_offered" not in implicit.details


def test_starttls_offered_is_unknown_when_the_server_lists_no_capabilities(server_ssl_context):
    with pop3_server(ssl_context=server_ssl_context, capabilities_error=True) as server:
        result = probe("pop3", server)
    assert result.ok and result.details["starttls_offered"] is None


# -- 2. timings: disjoint phases that add up to at most the total, for every family -------------


@pytest.mark.parametrize("protocol", _families())
def test_phases_are_disjoint_and_sum_to_at_most_the_total(protocol, server_ssl_context, ca_file, tmp_path, cert_files):
    """Through a proxy that holds the server's first bytes back for 0.2 s: a phase that
    overlapped the wait for the first byte would count those 0.2 s twice."""
    from netref.catalog import load_catalog

    starttls = load_catalog().protocol(protocol).starttls is not None
    with _server(protocol, server_ssl_context, tmp_path, cert_files) as upstream, \
            servers.serve(servers.delay_proxy(upstream.port, 0.2)) as proxy:
        result = run_probe(protocol, ProbeOptions("127.0.0.1", port=proxy.port, cafile=str(ca_file),
                                                  starttls=starttls, timeout=5))
    assert result.ok, result.message
    phases = {name: ms for name, ms in result.timings.items() if name != "total"}
    assert set(phases) <= set(PHASES), phases
    silent = protocol == "syslog-tls"  # the protocol sends no reply: no first byte after the handshake
    assert {"dns", "connect", "exchange", *([] if silent else ["first_byte"])} <= set(phases)
    assert sum(phases.values()) <= result.timings["total"], result.timings
    assert result.timings.get("first_byte", 0) >= 150 or result.timings.get("tls", 0) >= 150  # the held-back bytes


# -- 3. SNI: what was sent, apart from the name checked -------------------------------------------


@contextlib.contextmanager
def _sni_recording_https(context_factory: Callable[[], ssl.SSLContext]) -> Iterator[tuple[Any, list[str | None]]]:
    seen: list[str | None] = []
    context = context_factory()
    context.sni_callback = lambda _sock, name, _ctx: seen.append(name)  # type: ignore[assignment,misc,func-returns-value]
    with servers.HttpServer(context) as server:
        yield server, seen


@pytest.fixture
def fresh_server_context(server_cert) -> Callable[[], ssl.SSLContext]:
    def make() -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_cert.configure_cert(context)
        return context

    return make


def test_an_address_target_sends_no_server_name(fresh_server_context, ca_file):
    with _sni_recording_https(fresh_server_context) as (server, seen):
        result = run_probe("https", ProbeOptions("127.0.0.1", port=server.port, cafile=str(ca_file), timeout=5))
        card = runner.invoke(app, ["probe", "https", f"127.0.0.1:{server.port}", "--cafile", str(ca_file)]).output
    assert result.ok, result.message
    assert seen[0] is None  # what the server logged
    assert result.tls.sni is None and result.tls.checked_name == "127.0.0.1"
    assert "sni sent:" in card and "none (an address is not sent as a server name)" in card
    assert "name checked:" in card


def test_sni_is_sent_and_checked(fresh_server_context, ca_file):
    with _sni_recording_https(fresh_server_context) as (server, seen):
        result = run_probe("https", ProbeOptions("127.0.0.1", port=server.port, cafile=str(ca_file),
                                                 sni="localhost", timeout=5))
    assert result.ok, result.message
    assert seen == ["localhost"]
    assert (result.tls.sni, result.tls.checked_name) == ("localhost", "localhost")


def test_insecure_checks_no_name(fresh_server_context):
    with _sni_recording_https(fresh_server_context) as (server, _seen):
        result = run_probe("https", ProbeOptions("127.0.0.1", port=server.port, insecure=True, timeout=5))
    assert result.ok and result.tls.checked_name is None and result.tls.hostname_verified is None


# -- 4. the wrong protocol on a port: failed (protocol), naming it, suggesting the command -------


def _smtp() -> Any:
    return SmtpServer()


WRONG_PROTOCOL = [
    # (probe, server, what answered, the protocol to suggest)
    ("ftp", _smtp, "an SMTP server", "smtp"),
    ("telnet", _smtp, "an SMTP server", "smtp"),
    ("http", _smtp, "an SMTP server", "smtp"),
    ("gopher", _smtp, "an SMTP server", "smtp"),
    ("pop3", _smtp, "an SMTP server", "smtp"),
    ("imap", _smtp, "an SMTP server", "smtp"),
    ("nntp", _smtp, "an SMTP server", "smtp"),
    ("submission", pop3_server, "a POP3 server", "pop3"),
    ("imap", pop3_server, "a POP3 server", "pop3"),
    ("pop3", imap_server, "an IMAP4 server", "imap"),
    ("smtp", nntp_server, "an NNTP server", "nntp"),
    ("ftp", imap_server, "an IMAP4 server", "imap"),
]


@pytest.mark.parametrize(("protocol", "factory", "who", "suggested"), WRONG_PROTOCOL,
                         ids=[f"{p}-on-{s}" for p, _, _, s in WRONG_PROTOCOL])
def test_another_catalogue_protocol_on_the_port_is_named(protocol, factory, who, suggested):
    with factory() as server:
        started = time.monotonic()
        result = probe(protocol, server)
        wall = time.monotonic() - started
    assert (result.verdict, result.category) == ("failed", "protocol"), result.message
    assert result.message.startswith(who)
    assert result.message.endswith(f"try netref probe {suggested} 127.0.0.1:{server.port}")
    assert wall < 1.5  # fast: no deadline waited out (telnet waits its 0.5 s of quiet)


def test_ftp_against_an_smtp_server_is_no_longer_ok_on_the_command_line():
    with SmtpServer() as server:
        outcome = runner.invoke(app, ["probe", "ftp", f"127.0.0.1:{server.port}"])
    assert outcome.exit_code == 8, outcome.output
    assert "verdict:" in outcome.output and "failed (protocol): an SMTP server" in outcome.output
    assert f"netref probe smtp 127.0.0.1:{server.port}" in outcome.output


def test_an_ssh_server_is_named_from_the_catalogue(ssh_catalog):
    with servers.serve(servers.banner(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")) as server:
        result = probe("telnet", server, catalog=ssh_catalog)
    assert (result.category, result.message) == ("protocol", (
        "an SSH server (OpenSSH_9.6p1) answered ('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13'), not Telnet: "
        f"try netref probe ssh 127.0.0.1:{server.port}"))


def _nginx_https_port(conn: socket.socket) -> None:
    """nginx's answer to plain HTTP on its HTTPS port."""
    servers.receive_until(conn, lambda data: b"\r\n\r\n" in data)
    body = b"<html><body><center>The plain HTTP request was sent to HTTPS port</center></body></html>\r\n"
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.24.0\r\nContent-Type: text/html\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))


def test_plain_http_on_an_https_port_is_the_wrong_tls_mode():
    with servers.serve(_nginx_https_port) as server:
        result = probe("http", server)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message == (
        "the server expects TLS on this port ('HTTP/1.1 400 Bad Request'): "
        f"try netref probe https 127.0.0.1:{server.port}")


def test_a_raw_tcp_probe_accepts_any_service():
    with SmtpServer() as server:
        result = probe("tcp", server)
    assert result.ok and result.greeting.startswith("220 ")


def test_an_ssh_probe_through_the_tcp_family_is_judged_too():
    with SmtpServer() as server:
        result = probe("ssh", server)
    assert result.category == "protocol" and result.message.startswith("an SMTP server")
    assert result.message.endswith(f"not SSH: try netref probe smtp 127.0.0.1:{server.port}")


# -- 5. the wrong TLS mode: named from the first bytes, fast ---------------------------------------


@pytest.mark.parametrize(("protocol", "factory", "plain", "upgrade"), [
    ("imaps", imap_server, "imap", "STARTTLS"),
    ("pop3s", pop3_server, "pop3", "STLS"),
    ("smtps", _smtp, "smtp", "STARTTLS"),
    ("nntps", nntp_server, "nntp", "STARTTLS"),
])
def test_an_implicit_tls_probe_of_a_plaintext_server_says_so_at_once(protocol, factory, plain, upgrade):
    with factory() as server:
        started = time.monotonic()
        result = probe(protocol, server, timeout=5)
        wall = time.monotonic() - started
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.startswith("the server answered in plaintext, not TLS (")
    assert result.message.endswith(
        f"try netref probe {plain} 127.0.0.1:{server.port} (with --starttls, to upgrade to TLS with {upgrade})")
    assert "WRONG_VERSION_NUMBER" not in result.message
    assert wall < 1


def test_a_greeting_openssl_read_before_the_peek_is_read_again(monkeypatch):
    """The race the peek cannot close: the greeting arrives just as the ClientHello goes out,
    and OpenSSL reads it first (here: no peek at all). The core reads it on a new connection."""
    from netref.probes import tls

    monkeypatch.setattr(tls, "_refuse_plaintext", lambda *args, **kwargs: None)
    with imap_server() as server:
        result = probe("imaps", server, timeout=5)
    assert result.category == "tls"
    assert result.message.startswith("the server answered in plaintext, not TLS (an IMAP4 server, '* OK ")
    assert result.greeting == "* OK [CAPABILITY IMAP4rev1] netref test IMAP server ready"


def test_a_plaintext_probe_of_a_tls_only_server_that_speaks_first_names_the_tls_form(server_ssl_context):
    with imap_server(ssl_context=server_ssl_context, implicit_tls=True) as server:
        result = probe("imap", server, timeout=0.8)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert result.message == (
        "deadline of 0.8 s passed while waiting for the server: no greeting; this port may expect TLS first: "
        f"try netref probe imaps 127.0.0.1:{server.port}")


@pytest.mark.parametrize(("protocol", "owner"), [("imap", "imaps"), ("smtp", "https"), ("ftp", "ftps")])
def test_silence_on_a_catalogue_tls_port_fails_fast(protocol, owner, server_ssl_context):
    """``imap`` on imaps's port (993), ``smtp`` on https's (443): one second of silence, not
    the whole deadline. The catalogue copy lists the test server's port for the TLS protocol,
    as the real one lists 993 and 443."""
    from netref.catalog import Catalog, Port, load_catalog

    with imap_server(ssl_context=server_ssl_context, implicit_tls=True) as server:  # TLS first, then silence
        real = load_catalog()
        tls_protocol = real.protocols[owner]._replace(ports=(Port(server.port, "tcp", owner, "over TLS", True),))
        catalog = Catalog(real.path, {**real.protocols, owner: tls_protocol}, real.modules)
        started = time.monotonic()
        result = probe(protocol, server, timeout=10, catalog=catalog)
        wall = time.monotonic() - started
    # then a second connection finds TLS for sure, and inside it the IMAP server (issue 18)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message == (
        f"silent for 1 s on port {server.port}, the catalogue's port for {owner}: no greeting; "
        "the server speaks TLS on this port (TLSv1.3; inside it, an IMAP4 server), not plaintext: "
        f"try netref probe imaps 127.0.0.1:{server.port}")
    assert 1 <= wall < 2


def test_a_plaintext_request_to_a_tls_only_server_fails_fast(server_ssl_context):
    with servers.HttpServer(server_ssl_context) as server:
        started = time.monotonic()
        result = probe("http", server, timeout=5)
        wall = time.monotonic() - started
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.endswith(f"not plaintext: try netref probe https 127.0.0.1:{server.port}")
    assert "the server speaks TLS on this port (TLSv1.3; inside it, an HTTP server" in result.message
    assert wall < 1


def _tls_alert(conn: socket.socket) -> None:
    """A TLS server's answer to a plaintext request: a fatal alert record (protocol_version)."""
    servers.receive_until(conn, lambda data: b"\r\n" in data)
    conn.sendall(b"\x15\x03\x01\x00\x02\x02\x46")


def test_a_tls_record_where_plaintext_was_expected_is_named():
    with servers.serve(_tls_alert) as server:
        result = probe("http", server)
    assert (result.category, result.message) == (
        "tls", f"the server answered in TLS, not plaintext: try netref probe https 127.0.0.1:{server.port}")


# -- 6. a refused certificate is still shown, marked as not verified, with the reason ------------


def test_a_refused_certificate_is_shown_with_the_reason(server_ssl_context):
    with servers.HttpServer(server_ssl_context) as server:
        result = probe("https", server)  # the test CA is in no trust store
        card = runner.invoke(app, ["probe", "https", f"127.0.0.1:{server.port}"]).output
    assert (result.verdict, result.category) == ("failed", "certificate")
    tls = result.tls
    assert tls is not None and "trustme" in tls.issuer and tls.subject and tls.not_after
    assert "IP:127.0.0.1" in tls.sans and tls.days_left > 0
    assert tls.verify_error == "unable to get local issuer certificate"
    assert (tls.chain_verified, tls.hostname_verified, tls.insecure) == (False, None, False)
    assert "REFUSED: unable to get local issuer certificate" in card and "cert issuer:" in card


def test_a_certificate_for_another_name_is_shown_with_the_name_checked(server_ssl_context, ca_file):
    with servers.HttpServer(server_ssl_context) as server:
        result = probe("https", server, ca_file=ca_file, sni="www.example.org")
    assert result.category == "certificate" and result.tls is not None
    assert (result.tls.hostname_verified, result.tls.chain_verified) == (False, None)
    assert result.tls.checked_name == "www.example.org" and "DNS:localhost" in result.tls.sans
    assert "Hostname mismatch" in result.tls.verify_error


def test_a_refused_starttls_certificate_is_shown_too(server_ssl_context):
    with SmtpServer(starttls_context=server_ssl_context) as server:
        result = probe("smtp", server, starttls=True)
    assert result.category == "certificate" and result.tls is not None and result.tls.starttls
    assert "trustme" in result.tls.issuer and result.tls.chain_verified is False
    assert "MAIL" not in server.verbs() and not any(command.secure for command in server.log)


# -- 7. an upgrade offered but not used --------------------------------------------------------------


def test_submission_without_starttls_warns(server_ssl_context):
    with SmtpServer(starttls_context=server_ssl_context) as server:
        result = probe("submission", server)
        smtp = probe("smtp", server)
        card = runner.invoke(app, ["probe", "submission", f"127.0.0.1:{server.port}"]).output
        nagios = runner.invoke(app, ["probe", "submission", f"127.0.0.1:{server.port}", "-f", "nagios"])
    assert result.ok and result.details["starttls_offered"] is True
    assert result.warnings == [
        "the server offers STARTTLS, but this probe did not use it (--starttls): "
        "anything sent next, credentials included, would travel in plaintext"]
    check = judge(result, Thresholds())
    assert check.code == WARNING and check.summary.startswith("the server offers STARTTLS")
    assert smtp.warnings == result.warnings and judge(smtp, Thresholds()).code == OK  # MTA to MTA: no alarm
    assert "warnings:" in card and "credentials included" in card
    assert nagios.exit_code == 1 and nagios.output.startswith("SUBMISSION WARNING - the server offers STARTTLS")


@pytest.mark.parametrize("protocol", ["pop3", "imap", "nntp", "ftp"])
def test_every_in_band_family_warns_alike(protocol, server_ssl_context, tmp_path, cert_files):
    with _server(protocol, server_ssl_context, tmp_path, cert_files) as server:
        result = probe(protocol, server)
    assert result.ok and len(result.warnings) == 1 and "did not use it (--starttls)" in result.warnings[0]


# -- 8. small truths ----------------------------------------------------------------------------------


def test_an_odd_smtp_greeting_shows_its_code_once():
    with servers.serve(servers.banner(b"250 odd.example greets with 250\r\n")) as server:
        result = probe("smtp", server)
    assert (result.category, result.message) == (
        "protocol", "unexpected SMTP greeting: 250 odd.example greets with 250")


def test_the_server_field_is_the_software_name(tmp_path, cert_files):
    with FtpServer(tmp_path, banner="(vsFTPd 3.0.3)") as server:
        ftp = probe("ftp", server)
    with imap_server(greeting="* OK [CAPABILITY IMAP4rev1 LITERAL+] Dovecot (Ubuntu) ready.") as server:
        imap = probe("imap", server)
    menu = servers.GOPHER_MENU.replace(b".\r\n", b"iServed by Gophernicus/3.1.1 on Debian\tfake\t(NULL)\t0\r\n.\r\n")
    with servers.serve(servers.gopher_menu(menu=menu)) as server:
        gopher = probe("gopher", server)
    assert (ftp.server_software, imap.server_software, gopher.server_software) == (
        "vsFTPd 3.0.3", "Dovecot (Ubuntu)", "Gophernicus/3.1.1")


def test_imap_capabilities_are_reported_as_sent():
    with imap_server() as server:
        result = probe("imap", server)
    assert "IMAP4rev1" in result.capabilities and "IMAP4REV1" not in result.capabilities


def test_counts_are_singular_for_one():
    with servers.serve(servers.banner(b"login: ")) as server:
        telnet = probe("telnet", server)
    with servers.serve(servers.banner(b"!")) as server:
        tcp = probe("tcp", server)
    one_item = b"1About\t/about\tlocalhost\t70\r\n.\r\n"
    with servers.serve(servers.gopher_menu(menu=one_item)) as server:
        gopher = probe("gopher", server)
    assert telnet.message == "first screen: 1 line; refused 0 options"
    assert tcp.message == "connected; banner of 1 byte"
    assert gopher.message == "root menu: 1 item"


def test_nagios_names_the_certificate_days_once(server_ssl_context, ca_file):
    with servers.HttpServer(server_ssl_context) as server:
        result = probe("https", server, ca_file=ca_file)
    check = judge(result, Thresholds(cert_warning=10**7))
    assert check.code == WARNING
    assert check.summary.count(str(result.tls.days_left)) == 1, check.summary


@pytest.mark.parametrize(("flag", "address", "version"), [("-6", "127.0.0.1", 4), ("-4", "::1", 6)])
def test_an_address_of_the_other_family_is_a_usage_error(flag, address, version):
    outcome = runner.invoke(app, ["probe", "http", address, flag])
    assert outcome.exit_code == 2
    assert f"{flag} does not apply to {address}: it is an IPv{version} address" in outcome.output
    assert "failed (dns)" not in outcome.output


# -- 9. input that must not get through ---------------------------------------------------------------


@pytest.mark.parametrize("timeout", ["nan", "inf", "-inf", "1e999", "100000"])
def test_impossible_timeouts_are_usage_errors(timeout):
    outcome = runner.invoke(app, ["probe", "http", "127.0.0.1:9", "--timeout", timeout])
    assert outcome.exit_code == 2, outcome.output
    assert "invalid timeout" in outcome.output and "Error" not in outcome.output.replace("error:", "")
    nagios = runner.invoke(app, ["probe", "http", "127.0.0.1:9", "--timeout", timeout, "-f", "nagios"])
    assert nagios.exit_code == 3 and nagios.output.startswith("HTTP UNKNOWN - invalid timeout")


@pytest.mark.parametrize("name", ["bad name with spaces", "under score!", "-leading.example", "a" * 64 + ".example"])
def test_an_impossible_server_name_is_a_usage_error(name):
    outcome = runner.invoke(app, ["probe", "https", "127.0.0.1:9", "--sni", name])
    assert outcome.exit_code == 2, outcome.output
    assert "invalid TLS server name" in outcome.output


def test_a_possible_server_name_gets_through():
    with socket.socket() as sock:  # bound, not listening: refused at once
        sock.bind(("127.0.0.1", 0))
        options = ProbeOptions("127.0.0.1", port=sock.getsockname()[1], sni="mail-1.example.org", timeout=2)
        assert run_probe("https", options).category == "refused"


@pytest.mark.parametrize(
    ("waiting", "plaintext"),
    [
        (b"* OK [CAPABILITY IMAP4rev1] ready\r\n", True),
        (b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n", True),
        (b"\x03", False),  # the rest of a record whose first byte the ClientHello's call already read
        (b"\x03\x03\x00\x7a\x02\x00", False),
        (b"z\x02\x00\x00v\x03\x03", False),  # a record's length byte happens to be printable
        (b"* OK partial greet", False),  # no whole line yet: OpenSSL's verdict decides
    ],
)
def test_after_the_hello_only_a_line_of_text_is_judged_plaintext(waiting, plaintext):
    """Regression: a TLS server dripping its first record was reported as 'answered in
    plaintext ('\\x03')' when the handshake call that sent the ClientHello had read the first byte."""
    from netref.probes import tls

    assert tls._text_line(waiting) is plaintext
