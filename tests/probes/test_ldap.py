"""The ldap and ldaps probes against the exact bytes of two real directory servers, and hostile ones.

The captures (tests/probes/captures_ldap.json, made with tests/probes/ldap_replay.py) are OpenLDAP
slapd 2.5.13 and 389 Directory Server 2.3.1 from Debian 12, answering the probe's own requests;
their source and configuration are recorded there. The hostile servers are written here, with the
project's BER encoder where a message must be well formed around the fault.
"""

from __future__ import annotations

import socket
import time

import ldap_replay
import pytest
import real_bytes
import servers
from ldap_replay import ReplayServer, capture
from probing import assert_verified_tls, probe

from netref.catalog import load_catalog
from netref.identify import candidates
from netref.probes import ber, ldap

SLACK = 0.15  # seconds on top of deadline × 1.1, as in test_core
APP = ber.Class.APPLICATION


def replay(name: str, **kwargs):
    return ReplayServer(capture(name), **kwargs)


def unbind(message_id: int) -> bytes:
    return ldap.unbind_request(message_id)


# -- real servers' bytes ------------------------------------------------------------------------


def test_openldap_rootdse_is_read_anonymously():
    with replay("openldap") as server:
        result = probe("ldap", server)
    assert result.ok, result.message
    assert not server.mismatches and server.received[-1] == unbind(2)
    assert result.message == "RootDSE read anonymously: naming contexts dc=example,dc=org"
    details = result.details
    assert details["naming_contexts"] == ["dc=example,dc=org"] and details["ldap_versions"] == [3]
    assert details["result_code"] == 0 and details["result_name"] == "success" and details["rootdse_read"] is True
    assert "SCRAM-SHA-256" in details["sasl_mechanisms"] and "PLAIN" not in details["sasl_mechanisms"]
    assert ldap.STARTTLS_OID in details["extensions"] and details["starttls_offered"] is True
    assert "1.2.840.113556.1.4.319" in details["controls"] and "1.3.6.1.4.1.4203.1.5.1" in details["features"]
    # OpenLDAP publishes no vendorName/vendorVersion: no software, and no guess from the protocol
    assert (details["vendor_name"], details["vendor_version"]) == (None, None)
    assert (result.server_software, result.software_source) == (None, None)
    assert {"LDAPv3", "StartTLS", "Who am I?", "Password Modify", "SASL SCRAM-SHA-1"} <= set(result.capabilities)
    assert any("offers StartTLS" in warning for warning in result.warnings)


def test_389ds_names_its_software_from_the_rootdse():
    with replay("389ds") as server:
        result = probe("ldap", server)
    assert result.ok, result.message
    assert result.server_software == "389 Project 389-Directory/2.3.1 B2025.016.1616"
    assert result.software_source == "RootDSE"
    assert result.details["vendor_name"] == "389 Project"
    assert result.details["ldap_versions"] == [2, 3] and result.details["naming_contexts"] == ["dc=example,dc=org"]
    assert {"EXTERNAL", "GSSAPI", "PLAIN"} <= set(result.details["sasl_mechanisms"])
    assert "2.16.840.1.113730.3.5.7" in result.capabilities  # an extension without a name: its OID


