"""FTP (plain and AUTH TLS) and implicit FTPS probes against pyftpdlib on loopback."""

from __future__ import annotations

import pytest
from ftp_server import PASSWORD, USER, FtpServer
from probing import assert_verified_tls, probe


@pytest.fixture
def explicit_tls(tmp_path, cert_files):
    certfile, keyfile = cert_files
    with FtpServer(tmp_path, tls="explicit", certfile=certfile, keyfile=keyfile) as server:
        yield server


def _secrets_in_clear(server) -> list[str]:
    return [entry.line for entry in server.log if PASSWORD in entry.line and not entry.secure]


def test_plain_ftp_reads_greeting_and_feat(tmp_path):
    with FtpServer(tmp_path) as server:
        result = probe("ftp", server)
    assert result.ok, result.message
    assert result.greeting == "220 netref-test FTP server (pyftpdlib) ready."
    assert result.server_software is None  # no catalogue software pattern names this banner (issue 18)
    assert {"EPSV", "SIZE", "UTF8", "REST STREAM"} <= set(result.capabilities)
    assert result.module == "ftplib" and result.tls is None
    assert server.verbs() == ["FEAT", "QUIT"] and server.logins == []


def test_auth_tls_upgrades_and_feat_is_asked_again(explicit_tls, ca_file):
    result = probe("ftp", explicit_tls, ca_file=ca_file, starttls=True)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=True)
    assert "AUTH TLS" in result.details["capabilities_before_tls"]
    assert {"PBSZ", "PROT"} <= set(result.capabilities)
    assert [(entry.line, entry.secure) for entry in explicit_tls.log] == [
        ("FEAT", False), ("AUTH TLS", False), ("FEAT", True), ("QUIT", True)]


def test_login_after_auth_tls_sends_the_password_only_encrypted(explicit_tls, ca_file):
    result = probe("ftp", explicit_tls, ca_file=ca_file, starttls=True, user=USER, password=PASSWORD)
    assert result.ok, result.message
    assert result.details["login"] == {"user": USER, "reply": "230 Login successful."}
    assert result.message == f"logged in as {USER}"
    assert explicit_tls.logins == [USER]
    assert ("PASS " + PASSWORD, True) in [(entry.line, entry.secure) for entry in explicit_tls.log]
    assert _secrets_in_clear(explicit_tls) == []
    assert PASSWORD not in repr(result.to_dict())


def test_no_password_over_plaintext_without_permission(tmp_path):
    with FtpServer(tmp_path) as server:
        result = probe("ftp", server, user=USER, password=PASSWORD)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert "refusing to send a password without TLS" in result.message
    assert "USER" not in server.verbs() and "PASS" not in server.verbs()
    assert PASSWORD not in repr(result.to_dict())


def test_plaintext_login_when_explicitly_allowed(tmp_path):
    with FtpServer(tmp_path) as server:
        result = probe("ftp", server, user=USER, password=PASSWORD, allow_plaintext_auth=True)
    assert result.ok, result.message
    assert server.logins == [USER]


def test_anonymous_login_needs_no_tls(tmp_path):
    with FtpServer(tmp_path) as server:
        result = probe("ftp", server, user="anonymous")
    # pyftpdlib's DummyAuthorizer here has no anonymous user: refused, but asked in the clear.
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith("login refused: 530")
    assert "USER anonymous" in [entry.line for entry in server.log]


def test_wrong_password_is_refused_and_never_echoed(explicit_tls, ca_file):
    result = probe("ftp", explicit_tls, ca_file=ca_file, starttls=True, user=USER, password="wrong-pw-42")
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith("login refused: 530")
    assert "wrong-pw-42" not in repr(result.to_dict())


def test_auth_tls_not_offered_is_a_tls_failure(tmp_path):
    with FtpServer(tmp_path) as server:
        result = probe("ftp", server, starttls=True, user=USER, password=PASSWORD)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.startswith("server does not offer AUTH TLS (FEAT lists: EPRT")
    assert "AUTH" not in server.verbs() and "PASS" not in server.verbs()


def test_implicit_ftps_with_login(tmp_path, cert_files, ca_file):
    certfile, keyfile = cert_files
    with FtpServer(tmp_path, tls="implicit", certfile=certfile, keyfile=keyfile) as server:
        result = probe("ftps", server, ca_file=ca_file, user=USER, password=PASSWORD)
    assert result.ok, result.message
    assert_verified_tls(result, starttls=False)
    assert result.greeting.startswith("220 netref-test FTP")
    assert all(entry.secure for entry in server.log) and server.logins == [USER]


def test_ftp_over_ipv6(tmp_path):
    with FtpServer(tmp_path, host="::1") as server:
        result = probe("ftp", server)
    assert result.ok, result.message
    assert "::1" in result.address_used


def test_cli_login_with_password_from_the_environment(explicit_tls, ca_file):
    """End to end: $NETREF_PASSWORD reaches the server, over TLS only, and never the output."""
    from typer.testing import CliRunner

    from netref.cli import app

    args = ["probe", "ftp", explicit_tls.target, "--starttls", "--cafile", str(ca_file), "--user", USER]
    for fmt in ("table", "json"):
        outcome = CliRunner().invoke(app, [*args, "-f", fmt], env={"NETREF_PASSWORD": PASSWORD})
        assert outcome.exit_code == 0, outcome.output
        assert "logged in as alice" in outcome.output and PASSWORD not in outcome.output
    assert explicit_tls.logins == [USER, USER]
    assert _secrets_in_clear(explicit_tls) == []
    plain = CliRunner().invoke(app, ["probe", "ftp", explicit_tls.target, "--user", USER],
                               env={"NETREF_PASSWORD": PASSWORD})
    assert plain.exit_code == 35 and "failed (tls): refusing to send a password" in plain.output
    assert _secrets_in_clear(explicit_tls) == []


def test_a_probe_opens_no_data_connection_and_changes_nothing(explicit_tls, ca_file):
    for options in ({}, {"starttls": True}, {"starttls": True, "user": USER, "password": PASSWORD}):
        assert probe("ftp", explicit_tls, ca_file=ca_file, **options).ok
    assert set(explicit_tls.verbs()) <= {"FEAT", "AUTH", "USER", "PASS", "QUIT"}
