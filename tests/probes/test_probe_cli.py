"""``netref probe``: output formats, exit codes, nagios mode and passwords."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import servers
from typer.testing import CliRunner

from netref.cli import app

runner = CliRunner()


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.fixture(scope="module")
def banner_port():
    with servers.serve(servers.banner()) as server:
        yield server.port


def test_table_output_and_exit_zero(banner_port):
    outcome = run("probe", "tcp", "127.0.0.1", "--port", str(banner_port))
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.stdout.splitlines()
    assert lines[0] == "verdict:      ok: connected; banner of 26 bytes"
    assert "greeting:     Thank you for connecting" in lines
    assert any(line.startswith("timings (ms): dns ") for line in lines)


def test_table_shows_the_family_details_the_json_has():
    """The telnet probe's first screen and the gopher menu are what those probes are for."""
    with servers.serve(servers.telnet_login()) as telnet:
        lines = run("probe", "telnet", f"127.0.0.1:{telnet.port}").stdout.splitlines()
    screen = lines.index("screen:       Ubuntu 22.04 LTS")
    assert lines[screen + 1] == "              netref-test login:"
    with servers.serve(servers.gopher_menu()) as gopher:
        lines = run("probe", "gopher", f"127.0.0.1:{gopher.port}").stdout.splitlines()
    assert "items:        info | Welcome to the netref test hole | fake | (NULL) | 0" in lines
    assert "              text | Read me | /readme.txt | localhost | 70 | gopher+" in lines


def test_json_output(banner_port):
    outcome = run("probe", "tcp", f"127.0.0.1:{banner_port}", "--format", "json")
    data = json.loads(outcome.stdout)
    assert outcome.exit_code == 0
    assert data["verdict"] == "ok" and data["port"] == banner_port and data["greeting"] == "Thank you for connecting"


def test_unresolvable_host_is_failed_dns_with_exit_six():
    outcome = run("probe", "http", "example.invalid", "--timeout", "5")
    assert outcome.exit_code == 6  # curl's "could not resolve host" (netref.exits)
    assert outcome.stdout.splitlines()[0].startswith("verdict:      failed (dns): cannot resolve example.invalid")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["probe", "tcp", "127.0.0.1"], "tcp has no default port"),
        (["probe", "imaps", "127.0.0.1", "--starttls"], "--starttls does not apply to imaps"),
        (["probe", "http", "127.0.0.1", "--port", "http"], "invalid port 'http'"),
        (["probe", "http", "[::1"], "missing ']'"),
        (["probe", "gophr", "127.0.0.1"], "unknown protocol 'gophr'"),
        (["probe", "http", "127.0.0.1", "-4", "-6"], "exclude each other"),
        (["probe", "http", "127.0.0.1", "--warning", "1"], "apply to --format nagios"),
    ],
)
def test_usage_errors_are_one_line_with_exit_two(args, fragment):
    outcome = run(*args)
    assert outcome.exit_code == 2
    assert outcome.stderr.count("\n") == 1 and outcome.stderr.startswith("netref: error: ")
    assert fragment in outcome.stderr


# -- nagios -------------------------------------------------------------------------------------


def test_nagios_ok_line_with_perfdata(banner_port):
    outcome = run("probe", "tcp", f"127.0.0.1:{banner_port}", "-f", "nagios", "--warning", "5", "--critical", "9")
    assert outcome.exit_code == 0, outcome.output
    line = outcome.stdout.strip()
    assert line.startswith("TCP OK - ") and "Thank you for connecting" in line
    _summary, perf = line.split(" | ")
    labels = [item.split("=")[0] for item in perf.split()]
    assert labels[0] == "time" and {"dns", "connect", "first_byte"} <= set(labels)
    assert perf.split()[0].endswith("s;5;9;0")


def test_nagios_warning_on_response_time(banner_port):
    outcome = run("probe", "tcp", f"127.0.0.1:{banner_port}", "-f", "nagios", "--warning", "0.000001")
    assert outcome.exit_code == 1
    assert outcome.stdout.startswith("TCP WARNING - response time")


