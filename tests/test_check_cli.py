"""``netref check`` through Typer's CliRunner (and once as the installed script): output formats,
exit codes, select/ignore/exclude, and ``--fix``/``--diff`` round trips on copies of the corpus."""

from __future__ import annotations

import ast
import csv
import importlib
import importlib.util
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netref.catalog import load_catalog
from netref.cli import app

CORPUS = Path(__file__).parent / "check_corpus"
TUTORIAL = [str(CORPUS / "tutorial" / "server.py"), str(CORPUS / "tutorial" / "client.py")]
JSON_FIELDS = ["path", "line", "col", "code", "kind", "message", "module", "replacement", "backport", "pep", "target",
               "fixable"]
runner = CliRunner()


def netref(*args: str):
    return runner.invoke(app, ["check", *args])


def assert_usage_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("netref: error: "), result.stderr
    assert all(fragment in lines[0] for fragment in fragments)


# -- output and exit codes ------------------------------------------------------------------------


def test_tutorial_files_give_linter_lines_and_exit_1():
    result = netref(*TUTORIAL, "--python", "3.12")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{TUTORIAL[0]}:14:10: NR201 str literal passed to send(): Python 3 sockets send bytes,"
        " use b'...' or .encode()",
        f"{TUTORIAL[1]}:11:1: NR202 s.close names the method without calling it: write s.close()",
    ]


def test_clean_file_exits_0_with_no_output():
    result = netref(str(CORPUS / "py3" / "clean.py"), "--python", "3.13")
    assert (result.exit_code, result.stdout) == (0, "")


def test_issue_example_line_for_httplib(tmp_path):
    (tmp_path / "server.py").write_text("import httplib\n")
    result = netref(str(tmp_path / "server.py"))
    expected = f"{tmp_path / 'server.py'}:1:1: NR101 httplib was renamed in Python 3.0 (PEP 3108): use http.client"
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [("2.7", []), ("3.11", ["NR102"]), ("3.12", ["NR102"]), ("3.13", ["NR103"])],
)
def test_telnetlib_across_targets(tmp_path, target, expected):
    (tmp_path / "t.py").write_text("import telnetlib\n")
    result = netref(str(tmp_path), "--python", target, "-f", "json")
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings] == expected
    assert result.exit_code == (1 if expected else 0)
    if expected:
        assert findings[0]["backport"] == load_catalog().modules["telnetlib"].backport
        assert findings[0]["target"] == target


def test_json_has_one_object_per_finding_with_the_documented_fields():
    text = netref(str(CORPUS), "--python", "3.13", "-f", "json")
    lines = netref(str(CORPUS), "--python", "3.13")
    findings = json.loads(text.stdout)
    assert len(findings) == len(lines.stdout.splitlines()) > 20
    for finding in findings:
        assert list(finding) == JSON_FIELDS
        assert isinstance(finding["line"], int) and isinstance(finding["col"], int) and finding["col"] >= 1
        assert finding["code"] in {"NR101", "NR102", "NR103", "NR104", "NR105", "NR111", "NR112", "NR113", "NR201",
                                   "NR202", "NR301", "NR900", "NR901", "NR902"}
        assert isinstance(finding["fixable"], bool)
        place = f"{finding['path']}:{finding['line']}:{finding['col']}"
        assert f"{place}: {finding['code']} {finding['message']}" in lines.stdout


def test_csv_and_table_formats():
    result = netref(*TUTORIAL, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["code"] for row in rows] == ["NR201", "NR202"]
    assert list(rows[0]) == JSON_FIELDS
    table = netref(*TUTORIAL, "-f", "table")
    assert table.exit_code == 1
    assert "NR201" in table.stdout and "CODE" in table.stdout.splitlines()[0]


def test_select_ignore_and_exit_code_when_everything_is_ignored():
    only_bugs = netref(*TUTORIAL, "--select", "NR2", "--ignore", "NR202")
    assert [line.split()[1] for line in only_bugs.stdout.splitlines()] == ["NR201"]
    nothing = netref(*TUTORIAL, "--ignore", "NR2")
    assert (nothing.exit_code, nothing.stdout) == (0, "")


