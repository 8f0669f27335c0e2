"""Tables fitted to the terminal (netref.render): at 60, 80 and 200 columns every line fits, no word
is broken but where a dotted name, a path or an address may wrap (after ``.``, ``/``, ``,``,
``-``, ``#``), the columns that cannot fit are hidden by priority with a note saying so, and
``--wide`` (like a pipe) gives the full rows."""

from __future__ import annotations

import re
from typing import Any

import captures_ssh
import pytest
from servers import banner, serve
from typer.testing import CliRunner

from netref.cli import app
from netref.render import Records, Sections, Terminal, render

runner = CliRunner()
WIDTHS = [60, 80, 200]
BREAKS = ".,/#-"  # where a word may wrap inside itself


def netref(*args: str, columns: int | None = None) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": str(columns) if columns else None, "NO_COLOR": "1"})


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def unbroken(word: str, whole: set[str]) -> bool:
    """Whether ``word`` is a word of the full output, or a run of one cut only where it may wrap."""
    if word in whole:
        return True
    for full in whole:
        for found in re.finditer(re.escape(word), full):
            start, end = found.start(), found.end()
            if (start == 0 or full[start - 1] in BREAKS) and (end == len(full) or full[end - 1] in BREAKS):
                return True
    return False


def steady(text: str) -> str:
    """The output with its timings (and versions, alike everywhere) as 0.0: runs compare equal."""
    return re.sub(r"\d+\.\d+", "0.0", text)


def assert_fitted(args: tuple[str, ...], columns: int) -> str:
    fitted = netref(*args, columns=columns)
    assert fitted.exit_code != 2, fitted.output  # a probe of a closed port exits 7
    assert widest(fitted.stdout) <= columns, fitted.stdout
    text, full = steady(fitted.stdout), steady(netref(*args, "--wide", columns=columns).stdout)
    assert full == steady(netref(*args).stdout)  # --wide is the piped output: today's full rows
    whole = set(full.split())
    shown = re.sub(r"\d+ columns? hidden to fit the terminal \(.*?\); --wide shows all\.", "", " ".join(text.split()))
    broken = [word for word in shown.split() if not unbroken(word, whole)]
    assert not broken, fitted.stdout
    if widest(full) <= columns:
        assert text == full  # what fits is not touched
    return fitted.stdout


@pytest.mark.parametrize("args", [("list",), ("module", "telnetlib"), ("show", "smtp")])
@pytest.mark.parametrize("columns", WIDTHS)
def test_catalogue_tables_fit_without_breaking_words(args: tuple[str, ...], columns: int) -> None:
    assert_fitted(args, columns)


def test_list_at_60_columns_keeps_names_whole_and_says_what_it_hides() -> None:
    text = assert_fitted(("list",), 60)
    assert "urllib.request" in text.split() and "http.client" in text.split()
    assert text.splitlines()[0].split() == ["PROTOCOL", "KEY", "PORTS", "TLS", "MODULES"]
    assert "2 columns hidden to fit the terminal (FUNCTION, LEGACY); --wide shows all." in " ".join(text.split())


def test_list_at_200_columns_hides_nothing() -> None:
    text = assert_fitted(("list",), 200)
    assert {"FUNCTION", "LEGACY"} <= set(text.splitlines()[0].split()) and "hidden" not in text


@pytest.mark.parametrize("columns", WIDTHS)
def test_scan_table_fits(columns: int, closed_port: int) -> None:
    greeting = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10 with.a.rather.long/banner,that-wraps somewhere\r\n"
    kexinit = captures_ssh.split(captures_ssh.OPENSSH_DEFAULT)[1]  # the whole dialogue: the same verdict each run
    with serve(captures_ssh.Replay(greeting + kexinit)) as server:
        ports = f"{closed_port},{server.port}"
        text = assert_fitted(("scan", "127.0.0.1", "localhost", "--ports", ports, "--timeout", "2"), columns)
    assert f"{closed_port}/tcp" in text and f"{server.port}/tcp" in text


