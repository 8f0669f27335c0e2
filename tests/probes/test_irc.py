"""The irc and ircs probes against the exact bytes ngIRCd 26.1 and InspIRCd 3.15 sent (captured from
the Debian programs: tests/probes/captures_irc_xmpp.py), and against hostile servers."""

from __future__ import annotations

import time

import captures_irc_xmpp as captured
import pytest
import servers
from probing import assert_verified_tls, probe
from replay_irc_xmpp import Replay, byte_by_byte

from netref.catalog import load_catalog
from netref.identify import identify
from netref.probes import ProbeOptions, ProbeUsageError, irc, run_probe

REGISTER = b"NICK nr1a2b3c\r\nUSER netref 0 * :netref probe\r\n"


@pytest.fixture(autouse=True)
def captured_nick(monkeypatch):
    """The probe registers with the nick the captures were made with."""
    monkeypatch.setattr(irc, "nick", lambda: "nr1a2b3c")


def test_ngircd_registration():
    with Replay(captured.NGIRCD_REGISTRATION) as server:
        result = probe("irc", server)
    assert result.ok, result.message
    assert server.sent == [REGISTER, b"QUIT :netref probe\r\n"]
    assert result.server_software == "ngircd-26.1" and result.software_source == "IRC 004"
    assert result.message == "registered on NetrefNet (server irc.netref.test); NICKLEN 9, CHANNELLEN 50, TOPICLEN 490"
    details = result.details
    assert details["registered"] is True and details["refusal"] is None and details["network"] == "NetrefNet"
    assert details["server_name"] == "irc.netref.test" and details["notices"] == []
    assert details["isupport"]["CASEMAPPING"] == "ascii" and details["isupport"]["CHANTYPES"] == "#&+"
    assert details["isupport"]["PENALTY"] is True and "NICKLEN=9" in result.capabilities
    assert details["user_modes"] == "abBcCFiIoqrRswx" and details["created"].startswith("This server has been started")
    assert result.greeting.startswith(":irc.netref.test 001 nr1a2b3c :Welcome")


def test_inspircd_registration_after_its_notices():
    with Replay(captured.INSPIRCD_REGISTRATION) as server:
        result = probe("irc", server)
    assert result.ok, result.message
    assert result.server_software == "InspIRCd-3" and result.software_source == "IRC 004"
    assert result.greeting == ":irc.netref.test NOTICE * :*** Looking up your hostname..."
    assert result.details["notices"][0] == "*** Looking up your hostname..."
    assert result.details["isupport"]["NICKLEN"] == "30" and result.details["isupport"]["CASEMAPPING"] == "rfc1459"
    assert result.message.startswith("registered on NetrefNet (server irc.netref.test); NICKLEN 30, CHANNELLEN 64")


def test_software_from_002_when_004_names_none():
    burst = captured.NGIRCD_REGISTRATION[0][1].replace(b" ngircd-26.1 abBc", b" * abBc").replace(b" 004 ", b" 004 ", 1)
    lines = [line for line in burst.split(b"\r\n") if b" 004 " not in line]
    with Replay([(REGISTER, b"\r\n".join(lines), False), *captured.NGIRCD_REGISTRATION[1:]]) as server:
        result = probe("irc", server)
    assert result.ok, result.message
    assert (result.server_software, result.software_source) == ("ngircd-26.1", "IRC 002")


def test_password_demand_is_an_answer():
    """ngIRCd with ``Password =`` and InspIRCd with ``<connect password=...>``, as they answered."""
    ngircd = [(REGISTER, b"ERROR :Access denied: Bad password?\r\n", True)]
    with Replay(ngircd) as server:
        result = probe("irc", server)
    assert result.ok, result.message
    assert result.details["registered"] is False and result.details["password_required"] is True
    assert result.message == "the server closed the link during registration: Access denied: Bad password?"
    inspircd = [
        (b"", b":irc.netref.test NOTICE * :*** Looking up your hostname...\r\n", False),
        (REGISTER, b":irc.netref.test NOTICE nr1a2b3c :*** Could not resolve your hostname: Domain not found; "
                   b"using your IP address (127.0.0.1) instead.\r\n"
                   b"ERROR :Closing link: (netref@127.0.0.1) [Access denied by configuration]\r\n", True),
    ]
    with Replay(inspircd) as server:
        result = probe("irc", server)
    assert result.ok, result.message
    text = "Closing link: (netref@127.0.0.1) [Access denied by configuration]"
    assert result.details["refusal"] == {"numeric": None, "text": text}


def test_464_password_mismatch_is_an_answer():
    with Replay([(REGISTER, b":irc.example.test 464 * :Password incorrect\r\n", False)]) as server:
        result = probe("irc", server)
    assert result.ok and result.details["password_required"] is True
    assert result.message == "registration refused: the server wants a password (464 Password incorrect)"
    assert server.sent[-1] == b"QUIT :netref probe\r\n"


