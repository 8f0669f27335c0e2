"""What the mail, news and file-transfer families read out of greetings (netref.probes.replies)."""

from __future__ import annotations

import pytest

from netref.probes.ftp import _offers_auth_tls
from netref.probes.replies import (
    MAX_CAPABILITIES,
    capability_list,
    has_capability,
    implementation,
    software_from_greeting,
    unexpected_reply,
)


@pytest.mark.parametrize(("greeting", "skip_host", "software"), [
    # SMTP greetings (after "220 "): the host name first, then the software.
    ("mail.example.org ESMTP Postfix (Debian/GNU)", True, "Postfix (Debian/GNU)"),
    ("mx.example.org ESMTP Exim 4.96 Mon, 23 Nov 2026 19:00:00 +0000", True, "Exim 4.96"),
    ("host.example.com ESMTP Sendmail 8.17.1/8.17.1; Mon, 23 Nov 2026 19:00:00 GMT", True,
     "Sendmail 8.17.1/8.17.1"),
    ("EX01.example.com Microsoft ESMTP MAIL Service ready at Mon, 23 Nov 2026 19:00:00 +0000", True,
     "Microsoft ESMTP MAIL Service"),
    ("mail.example.org ESMTP", True, None),
    # POP3 (after "+OK"), with an APOP timestamp; IMAP (after "* OK"), with a response code.
    # "ready." is no part of the software's name (issue 9).
    (" Dovecot (Ubuntu) ready. <1896.697170952@dbc.mtview.ca.us>", False, "Dovecot (Ubuntu)"),
    ("[CAPABILITY IMAP4rev1 STARTTLS] Courier-IMAP ready.", False, "Courier-IMAP"),
    # FTP and NNTP (after the code); vsftpd's parentheses are no part of the name either.
    ("(vsFTPd 3.0.5)", False, "vsFTPd 3.0.5"),
    ("(some server) at your service", False, "(some server) at your service"),
    ("news.example.com InterNetNews NNRP server INN 2.7.1 ready (posting ok)", False,
     "news.example.com InterNetNews NNRP server INN 2.7.1 ready (posting ok)"),
    ("", False, None),
    (None, False, None),
])
def test_software_from_greeting(greeting, skip_host, software):
    assert software_from_greeting(greeting, skip_host=skip_host) == software


def test_software_from_greeting_escapes_control_bytes():
    assert software_from_greeting("Evil\x1b[2Jserver") == "Evil\\x1b[2Jserver"


@pytest.mark.parametrize(("line", "message"), [
    # Which other protocol answered is the core's to say (test_mismatch.py), for every family.
    (b"+OK Dovecot ready.", "no SMTP greeting: the server sent '+OK Dovecot ready.'"),
    (b"\x00\x01\xfe\xff\x80\x81\x82garbage", "no SMTP greeting: the server sent binary data"),
    (b"hello there", "no SMTP greeting: the server sent 'hello there'"),
    (b"", "no SMTP greeting: the server sent an empty line"),
])
def test_unexpected_reply_says_what_the_server_sent(line, message):
    failure = unexpected_reply("SMTP", line)
    assert failure.category == "protocol"
    assert failure.message.startswith(message)


def test_unexpected_reply_does_not_name_the_expected_protocol():
    # An IMAP greeting is not "another protocol" for an IMAP probe that could not parse it.
    assert "IMAP server answered" not in unexpected_reply("IMAP", "* OK but odd").message


def test_capabilities_are_cleaned_and_capped():
    lines = ["  SIZE 1000 ", "", "STARTTLS", "bad\x07bell"] + [f"X-{n}" for n in range(500)]
    capabilities = capability_list(lines)
    assert capabilities[:3] == ["SIZE 1000", "STARTTLS", "bad\\x07bell"]
    assert len(capabilities) == MAX_CAPABILITIES


def test_has_capability_matches_the_keyword_only():
    assert has_capability(["SIZE 1000", "starttls"], "STARTTLS")
    assert not has_capability(["X-STARTTLS-LATER", "AUTH STARTTLS"], "STARTTLS")


def test_implementation():
    assert implementation(["TOP", "IMPLEMENTATION Dovecot 2.3"]) == "Dovecot 2.3"
    assert implementation(["TOP", "IMPLEMENTATION "]) is None


@pytest.mark.parametrize(("features", "offered"), [
    (["AUTH TLS", "PBSZ"], True),
    (["AUTH SSL", "AUTH TLS"], True),
    (["AUTH TLS;TLS-C;SSL;TLS-P"], True),  # IIS lists them in one line
    (["AUTH SSL"], False),
    (["EPSV", "UTF8"], False),
])
def test_ftp_auth_tls_in_feat(features, offered):
    assert _offers_auth_tls(features) is offered
