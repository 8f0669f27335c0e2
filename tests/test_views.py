"""The drawn views (issue 13): the module × Python-version matrix, the probe's timing waterfall,
terminal manners (colour, width) and shell completion — through CliRunner and the installed script."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest
from servers import banner, serve
from test_cli import installed_netref
from typer.testing import CliRunner

from netref.catalog import load_catalog
from netref.cli import app
from netref.render import Grid, Terminal, Timeline, render
from netref.views import MATRIX_STATES

runner = CliRunner()
CATALOG = load_catalog()
SGR = re.compile(r"\x1b\[[0-9;]*m")
NEWEST = (3, 13)  # the newest Python the catalogue's dates name (tests mark it: --python 3.13)
VERSIONS = [(2, 7)] + [(3, minor) for minor in range(NEWEST[1] + 1)]
BARS = "█▏"


def netref(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"COLUMNS": "", "NO_COLOR": "", **(env or {})})


def expected_state(name: str, version: tuple[int, int]) -> str:
    """What a cell must say, from the catalogue's computed status."""
    status = CATALOG.modules[name].status(version)
    if status.kind == "deprecated":
        return "deprecated-warns" if status.warns_on_import else "deprecated"
    return status.kind


def grid_rows(output: str) -> dict[str, list[str]]:
    """A drawn matrix's rows: module name -> the symbols of its cells."""
    symbols = "".join(symbol for symbol, _, _ in MATRIX_STATES.values())
    rows = {}
    for line in output.splitlines():
        words = line.split()
        if len(words) > 1 and all(len(word) == 1 and word in symbols for word in words[1 : 1 + len(VERSIONS)]):
            rows[words[0]] = words[1 : 1 + len(VERSIONS)]
    return rows


# -- the matrix -----------------------------------------------------------------------------------


