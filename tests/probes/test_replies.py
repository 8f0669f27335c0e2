"""What the mail, news and file-transfer families read out of greetings (netref.probes.replies)."""

from __future__ import annotations

import pytest

from netref.probes.ftp import _offers_auth_tls
from netref.probes.replies import (
    MAX_CAPABILITIES,
    capability_list,
    has_capability,
    implementation,
    unexpected_reply,
)


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
