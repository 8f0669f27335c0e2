"""ruff's conventions in ``netref check`` (issue 20): E902/E999-style file findings (NR900-NR902),
the target from ``requires-python``, ``--extend-select``/``--extend-ignore``, ``--exit-zero``,
``--explain`` and ``--fix`` on stdin."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from netref.catalog import load_catalog
from netref.check import check
from netref.check.codes import CODES, enabled_codes
from netref.check.config import ConfigError, ConfigFinder, lowest_admitted
from netref.check.explain import EXPLANATIONS, explain
from netref.check.filelevel import might_not_parse
from netref.cli import main
from netref.versions import parse_version, running_version

CATALOG = load_catalog()
TARGET = (3, 11)  # no newer than any Python the tests run on (3.11-3.13): parsed with the target's grammar


def found(paths, target=TARGET, **options):
    return [
        (Path(f.path).name, f.line, f.col, f.code)
        for f in check([str(p) for p in paths], CATALOG, target, **options).findings
    ]


def run(argv, capsys, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


# -- NR901: files that do not parse -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "col"),
    [
        (b"import socket\naddress = ('example.org', 80\n", 2, 11),  # a truncated write
        (b"x = (\n", 1, 5),
        (b"def f():\n    return [1,\n", 2, 12),
        (b"import os\n<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> branch\n", 2, 1),  # a bad merge
    ],
)
def test_a_file_that_does_not_parse_is_reported_where_the_parser_stopped(tmp_path, source, line, col):
    below = tmp_path / "tree"
    below.mkdir()
    (below / "broken.py").write_bytes(source)
    assert found([below / "broken.py"]) == [("broken.py", line, col, "NR901")]  # named on the command line
    assert found([below]) == [("broken.py", line, col, "NR901")]  # found below a directory
    assert "file does not parse: " in check([str(below)], CATALOG, TARGET).findings[0].message


def test_a_named_file_is_always_parsed_a_walked_one_only_on_evidence(tmp_path):
    (tmp_path / "eq.py").write_bytes(b"x = = 1\n")  # brackets balance: no cheap evidence
    assert found([tmp_path / "eq.py"]) == [("eq.py", 1, 5, "NR901")]
    assert found([tmp_path]) == []


def test_the_cheap_evidence_is_not_fooled_by_brackets_in_strings_and_comments():
    assert not might_not_parse(b"pattern = '[(]'  # a ( in a comment\nx = {'a': ')'}\n")
    assert might_not_parse(b"x = foo(1, '(a)'\n")
    assert not might_not_parse(b"x = '('\n", "x = ' '\n")  # the scan's blanked code decides when it has it
    assert might_not_parse(b"x = (1\n", "x = (1\n")


def test_the_target_grammar_decides(tmp_path):
    path = tmp_path / "walrus.py"
    path.write_bytes(b"if (n := 10) > 5:\n    pass\n")
    assert [(line, code) for _, line, _, code in found([path], (3, 7))] == [(1, "NR901")]
    assert found([path], (3, 8)) == []


def test_python2_files_and_python2_targets_get_no_nr901(tmp_path):
    path = tmp_path / "old.py"
    path.write_bytes(b"import urllib2\nprint 'hello'\n")
    assert found([path]) == [("old.py", 1, 1, "NR101"), ("old.py", 2, 1, "NR301")]  # NR301 says it, once
    path.write_bytes(b"x = (\n")
    assert found([path], (2, 7)) == []
    path.write_bytes(b"import asyncio\nasync = 1\n")  # a name before 3.7: no older grammar to judge it with
    assert found([path], (3, 6)) == []
    assert [code for *_, code in found([path], (3, 7))] == ["NR901"]


def test_the_standard_library_has_no_nr901_below_a_directory():
    """Every file of the running Python's own library parses (its bad-syntax test files excepted)."""
    import sysconfig

    lib = Path(sysconfig.get_paths()["stdlib"]) / "email"
    assert not [f for f in check([str(lib)], CATALOG, running_version()).findings if f.code == "NR901"]


# -- NR900 binary, NR902 encoding guessed ------------------------------------------------------------------


def test_a_binary_file_named_or_walked_is_reported_and_other_files_are_skipped_in_a_walk(tmp_path):
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "blob.py").write_bytes(b"import os\n\x00\x01")
    assert found([tmp_path / "logo.png"]) == [("logo.png", 3, 1, "NR900")]  # the line of the first NUL byte
    assert found([tmp_path]) == [("blob.py", 2, 1, "NR900")]  # logo.png is not *.py: not read in a walk
    assert "not Python source: a binary file" in check([str(tmp_path)], CATALOG, TARGET).findings[0].message