def test_every_cell_of_every_module_is_the_catalogues_computed_status():
    result = netref("matrix", "--all", "--python", "3.13", "-f", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    labels = [f"{major}.{minor}" for major, minor in VERSIONS]
    assert document["versions"] == labels
    assert [row["name"] for row in document["modules"]] == list(CATALOG.modules)
    for row in document["modules"]:
        expected = {label: expected_state(row["name"], v) for label, v in zip(labels, VERSIONS, strict=True)}
        assert row["cells"] == expected


def test_every_drawn_symbol_is_the_catalogues_computed_status():
    # 100 columns: xml.etree.cElementTree, the longest name, widens the grid past 80 (then records are shown)
    rows = grid_rows(netref("matrix", "--all", "--python", "3.13", env={"COLUMNS": "100"}).stdout)
    assert set(rows) == set(CATALOG.modules)
    for name, symbols in rows.items():
        assert symbols == [MATRIX_STATES[expected_state(name, v)][0] for v in VERSIONS], name


def test_telnetlib_warns_from_3_11_and_is_gone_in_3_13_and_httplib_became_http_client_in_3_0():
    output = netref("matrix", "telnetlib", "httplib", "--python", "3.13").stdout
    rows = grid_rows(output)
    assert rows["telnetlib"] == ["✓"] * 12 + ["!", "!", "✗"]
    assert rows["httplib"] == ["✓"] + ["→"] * 14
    assert re.search(r"^httplib .* http\.client$", output, re.MULTILINE)
    assert re.search(r"^telnetlib .* socket$", output, re.MULTILINE)
    legend = output.split("\n\n")[1]
    for symbol, _, text in MATRIX_STATES.values():
        assert f"{symbol} {text}" in legend


def test_default_rows_are_the_tutorials_modules_each_followed_by_its_successors():
    names = [row["name"] for row in json.loads(netref("matrix", "-f", "json").stdout)["modules"]]
    tutorial = {name for p in CATALOG.protocols.values() if p.tutorial for name in p.tutorial.modules}
    assert tutorial <= set(names) and len(names) == len(set(names))
    assert names.index("http.client") == names.index("httplib") + 1
    assert names.index("socket") == names.index("nntplib") + 1
    assert {"urllib.request", "xmlrpc.client"} <= set(names)


def test_arguments_are_modules_or_protocol_keys_and_the_range_narrows():
    document = json.loads(netref("matrix", "pop3", "Telnetlib", "--from", "3.10", "--to", "3.12", "-f", "json").stdout)
    assert [row["name"] for row in document["modules"]] == ["poplib", "telnetlib"]
    assert document["versions"] == ["3.10", "3.11", "3.12"]
    assert document["modules"][1]["cells"] == {"3.10": "current", "3.11": "deprecated-warns",
                                               "3.12": "deprecated-warns"}


@pytest.mark.parametrize(("args", "fragment"), [
    (["nosuch"], "unknown module or protocol 'nosuch'"),
    (["telnetlb"], "did you mean: telnetlib"),
    (["--all", "smtp"], "--all takes no"),
    (["--from", "3.9", "--to", "3.5"], "--from 3.9 is after --to 3.5"),
    (["--to", "4.1"], "Python 2 and 3"),
    (["--from", "three"], "--from: not a Python version: 'three'"),
    (["--color", "sometimes"], "--color: expected auto, always or never"),
])
def test_matrix_bad_input_is_one_line_and_a_usage_error_or_not_found(args, fragment):
    result = netref("matrix", *args)
    assert result.exit_code == (1 if "module or protocol" in fragment or "did you mean" in fragment else 2)
    assert result.stdout == "" and fragment in result.stderr and result.stderr.count("\n") == 1


def test_csv_and_json_are_the_same_grid():
    document = json.loads(netref("matrix", "-f", "json").stdout)
    records = list(csv.DictReader(io.StringIO(netref("matrix", "-f", "csv").stdout)))
    assert [row["module"] for row in records] == [row["name"] for row in document["modules"]]
    for record, row in zip(records, document["modules"], strict=True):
        assert {label: record[label] for label in document["versions"]} == row["cells"]
        assert record["use_instead"] == (row["use_instead"] or "-")


def test_the_judged_pythons_column_is_marked():
    for python in ("3.11", "2.7", "3.13"):
        lines = netref("matrix", "telnetlib", "--python", python).stdout.splitlines()
        column = VERSIONS.index(tuple(map(int, python.split("."))))
        cells = lines[2].split()[1:-1]
        assert cells[column] == "^^" and set(cells) - {"^^"} == {"--"}, lines[2]
        assert f"^ Python {python}: the one --python names" in lines
    assert json.loads(netref("matrix", "--python", "3.12", "-f", "json").stdout)["target"] == "3.12"


def test_a_python_newer_than_the_catalogue_gets_its_column():
    document = json.loads(netref("matrix", "telnetlib", "--python", "3.15", "-f", "json").stdout)
    assert document["versions"][-2:] == ["3.14", "3.15"]
    assert document["modules"][0]["cells"]["3.15"] == "removed"


def test_a_narrow_terminal_gets_runs_of_one_state_not_a_wrapped_grid():
    output = netref("matrix", "telnetlib", "httplib", env={"COLUMNS": "40"}).stdout
    assert max(len(line) for line in output.splitlines()) <= 40
    assert output.splitlines()[:4] == [
        "telnetlib → socket", "  ✓ 2.7-3.10 current", "  ! 3.11-3.12 deprecated, import warns", "  ✗ 3.13 removed",
    ]
    assert "httplib → http.client\n  ✓ 2.7 current\n  → 3.0-3.13 renamed\n" in output
    assert grid_rows(netref("matrix", "telnetlib", env={"COLUMNS": "120"}).stdout)


# -- colour -----------------------------------------------------------------------------------------


def test_colour_only_when_asked_or_on_a_terminal():
    assert not SGR.search(netref("matrix", "telnetlib").stdout)  # CliRunner's stdout is no terminal
    coloured = netref("matrix", "telnetlib", "--color", "always").stdout
    assert "\x1b[31m ✗\x1b[0m" in coloured and "\x1b[1;33m !\x1b[0m" in coloured
    assert SGR.sub("", coloured) == netref("matrix", "telnetlib").stdout
    assert not SGR.search(netref("matrix", "telnetlib", "--color", "never").stdout)


def test_terminal_detection_follows_no_color_and_columns(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "57")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert (Terminal.detect("auto", Tty()).color, Terminal.detect("auto", Tty()).width) == (True, 57)
    assert not Terminal.detect("auto", io.StringIO()).color
    assert not Terminal.detect("never", Tty()).color
    monkeypatch.setenv("NO_COLOR", "1")
    assert not Terminal.detect("auto", Tty()).color
    assert Terminal.detect("always", io.StringIO()).color  # a command-line choice overrides NO_COLOR
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: set to the empty string is unset
    assert Terminal.detect("auto", Tty()).color
    with pytest.raises(ValueError, match="unknown colour choice"):
        Terminal.detect("yes")


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """The installed script's output when its stdout is a pseudo-terminal."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        run = subprocess.run([*installed_netref(), *args], stdout=follower, stderr=subprocess.PIPE, timeout=60,
                             env={**os.environ, "COLUMNS": "100", **env}, check=False)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is closed once everything is read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert run.returncode == 0, run.stderr
    return b"".join(chunks).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_the_installed_script_colours_a_terminal_but_not_a_pipe_nor_with_no_color():
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    assert SGR.search(_on_a_terminal(["matrix", "telnetlib"], {"NO_COLOR": ""}))
    assert not SGR.search(_on_a_terminal(["matrix", "telnetlib"], {"NO_COLOR": "1"}))
    assert not SGR.search(_on_a_terminal(["matrix", "telnetlib", "--color", "never"], {"NO_COLOR": ""}))
    piped = subprocess.run([*installed_netref(), "matrix", "telnetlib"], capture_output=True, text=True, env=env,
                           timeout=60, check=True)
    assert not SGR.search(piped.stdout) and "telnetlib" in piped.stdout


# -- the waterfall ------------------------------------------------------------------------------------


def test_waterfall_bars_are_proportional_and_follow_one_another_on_one_axis():
    timeline = Timeline([("dns", 10.0), ("connect", 30.0), ("tls", 0.01), ("first_byte", 60.0)], 125.0)
    drawn = render(_card(timeline), "table", Terminal(width=80)).splitlines()
    rows = [line.removeprefix("timings (ms): ").removeprefix(" " * 14) for line in drawn]
    start = rows[0].index("█")
    spans = {row.split()[0]: (row.index(row.split()[2][0]) - start, len(row.split()[2])) for row in rows}
    columns = spans["total"][1]
    assert columns == 80 - 14 - len("first_byte") - len("125.0") - 3
    assert spans["dns"] == (0, round(10 / 125 * columns))
    assert spans["connect"] == (spans["dns"][1], round(40 / 125 * columns) - spans["dns"][1])
    assert spans["tls"] == (round(40 / 125 * columns), 1) and "▏" in rows[2]  # too short for a cell: a hairline
    assert spans["first_byte"][0] == round(40.01 / 125 * columns)
    assert abs(spans["first_byte"][1] - 60 / 125 * columns) <= 1
    assert "  ".join(rows[4].split()[:2]) == "total  125.0"


def _card(timeline: Timeline):
    from netref.render import Card

    return Card({}, [("timings (ms)", timeline)])


def test_waterfall_falls_back_to_the_numbers_when_too_narrow_and_other_formats_print_numbers():
    timeline = Timeline([("dns", 1.0), ("connect", 2.0)], 3.5)
    assert render(_card(timeline), "table", Terminal(width=30)) == "timings (ms): dns 1.0  connect 2.0  total 3.5\n"
    assert render(_card(timeline), "csv") == "field,value\ntimings (ms),dns 1.0  connect 2.0  total 3.5\n"
    assert str(Timeline([], None)) == ""


def test_probe_draws_its_waterfall_unless_told_not_to():
    with serve(banner()) as server:
        target = f"127.0.0.1:{server.port}"
        drawn = netref("probe", "tcp", target)
        plain = netref("probe", "tcp", target, "--no-waterfall")
        narrow = netref("probe", "tcp", target, env={"COLUMNS": "30"})
        coloured = netref("probe", "tcp", target, "--color", "always")
        as_json = netref("probe", "tcp", target, "-f", "json")
    assert drawn.exit_code == plain.exit_code == 0, drawn.output
    assert_one_axis(drawn.stdout, json.loads(as_json.stdout)["timings_ms"])
    assert any(ch in drawn.stdout for ch in BARS)
    assert re.search(r"^timings \(ms\): dns [\d.]+  connect [\d.]+ .* total [\d.]+$", plain.stdout, re.MULTILINE)
    assert not any(ch in plain.stdout + narrow.stdout for ch in BARS)
    assert SGR.search(coloured.stdout) and not SGR.search(drawn.stdout)


def assert_one_axis(output: str, timings: dict[str, float]) -> None:
    """The card's waterfall has a line per phase in the result's order, each bar starting where the
    one before ended, all within the total's line (the axis)."""
    lines = output.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("timings (ms):"))
    indent = lines[first].index("timings (ms):") + len("timings (ms):") + 1
    while lines[first][indent] == " ":
        indent += 1
    block = [lines[first][indent:]] + [line[indent:] for line in lines[first + 1 :] if line.startswith(" " * indent)]
    assert [line.split()[0] for line in block] == list(timings)
    assert block[-1].split()[2].strip("─") == ""  # the total's line is the axis
    origin, axis = block[-1].index("─"), block[-1].count("─")
    end = 0
    for line in block[:-1]:
        bar = line[origin:].strip(" ")
        if bar:
            assert line.index(bar[0]) - origin == end, block
            end += 0 if bar == "▏" else len(bar)
    assert end <= axis, block


