"""The catalogue commands through Typer's CliRunner, and the installed script as a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netref import __version__
from netref.catalog import load_catalog
from netref.cli import app

PROTOCOLS = load_catalog().protocols

runner = CliRunner()


def netref(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def assert_one_line_error(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("netref: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


# -- netref list -------------------------------------------------------------------------------


def test_list_table_has_every_protocol_and_the_target():
    result = netref("list", "--python", "3.13")
    assert result.exit_code == 0
    for name in ("HTTP", "HTTPS", "XML-RPC", "FTP", "FTPS", "SMTP", "Submission", "SMTPS", "POP3", "POP3S",
                 "IMAP4", "IMAPS", "NNTP", "NNTPS", "Telnet", "Gopher", "Raw TCP socket"):
        assert f"\n{name} " in result.stdout
    assert "telnetlib: removed 3.13 → socket" in result.stdout
    assert "Python 3.13" in result.stdout


def test_list_json_schema():
    result = netref("list", "--format", "json", "--python", "3.11")
    data = json.loads(result.stdout)
    assert data["target"] == "3.11"
    smtp = next(p for p in data["protocols"] if p["key"] == "smtp")
    assert smtp["default_port"] == 25 and smtp["starttls"] == "STARTTLS"
    assert smtp["ports"][0] == {"number": 25, "transport": "tcp", "service": "smtp", "role": "mail relay", "tls": False,
                                "note": smtp["ports"][0]["note"]}
    smtpd = next(m for m in smtp["modules"] if m["name"] == "smtpd")
    assert smtpd["role"] == "server"
    assert smtpd["status"]["kind"] == "deprecated" and smtpd["status"]["removal"] == "3.12"
    assert smtpd["status"]["advice"] == "aiosmtpd (PyPI)" and smtpd["status"]["backport"] == "standard-smtpd"
    ftp = next(p for p in data["protocols"] if p["key"] == "ftp")
    assert ftp["tutorial"]["port"] == 20 and ftp["default_port"] == 21


def test_list_filters():
    removed = json.loads(netref("list", "--status", "removed", "--python", "3.13", "-f", "json").stdout)
    keys = {p["key"] for p in removed["protocols"]}
    assert {"telnet", "nntp", "gopher", "smtp", "tcp"} <= keys and "pop3" not in keys
    tls = json.loads(netref("list", "--tls", "-f", "json").stdout)
    assert {p["key"] for p in tls["protocols"]} >= {"https", "smtps", "imap", "ftp"}
    assert "telnet" not in {p["key"] for p in tls["protocols"]}
    assert_one_line_error(netref("list", "--status", "gone"), 2, "--status", "gone")


def test_list_csv_and_tabulate_formats():
    rows = list(csv.DictReader(io.StringIO(netref("list", "-f", "csv").stdout)))
    assert len(rows) == len(PROTOCOLS) and rows[0]["protocol"] == "HTTP" and "80/tcp" in rows[0]["ports"]
    github = netref("list", "-f", "github").stdout
    lines = github.splitlines()
    assert lines[0].startswith("| protocol") and lines[1].startswith("|---")
    assert len(lines) == 2 + len(PROTOCOLS) and all(line.startswith("| ") for line in lines[2:])
    assert "+--" in netref("port", "25", "-f", "grid").stdout


# -- netref port -------------------------------------------------------------------------------


def test_port_25():
    result = netref("port", "25")
    assert result.exit_code == 0
    assert "25/tcp  SMTP" in result.stdout


def test_port_20_is_the_data_port_and_says_what_the_tutorial_said():
    data = json.loads(netref("port", "20", "-f", "json").stdout)
    [match] = data["matches"]
    assert (match["protocol"], match["service"], match["source"]) == ("ftp", "ftp-data", "catalogue")
    assert "21" in match["tutorial_note"]
    assert "tutorial:" in netref("port", "20").stdout


def test_port_21_is_the_control_port():
    [match] = json.loads(netref("port", "21", "-f", "json").stdout)["matches"]
    assert (match["protocol"], match["role"], match["tutorial_note"]) == ("ftp", "control", None)


def test_port_udp_and_system_services_fallback():
    [quic] = json.loads(netref("port", "443", "--transport", "udp", "-f", "json").stdout)["matches"]
    assert quic["role"] == "HTTP/3 over QUIC"
    [mysql] = json.loads(netref("port", "3306", "-f", "json").stdout)["matches"]
    assert (mysql["source"], mysql["service"], mysql["protocol"]) == ("system services database", "mysql", None)
    assert (mysql["modules"], mysql["pypi"]) == ([], [])


def test_port_without_a_transport_shows_what_runs_on_either():
    """``netref port 161`` shows SNMP's UDP entry (once only the tcp entry of /etc/services was looked up),
    ``netref port 53`` DNS on both; the services database answers only where the catalogue knows nothing."""
    [snmp] = json.loads(netref("port", "161", "-f", "json").stdout)["matches"]
    assert (snmp["protocol"], snmp["transport"], snmp["source"]) == ("snmp", "udp", "catalogue")
    document = json.loads(netref("port", "53", "-f", "json").stdout)
    assert document["transport"] is None
    assert sorted(match["transport"] for match in document["matches"]) == ["tcp", "udp"]
    assert_one_line_error(netref("port", "53/udp", "--transport", "tcp"), 2, "is a UDP port")


@pytest.mark.parametrize(
    ("args", "protocol", "modules", "pypi", "python"),
    [
        (("22",), "SSH", [], ["paramiko", "asyncssh"], "no stdlib client: paramiko or asyncssh (PyPI)"),
        (("53", "-t", "udp"), "DNS", ["socket"], ["dnspython"], "socket; dnspython (PyPI)"),
        (("53/tcp",), "DNS", ["socket"], ["dnspython"], "socket; dnspython (PyPI)"),
        (("U:161",), "SNMP", [], ["pysnmp"], "no stdlib client: pysnmp (PyPI)"),
        (("514", "-t", "udp"), "Syslog", ["logging.handlers"], [], "logging.handlers"),
        (("1883",), "MQTT", [], ["paho-mqtt"], "no stdlib client: paho-mqtt (PyPI)"),
        (("636",), "LDAPS", [], ["ldap3", "python-ldap"], "no stdlib client: ldap3 or python-ldap (PyPI)"),
        (("161", "-t", "udp"), "SNMP", [], ["pysnmp"], "no stdlib client: pysnmp (PyPI)"),
        (("25",), "SMTP", ["smtplib"], [], "smtplib"),
    ],
)
def test_port_names_the_protocol_and_the_python_module_to_use(args, protocol, modules, pypi, python):
    [match] = json.loads(netref("port", *args, "-f", "json").stdout)["matches"]
    assert (match["name"], match["modules"], match["pypi"]) == (protocol, modules, pypi)
    table = netref("port", *args).stdout.splitlines()
    assert table[0].split()[-1] == "PYTHON" and table[2].endswith(python)


def test_port_names_modules_current_on_the_running_python_only():
    """telnetlib is deprecated (3.11, 3.12) or gone (3.13): what to use is the socket."""
    [match] = json.loads(netref("port", "23", "-f", "json").stdout)["matches"]
    assert match["modules"] == ["socket"]


def test_list_tutorial_keeps_the_tutorials_own_rows():
    rows = json.loads(netref("list", "--tutorial", "-f", "json").stdout)["protocols"]
    assert [row["key"] for row in rows] == ["http", "ftp", "smtp", "pop3", "imap", "nntp", "telnet", "gopher"]
    everything = {row["key"] for row in json.loads(netref("list", "-f", "json").stdout)["protocols"]}
    assert {"ssh", "dns", "syslog", "ldap", "snmp", "ntp", "irc", "xmpp", "mqtt", "websocket", "socks"} <= everything
    table = netref("list").stdout
    assert "paramiko (PyPI)" in table and "paramiko" not in netref("list", "--tutorial").stdout


def test_show_names_pypi_clients_and_whether_a_probe_exists():
    ssh = netref("show", "ssh", "--python", "3.13").stdout
    assert "paramiko (PyPI)" in ssh and "netref probe ssh HOST" in ssh
    ldap = netref("show", "ldap").stdout  # no stdlib client, but a probe of netref's own (BER by the project)
    assert "ldap3 (PyPI)" in ldap and "netref probe ldap HOST" in ldap
    data = json.loads(netref("show", "mqtt", "-f", "json").stdout)
    assert (data["pypi"], data["probe"], data["modules"]) == (["paho-mqtt"], True, [])  # its own socket family


@pytest.mark.parametrize(("arg", "fragment"),
                         [("abc", "'abc'"), ("70000", "out of range"), ("-1", "'-1'"), ("2.5", "'2.5'")])
def test_port_bad_input_is_a_usage_error(arg, fragment):
    assert_one_line_error(netref("port", "--", arg), 2, fragment)


def test_port_nothing_knows_exits_1():
    assert_one_line_error(netref("port", "65001"), 1, "nothing known on port 65001/tcp")
    assert_one_line_error(netref("port", "25", "--transport", "sctp"), 2, "tcp or udp")


# -- netref show / module ----------------------------------------------------------------------


def test_show_smtp_card_and_example():
    result = netref("show", "smtp", "--python", "3.12")
    assert result.exit_code == 0
    assert "smtpd [server]: removed in 3.12 (PEP 594) → aiosmtpd (PyPI)" in result.stdout
    assert "RFC 5321" in result.stdout and "netref probe smtp HOST" in result.stdout
    assert "import smtplib" in result.stdout


def test_show_socket_has_the_tutorial_pair_fixed_for_python_3():
    data = json.loads(netref("show", "socket", "-f", "json").stdout)
    assert data["key"] == "tcp"
    assert 'sendall(b"Thank you for connecting")' in data["example"]
    compile(data["example"], "example.py", "exec")


def test_show_unknown_protocol():
    assert_one_line_error(netref("show", "smpt"), 1, "unknown protocol 'smpt'", "smtp")


def test_module_httplib_on_2_7_and_3_0():
    on_27 = json.loads(netref("module", "httplib", "--python", "2.7", "-f", "json").stdout)
    on_30 = json.loads(netref("module", "HTTPLIB", "--python", "3.0", "-f", "json").stdout)
    assert on_27["status"]["kind"] == "current"
    assert (on_30["status"]["kind"], on_30["status"]["replacement"], on_30["pep"]) == ("renamed", "http.client", 3108)


def test_module_card_says_current_once():
    lines = netref("module", "smtplib", "--python", "3.11").stdout.splitlines()
    assert "status on 3.11:    current" in lines


def test_module_gopherlib():
    result = netref("module", "gopherlib")
    assert result.exit_code == 0
    assert "removed: removed in 2.6 (PEP 4) → socket" in result.stdout


def test_module_telnetlib_on_3_13_and_3_11():
    on_313 = json.loads(netref("module", "telnetlib", "--python", "3.13", "-f", "json").stdout)
    on_311 = json.loads(netref("module", "telnetlib", "--python", "3.11", "-f", "json").stdout)
    assert on_313["status"]["summary"] == "removed in 3.13 (PEP 594) → socket"
    assert (on_311["status"]["kind"], on_311["status"]["warns_on_import"]) == ("deprecated", True)
    assert on_313["backport"] == "standard-telnetlib" and "telnetlib3" in on_313["pypi"]


def test_module_card_lists_former_names():
    card = netref("module", "http.server", "-f", "csv").stdout
    formerly = next(row for row in csv.reader(io.StringIO(card)) if row[0] == "formerly")
    assert formerly[1] == "BaseHTTPServer, SimpleHTTPServer, CGIHTTPServer"


def test_module_unknown_suggests():
    assert_one_line_error(netref("module", "htplib"), 1, "unknown module 'htplib'", "did you mean", "httplib")


# -- common options, help, version -------------------------------------------------------------


def test_bad_python_and_format_are_usage_errors():
    assert_one_line_error(netref("module", "telnetlib", "--python", "three"), 2, "--python")
    assert_one_line_error(netref("list", "--format", "yaml"), 2, "unknown format 'yaml'")
    assert_one_line_error(netref("list", "--no-such-option"), 2, "--no-such-option")


def test_version_and_help_examples():
    assert netref("--version").stdout.strip() == f"netref {__version__}"
    for command in ("list", "port", "show", "module"):
        result = netref(command, "--help")
        assert result.exit_code == 0 and "Example: netref " in result.stdout, command


def test_data_option_and_env_point_at_another_catalogue(tmp_path):
    from netref.catalog import default_catalog_path

    custom = tmp_path / "mine.toml"
    custom.write_text(default_catalog_path().read_text().replace('name = "Gopher"', 'name = "Gopher+"'))
    assert "Gopher+" in netref("show", "gopher", "--data", str(custom)).stdout
    assert "Gopher+" in netref("show", "gopher", env={"NETREF_DATA": str(custom)}).stdout
    broken = tmp_path / "broken.toml"
    broken.write_text("schema = 1\n[protocols.x]\nname = 'X'\n")
    assert_one_line_error(netref("list", "--data", str(broken)), 2, str(broken))


# -- the installed command ---------------------------------------------------------------------


def installed_netref() -> list[str]:
    script = Path(sys.executable).with_name("netref")
    if script.exists():
        return [str(script)]
    found = shutil.which("netref")
    assert found, "the netref console script is not installed (pip install -e '.[test]')"
    return [found]


def test_console_script_runs_from_another_directory(tmp_path):
    run = subprocess.run([*installed_netref(), "port", "25"], check=False, cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and "SMTP" in run.stdout
    bad = subprocess.run([*installed_netref(), "port", "x"], check=False, cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert (bad.returncode, bad.stdout, bad.stderr.count("\n")) == (2, "", 1)
    assert "Traceback" not in bad.stderr


def test_python_dash_m(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    run = subprocess.run([sys.executable, "-m", "netref", "list", "-f", "json"], check=False, cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0 and len(json.loads(run.stdout)["protocols"]) == len(PROTOCOLS)


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch, tmp_path):
    from netref import check as checker

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(checker, "check", interrupted)
    (tmp_path / "a.py").write_text("import httplib\n")
    assert_one_line_error(netref("check", str(tmp_path / "a.py")), 130, "interrupted")


def test_a_mistyped_command_gets_suggestions():
    assert_one_line_error(netref("prot", "25"), 2, "No such command 'prot'", "Did you mean 'port', 'probe'?")


def test_help_lists_every_command_though_they_are_built_lazily():
    listed = netref("--help").stdout
    for name in ("list", "port", "show", "module", "probe", "check"):
        assert f"\n  {name} " in listed

