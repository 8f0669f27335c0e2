"""Compatibility code understood (issue 11): version branches, try/except ImportError, scoped bindings,
NR401, and the --fix bugs found on real projects. The corpus in tests/check_corpus/compat holds
small extracts of real projects (tornado, requests, ...), never downloaded by a test.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from netref.catalog import load_catalog
from netref.check import check, fixes
from netref.check.blocks import Blocks
from netref.check.lexer import Source
from netref.cli import main

COMPAT = Path(__file__).parent / "check_corpus" / "compat"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def found(path: Path, catalog, target, **options) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in check([str(path)], catalog, target, **options).findings]


# -- what is reported, target by target -------------------------------------------------------------

EXPECTED = {
    # file: {target: [(line, code), ...]}
    "tornado_flags.py": {(2, 7): [], (3, 12): [], (3, 13): []},
    "requests_compat.py": {(2, 7): [], (3, 12): [(3, "NR102")], (3, 13): [(3, "NR103")]},
    "version_spellings.py": {(2, 7): [], (3, 11): [(45, "NR102"), (51, "NR101")], (3, 13): [(51, "NR101")]},
    "pep594_guard.py": {(3, 11): [(5, "NR102"), (12, "NR102")], (3, 12): [(5, "NR102")], (3, 13): []},
    "try_except.py": {(2, 7): [], (3, 12): [(36, "NR102"), (41, "NR102"), (46, "NR101"), (48, "NR103")],
                      (3, 13): [(36, "NR103"), (41, "NR103"), (46, "NR101"), (48, "NR103")]},
}


@pytest.mark.parametrize(("name", "target", "want"),
                         [(name, target, want) for name, table in EXPECTED.items() for target, want in table.items()])
def test_compatibility_code_is_judged_on_the_target(catalog, name, target, want):
    assert found(COMPAT / name, catalog, target) == want


def test_a_name_bound_in_both_branches_is_judged_by_the_binding_that_runs(catalog, tmp_path):
    """tornado's ``urllib_parse.urlencode``: urllib.parse on 3, urllib on 2 — never NR104."""
    for target in ((2, 7), (3, 13)):
        assert found(COMPAT / "tornado_flags.py", catalog, target) == []
    # the same file with a condition that is no version test: the Python 2 binding is live too
    path = tmp_path / "no_flag.py"
    path.write_text((COMPAT / "tornado_flags.py").read_text().replace("if PY3:", "if some_flag:"))
    assert found(path, catalog, (3, 13)) == [(10, "NR101"), (15, "NR104")]


def test_a_guard_without_a_replacement_says_the_feature_silently_disappears(catalog):
    findings = check([str(COMPAT / "try_except.py")], catalog, (3, 13)).findings
    telnet, nntp, httplib, mimetools = findings
    assert telnet.module == "telnetlib"
    assert "no replacement, so on Python 3.13 the feature silently disappears" in telnet.message
    assert telnet.message.endswith("use socket, or the PyPI backport standard-telnetlib")
    assert "silently" not in nntp.message  # its handler raises: nothing disappears silently
    assert "silently" not in httplib.message + mimetools.message  # the fallback fails: an ImportError


def test_dead_branches_on_python3_are_live_on_python2_and_the_reverse(catalog, tmp_path):
    path = tmp_path / "both.py"
    path.write_text("import sys\nif sys.version_info >= (3,):\n    import http.client\nelse:\n    import httplib\n")
    assert found(path, catalog, (3, 13)) == []
    assert found(path, catalog, (2, 7)) == []
    path.write_text("import sys\nif sys.version_info >= (3,):\n    import httplib\n")  # a real bug, on 3 only
    assert found(path, catalog, (3, 13)) == [(3, "NR101")]
    assert found(path, catalog, (2, 7)) == []


def test_unknown_conditions_are_judged_as_usual(catalog):
    """``if some_setting:`` is not a version test: its import is reported (line 51)."""
    assert (51, "NR101") in found(COMPAT / "version_spellings.py", catalog, (3, 13))


# -- NR401, opt-in --------------------------------------------------------------------------------------