@pytest.mark.parametrize("name", ["openldap-starttls", "389ds-starttls"])
def test_starttls_upgrades_and_reads_the_rootdse_again(name, server_ssl_context, ca_file):
    with replay(name, ssl_context=server_ssl_context) as server:
        result = probe("ldap", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert not server.mismatches and server.received[-1] == unbind(4)
    assert_verified_tls(result, starttls=True)
    assert "StartTLS" in result.details["capabilities_before_tls"] and result.details["starttls_offered"] is True
    assert not result.warnings
    if name.startswith("openldap"):  # slapd offers PLAIN and LOGIN only over TLS
        assert "SASL PLAIN" in result.capabilities and "SASL PLAIN" not in result.details["capabilities_before_tls"]


@pytest.mark.parametrize("name", ["openldap-ldaps", "389ds-ldaps"])
def test_ldaps_is_tls_from_the_first_byte(name, server_ssl_context, ca_file):
    with replay(name, ssl_context=server_ssl_context) as server:
        result = probe("ldaps", server, ca_file=ca_file)
    assert result.ok, result.message
    assert not server.mismatches and server.received[-1] == unbind(2)
    assert_verified_tls(result, starttls=False)
    assert result.details["naming_contexts"] == ["dc=example,dc=org"] and "starttls_offered" not in result.details


def test_a_refused_search_is_an_answer_in_words():
    with replay("openldap-require-authc") as server:  # slapd.conf: require authc
        result = probe("ldap", server)
    assert result.ok, result.message
    assert result.message == (
        "the server refused the anonymous RootDSE search: unwillingToPerform (53): authentication required")
    details = result.details
    assert (details["result_code"], details["result_name"]) == (53, "unwillingToPerform")
    assert details["diagnostic_message"] == "authentication required" and details["rootdse_read"] is False
    assert details["starttls_offered"] is None and result.capabilities == []


def test_confidentiality_required_then_starttls_reads_it(server_ssl_context, ca_file):
    """slapd with ``security tls=1`` refuses the plaintext search; StartTLS is tried all the same
    (the refusal says nothing of it), and over TLS the RootDSE is read."""
    with replay("openldap-security-tls", ssl_context=server_ssl_context) as server:
        plain = probe("ldap", server)
    assert plain.ok and plain.details["result_name"] == "confidentialityRequired"
    assert plain.message.endswith("confidentialityRequired (13): TLS confidentiality required")
    with replay("openldap-security-tls", ssl_context=server_ssl_context) as server:
        result = probe("ldap", server, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert not server.mismatches
    assert result.details["result_code"] == 0 and result.details["naming_contexts"] == ["dc=example,dc=org"]
    assert result.details["capabilities_before_tls"] == [] and result.tls is not None and result.tls.starttls


def test_starttls_not_offered_is_a_tls_failure_and_never_sent():
    with replay("openldap-no-tls") as server:  # slapd without a certificate lists no StartTLS
        result = probe("ldap", server, starttls=True)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message == ("server does not offer StartTLS (supportedExtension lists: Password Modify, "
                              "Who am I?, Cancel, End Transaction, Start Transaction)")
    assert not server.mismatches and server.received[-1] == unbind(2)  # no extended request went out


def test_the_hello_answers_identify_ldap():
    catalog = load_catalog()
    for name in ("openldap-hello", "389ds-hello", "openldap", "389ds", "openldap-require-authc"):
        [found] = candidates(ldap_replay.answer(name), catalog)
        assert (found.protocol, found.certain, found.software) == ("ldap", True, None), name


def test_a_notice_of_disconnection_identifies_ldap():
    """What a server that will not talk sends instead (RFC 4511 §4.4.1: message ID 0); slapd and
    389-ds close without it, Active Directory and others send it."""
    notice = extended_response(0, 2, b"The server has closed the connection because of a protocol error",
                               ldap.NOTICE_OF_DISCONNECTION)  # fmt: skip
    [found] = candidates(notice, load_catalog())
    assert (found.protocol, found.certain) == ("ldap", True)


def test_the_catalogue_hello_is_a_rootdse_search():
    facts = load_catalog().protocols["ldap"].identify
    assert facts is not None and facts.first == "client" and facts.hello
    message = ber.decode(facts.hello.encode("latin-1"))
    message_id, search = message.children
    assert message_id.integer() == 1 and search.is_(ldap.SEARCH, APP)
    assert search.children[0].octets() == b"" and search.children[1].integer() == 0  # base "", scope base
    assert capture("openldap-hello")["exchanges"][0]["sent"] == facts.hello.encode("latin-1").hex()


def test_the_requests_are_what_the_rfc_says():
    assert ldap.unbind_request(4) == b"\x30\x05\x02\x01\x04\x42\x00"
    assert ldap.starttls_request(2) == b"\x30\x1d\x02\x01\x02\x77\x18\x80\x16" + ldap.STARTTLS_OID.encode()
    search = ber.decode(ldap.search_request(1)).children[1]
    assert search.children[6].is_(7, ber.Class.CONTEXT) and search.children[6].octets() == b"objectClass"
    assert [item.text() for item in search.children[7].children] == list(ldap.ROOT_DSE_ATTRIBUTES)


# -- hostile and broken servers -----------------------------------------------------------------


def done(message_id: int, code: int, diagnostic: bytes = b"") -> bytes:
    result = [ber.enumerated(code), ber.octet_string(b""), ber.octet_string(diagnostic)]
    return ber.sequence([ber.integer(message_id), ber.sequence(result, (APP, ldap.DONE))])


def extended_response(message_id: int, code: int, diagnostic: bytes = b"", name: str | None = None) -> bytes:
    result = [ber.enumerated(code), ber.octet_string(b""), ber.octet_string(diagnostic)]
    if name:
        result.append(ber.octet_string(name, (ber.Class.CONTEXT, 10)))
    return ber.sequence([ber.integer(message_id), ber.sequence(result, (APP, ldap.EXTENDED_RESPONSE))])


def answering(*answers: bytes, interval: float = 0.0, hold: bool = True):
    """A server that reads one message per answer and sends it (byte by byte every ``interval``
    seconds when given), then holds the connection until the client leaves (or closes it at
    once, ``hold=False``)."""

    def handle(conn: socket.socket) -> None:
        conn.settimeout(5)
        for data in answers:
            if not ldap_replay.read_message(conn):
                return
            if interval:
                for byte in data:
                    conn.sendall(bytes([byte]))
                    time.sleep(interval)
            else:
                conn.sendall(data)
        if hold:
            servers._until_closed(conn, 5)

    return handle


def timed(handler, timeout: float = 3.0, **options):
    with servers.serve(handler) as server:
        started = time.monotonic()
        result = probe("ldap", server, timeout=timeout, **options)
    return result, time.monotonic() - started


def test_silent_server_times_out_within_the_deadline():
    result, wall = timed(servers.silent, timeout=0.5)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.5 * 1.1 + SLACK


def test_tls_behind_a_silent_answer_is_found(server_ssl_context):
    """389-ds on its LDAPS port waits for more bytes after a plaintext search: after 2 s of
    silence a second connection finds TLS, and inside it LDAP (389-ds's answer to the hello)."""
    connections: list[int] = []

    def handle(conn: socket.socket) -> None:
        connections.append(1)
        if len(connections) == 1:
            servers.silent(conn)
            return
        conn = server_ssl_context.wrap_socket(conn, server_side=True)
        if ldap_replay.read_message(conn):
            conn.sendall(ldap_replay.answer("389ds-hello"))
        servers._until_closed(conn, 5)

    result, wall = timed(handle, timeout=6)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.startswith("silent for 2 s after the RootDSE search: no answer to the request; the server "
                                     "speaks TLS on this port (TLSv1.3; inside it, an LDAP server), not plaintext: "
                                     "try netref probe ldaps 127.0.0.1:")  # fmt: skip
    assert 2 <= wall < 5


def test_drip_feed_cannot_stretch_the_deadline():
    result, wall = timed(answering(ldap_replay.answer("openldap"), interval=0.02), timeout=0.5)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.5 * 1.1 + SLACK


@pytest.mark.parametrize(("answer", "words"), [
    (b"\x30\x80\x02\x01\x01\x65\x80\x0a\x01\x00\x04\x00\x04\x00\x00\x00\x00\x00", "indefinite length"),
    (b"\x30\x84\x7f\xff\xff\xff\x02\x01\x01", "exceeds the limit of 262144"),
    (b"\x30\x85\x01\x00\x00\x00\x00", "length field of 5 octets"),
    (b"\x30\x07\x02\x01\x01\x65\x07\x0a\x01", "overruns its parent"),
    (b"\x30\x0d\x02\x02\x00\x01\x65\x07\x0a\x01\x00\x04\x00\x04\x00", "not minimally encoded"),
])  # fmt: skip
def test_malformed_ber_is_a_protocol_failure_at_once(answer, words):
    result, wall = timed(answering(answer), timeout=5)
    assert (result.verdict, result.category) == ("failed", "protocol"), result.message
    assert words in result.message and result.message.startswith("malformed LDAP message"), result.message
    assert wall < 2  # refused on its header or its end, never waited on


def test_a_length_beyond_the_bytes_sent():
    """16 bytes announced, 11 sent: closed there, a protocol failure; held open, the deadline."""
    short = b"\x30\x82\x00\x10\x02\x01\x01\x65\x0b\x0a\x01\x00\x04\x00\x04\x00"
    closed, _ = timed(answering(short, hold=False))
    assert (closed.verdict, closed.category) == ("failed", "protocol")
    assert closed.message == "the server closed the connection inside an LDAP message in answer to the RootDSE search"
    held, wall = timed(answering(short), timeout=0.5)
    assert (held.verdict, held.category) == ("failed", "timeout") and wall <= 0.5 * 1.1 + SLACK


def test_deep_nesting_is_refused():
    nested = ber.octet_string(b"x")
    for _ in range(40):
        nested = ber.sequence([nested])
    entry = ber.sequence([ber.integer(1), ber.sequence([ber.octet_string(b""), nested], (APP, ldap.ENTRY))])
    result, _ = timed(answering(entry))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "nested too deeply" in result.message


def test_an_endless_answer_is_cut_off():
    entry = ber.sequence([ber.integer(1), ber.sequence([ber.octet_string(b""), ber.sequence([])], (APP, ldap.ENTRY))])
    result, _ = timed(answering(entry * (ldap.MAX_MESSAGES + 4)))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == "the server sent more than 16 messages in answer to the RootDSE search"


def test_an_oversized_message_is_refused_before_it_is_read():
    huge = b"\x30\x83\x10\x00\x00" + b"\x00" * 1000  # announces 1 MiB
    result, wall = timed(answering(huge), timeout=5)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "exceeds the limit" in result.message and wall < 2


def test_the_wrong_message_id_is_refused():
    real = bytearray(ldap_replay.answer("openldap"))
    assert real[4:7] == b"\x02\x01\x01"
    real[6] = 7  # slapd's answer, for another request
    result, _ = timed(answering(bytes(real)))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == "the server answered message ID 7, not 1 in answer to the RootDSE search"


def test_a_notice_of_disconnection_says_why():
    notice = extended_response(0, 52, b"server shutting down", ldap.NOTICE_OF_DISCONNECTION)
    result, _ = timed(answering(notice))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == (
        "the server disconnected (Notice of Disconnection): unavailable (52): server shutting down")


def test_starttls_refused_is_a_tls_failure_in_words():
    answers = (ldap_replay.answer("openldap"), extended_response(2, 52, b"Could not initialize TLS"))
    result, _ = timed(answering(*answers), starttls=True)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message == "server refused StartTLS: unavailable (52): Could not initialize TLS"


def test_plaintext_behind_the_starttls_answer_is_refused():
    answers = (ldap_replay.answer("openldap"), extended_response(2, 0) + done(3, 0))
    result, _ = timed(answering(*answers), starttls=True, insecure=True)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message == "server sent unencrypted data after agreeing to start TLS"


def test_an_empty_success_says_the_rootdse_is_hidden():
    result, _ = timed(answering(done(1, 0)))
    assert result.ok and result.details["rootdse_read"] is False
    assert result.message == "the RootDSE search succeeded but returned no entry (the server hides its RootDSE)"


def test_closed_without_an_answer():
    result, _ = timed(answering(b"", hold=False))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith("the server closed the connection in answer to the RootDSE search")


def test_an_http_server_is_named():
    with replay("nginx-http") as server:  # nginx's exact answer to the probe's search
        result = probe("ldap", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == (
        "an HTTP server (nginx/1.22.1) answered ('HTTP/1.1 400 Bad Request'), not LDAP: "
        f"try netref probe http 127.0.0.1:{server.port}")
    assert result.server_software == "nginx/1.22.1" and result.software_source == "Server header"


def test_an_smtp_greeting_is_named():
    result, _ = timed(servers.smtp_greeting)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "SMTP server" in result.message and "not LDAP" in result.message, result.message


def test_an_ssh_server_is_named():
    result, _ = timed(servers.banner(real_bytes.OPENSSH))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith(
        "an SSH server (OpenSSH_9.2p1) answered ('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10')")
    assert "not LDAP: try netref probe ssh 127.0.0.1:" in result.message


def test_garbage_is_a_protocol_failure():
    result, wall = timed(servers.garbage, timeout=3)
    assert result.verdict == "failed" and result.category in ("protocol", "timeout")
    assert wall <= 3 * 1.1 + SLACK
