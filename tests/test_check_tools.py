"""``netref check`` as CI and editors use it: ``# noqa`` comments, ``[tool.netref]`` configuration,
.gitignore, stdin, ``--statistics``, the GitHub Actions and SARIF formats, and the pre-commit hook."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netref.catalog import load_catalog
from netref.check import check
from netref.cli import app
from netref.render import Findings, render

ROOT = Path(__file__).parent.parent
CORPUS = Path(__file__).parent / "check_corpus"
TUTORIAL = CORPUS / "tutorial"
SARIF_SCHEMA = Path(__file__).parent / "sarif-schema-2.1.0.json"
runner = CliRunner()


def netref(*args: str, stdin: bytes | None = None):
    return runner.invoke(app, ["check", *args], input=stdin)


def codes_at(result) -> list[tuple[int, str]]:
    """(line, code) of each text-format finding."""
    return [(int(line.split(":")[1]), line.split()[1]) for line in result.stdout.splitlines()]


def assert_usage_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("netref: error: "), result.stderr
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


# --

NOQA_SOURCE = '''\
import httplib  # noqa
import urllib2  # noqa: NR101
import SocketServer  # NOQA:NR104
import telnetlib  # noqa: E501
import nntplib  # noqa:nr1
import cgi  # type: ignore # noqa: NR103, NR102
import xmlrpclib, \\
    Cookie  # noqa
import ftplib
banner = "# noqa"; import SimpleHTTPServer
'''


def test_noqa_on_the_reported_line_suppresses_all_or_the_codes_it_names(tmp_path):
    (tmp_path / "a.py").write_text(NOQA_SOURCE)
    result = netref(str(tmp_path / "a.py"), "--python", "3.13")
    # SocketServer: the comment names another code; telnetlib: another tool's; SimpleHTTPServer: a string says it
    assert codes_at(result) == [(3, "NR101"), (4, "NR103"), (10, "NR101")]
    assert result.exit_code == 1


def test_noqa_for_a_string_that_spans_lines_goes_at_its_end(tmp_path):
    source = 'import socket\ns = socket.socket()\ns.send("""one\ntwo""")  # noqa: NR201\ns.send("""three\nfour""")\n'
    (tmp_path / "a.py").write_text(source)
    assert codes_at(netref(str(tmp_path / "a.py"), "--python", "3.13")) == [(5, "NR201")]  # not line 3


def test_noqa_in_brackets_goes_on_the_reported_line_as_in_ruff(tmp_path):
    source = "from urllib2 import (  # noqa\n    urlopen,\n)\nfrom httplib import (\n    HTTPConnection,  # noqa\n)\n"
    (tmp_path / "a.py").write_text(source)
    assert codes_at(netref(str(tmp_path / "a.py"), "--python", "3.13")) == [(4, "NR101")]


def test_file_level_netref_noqa_suppresses_the_file_or_the_codes_it_names(tmp_path):
    (tmp_path / "all.py").write_text("import httplib\n# netref: noqa\nimport telnetlib\n")
    (tmp_path / "some.py").write_text("import httplib\n\n# NETREF: NOQA: NR103\nimport telnetlib\n")
    (tmp_path / "trailing.py").write_text("import httplib  # netref: noqa\n")  # not on a line of its own
    (tmp_path / "ruff.py").write_text("# ruff: noqa\nimport httplib\n")  # another tool's opt-out
    result = netref(str(tmp_path), "--python", "3.13")
    assert [(Path(line.split(":")[0]).name, line.split()[1]) for line in result.stdout.splitlines()] == [
        ("ruff.py", "NR101"), ("some.py", "NR101"), ("trailing.py", "NR101")]


def test_fix_leaves_alone_every_edit_that_would_touch_a_suppressed_finding(tmp_path):
    source = (CORPUS / "fixable" / "urllib2_module.py").read_text()
    suppressed = source.replace("except urllib2.URLError:", "except urllib2.URLError:  # noqa: NR104")
    (tmp_path / "whole.py").write_text(source)
    (tmp_path / "held.py").write_text(suppressed)
    report = check([str(tmp_path / "held.py")], load_catalog(), (3, 13))
    assert [f.code for f in report.findings] == ["NR101", "NR104", "NR104"]
    assert not any(f.fixable for f in report.findings)  # the import and every use move together, or none
    whole = netref(str(tmp_path / "whole.py"), "--diff")
    held = netref(str(tmp_path / "held.py"), "--diff")
    assert "+import urllib.error, urllib.request" in whole.stdout
    assert held.stdout == "" and "would fix 0 finding(s)" in held.stderr


# -- [tool.netref] -----------------------------------------------------------------------------------


def project(tmp_path: Path, table: str, files: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "demo"\n\n[tool.netref]\n{table}')
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_nearest_pyproject_with_a_netref_table_sets_the_target_and_codes(tmp_path, monkeypatch):
    root = project(tmp_path, 'python = "3.11"\nignore = ["NR202"]\n',
                   {"src/a.py": "import telnetlib\nimport socket\ns = socket.socket()\ns.close\n"})
    # mentions netref, but has no [tool.netref]: parsed, and passed over
    (root / "src" / "pyproject.toml").write_text('[project]\nname = "b"\ndependencies = ["netref"]\n[tool.black]\n')
    result = netref(str(root / "src"), "-f", "json")
    assert [(f["code"], f["target"]) for f in json.loads(result.stdout)] == [("NR102", "3.11")]
    assert [f["code"] for f in json.loads(netref(str(root / "src"), "-f", "json", "--python", "3.13").stdout)] == [
        "NR103"]  # --python wins
    monkeypatch.chdir(root / "src")  # a relative path finds it too
    assert codes_at(netref("a.py")) == [(1, "NR102")]
    assert codes_at(netref("a.py", "--isolated", "--python", "3.13")) == [(1, "NR103"), (4, "NR202")]


def test_flags_win_as_in_ruff_select_replaces_and_ignore_adds(tmp_path):
    root = project(tmp_path, 'python = "3.13"\nselect = ["NR1", "NR2"]\nignore = ["NR201"]\n', {
        "a.py": 'import httplib\nimport socket\ns = socket.socket()\ns.send("x")\ns.close\n'})
    path = str(root / "a.py")
    assert [code for _, code in codes_at(netref(path))] == ["NR101", "NR202"]
    assert [code for _, code in codes_at(netref(path, "--ignore", "NR101"))] == ["NR202"]
    assert [code for _, code in codes_at(netref(path, "--select", "NR2"))] == ["NR201", "NR202"]


def test_exclude_and_per_file_ignores_are_relative_to_the_project(tmp_path):
    table = ('python = "3.13"\nexclude = ["vendor", "gen/*"]\n'
             '[tool.netref.per-file-ignores]\n"tests/*" = ["NR1"]\n"conftest.py" = ["NR101"]\n')
    files = dict.fromkeys(("app.py", "vendor/lib.py", "gen/deep/x.py", "tests/unit/test_a.py"), "import httplib\n")
    root = project(tmp_path, table, {**files, "sub/conftest.py": "import httplib\nimport telnetlib\n"})
    result = netref(str(root))
    assert [(Path(line.split(":")[0]).relative_to(root).as_posix(), line.split()[1])
            for line in result.stdout.splitlines()] == [("app.py", "NR101"), ("sub/conftest.py", "NR103")]
    named = netref(str(root / "vendor" / "lib.py"))  # as pre-commit names files: exclude applies all the same
    assert (named.exit_code, named.stdout) == (0, "")
    flag = netref(str(root), "--exclude", "app.py")  # --exclude replaces the table's exclude
    assert {Path(line.split(":")[0]).parent.name for line in flag.stdout.splitlines()} == {"sub", "vendor", "deep"}


def test_each_file_takes_its_own_project_settings(tmp_path):
    project(tmp_path, 'python = "3.13"\n', {"a.py": "import telnetlib\n"})
    project(tmp_path / "legacy", 'python = "3.11"\n', {"b.py": "import telnetlib\n"})
    findings = json.loads(netref(str(tmp_path), "-f", "json").stdout)
    assert [(Path(f["path"]).name, f["code"], f["target"]) for f in findings] == [
        ("a.py", "NR103", "3.13"), ("b.py", "NR102", "3.11")]


@pytest.mark.parametrize(
    ("table", "fragments"),
    [
        ('pyton = "3.13"\n', ("[tool.netref] unknown key 'pyton'",)),
        ('python = "three"\n', ("[tool.netref] python:",)),
        ('python = 3.13\n', ("python must be a string",)),
        ('select = "NR1"\n', ("select must be a list of strings",)),
        ('ignore = ["E501"]\n', ("ignore:", "unknown code 'E501'")),
        ('[tool.netref.per-file-ignores]\n"x.py" = ["NR7"]\n', ("x.py:", "unknown code 'NR7'")),
        ('respect-gitignore = "yes"\n', ("respect-gitignore must be true or false",)),
        ('python = \n', ("not valid TOML",)),
    ],
)
def test_a_broken_table_is_a_usage_error_naming_the_file(tmp_path, table, fragments):
    project(tmp_path, table, {"a.py": "import httplib\n"})
    assert_usage_error(netref(str(tmp_path / "a.py")), str(tmp_path / "pyproject.toml"), *fragments)


# -- .gitignore ------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_files_git_ignores_are_skipped_unless_asked_for(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("build/\n*_gen.py\n!keep_gen.py\n")
    for name in ("app.py", "build/lib/old.py", "src/x_gen.py", "src/keep_gen.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("import httplib\n")

    def checked(*args: str) -> list[str]:
        result = netref(*args, "--python", "3.13")
        return sorted(Path(line.split(":")[0]).relative_to(tmp_path).as_posix() for line in result.stdout.splitlines())

    assert checked(str(tmp_path)) == ["app.py", "src/keep_gen.py"]
    everything = ["app.py", "build/lib/old.py", "src/keep_gen.py", "src/x_gen.py"]
    assert checked(str(tmp_path), "--no-respect-gitignore") == everything
    assert checked(str(tmp_path), "--isolated") == ["app.py", "src/keep_gen.py"]  # the default, without a table
    assert checked(str(tmp_path / "src" / "x_gen.py")) == ["src/x_gen.py"]  # a file named is read
    (tmp_path / "pyproject.toml").write_text("[tool.netref]\nrespect-gitignore = false\n")
    assert checked(str(tmp_path)) == everything
    assert checked(str(tmp_path), "--respect-gitignore") == ["app.py", "src/keep_gen.py"]


def test_outside_a_git_work_tree_nothing_is_ignored(tmp_path):
    (tmp_path / ".gitignore").write_text("*.py\n")
    (tmp_path / "a.py").write_text("import httplib\n")
    assert codes_at(netref(str(tmp_path), "--python", "3.13")) == [(1, "NR101")]


# -- stdin -------------------------------------------------------------------------------------------


def test_stdin_is_checked_under_the_name_given(tmp_path, monkeypatch):
    source = (TUTORIAL / "server.py").read_bytes()
    plain = netref("-", "--python", "3.13", stdin=source)
    assert plain.stdout.startswith("-:14:10: NR201 ") and plain.exit_code == 1
    project(tmp_path, '[tool.netref.per-file-ignores]\n"tests/*" = ["NR201"]\n', {})
    monkeypatch.chdir(tmp_path)
    named = netref("-", "--stdin-filename", "src/server.py", "--python", "3.13", stdin=source)
    assert named.stdout.startswith("src/server.py:14:10: NR201 ")
    ignored = netref("-", "--stdin-filename", "tests/server.py", "--python", "3.13", stdin=source)
    assert (ignored.exit_code, ignored.stdout) == (0, "")
    assert codes_at(netref("-", "--python", "3.13", stdin=b"import httplib  # noqa\nimport urllib2\n")) == [
        (2, "NR101")]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-", "a.py"], "cannot be combined"),
        (["a.py", "--stdin-filename", "b.py"], "give - as the PATH"),
        (["a.py", "--statistics", "-f", "sarif"], "--statistics"),
        (["a.py", "-f", "github"], None),  # tabulate's table, still
    ],
)
def test_stdin_and_format_usage_errors(tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("import httplib\n")
    result = netref(*args, stdin=b"")
    if fragment is None:
        assert result.exit_code == 1 and result.stdout.startswith("| path")
    else:
        assert_usage_error(result, fragment)


# -- output formats for CI ---------------------------------------------------------------------------


def test_github_actions_annotations(monkeypatch):
    monkeypatch.chdir(TUTORIAL)
    result = netref("server.py", "client.py", "--python", "3.13", "-f", "github-actions")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=server.py,line=14,col=10,title=NR201::str literal passed to send(): Python 3 sockets send"
        " bytes, use b'...' or .encode()",
        "::error file=client.py,line=11,col=1,title=NR202::s.close names the method without calling it:"
        " write s.close()",
    ]


def test_github_actions_escapes_what_the_runner_would_read_as_syntax():
    row = {"path": "a,b:c%.py", "line": 1, "col": 2, "code": "NR101", "message": "50% done\r\nnext"}
    view = Findings([row], [row], rules=[], tool="t", version="1")
    expected = "::error file=a%2Cb%3Ac%25.py,line=1,col=2,title=NR101::50%25 done%0D%0Anext\n"
    assert render(view, "github-actions") == expected


def sarif_validator():
    from jsonschema import Draft4Validator

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def test_sarif_is_valid_against_the_official_2_1_0_schema(tmp_path, monkeypatch):
    validator = sarif_validator()
    monkeypatch.chdir(CORPUS)
    result = netref(".", str(tmp_path / "missing.py"), "--python", "3.13", "-f", "sarif")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, errors[0]
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    lines = netref(".", str(tmp_path / "missing.py"), "--python", "3.13").stdout.splitlines()
    assert len(run["results"]) == len(lines) > 20
    rules = run["tool"]["driver"]["rules"]
    for result_, line in zip(run["results"], lines, strict=True):
        location = result_["locations"][0]["physicalLocation"]
        path = line.split(":")[0]
        region = location["region"]
        assert line.startswith(f"{path}:{region['startLine']}:{region['startColumn']}: {result_['ruleId']} ")
        assert line.endswith(result_["message"]["text"])
        assert rules[result_["ruleIndex"]]["id"] == result_["ruleId"]
        if path.startswith("/"):
            assert location["artifactLocation"] == {"uri": Path(path).as_uri()}
        else:
            assert location["artifactLocation"] == {"uri": path.lstrip("./"), "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == CORPUS.as_uri() + "/"
    empty = json.loads(netref(str(CORPUS / "py3" / "clean.py"), "-f", "sarif").stdout)
    assert not list(validator.iter_errors(empty)) and empty["runs"][0]["results"] == []


def test_the_sarif_check_would_catch_a_broken_document():
    validator = sarif_validator()
    document = json.loads(netref(str(TUTORIAL / "client.py"), "-f", "sarif").stdout)
    document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert list(validator.iter_errors(document))


def test_statistics_count_findings_per_code():
    result = netref(str(CORPUS / "py3"), "--python", "3.13", "--statistics")
    full = netref(str(CORPUS / "py3"), "--python", "3.13", "-f", "json")
    counts = json.loads(netref(str(CORPUS / "py3"), "--python", "3.13", "--statistics", "-f", "json").stdout)
    findings = json.loads(full.stdout)
    assert result.exit_code == 1
    assert {row["code"]: row["count"] for row in counts} == {
        code: sum(f["code"] == code for f in findings) for code in {f["code"] for f in findings}}
    assert [row["count"] for row in counts] == sorted((row["count"] for row in counts), reverse=True)
    assert all(row["fixable"] == sum(f["fixable"] for f in findings if f["code"] == row["code"]) for row in counts)
    first = result.stdout.splitlines()[0].split()
    assert first[:2] == [str(counts[0]["count"]), counts[0]["code"]]
    assert netref(str(CORPUS / "py3" / "clean.py"), "--statistics").stdout == ""


# -- pre-commit ------------------------------------------------------------------------------------


def test_the_pre_commit_manifest_passes_pre_commits_own_check():
    manifest = ROOT / ".pre-commit-hooks.yaml"
    result = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(manifest)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(CORPUS / "README.md")],
                            capture_output=True, text=True, check=False)
    assert broken.returncode != 0  # the check can fail


def test_the_pre_commit_hook_runs_netref_check_on_the_files_it_is_given():
    import yaml  # pre-commit's own dependency

    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "netref-check" and hook["language"] == "python"
    entry = hook["entry"].split()
    assert entry[0] == "netref"
    files = [str(TUTORIAL / "server.py"), str(TUTORIAL / "client.py")]
    result = subprocess.run([sys.executable, "-m", "netref", *entry[1:], "--python", "3.13", *files],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and len(result.stdout.splitlines()) == 2