def test_nr401_is_reported_only_when_selected(catalog):
    path = COMPAT / "version_spellings.py"
    assert "NR401" not in {code for _, code in found(path, catalog, (3, 13))}
    assert "NR401" not in {code for _, code in found(path, catalog, (3, 13), select=["NR"])}
    lines = [line for line, code in found(path, catalog, (3, 13), select=["NR401"])]
    # every Python 2 branch of the file, and the else of the 3.12 test; not the unknown `if some_setting:`
    assert lines == [6, 13, 16, 20, 23, 25, 27, 30, 37, 39, 44, 47]
    assert found(path, catalog, (3, 13), select=["NR4"]) == [(line, "NR401") for line in lines]
    assert found(path, catalog, (2, 7), select=["NR401"]) == []  # Python 3 code is no dead weight on 2.7


def test_nr401_marks_import_fallbacks_that_cannot_run(catalog):
    findings = check([str(COMPAT / "try_except.py")], catalog, (3, 13), select=["NR401"]).findings
    assert [f.line for f in findings] == [2, 9, 12, 17, 22, 25]
    assert "every import of its try exists there" in findings[1].message


# -- scoped bindings; no finding twice -------------------------------------------------------------------


def test_a_module_imported_in_two_functions_reports_each_use_once(catalog, capsys):
    findings = check([str(COMPAT / "scoped.py")], catalog, (3, 13)).findings
    assert [(f.line, f.code, f.message.split(" is ")[0]) for f in findings] == [
        (5, "NR104", "urllib.quote"), (9, "NR104", "urllib.unquote")]
    fixed = fixes(check([str(COMPAT / "scoped.py")], catalog, (3, 13)))
    assert [item.fixed for item in fixed] == [2]
    assert fixed[0].after.count("urllib.parse.quote(k)") == 1 and fixed[0].after.count("import urllib.parse") == 2


def test_no_finding_is_ever_printed_twice(catalog):
    corpus = Path(__file__).parent / "check_corpus"
    for target in ((2, 7), (3, 11), (3, 13)):
        findings = check([str(corpus)], catalog, target, select=["NR", "NR401"]).findings
        keys = [(f.path, f.line, f.col, f.code, f.message) for f in findings]
        assert len(keys) == len(set(keys))


# -- --fix never touches compatibility code, and the result runs -------------------------------------------


def _run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, timeout=60, check=False)


def test_fixed_files_still_run(tmp_path, capsys):
    """The issue's alias pattern printed ``a%20b`` before --fix and raised NameError after it."""
    path = tmp_path / "runs_after_fix.py"
    shutil.copy(COMPAT / "runs_after_fix.py", path)
    before = _run(path)
    assert before.returncode == 0 and before.stdout == "a%20b a+b\n"
    assert _run(path, "legacy").returncode == 1  # import urllib2: the Python 2 function --fix can mend
    with pytest.raises(SystemExit):
        main(["check", str(path), "--fix", "--python", "3.13"])
    assert "fixed 2 finding(s)" in capsys.readouterr().err
    after_text = path.read_text()
    original = (COMPAT / "runs_after_fix.py").read_text()
    assert after_text.split("def legacy_opener")[0] == original.split("def legacy_opener")[0]  # compat untouched
    after = _run(path)
    assert after.returncode == 0 and after.stdout == before.stdout
    legacy = _run(path, "legacy")
    assert legacy.returncode == 0 and legacy.stdout.splitlines()[-1] == "urllib.request"


def test_fix_takes_back_edits_that_would_touch_compatibility_code(catalog, tmp_path):
    """``import urllib`` at module level is live, but one of its uses sits in a try/except ImportError:
    rewriting the uses would rewrite compatibility code, so the statement is left for a human."""
    path = tmp_path / "mixed.py"
    path.write_text("import urllib\n\ntry:\n    q = urllib.quote\nexcept ImportError:\n    q = None\n"
                    "u = urllib.urlencode\n")
    report = check([str(path)], catalog, (3, 13))
    assert [(f.line, f.code) for f in report.findings] == [(4, "NR104"), (7, "NR104")]
    assert not any(f.fixable for f in report.findings)
    assert fixes(report) == []


@pytest.mark.parametrize(("content", "reason"), [
    (b"# -*- coding: bogus-codec -*-\nimport httplib\n", "unknown encoding, 'bogus-codec'"),
    (b"import httplib\nNAME = 'caf\xe9'\n", "line 2 is not valid UTF-8 and no coding line declares another one"),
])
def test_fix_on_a_file_it_cannot_decode_reports_nr902_and_leaves_it(tmp_path, capsys, content, reason):
    path = tmp_path / "odd.py"
    path.write_bytes(content)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(path), "--fix", "--python", "3.13"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 1 and "Traceback" not in err
    assert path.read_bytes() == content
    lines = out.splitlines()
    assert any(" NR902 encoding guessed: " in line and reason in line for line in lines)
    assert any(" NR101 httplib was renamed" in line for line in lines)


