"""The xmpp and xmpps probes against the exact bytes Prosody 0.12.3 and ejabberd 23.01 sent (captured
from the Debian programs: tests/probes/captures_irc_xmpp.py), and against hostile servers."""

from __future__ import annotations

import re
import time

import captures_irc_xmpp as captured
import pytest
import servers
from probing import assert_verified_tls, probe
from replay_irc_xmpp import Replay, byte_by_byte

from netref.catalog import load_catalog
from netref.identify import identify
from netref.probes import ProbeOptions, ProbeUsageError, run_probe, xmpp

HEADER = captured.PROSODY_STARTTLS[0][0]


def test_prosody_requires_starttls():
    with Replay(captured.PROSODY_STARTTLS[:1]) as server:
        result = probe("xmpp", server, domain="localhost")
    assert result.ok, result.message
    assert server.sent[:2] == [HEADER, b"</stream:stream>"]
    details = result.details
    assert details["starttls"] == "required" and details["starttls_offered"] is True
    assert details["features"] == ["starttls"] and details["sasl_mechanisms"] == []
    assert details["stream_from"] == "localhost" and details["stream_version"] == "1.0"
    assert details["stream_id"] == re.search(rb"id='([^']+)'", captured.PROSODY_STARTTLS[0][1])[1].decode()
    assert details["stream_lang"] == "en" and details["stream_error"] is None
    assert result.server_software is None  # a stream before authentication names no software
    assert result.message == "stream to localhost; STARTTLS required"
    assert result.greeting.startswith("<stream:stream xmlns='jabber:client' from='localhost' ")
    assert result.greeting.endswith(">") and "features" not in result.greeting
    assert any("--starttls" in warning for warning in result.warnings)


@pytest.mark.parametrize("steps", ["PROSODY_STARTTLS", "EJABBERD_STARTTLS"])
def test_starttls_upgrades_in_band(steps, server_ssl_context, ca_file):
    with Replay(getattr(captured, steps), server_ssl_context) as server:
        result = probe("xmpp", server, ca_file=ca_file, domain="localhost", starttls=True)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=True)
    assert server.sent[:4] == [HEADER, b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", HEADER,
                               b"</stream:stream>"]
    details = result.details
    assert "starttls" in details["capabilities_before_tls"] and "starttls" not in result.capabilities
    assert "PLAIN" in details["sasl_mechanisms"] and "SCRAM-SHA-1" in details["sasl_mechanisms"]
    assert details["starttls"] in ("required", "offered") and not result.warnings


def test_ejabberd_features_before_tls():
    with Replay(captured.EJABBERD_STARTTLS[:1]) as server:
        result = probe("xmpp", server, domain="localhost")
    assert result.ok, result.message
    details = result.details
    assert details["features"] == ["sasl", "starttls", "register"] and details["starttls"] == "offered"
    assert details["sasl_mechanisms"] == ["DIGEST-MD5", "PLAIN", "SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1",
                                          "X-OAUTH2"]
    assert details["stream_id"] and details["stream_id"].isdigit()


@pytest.mark.parametrize("steps", ["PROSODY_DIRECT_TLS", "EJABBERD_DIRECT_TLS"])
def test_xmpps_direct_tls(steps, server_ssl_context, ca_file):
    with Replay(getattr(captured, steps), server_ssl_context, implicit_tls=True) as server:
        result = probe("xmpps", server, ca_file=ca_file, domain="localhost")
    assert result.ok, result.message
    assert_verified_tls(result, starttls=False)
    assert result.details["starttls"] is None and "sasl" in result.details["features"]


@pytest.mark.parametrize("steps", ["PROSODY_HOST_UNKNOWN", "EJABBERD_HOST_UNKNOWN"])
def test_stream_error_host_unknown(steps):
    """No --domain on an address: the stream goes to 127.0.0.1, which neither server serves."""
    with Replay(getattr(captured, steps)) as server:
        result = probe("xmpp", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.details["domain"] == "127.0.0.1"
    assert result.details["stream_error"]["condition"] == "host-unknown"
    assert result.message.startswith("the server ended the stream: host-unknown")
    assert result.message.endswith((
        "it does not serve 127.0.0.1; name the domain with --domain",  # ejabberd: no text
        "(This server does not serve 127.0.0.1): name the domain with --domain (not 127.0.0.1)",  # Prosody
    ))


def test_sni_is_the_domain_without_domain(server_ssl_context, ca_file):
    with Replay(captured.PROSODY_DIRECT_TLS, server_ssl_context, implicit_tls=True) as server:
        result = probe("xmpps", server, ca_file=ca_file, sni="localhost")
    assert result.ok and result.details["domain"] == "localhost"


def test_see_other_host_names_it():
    reply = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
             b" from='localhost' id='x' version='1.0'><stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:"
             b"xmpp-streams'>xmpp.example.net</see-other-host></stream:error></stream:stream>")
    with Replay([(HEADER, reply, True)]) as server:
        result = probe("xmpp", server, domain="localhost")
    assert result.details["stream_error"]["other_host"] == "xmpp.example.net"
    assert result.message == "the server ended the stream: see-other-host: it sends clients to xmpp.example.net"


@pytest.mark.parametrize("bad", ["", "-x.example", "a..b", "exa mple.org", "x" * 64 + ".org", "<script>"])
def test_domain_must_be_a_name(bad):
    with pytest.raises(ProbeUsageError, match=r"--domain: .* is not a domain name"):
        run_probe("xmpp", ProbeOptions("127.0.0.1", port=5222, domain=bad))