def test_nagios_critical_when_the_probe_fails():
    outcome = run("probe", "smtp", "mail.example.invalid", "-f", "nagios")
    assert outcome.exit_code == 2
    assert outcome.stdout.startswith("SMTP CRITICAL - dns: cannot resolve mail.example.invalid")


@pytest.mark.parametrize(
    "args",
    [["probe", "tcp", "127.0.0.1", "-f", "nagios"], ["probe", "http", "h", "-f", "nagios", "--cert-days", "x"],
     ["probe", "http", "h", "--format=nagios", "--no-such-option"]],
)  # fmt: skip
def test_nagios_usage_errors_are_unknown(args):
    outcome = run(*args)
    assert outcome.exit_code == 3, outcome.output


def test_nagios_certificate_days(server_ssl_context, ca_file):
    with servers.HttpServer(server_ssl_context) as server:
        target = f"127.0.0.1:{server.port}"
        fine = run("probe", "https", target, "--cafile", str(ca_file), "-f", "nagios", "--cert-days", "30,14")
    with servers.HttpServer() as server:
        plain = run("probe", "http", f"127.0.0.1:{server.port}", "-f", "nagios", "--cert-days", "30")
    assert fine.exit_code == 0, fine.output
    assert "cert_days=" in fine.stdout and ";30;14" in fine.stdout
    assert plain.exit_code == 3 and "UNKNOWN" in plain.stdout  # nothing to check


def test_nagios_expired_certificate_is_critical(tls_ca):
    import datetime as dt
    import ssl

    now = dt.datetime.now(dt.UTC)
    cert = tls_ca.issue_cert("127.0.0.1", not_before=now - dt.timedelta(days=30), not_after=now + dt.timedelta(days=5))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    with servers.HttpServer(context) as server:
        outcome = run("probe", "https", f"127.0.0.1:{server.port}", "-k", "-f", "nagios", "--cert-days", "30,7")
    assert outcome.exit_code == 2, outcome.output
    assert "certificate expires in 4 days" in outcome.stdout and "NOT verified" in outcome.stdout


# -- passwords ----------------------------------------------------------------------------------


def test_user_on_a_probe_that_never_logs_in_is_a_usage_error(banner_port):
    env = {"NETREF_PASSWORD": "pw-must-not-show"}
    for fmt, code in (("table", 2), ("json", 2), ("nagios", 3)):
        outcome = run("probe", "tcp", f"127.0.0.1:{banner_port}", "--user", "alice", "-f", fmt, env=env)
        assert outcome.exit_code == code, outcome.output
        assert "--user does not apply to tcp" in outcome.output
        assert "pw-must-not-show" not in outcome.output


def test_user_without_password_source_is_a_usage_error(closed_port):
    outcome = run("probe", "ftp", f"127.0.0.1:{closed_port}", "--user", "alice", env={"NETREF_PASSWORD": None})
    assert outcome.exit_code == 2 and "NETREF_PASSWORD" in outcome.stderr


def test_a_wrong_request_fails_before_any_password_is_asked():
    outcome = run("probe", "ftps", "127.0.0.1", "--starttls", "--user", "alice", env={"NETREF_PASSWORD": None})
    assert outcome.exit_code == 2 and "--starttls does not apply to ftps" in outcome.stderr
    assert "NETREF_PASSWORD" not in outcome.output


@pytest.mark.parametrize("user", ["anonymous", "FTP"])
def test_anonymous_ftp_login_asks_no_password(closed_port, user):
    """RFC 1635: anonymous takes no secret, so no prompt and no $NETREF_PASSWORD needed —
    the probe runs (and here meets a closed port)."""
    outcome = run("probe", "ftp", f"127.0.0.1:{closed_port}", "--user", user, env={"NETREF_PASSWORD": None})
    assert outcome.exit_code == 7 and "failed (refused)" in outcome.stdout, outcome.output


def test_console_run_without_network_prints_a_clean_verdict():
    """The done-when check, as a user runs it: no traceback, failed (dns), exit 6 (curl's code)."""
    outcome = subprocess.run(
        [sys.executable, "-m", "netref", "probe", "http", "www.example.invalid", "--timeout", "5"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert outcome.returncode == 6
    assert "failed (dns)" in outcome.stdout and outcome.stderr == ""
