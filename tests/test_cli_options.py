"""The command line's one vocabulary (netref.options, docs/options.md), its exit codes
(netref.exits, README.md "Exit codes"), completion of option values, and tables that fit the terminal."""

from __future__ import annotations

import json
import socket
import ssl
from typing import Any

import pytest
import servers
from typer.testing import CliRunner

from netref import exits
from netref.cli import _COMMANDS, app
from netref.options import (
    DEPRECATED,
    SHORT_LETTERS,
    ViewOptions,
    complete_check_formats,
    complete_formats,
    complete_probe_formats,
    complete_pythons,
    complete_scan_formats,
    complete_statuses,
    composed,
)
from netref.probes.values import CATEGORIES

runner = CliRunner()


def netref(*args: str, env: dict[str, Any] | None = None) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": None, **(env or {})})


def command_options(name: str) -> list[Any]:
    import typer

    single = typer.Typer(add_completion=False, rich_markup_mode=None)
    single.command(name)(_COMMANDS[name])
    return [param for param in typer.main.get_command(single).params if param.param_type_name == "option"]


# -- one vocabulary ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_every_short_letter_means_what_the_table_says(name: str) -> None:
    for param in command_options(name):
        shorts = [opt for opt in param.opts if len(opt) == 2]
        longs = [opt for opt in param.opts if opt.startswith("--")]
        for short in shorts:
            if (name, short) in DEPRECATED:
                assert param.hidden and not longs, (name, short)
                continue
            assert short in SHORT_LETTERS, f"{name}: {short} is not in SHORT_LETTERS"
            assert longs[0] == SHORT_LETTERS[short], f"{name}: {short} is {longs[0]}, not {SHORT_LETTERS[short]}"
        for long in longs:  # and a long option in the table always has its letter
            letter = next((s for s, lo in SHORT_LETTERS.items() if lo == long), None)
            if letter is not None and long == longs[0]:
                assert letter in param.opts, f"{name}: {long} lacks {letter}"


def test_an_option_group_is_one_parameter_to_the_command_and_its_options_to_typer() -> None:
    import typer

    seen: list[tuple[Any, ...]] = []

    def show(name: str, *, view: ViewOptions) -> None:
        seen.append((name, view.python, view.fmt, view.wide, view.data))

    single = typer.Typer(add_completion=False, rich_markup_mode=None)
    single.command()(composed(show))
    result = runner.invoke(single, ["smtp", "-f", "json", "--wide"])
    assert result.exit_code == 0, result.output
    assert seen == [("smtp", None, "json", True, None)]
    assert [param.name for param in typer.main.get_command(single).params] == ["name", "python", "fmt", "wide", "data"]


def test_dash_4_with_dash_6_is_a_usage_error_in_scan_as_in_probe() -> None:
    result = netref("scan", "127.0.0.1", "-4", "-6")
    assert result.exit_code == 2 and result.stderr == "netref: error: -4 and -6 exclude each other\n"


def test_the_decided_letters() -> None:
    assert (SHORT_LETTERS["-t"], SHORT_LETTERS["-j"], SHORT_LETTERS["-c"]) == ("--timeout", "--jobs", "--critical")
    probe = {opt: param for param in command_options("probe") for opt in param.opts}
    scan = {opt: param for param in command_options("scan") for opt in param.opts}
    assert probe["-j"] is probe["--concurrency"] is probe["--jobs"]
    assert scan["-j"] is scan["--concurrency"] and scan["-t"] is scan["--timeout"]
    assert "-t" not in {opt for param in command_options("port") if not param.hidden for opt in param.opts}