def test_nick_collision_is_an_answer():
    """ngIRCd's and InspIRCd's 433, as they sent it (the nick was taken by another client)."""
    for reply in (b":irc.netref.test 433 * nrtaken :Nickname already in use\r\n",
                  b":irc.netref.test NOTICE * :*** Looking up your hostname...\r\n"
                  b":irc.netref.test 433 * nrtaken :Nickname is already in use.\r\n"):
        with Replay([(REGISTER, reply, False)]) as server:
            result = probe("irc", server)
        assert result.ok, result.message
        assert result.details["refusal"]["numeric"] == "433" and result.details["password_required"] is False
        assert result.message.startswith("registration refused: the nickname is already in use (433 ")


def test_ping_is_answered_with_its_token():
    steps = [(REGISTER, b"PING :3F2A1B\r\n", False),
             (b"PONG :3F2A1B\r\n", captured.NGIRCD_REGISTRATION[0][1], False)]
    with Replay(steps) as server:
        result = probe("irc", server)
    assert result.ok, result.message
    assert server.sent[1] == b"PONG :3F2A1B\r\n" and result.details["pings_answered"] == 1


def test_ircs_over_tls(server_ssl_context, ca_file):
    with Replay(captured.NGIRCD_REGISTRATION, server_ssl_context, implicit_tls=True) as server:
        result = probe("ircs", server, ca_file=ca_file)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=False)
    assert result.server_software == "ngircd-26.1"


def test_no_starttls_for_irc():
    with pytest.raises(ProbeUsageError, match="no in-band TLS upgrade"):
        run_probe("irc", ProbeOptions("127.0.0.1", port=6667, starttls=True))


def test_captures_identify_as_irc():
    catalog = load_catalog()
    assert identify(captured.NGIRCD_TO_GET[0][1], catalog).protocol == "irc"
    assert identify(captured.INSPIRCD_SILENT_WAIT[0][1], catalog).protocol == "irc"
    found = identify(captured.NGIRCD_REGISTRATION[0][1], catalog)
    assert (found.protocol, found.software, found.software_source) == ("irc", "ngircd-26.1", "IRC 004")


def test_wrong_protocol_is_named():
    with servers.serve(servers.smtp_greeting) as server:
        result = probe("irc", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "SMTP server" in result.message and "netref probe smtp" in result.message


def test_http_answer_is_not_irc():
    with servers.serve(servers.banner(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n")) as server:
        result = probe("irc", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "HTTP server" in result.message


def timed(handler, timeout: float = 0.6):
    with servers.serve(handler) as server:
        started = time.monotonic()
        result = run_probe("irc", ProbeOptions("127.0.0.1", port=server.port, timeout=timeout))
        return result, time.monotonic() - started


def test_endless_line_is_bounded():
    result, wall = timed(servers.endless_line, timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert f"longer than {irc.LINE_LIMIT} bytes" in result.message and wall < 3


def test_endless_lines_are_bounded():
    def notices(conn):
        line = b":irc.x NOTICE * :*** wait\r\n"
        while True:
            conn.sendall(line * 100)

    result, _ = timed(notices, timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == f"the server sent {irc.MAX_LINES} lines without completing registration"


def test_garbage_is_no_irc():
    result, _ = timed(servers.garbage, timeout=2)
    assert (result.verdict, result.category) == ("failed", "protocol")


def test_parse():
    message = irc.parse("@time=x :irc.x 005 nick NICKLEN=9 -FOO :are supported")
    assert message is not None and (message.prefix, message.command) == ("irc.x", "005")
    assert message.params == ["nick", "NICKLEN=9", "-FOO", "are supported"]
    assert irc.parse("220 mail.example ESMTP") is None  # a numeric without the server's name
    assert irc.parse("HTTP/1.1 200 OK") is None
    assert irc.parse("PING :abc").params == ["abc"]


def test_the_irc_hello_goes_only_to_irc_ports():
    from netref.identify import hello_plan

    catalog = load_catalog()
    assert hello_plan(catalog, "irc")[0] == b"NICK netref\r\nUSER netref 0 * :netref\r\n"
    assert hello_plan(catalog, "ircs")[0].startswith(b"NICK ")
    assert not any(hello.startswith(b"NICK ") for hello in hello_plan(catalog))


def test_lines_cut_into_single_bytes_are_read_the_same():
    reply = captured.INSPIRCD_REGISTRATION[1][1]
    result, _ = timed(byte_by_byte(reply, 0.0002), timeout=5)
    assert result.ok, result.message
    assert result.server_software == "InspIRCd-3" and result.details["isupport"]["NICKLEN"] == "30"