# -- NR201 beyond files that import socket -----------------------------------------------------------------


@pytest.mark.parametrize("imports", ["import http.client", "from httplib import HTTPConnection"])
def test_str_sent_on_an_http_client_connection_is_nr201(catalog, tmp_path, imports):
    path = tmp_path / "chunked.py"
    path.write_text(f"{imports}\n\n\ndef end(conn):\n    conn.send('0\\r\\n\\r\\n')\n")
    assert (5, "NR201") in found(path, catalog, (3, 13))


# -- the block structure agrees with Python's parser ---------------------------------------------------------


def _parents(tree: ast.AST) -> dict[ast.AST, list[ast.AST]]:
    chains: dict[ast.AST, list[ast.AST]] = {}

    def walk(node: ast.AST, chain: list[ast.AST]) -> None:
        for child in ast.iter_child_nodes(node):
            chains[child] = chain
            elif_ = isinstance(node, ast.If) and node.orelse == [child] and child.col_offset == node.col_offset
            kept = isinstance(child, (ast.If, ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            inner = [child, *chain] if kept and not elif_ else chain
            walk(child, inner)

    walk(tree, [])
    return chains


_KINDS = {"if": "If", "try": "Try", "def": "FunctionDef", "class": "ClassDef"}


def test_blocks_find_the_same_enclosing_statements_as_ast_on_the_stdlib():
    """For every import statement of a sample of the standard library, the if/try/def/class
    statements around it, read lexically, are the ones :mod:`ast` puts around it."""
    lib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(lib.glob("*.py"))[::2] + sorted((lib / "test").glob("test_u*.py"))
    checked = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        blocks, lines = Blocks(Source(text)), text.splitlines(keepends=True)
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))
        for node, chain in _parents(tree).items():
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            offset = starts[node.lineno - 1] + len(lines[node.lineno - 1].encode()[: node.col_offset].decode())
            heads = [blocks.compound(c).clauses[0].keyword for c in blocks.enclosing(offset)]
            got = [_KINDS[head] for head in heads if head in _KINDS]
            assert got == [type(n).__name__.replace("Async", "") for n in chain], (path, node.lineno)
            checked += 1
    assert checked > 500  # 736 on 3.13, more on 3.11: the sample must not be empty or tiny


@pytest.mark.parametrize(("source", "offset_of", "keywords"), [
    ('def f():\n    x = """\ntext at column 0\n"""\n    import a\n', "import a", ["def"]),
    ('def f():\n    x = g("""\n""")\n    import a\n', "import a", ["def"]),
    ("if PY2: import a\nimport b\n", "import a", ["if"]),
    ("if PY2: import a\nimport b\n", "import b", []),
    ("async def f():\n    if x:\n        import a\n", "import a", ["if", "def"]),
    ("class C:\n    def f(self,\n  y):\n        import a\n", "import a", ["def", "class"]),
])
def test_blocks_edge_cases(source, offset_of, keywords):
    blocks = Blocks(Source(source))
    assert [c.keyword for c in blocks.enclosing(source.index(offset_of))] == keywords


# -- benchmarks/check_realworld.py, on a local tree (the benchmark itself downloads; tests never do) ----------


def test_the_realworld_benchmark_compares_with_2to3_and_counts_misses(tmp_path):
    import argparse
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_realworld", Path(__file__).parent.parent / "benchmarks"
                                                  / "check_realworld.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    sys.modules["check_realworld"] = bench  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(bench)
    finally:
        del sys.modules["check_realworld"]
    python = bench.python_with_lib2to3()
    if python is None:
        pytest.skip("no local Python with lib2to3")
    (tmp_path / "old.py").write_text("import urllib2\nimport StringIO\nprint 'x'\nurllib2.urlopen('u')\n")
    (tmp_path / "hidden.py").write_text("x = __import__('ht' + 'tplib')\nimport cookielib as c\n")
    project = bench.Project("local", "0", "python2", "a test tree", ("",))
    args = argparse.Namespace(python="3.13", rounds=1)
    outcome = bench.compare(project, tmp_path, args, python, bench.network_modules())
    assert sorted(outcome.codes) == ["NR101", "NR104", "NR301"]
    # 2to3 renames urllib2 (import and use) and cookielib; StringIO is no network module
    assert (outcome.renames, outcome.renames_found) == (3, 3)
    assert outcome.precision == outcome.recall == 1.0