def test_port_dash_t_still_works_with_a_note() -> None:
    result = netref("port", "53", "-t", "udp", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["transport"] == "udp"
    assert "-t is deprecated" in result.stderr and "--transport" in result.stderr
    assert netref("port", "53", "--transport", "udp").stderr == ""


def test_scan_dash_c_still_works_with_a_note() -> None:
    with servers.serve(servers.banner()) as server:
        result = netref("scan", "127.0.0.1", "--ports", str(server.port), "-c", "3", "-f", "json", "-t", "2")
    assert result.exit_code == 0, result.output
    assert "-c is deprecated" in result.stderr and "--jobs" in result.stderr
    assert json.loads(result.stdout)["hosts"][0]["ports"][0]["state"] == "open"


def test_help_marks_no_deprecated_spelling() -> None:
    assert "-t," not in netref("port", "--help").stdout
    assert "-c," not in netref("scan", "--help").stdout
    assert "-j, --jobs" in netref("scan", "--help").stdout


def test_user_help_says_which_protocols_log_in() -> None:
    assert "ftp, ftps: log in as NAME" in " ".join(netref("probe", "--help").stdout.split())


def test_bare_netref_prints_its_help_and_succeeds() -> None:
    result = netref()
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: netref") and "Commands:" in result.stdout


# -- port takes service names ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "number"), [("smtp", 25), ("imaps", 993), ("SMTP", 25), ("domain", 53)])
def test_port_takes_a_service_name(name: str, number: int) -> None:
    result = netref("port", name, "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["port"] == number


def test_port_service_name_with_a_transport_and_an_unknown_one() -> None:
    assert json.loads(netref("port", "domain/udp", "-f", "json").stdout)["transport"] == "udp"
    result = netref("port", "no-such-service")
    assert result.exit_code == 2 and "unknown service 'no-such-service'" in result.stderr


# -- completion of option values ----------------------------------------------------------------------


def values(found: list[tuple[str, str]]) -> list[str]:
    return [value for value, _ in found]


def test_completion_functions() -> None:
    assert values(complete_formats("j")) == ["json", "jira"]  # netref's own first, then tabulate's
    assert "nagios" in values(complete_probe_formats("n"))
    assert "jsonl" in values(complete_scan_formats("js")) and "nagios" not in values(complete_scan_formats(""))
    assert {"text", "sarif", "github-actions"} <= set(values(complete_check_formats("")))
    assert values(complete_statuses("re")) == ["renamed", "removed"]
    pythons = values(complete_pythons("3.1"))
    assert "3.13" in pythons and "3.10" in pythons and "2.7" not in pythons
    assert values(complete_pythons("2"))[0] == "2.7"


@pytest.mark.parametrize(
    ("words", "expected"),
    [("netref list --status ", "deprecated"), ("netref list --format ", "json"), ("netref scan -f ", "jsonl"),
     ("netref scan -p ", "3.13"), ("netref port --transport ", "udp"), ("netref show sm", "smtp")],
)  # fmt: skip
def test_the_shell_gets_option_values(words: str, expected: str) -> None:
    env = {"_NETREF_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    result = runner.invoke(app, [], env=env)
    assert expected in result.stdout.split(), result.output


# -- exit codes -------------------------------------------------------------------------------------------


def test_every_failure_category_has_its_own_code() -> None:
    codes = [exits.failure_code(category) for category in CATEGORIES]
    assert sorted(codes) == [6, 7, 8, 28, 35, 60] and exits.failure_code(None) == 1
    assert exits.first_failure([(True, None), (False, "timeout"), (False, "dns")]) == 28
    assert exits.first_failure([(True, None)]) == 0


def test_probe_help_lists_the_codes() -> None:
    text = " ".join(netref("probe", "--help").stdout.split())
    for code, _ in exits.PROBE_CODES:
        assert f" {code} " in text


def test_probe_refused_is_7_and_several_hosts_take_the_first_failure(closed_port: int) -> None:
    assert netref("probe", "tcp", f"127.0.0.1:{closed_port}").exit_code == 7
    with servers.serve(servers.silent) as silent:
        several = netref("probe", "tcp", f"127.0.0.1:{silent.port}", f"127.0.0.1:{closed_port}", "-t", "0.5")
        assert several.exit_code == 7, several.output  # tcp accepts silence: the refused one fails
        assert netref("probe", "smtp", f"127.0.0.1:{silent.port}", "-t", "0.5").exit_code == 28


def test_probe_protocol_tls_and_certificate_codes(server_ssl_context: ssl.SSLContext) -> None:
    with servers.serve(servers.banner()) as plain:
        assert netref("probe", "smtp", f"127.0.0.1:{plain.port}", "-t", "3").exit_code == 8
        assert netref("probe", "https", f"127.0.0.1:{plain.port}", "-t", "3").exit_code == 35
    with servers.HttpServer(server_ssl_context) as tls:
        assert netref("probe", "https", f"127.0.0.1:{tls.port}", "-t", "3").exit_code == 60


def test_nagios_codes_are_unchanged(closed_port: int) -> None:
    result = netref("probe", "tcp", f"127.0.0.1:{closed_port}", "-f", "nagios")
    assert result.exit_code == 2 and result.stdout.startswith("TCP CRITICAL")


def test_scan_of_a_name_that_does_not_resolve_is_6(monkeypatch: pytest.MonkeyPatch) -> None:
    import netref.probes.net as net

    def no_such_name(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(net.socket, "getaddrinfo", no_such_name)
    result = netref("scan", "nothing.invalid", "--ports", "1", "-f", "json")
    assert result.exit_code == 6, result.output


# -- scan: --open, nmap's ranges, the host column ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last", "count"), [("80-", 80, 65535, 65456), ("-1024", 1, 1024, 1024), ("-", 1, 65535, 65535)]
)
def test_nmap_open_ranges(text: str, first: int, last: int, count: int) -> None:
    from netref.scan import parse_port_list

    tcp, udp = parse_port_list(text)
    assert (tcp[0], tcp[-1], len(tcp), udp) == (first, last, count, [])


def test_scan_open_hides_the_rest_and_counts_them(closed_port: int) -> None:
    with servers.serve(servers.banner()) as server:
        ports = f"{server.port},{closed_port}"
        table = netref("scan", "127.0.0.1", "--ports", ports, "--open", "-t", "2")
        document = json.loads(netref("scan", "127.0.0.1", "--ports", ports, "--open", "-t", "2", "-f", "json").stdout)
        lines = netref("scan", "127.0.0.1", "--ports", ports, "--open", "-t", "2", "-f", "jsonl").stdout.splitlines()
    assert table.exit_code == 0, table.output
    assert f"{server.port}/tcp" in table.stdout and f"{closed_port}/tcp" not in table.stdout
    assert "1 closed ports not shown" in table.stdout and "1 open of 2" in table.stdout
    host = document["hosts"][0]
    assert host["not_shown"] == 1 and [port["port"] for port in host["ports"]] == [server.port]
    assert [json.loads(line)["port"] for line in lines] == [server.port]
    assert "not_shown" not in json.loads(netref("scan", "127.0.0.1", "--ports", str(closed_port), "-f", "json").stdout)[
        "hosts"][0]  # fmt: skip


@pytest.mark.parametrize("fmt", ["plain", "csv", "github"])
def test_scan_of_several_hosts_names_the_host_in_every_row(fmt: str, closed_port: int) -> None:
    result = netref("scan", "127.0.0.1", "localhost", "-4", "--ports", str(closed_port), "-f", fmt)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if f"{closed_port}/tcp" in line]
    assert len(rows) == 2 and "127.0.0.1" in rows[0] and "localhost" in rows[1]


def test_scan_of_one_host_has_no_host_column(closed_port: int) -> None:
    result = netref("scan", "127.0.0.1", "--ports", str(closed_port), "-f", "plain")
    assert "host" not in result.stdout.splitlines()[0].lower()


# -- tables fit the terminal ---------------------------------------------------------------------------------


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("args", [("list",), ("show", "smtp"), ("module", "telnetlib"), ("port", "443")])
@pytest.mark.parametrize("columns", [60, 80, 200])
def test_tables_fit_the_terminal(args: tuple[str, ...], columns: int) -> None:
    fitted = netref(*args, env={"COLUMNS": str(columns)})
    assert fitted.exit_code == 0, fitted.output
    assert widest(fitted.stdout) <= columns, fitted.stdout
    full = netref(*args, "--wide", env={"COLUMNS": str(columns)}).stdout
    assert full == netref(*args).stdout  # --wide and piped output: today's full rows
    if widest(full) <= columns:
        assert fitted.stdout == full  # what fits is not touched


def test_piped_output_keeps_full_rows_and_json_is_untouched() -> None:
    assert widest(netref("list").stdout) > 150
    assert netref("list", "-f", "json", env={"COLUMNS": "60"}).stdout == netref("list", "-f", "json").stdout
    assert netref("list", "-f", "csv", env={"COLUMNS": "60"}).stdout == netref("list", "-f", "csv").stdout


def test_a_fitted_table_keeps_every_word() -> None:
    from netref.render import Records, Terminal, render

    rows = [{"name": "smtp", "modules": "smtplib, email.mime.text", "note": "a long note " * 8}]
    text = render(Records(rows, rows), "table", Terminal(width=40, fit=True))
    assert widest(text) <= 40
    words = set(" ".join(text.splitlines()[2:]).split())
    assert {"smtp", "smtplib,", "email.mime.text", "long", "note"} <= words  # wrapped between words