def test_an_in_band_upgrade_is_drawn_on_the_same_axis(server_ssl_context, ca_file):
    from smtp_server import SmtpServer

    with SmtpServer(starttls_context=server_ssl_context) as server:
        args = ["probe", "smtp", f"127.0.0.1:{server.port}", "--starttls", "--cafile", str(ca_file)]
        drawn, as_json = netref(*args), netref(*args, "-f", "json")
    timings = json.loads(as_json.stdout)["timings_ms"]
    assert drawn.exit_code == 0 and "tls" in timings, drawn.output
    assert_one_axis(drawn.stdout, timings)


def test_a_grid_falls_back_to_records_in_every_other_format():
    grid = Grid({"x": 1}, [{"module": "m", "3.0": "current"}], headings=[("3.", "0")], labels=["m"],
                cells=[["current"]], tails=[""], states=MATRIX_STATES)
    assert render(grid, "csv") == "module,3.0\nm,current\n"
    assert render(grid, "github").splitlines()[2] == "| m        | current |"
    assert json.loads(render(grid, "json")) == {"x": 1}


# -- shell completion ---------------------------------------------------------------------------------


def _complete(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(installed_netref(), capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, **env})


@pytest.mark.parametrize(("shell", "marker"), [
    ("bash", "complete -o default -F _netref_completion netref"),
    ("zsh", "compdef _netref_completion netref"),
    ("fish", "complete --command netref --no-files"),
])
def test_completion_scripts_for_bash_zsh_and_fish(shell, marker):
    run = _complete({"_NETREF_COMPLETE": f"source_{shell}"})
    assert run.returncode == 0 and marker in run.stdout and "_NETREF_COMPLETE=complete_" + shell in run.stdout