def test_domain_is_refused_elsewhere_and_idn_accepted():
    with pytest.raises(ProbeUsageError, match="--domain"):
        run_probe("irc", ProbeOptions("127.0.0.1", port=6667, domain="example.org"))
    assert xmpp.check_domain("bücher.example") == "xn--bcher-kva.example"


def test_captures_identify_as_xmpp():
    catalog = load_catalog()
    for steps in (captured.PROSODY_TO_GET, captured.EJABBERD_TO_GET, captured.PROSODY_HOST_UNKNOWN):
        assert identify(steps[0][1], catalog).protocol == "xmpp"


def test_starttls_not_offered_is_a_tls_failure():
    with Replay(captured.EJABBERD_DIRECT_TLS[:1]) as server:  # features without <starttls/>
        result = probe("xmpp", server, domain="localhost", starttls=True)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.startswith("server does not offer STARTTLS")


def test_plaintext_behind_proceed_is_refused():
    proceed = b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><message>injected</message>"
    steps = [captured.EJABBERD_STARTTLS[0], (captured.EJABBERD_STARTTLS[1][0], proceed, False)]
    with Replay(steps) as server:
        result = probe("xmpp", server, domain="localhost", starttls=True)
    assert (result.category, result.message) == ("tls", "server sent unencrypted data after agreeing to start TLS")


def test_failure_to_starttls():
    steps = [captured.EJABBERD_STARTTLS[0],
             (captured.EJABBERD_STARTTLS[1][0], b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", True)]
    with Replay(steps) as server:
        result = probe("xmpp", server, domain="localhost", starttls=True)
    assert (result.category, result.message) == ("tls", "server refused STARTTLS: <failure/>")


# -- hostile servers --------------------------------------------------------------------------

STREAM = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          b"xmlns:stream='http://etherx.jabber.org/streams' id='x' version='1.0'>")


def timed(handler, timeout: float = 0.6, protocol: str = "xmpp"):
    with servers.serve(handler) as server:
        started = time.monotonic()
        result = run_probe(protocol, ProbeOptions("127.0.0.1", port=server.port, timeout=timeout, domain="localhost"))
        return result, time.monotonic() - started


def answering(reply: bytes):
    def handle(conn):
        conn.settimeout(3)
        conn.recv(4096)
        conn.sendall(reply)
        servers._until_closed(conn, 3)
    return handle


def test_xml_bomb_is_never_expanded():
    bomb = (b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
            + b"".join(b"<!ENTITY lol%d '%s'>" % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                       for i in range(1, 10))
            + b"]>" + STREAM.split(b"?>", 1)[1] + b"<stream:features>&lol9;</stream:features>")
    result, wall = timed(answering(bomb), timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "DTD" in result.message and wall < 1


def test_external_entity_is_never_fetched():
    xxe = (b"<?xml version='1.0'?><!DOCTYPE s [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
           + STREAM.split(b"?>", 1)[1] + b"<stream:features><x>&x;</x></stream:features>")
    result, _ = timed(answering(xxe), timeout=3)
    assert result.category == "protocol" and "DTD" in result.message and "root:" not in str(result.to_dict())


def test_oversized_xml_is_bounded():
    def flood(conn):
        conn.recv(4096)
        conn.sendall(STREAM + b"<stream:features>")
        while True:
            conn.sendall(b"<x>" + b"a" * 65536 + b"</x>")

    result, _ = timed(flood, timeout=5)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == f"the server sent over {xmpp.MAX_XML // 1024} KiB of XML without its features"


def test_deep_nesting_is_bounded():
    result, _ = timed(answering(STREAM + b"<a>" * 100), timeout=3)
    assert result.message == f"the server nested XML deeper than {xmpp.MAX_DEPTH} elements"


def test_malformed_xml():
    result, _ = timed(answering(STREAM + b"<stream:features><a></b>"), timeout=3)
    assert (result.category, result.message) == ("protocol", "the server sent malformed XML: mismatched tag")


def test_wrong_protocol_is_named():
    result, _ = timed(answering(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"), timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "SSH" in result.message


def test_a_server_older_than_xmpp_1_0_has_no_features():
    old = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
           b"xmlns:stream='http://etherx.jabber.org/streams' id='1'>")
    result, wall = timed(answering(old), timeout=3)
    assert result.ok, result.message
    assert result.details["features"] == [] and result.details["stream_version"] is None and wall < 2
    assert result.warnings == ["the stream header has no version: a server older than XMPP 1.0, without features"]


def test_html_is_no_stream():
    result, _ = timed(answering(b"<html><body>hello</body></html>"), timeout=3)
    assert (result.category, result.message) == ("protocol", "no XMPP stream: the server's XML starts with <html>")


def test_endless_line_and_garbage():
    for handler in (servers.endless_line, servers.garbage):
        result, wall = timed(handler, timeout=3)
        assert (result.verdict, result.category) == ("failed", "protocol") and wall < 3


def test_the_xmpp_hello_goes_only_to_xmpp_ports():
    from netref.identify import hello_plan

    catalog = load_catalog()
    assert hello_plan(catalog, "xmpp")[0].startswith(b"<?xml version='1.0'?><stream:stream ")
    assert not any(b"<stream:stream" in hello for hello in hello_plan(catalog))


def test_a_stream_cut_into_single_bytes_is_parsed_the_same():
    """Expat is fed as bytes arrive: a header and features split anywhere read as a whole."""
    reply = captured.EJABBERD_STARTTLS[0][1]
    result, _ = timed(byte_by_byte(reply, 0.0005), timeout=5)
    assert result.ok, result.message
    assert result.details["features"] == ["sasl", "starttls", "register"]
    assert len(result.details["sasl_mechanisms"]) == 6