@pytest.mark.parametrize("columns", WIDTHS)
def test_probe_tables_fit(columns: int, closed_port: int) -> None:
    with serve(banner(b"220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n")) as server:
        several = ("probe", "tcp", f"127.0.0.1:{server.port}", f"127.0.0.1:{closed_port}", "--timeout", "2")
        assert_fitted(several, columns)
        assert_fitted(("probe", "tcp", f"127.0.0.1:{server.port}", "--timeout", "2", "--no-waterfall"), columns)


def test_a_word_wider_than_the_terminal_is_the_only_one_broken() -> None:
    rows = [{"name": "x" * 50, "note": "short words only"}]
    text = render(Records(rows, rows), "table", Terminal(width=30, fit=True))
    assert widest(text) <= 30
    assert "short words only" not in text  # the note column is hidden: the name alone fills the room
    assert "1 column hidden to fit the terminal (NOTE); --wide shows all." in " ".join(text.split())


def test_columns_hide_in_the_order_the_view_gives() -> None:
    rows = [{"name": "smtp", "a": "alphanumeric " * 3, "b": "breathtaking " * 3, "c": "crystallised " * 3}]
    hidden_b = render(Records(rows, rows, drop=("b", "c")), "table", Terminal(width=40, fit=True))
    assert hidden_b.splitlines()[0].split()[:2] == ["NAME", "A"] and "(B)" in hidden_b
    default = render(Records(rows, rows), "table", Terminal(width=40, fit=True))
    assert "(C)" in default  # by default the last column goes first


def test_sections_say_once_what_they_hide() -> None:
    rows = [{"port": "25/tcp", "state": "open", "message": "a long message " * 6}]
    view = Sections(rows, [("host a", rows), ("host b", rows)], columns=("port", "state", "message"))
    text = render(view, "table", Terminal(width=20, fit=True))
    assert widest(text) <= 20 and text.count("hidden") == 1 and "(MESSAGE)" in text


LEGACY_SOURCE = "import telnetlib\nimport asyncore, asynchat\nfrom urllib2 import urlopen\n"


@pytest.mark.parametrize("columns", WIDTHS)
def test_check_table_fits(columns: int, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old_client.py").write_text(LEGACY_SOURCE)
    text = assert_fitted(("check", "old_client.py", "-f", "table"), columns)
    assert {"PATH", "MESSAGE"} <= set(text.splitlines()[0].split())  # a narrow table gives up COL first
    assert_fitted(("check", "old_client.py", "--statistics", "-f", "table"), columns)


def test_check_text_is_one_line_a_finding_whatever_the_width(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old_client.py").write_text(LEGACY_SOURCE)
    narrow = netref("check", "old_client.py", columns=40).stdout
    wide = netref("check", "old_client.py", "--wide", columns=40).stdout
    assert narrow == wide == netref("check", "old_client.py").stdout
    assert len(narrow.splitlines()) == 4


def test_matrix_wide_draws_the_grid_however_narrow_the_terminal() -> None:
    narrow = netref("matrix", "telnetlib", "httplib", columns=40).stdout
    wide = netref("matrix", "telnetlib", "httplib", "--wide", columns=40).stdout
    assert "MODULE" not in narrow and "3.11-3.12" in narrow  # the runs of each row
    assert "MODULE" in wide and "USE INSTEAD" in wide and widest(wide) > 40  # the grid, as at 200 columns
    grid = netref("matrix", "telnetlib", "httplib", columns=200).stdout
    assert wide.split("\n\n")[0] == grid.split("\n\n")[0]  # the legend below still fits the 40 columns


def test_a_code_example_folds_its_comments_only() -> None:
    narrow, full = netref("show", "smtp", columns=60).stdout, netref("show", "smtp").stdout
    code, fitted = full[full.index("example:") :].splitlines(), narrow[narrow.index("example:") :].splitlines()
    assert [line for line in fitted if not line.lstrip().startswith("#")] == [
        line for line in code if not line.lstrip().startswith("#")
    ]  # every line of code as written
    assert " ".join(line.strip("# ") for line in fitted if line.startswith("#")) == " ".join(
        line.strip("# ") for line in code if line.startswith("#")
    )  # the comment, on more comment lines
    assert widest("\n".join(fitted)) <= 60