def test_completion_completes_commands_protocol_keys_and_module_names():
    def bash(line: str) -> list[str]:
        words = line.split(" ")
        run = _complete({"_NETREF_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)})
        assert run.returncode == 0, run.stderr
        return run.stdout.split()

    assert bash("netref ma") == ["matrix"]
    assert bash("netref show sm") == ["smtp", "smtps"]
    assert bash("netref probe imap") == ["imap", "imaps"]
    assert bash("netref module telnet") == ["telnetlib"]
    assert bash("netref matrix teln") == ["telnetlib", "telnet"]
    zsh = _complete({"_NETREF_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "netref show pop"})
    assert '"pop3":"POP3"' in zsh.stdout  # zsh shows each key's protocol name
    fish = _complete({"_NETREF_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args",
                      "_TYPER_COMPLETE_ARGS": "netref module httpl"})
    assert fish.stdout.startswith(f"httplib\t{CATALOG.modules['httplib'].summary}")


def test_show_and_install_completion_for_the_detected_shell(monkeypatch, tmp_path):
    import typer._completion_shared as shared

    monkeypatch.setattr(shared, "_get_shell_name", lambda: None)  # undetectable: $SHELL decides
    shown = runner.invoke(app, ["--show-completion"], env={"SHELL": "/usr/bin/zsh"})
    assert shown.exit_code == 0 and "compdef _netref_completion netref" in shown.stdout
    monkeypatch.setenv("HOME", str(tmp_path))
    installed = runner.invoke(app, ["--install-completion"], env={"SHELL": "/bin/bash", "HOME": str(tmp_path)})
    assert installed.exit_code == 0, installed.output
    assert "bash completion installed in" in installed.stdout
    assert "_NETREF_COMPLETE=complete_bash" in (tmp_path / ".bash_completions" / "netref.sh").read_text()
    unknown = runner.invoke(app, ["--show-completion"], env={"SHELL": "/bin/tcsh"})
    assert unknown.exit_code == 2 and "cannot complete for shell 'tcsh'" in unknown.stderr


def test_normal_start_up_does_not_set_up_typers_completion():
    """Typer's shell classes are registered (and its completion options inspected) only when a shell
    asks: ``netref port 25`` start-up is benchmarked."""
    probe = (
        "import typer._click.shell_completion as sc; from netref.cli import main\n"
        "try:\n    main(['port', '25'])\nexcept SystemExit:\n    pass\n"
        "print([cls.__module__ for cls in sc._available_shells.values()])"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.splitlines()[-1] == "[]"