def test_a_non_python_text_file_named_on_the_command_line_does_not_parse(tmp_path):
    (tmp_path / "notes.md").write_text("# Notes\n\nSee [the docs](https://example.org).\n", encoding="utf-8")
    assert [code for *_, code in found([tmp_path / "notes.md"])] == ["NR901"]


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        (
            b"import os\nNAME = 'caf\xe9'\n",
            2,
            "line 2 is not valid UTF-8 and no coding line declares another one; read as Latin-1",
        ),
        (b"# -*- coding: ascii -*-\nNAME = 'caf\xe9'\n", 2, "line 2 is not valid ascii, the encoding its coding line"),
        (b"# coding: bogus\nimport os\n", 1, "unknown encoding, 'bogus'; read as UTF-8"),
    ],
)
def test_a_file_whose_encoding_was_guessed_says_so(tmp_path, source, line, reason):
    (tmp_path / "odd.py").write_bytes(source)
    findings = check([str(tmp_path)], CATALOG, TARGET).findings
    assert [(f.line, f.code) for f in findings] == [(line, "NR902")]
    assert reason in findings[0].message


def test_files_that_decode_get_no_nr902(tmp_path):
    (tmp_path / "utf8.py").write_bytes("NAME = 'café'\n".encode())
    (tmp_path / "declared.py").write_bytes(b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n")
    assert found([tmp_path]) == []


# -- the target from requires-python ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specifier", "lowest"),
    [
        (">=3.9", (3, 9)),
        (">3.8", (3, 8)),
        ("~=3.10", (3, 10)),
        ("==3.11.*", (3, 11)),
        (">= 3.10.2", (3, 10)),
        (">=3.8, !=3.8.*", (3, 9)),
        (">=2.7, !=3.0.*, !=3.1.*", (2, 7)),
        (">=3.9,<4", (3, 9)),
        ("<4", None),
    ],
)
def test_lowest_admitted_python(specifier, lowest):
    assert lowest_admitted(specifier) == lowest


@pytest.mark.parametrize("specifier", ["3.9", ">=3.x", "python>=3.9", ">=3.9,<3.9", ""])
def test_a_specifier_netref_cannot_use_is_one_line(specifier):
    with pytest.raises(ValueError) as error:
        lowest_admitted(specifier)
    assert "\n" not in str(error.value)


def project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    (tmp_path / "app.py").write_text("import telnetlib\n", encoding="utf-8")
    return tmp_path / "app.py"


def codes(path: Path, **options):
    return [f.code for f in check([str(path)], CATALOG, options.pop("target", None), config=True, **options).findings]


def test_requires_python_is_the_target_when_tool_netref_names_none(tmp_path):
    app = project(tmp_path, '[project]\nname = "app"\nrequires-python = ">=3.13"\n')
    assert codes(app) == ["NR103"]  # telnetlib: removed in 3.13
    assert codes(app, target=(3, 11)) == ["NR102"]  # --python is above both
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.13"\n[tool.netref]\npython = "3.10"\n')
    assert codes(app) == []  # [tool.netref] python is above requires-python
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.12"\n[tool.netref]\nignore = []\n')
    assert codes(app) == ["NR102"]  # a table without python takes its own file's requires-python