def test_exclude(tmp_path):
    (tmp_path / "keep.py").write_text("import httplib\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "old.py").write_text("import urllib2\n")
    result = netref(str(tmp_path), "--exclude", "vendor")
    assert [Path(line.split(":")[0]).name for line in result.stdout.splitlines()] == ["keep.py"]


def test_unreadable_file_is_reported_not_fatal(tmp_path):
    (tmp_path / "ok.py").write_text("import Cookie\n")
    result = netref(str(tmp_path / "missing.py"), str(tmp_path / "ok.py"))
    assert result.exit_code == 1
    codes = [line.split()[1] for line in result.stdout.splitlines()]
    assert codes == ["NR900", "NR101"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["x.py", "--python", "three"], "--python"),
        (["x.py", "--select", "E501"], "unknown code 'E501'"),
        (["x.py", "--ignore", "NR7"], "unknown code 'NR7'"),
        (["x.py", "--format", "yaml"], "--format"),
        ([], "PATH"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args, fragment):
    assert_usage_error(netref(*args), fragment)


# -- --fix and --diff ----------------------------------------------------------------------------


@pytest.fixture
def fixable(tmp_path) -> Path:
    copy = tmp_path / "fixable"
    shutil.copytree(CORPUS / "fixable", copy)
    shutil.copy(CORPUS / "py2" / "server27.py", copy / "server27.py")
    return copy


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_diff_shows_the_rewrites_and_writes_nothing(fixable):
    before = _snapshot(fixable)
    result = netref(str(fixable), "--diff")
    assert result.exit_code == 1
    assert _snapshot(fixable) == before
    diff = result.stdout
    assert f"--- a/{str(fixable / 'legacy_names.py').lstrip('/')}\n" in diff
    for line in [
        "-import os, httplib", "+import os, http.client as httplib",
        "+import socketserver as ss",
        "+from urllib.request import urlopen", "+from urllib.error import HTTPError",
        "+from urllib.parse import urlencode, quote  # the query string",
        "+import http.cookiejar as cookielib; import http.cookies as Cookie",
        '+rpc = importlib.import_module("xmlrpc.client")',
        '+server_module = __import__("socketserver")',
        '+        return urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"q": 1})).read()',
        "+import urllib.error, urllib.request", "+    except urllib.error.URLError:",
    ]:
        assert line + "\n" in diff, line
    # what needs a human is never touched: removed modules, a module object that escapes, Python 2 files
    assert "needs_human.py" not in diff and "server27.py" not in diff
    assert "would fix 16 finding(s) in 2 file(s)" in result.stderr
    both = netref(str(fixable), "--fix", "--diff")  # --diff wins: show, never write
    assert (both.exit_code, both.stdout) == (1, diff)
    assert _snapshot(fixable) == before


def test_diff_applies_with_patch_to_give_what_fix_writes(fixable, tmp_path):
    if not shutil.which("patch"):
        pytest.skip("no patch(1)")
    diff = netref(str(fixable), "--diff").stdout
    other = tmp_path / "other"
    shutil.copytree(fixable, other)
    relative = diff.replace(str(fixable).lstrip("/") + "/", "")  # a/legacy_names.py, for patch -p1 in a copy
    assert "--- a/legacy_names.py\n" in relative
    applied = subprocess.run(["patch", "-p1", "-d", str(other), "--quiet", "--batch"], check=False, input=relative,
                             text=True, capture_output=True)
    assert applied.returncode == 0, applied.stderr + applied.stdout
    netref(str(fixable), "--fix")
    assert _snapshot(other) == _snapshot(fixable)


def test_fix_round_trip_parses_and_resolves_on_the_running_python(fixable):
    human = {name: (fixable / name).read_bytes() for name in ("needs_human.py", "server27.py")}
    result = netref(str(fixable), "--fix")
    assert "fixed 16 finding(s) in 2 file(s)" in result.stderr
    assert result.exit_code == 1  # what needs a human remains, and is reported
    remaining_files = {Path(line.split(":")[0]).name for line in result.stdout.splitlines()}
    assert remaining_files == {"needs_human.py", "server27.py"}
    for name, data in human.items():
        assert (fixable / name).read_bytes() == data
    for name in ("legacy_names.py", "urllib2_module.py"):
        tree = ast.parse((fixable / name).read_text())
        for module, attribute in _imports(tree):
            assert importlib.util.find_spec(module) is not None, module
            if attribute:
                imported = importlib.import_module(module)
                found = hasattr(imported, attribute) or importlib.util.find_spec(f"{module}.{attribute}")
                assert found, (module, attribute)
    remaining = netref(str(fixable / "legacy_names.py"), str(fixable / "urllib2_module.py"), "-f", "json")
    assert (remaining.exit_code, json.loads(remaining.stdout)) == (0, [])
    again = netref(str(fixable), "--diff")
    assert again.stdout == ""  # a second run has nothing left to rewrite


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield from ((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("import_module", "__import__"):
                yield node.args[0].value, None


def test_fix_keeps_the_file_encoding_and_line_endings(tmp_path):
    path = tmp_path / "crlf.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\r\nimport httplib\r\nNAME = 'caf\xe9'\r\n")
    netref(str(path), "--fix")
    assert path.read_bytes() == b"# -*- coding: latin-1 -*-\r\nimport http.client as httplib\r\nNAME = 'caf\xe9'\r\n"


# -- the installed script ------------------------------------------------------------------------


def test_installed_script_checks_the_tutorial():
    script = shutil.which("netref") or (Path(sys.executable).parent / "netref")
    if not Path(script).exists():
        pytest.skip("the netref script is not installed")
    run = subprocess.run([str(script), "check", *TUTORIAL, "--python", "3.13"],
                         check=False, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stderr
    assert [line.split()[1] for line in run.stdout.splitlines()] == ["NR201", "NR202"]


def test_the_cli_does_not_load_the_check_code_until_the_command_runs():
    code = "import sys, netref.cli; sys.exit('netref.check' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=Path(__file__).parent.parent).returncode == 0