def test_the_nearest_requires_python_applies_when_no_tool_netref_is_found(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.11"\n')
    (tmp_path / "sub").mkdir()
    app = project(tmp_path / "sub", '[project]\nrequires-python = ">=3.13"\n')
    assert codes(app) == ["NR103"]  # the nearer one
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "sub"\n')
    assert codes(app) == ["NR102"]  # the one above
    assert ConfigFinder().config_for(str(app)).python_from.startswith("requires-python in ")


def test_a_broken_requires_python_is_a_usage_error(tmp_path, capsys, monkeypatch):
    app = project(tmp_path, '[project]\nrequires-python = "3.9"\n')
    with pytest.raises(ConfigError, match=r"requires-python: not a version specifier: '3\.9'"):
        codes(app)
    status, out, err = run(["check", str(app)], capsys)
    assert status == 2 and out == "" and len(err.splitlines()) == 1 and "requires-python" in err


# -- --extend-select, --extend-ignore, --exit-zero -------------------------------------------------------


def test_extend_select_adds_an_opt_in_code_without_dropping_the_defaults():
    default = enabled_codes()
    assert "NR401" not in default
    assert enabled_codes(extend_select=["NR401"]) == default | {"NR401"}
    assert enabled_codes(["NR1"], extend_select=["NR4"]) == enabled_codes(["NR1"]) | {"NR401"}
    assert enabled_codes(ignore=["NR2"], extend_select=["NR201"]) == default - {"NR201", "NR202"}
    with pytest.raises(ValueError, match="unknown code 'E501'"):
        enabled_codes(extend_select=["E501"])


def test_the_flags_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "shim.py"
    path.write_text(
        "try:\n    import urllib2\nexcept ImportError:\n    import urllib.request as urllib2\nimport telnetlib\n",
        encoding="utf-8",
    )
    base = ["check", str(path), "--python", "3.13", "--isolated"]
    status, out, _ = run(base, capsys)
    assert status == 1 and [line.split()[1] for line in out.splitlines()] == ["NR103"]
    status, out, _ = run([*base, "--extend-select", "NR401"], capsys)
    assert [line.split()[1] for line in out.splitlines()] == ["NR401", "NR103"]
    status, out, _ = run([*base, "--extend-select", "NR401", "--extend-ignore", "NR103"], capsys)
    assert [line.split()[1] for line in out.splitlines()] == ["NR401"]
    status, out, _ = run([*base, "--exit-zero"], capsys)
    assert status == 0 and "NR103" in out
    status, _, err = run([*base, "--exit-zero", "--extend-select", "E9"], capsys)
    assert status == 2 and len(err.splitlines()) == 1


def test_extend_select_in_tool_netref_and_on_the_command_line(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.netref]\npython = "3.13"\nextend-select = ["NR401"]\n')
    (tmp_path / "shim.py").write_text("try:\n    import urllib2\nexcept ImportError:\n"
                                      "    import urllib.request as urllib2\nimport telnetlib\n")
    shim = tmp_path / "shim.py"
    assert codes(shim) == ["NR401", "NR103"]  # the defaults, and NR401
    assert codes(shim, select=["NR1"]) == ["NR103"]  # --select replaces select and extend-select
    assert codes(shim, select=["NR1"], extend_select=["NR4"]) == ["NR401", "NR103"]
    (tmp_path / "pyproject.toml").write_text('[tool.netref]\nextend-select = ["E9"]\n')
    with pytest.raises(ConfigError, match=r"extend-select: unknown code 'E9'"):
        codes(shim)


# -- --explain ----------------------------------------------------------------------------------------------


def test_every_code_has_an_explanation():
    assert set(EXPLANATIONS) == set(CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_example_is_reported_with_its_code_and_its_fix_is_not(tmp_path, code):
    text = EXPLANATIONS[code]
    target = parse_version(text.target)
    select = [code] if CODES[code].opt_in else ()
    for name, source, reported in (("example.py", text.example, True), ("fixed.py", text.fix, False)):
        (tmp_path / name).write_bytes(source.encode("latin-1"))
        got = {f.code for f in check([str(tmp_path / name)], CATALOG, target, select=select).findings}
        assert (code in got) is reported, (name, got)


def test_explain_prints_what_why_example_and_fix(capsys):
    status, out, _ = run(["check", "--explain", "nr113"], capsys)
    assert status == 0
    assert out.startswith("NR113 (removed-parameter): ")
    for heading in ("What it finds", "Why", "Example (reported for Python 3.13)", "Fix"):
        assert f"\n{heading}\n" in out
    assert "load_cert_chain" in explain("NR113")


def test_explain_an_unknown_code_is_one_line_and_exit_2(capsys):
    status, out, err = run(["check", "--explain", "E999"], capsys)
    assert status == 2 and out == "" and len(err.splitlines()) == 1 and "unknown code 'E999'" in err
    status, _, err = run(["check"], capsys)
    assert status == 2 and "--explain CODE" in err


# -- --fix on stdin ----------------------------------------------------------------------------------------


def netref_stdin(argv: list[str], source: bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "netref", *argv], input=source, capture_output=True, cwd=cwd, timeout=60, check=False
    )


def test_fix_on_stdin_prints_the_fixed_source_and_the_findings_that_remain(tmp_path):
    source = b"import urllib2\nimport telnetlib\nurllib2.urlopen('http://example.org')\n"
    done = netref_stdin(["check", "-", "--fix", "--stdin-filename", "app.py", "--python", "3.13"], source, tmp_path)
    assert done.returncode == 1
    assert done.stdout == b"import urllib.request\nimport telnetlib\nurllib.request.urlopen('http://example.org')\n"
    assert done.stderr.decode().splitlines() == [
        "netref: fixed 2 finding(s)",
        "app.py:2:1: NR103 telnetlib was removed in Python 3.13 (PEP 594): use socket, or the PyPI backport"
        " standard-telnetlib",
    ]
    assert not (tmp_path / "app.py").exists()  # nothing written


def test_fix_on_stdin_keeps_the_bytes_when_nothing_is_fixable(tmp_path):
    source = "# -*- coding: latin-1 -*-\n# caf\xe9\nimport socket\n".encode("latin-1")
    done = netref_stdin(["check", "-", "--fix", "--python", "3.13"], source, tmp_path)
    assert (done.returncode, done.stdout) == (0, source)
    done = netref_stdin(["check", "-", "--fix", "--python", "3.13", "--exit-zero"], b"import telnetlib\n", tmp_path)
    assert done.returncode == 0 and b"NR103" in done.stderr


def test_diff_on_stdin(tmp_path):
    done = netref_stdin(["check", "-", "--diff", "--stdin-filename", "app.py"], b"import httplib\n", tmp_path)
    assert done.returncode == 1
    assert done.stdout.decode().splitlines()[:4] == ["--- a/app.py", "+++ b/app.py", "@@ -1 +1 @@", "-import httplib"]
