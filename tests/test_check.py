"""netref.check as a library: the corpus in tests/check_corpus, and cases generated from the catalogue.

Expected findings live next to the code in the corpus (``# expect: NR101``; ``# expect^1:`` when the
finding belongs to the line above). Expected codes for catalogue modules are computed here from each
module's own dates, not by asking netref.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from netref.catalog import load_catalog
from netref.check import CODES, check, make_rules
from netref.check.lexer import Source
from netref.check.scanner import FileScan, scan_bytes

CORPUS = Path(__file__).parent / "check_corpus"
PY3_TARGETS = [(3, 11), (3, 12), (3, 13)]
EXPECT = re.compile(r"#\s*expect(?:\^(\d+))?:\s*(.*)$")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def expected(path: Path) -> list[tuple[int, str]]:
    """(line, code) pairs written in ``path``'s ``# expect:`` comments."""
    pairs = []
    for number, line in enumerate(path.read_bytes().decode("latin-1").splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            above = int(match.group(1) or 0)
            pairs += [(number - above, code) for code in match.group(2).split()]
    return sorted(pairs)


def found(paths, catalog, target, **options) -> list[tuple[int, str]]:
    report = check([str(p) for p in paths], catalog, target, **options)
    return sorted((f.line, f.code) for f in report.findings)


def version(text: str | None):
    return tuple(int(part) for part in text.split(".")) if text else None


def expected_code(module, target) -> str | None:
    """The code a module deserves on ``target``, from its dates alone (None: current)."""
    added, removed, renamed = version(module.added), version(module.removed), version(module.renamed)
    deprecated = [v for v in (version(module.deprecated), version(module.warns)) if v]
    if added and target < added:
        return "NR105"
    if removed and target >= removed:
        return "NR103"
    if renamed and target >= renamed:
        return "NR101"
    if deprecated and target >= min(deprecated):
        return "NR102"
    return None


# -- the tutorial's own code --------------------------------------------------------------------


@pytest.mark.parametrize("target", [(2, 7), *PY3_TARGETS])
def test_tutorial_server_and_client_have_only_the_two_porting_bugs(catalog, target):
    server, client = CORPUS / "tutorial" / "server.py", CORPUS / "tutorial" / "client.py"
    report = check([str(server), str(client)], catalog, target)
    codes = [(Path(f.path).name, f.line, f.col, f.code) for f in report.findings]
    # import socket is fine on every Python; str to send() is a bug only on Python 3
    send_bug = [("server.py", 14, 10, "NR201")] if target >= (3, 0) else []
    assert codes == [*send_bug, ("client.py", 11, 1, "NR202")]
    assert "s.close()" in report.findings[-1].message


# -- the corpus, file by file -------------------------------------------------------------------


@pytest.mark.parametrize("target", PY3_TARGETS)
@pytest.mark.parametrize(
    "name",
    ["py3/import_forms.py", "py3/porting_bugs.py", "py3/moved_urllib.py", "py3/clean.py",
     "py2/server27.py", "py2/backticks.py", "py2/except_comma.py", "py2/exec_statement.py",
     "py2/lexer_breakers.py", "py2/no_network.py", "py2/latin1_cookie.py", "py2/latin1_no_cookie.py"],
)
def test_corpus_file_has_exactly_its_expected_findings(catalog, name, target):
    path = CORPUS / name
    assert found([path], catalog, target) == expected(path)


@pytest.mark.parametrize("target", PY3_TARGETS)
def test_a_tree_mixing_python2_and_python3_files_gives_every_expected_finding(catalog, target):
    """The issue's "done when": one run over a mixed tree, every file's findings as written in it."""
    # compat: tests/test_check_compat.py; api: tests/test_check_api.py (findings vary by target); project,
    # requires, files: docs/check.md and tests/test_check_conventions.py
    exclude = ["fixable", "compat", "api", "pep594.py", "project", "requires", "files"]
    report = check([str(CORPUS)], catalog, target, exclude=exclude)
    got = sorted((Path(f.path).relative_to(CORPUS).as_posix(), f.line, f.code) for f in report.findings)
    want = sorted(
        [(Path(r.path).relative_to(CORPUS).as_posix(), line, code)
         for r in report.results for line, code in expected(Path(r.path))]
        + [("tutorial/server.py", 14, "NR201"), ("tutorial/client.py", 11, "NR202")]  # verbatim copies: no comments
    )
    assert got == want
    assert {Path(r.path).parent.name for r in report.results} == {"py2", "py3", "tutorial"}


def test_crlf_line_endings_are_read_like_lf(catalog):
    client = (CORPUS / "tutorial" / "client.py").read_bytes()
    rules = make_rules(catalog, (3, 12))
    lf = scan_bytes(client, "client.py", rules).findings
    crlf = scan_bytes(client.replace(b"\n", b"\r\n"), "client.py", rules).findings
    assert [(f.line, f.col, f.code) for f in crlf] == [(f.line, f.col, f.code) for f in lf] == [(11, 1, "NR202")]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_an_import_continued_with_a_backslash_passes_the_pre_filter(catalog, newline):
    """Regression: the pre-filter's reading of ``import`` lines stopped at the backslash, so a
    legacy module on the continuation line was never looked at."""
    source = b"import os, \\" + newline + b"    telnetlib" + newline
    rules = make_rules(catalog, (3, 13))
    with_filter = scan_bytes(source, "a.py", rules).findings
    assert [(f.line, f.code) for f in with_filter] == [(f.line, f.code) for f in scan_bytes(
        source, "a.py", rules, prefilter=False).findings] == [(1, "NR103")]


def test_python2_files_are_said_to_be_python2_only_for_a_python3_target(catalog):
    py2 = sorted((CORPUS / "py2").glob("*.py"))
    on_27 = check([str(p) for p in py2], catalog, (2, 7))
    assert not [f for f in on_27.findings if f.code in ("NR301", "NR201", "NR101")]
    on_313 = check([str(p) for p in py2], catalog, (3, 13))
    assert {Path(r.path).name for r in on_313.results if r.python2} == {p.name for p in py2}


def test_python2_lexer_breakers_still_have_their_imports_read(catalog):
    """0755, 10L and ur"" stop Python 3's tokenizer; the lexical scan reads on past them."""
    findings = check([str(CORPUS / "py2" / "lexer_breakers.py")], catalog, (3, 12)).findings
    assert [f.module for f in findings if f.code == "NR101"] == ["cookielib", "Cookie", "xmlrpclib"]


def test_moved_urllib_attributes_name_their_home_from_the_catalogue(catalog):
    findings = check([str(CORPUS / "py3" / "moved_urllib.py")], catalog, (3, 11)).findings
    moved = [f for f in findings if f.code == "NR104"]
    assert len(moved) == 5
    for finding in moved:
        attribute = finding.replacement.rsplit(".", 1)[1]
        home = catalog.modules[finding.module].moved_attributes[attribute]
        assert finding.replacement == f"{home}.{attribute}"
        assert f"{finding.module}.{attribute}" in finding.message


def test_from_import_of_urllib2_names_each_attribute_home(catalog):
    result = scan_bytes(b"from urllib2 import urlopen, HTTPError\n", "x.py", make_rules(catalog, (3, 12)))
    (finding,) = result.findings
    homes = catalog.modules["urllib2"].moved_attributes
    assert finding.replacement == f"{homes['urlopen']}.urlopen, {homes['HTTPError']}.HTTPError"


def test_fixes_rename_a_module_never_a_submodule_of_it(catalog):
    from netref.check.fixer import apply_edits

    text = "from SimpleHTTPServer.handlers import X\nfrom SimpleHTTPServer import Y\nimport SimpleHTTPServer.handlers\n"
    result = scan_bytes(text.encode(), "x.py", make_rules(catalog, (3, 12)))
    assert [f.fixable for f in result.findings] == [False, True, False]
    new = catalog.modules["SimpleHTTPServer"].renamed_to
    edits = [edit for f in result.findings for edit in f.edits]
    assert apply_edits(text, edits) == text.replace("from SimpleHTTPServer import Y", f"from {new} import Y")


# -- generated from the catalogue: every module, every import form -----------------------------

FORMS = {
    "import": "import {name}\n",
    "import-as": "import {name} as alias_\n",
    "from": "from {name} import anything\n",
    "import_module": "import importlib\nm = importlib.import_module({name!r})\n",
    "__import__": "m = __import__({name!r})\n",
    "indented": "def f():\n    import {name}\n",
    "py2-file": "import {name}\nprint 'py2'\n",
}


@pytest.mark.parametrize("target", [(2, 7), (3, 0), (3, 11), (3, 12), (3, 13)])
@pytest.mark.parametrize("form", FORMS)
def test_every_catalogue_module_in_every_import_form(catalog, tmp_path, form, target):
    names = sorted(catalog.modules)
    for index, name in enumerate(names):
        (tmp_path / f"m{index:03}.py").write_text(FORMS[form].format(name=name))
    report = check([str(tmp_path)], catalog, target, select=["NR1"])
    by_file = {Path(r.path).name: [f.code for f in r.findings] for r in report.results}
    for index, name in enumerate(names):
        code = expected_code(catalog.modules[name], target)
        assert by_file[f"m{index:03}.py"] == ([code] if code else []), (name, form, target)
        if code:
            (finding,) = report.results[index].findings
            assert finding.module == name
            assert finding.message.startswith(name)


# Gone or going with no successor named by the docs, the PEPs or What's New: the finding says so.
NO_SUCCESSOR = {"binhex", "cgitb", "nis", "xdrlib"}


def test_every_finding_names_a_replacement_and_pep594_backports(catalog, tmp_path):
    names = sorted(catalog.modules)
    for index, name in enumerate(names):
        (tmp_path / f"m{index:03}.py").write_text(f"import {name}\n")
    for target in [(2, 7), (3, 11), (3, 13)]:
        for finding in check([str(tmp_path)], catalog, target).findings:
            module = catalog.modules[finding.module]
            if finding.code == "NR105":  # too new for the target: name what that Python had, if anything
                older = [m.name for m in catalog.modules.values() if m.renamed_to == module.name]
                assert all(name in finding.message for name in older)
                continue
            if not (module.replacement or module.pypi or module.renamed_to):  # the docs name no successor
                assert module.name in NO_SUCCESSOR and finding.replacement is None
                assert module.backport is None or f"the PyPI backport is {module.backport}" in finding.message
                continue
            assert finding.replacement, finding.message
            assert finding.replacement in finding.message
            if module.pep == 594 and module.backport:
                assert finding.backport == module.backport
                assert module.backport in finding.message


def test_telnetlib_is_deprecated_on_311_and_312_and_removed_on_313(catalog):
    path = CORPUS / "py3" / "pep594.py"
    codes = {target: found([path], catalog, target) for target in PY3_TARGETS}
    assert codes[(3, 11)][0] == (2, "NR102") and codes[(3, 12)][0] == (2, "NR102")
    assert codes[(3, 13)][0] == (2, "NR103")
    assert found([path], catalog, (3, 5)) == []  # before PEP 594 and before asyncore's deprecation


def test_judgement_is_for_the_target_not_the_running_python():
    """Every local Python >= 3.11 running netref gives the same findings for the same target."""
    import subprocess

    from pythons import INTERPRETERS, STDLIB_ONLY

    repo = Path(__file__).parent.parent
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from netref.catalog import load_catalog; from netref.check import check;"
        "[print(f.text()) for t in ((2, 7), (3, 12), (3, 13))"
        " for f in check([sys.argv[2]], load_catalog(), t).findings]"
    )
    outputs = {}
    for python in INTERPRETERS:
        version = subprocess.run([python, "-c", "import sys; print(sys.version_info >= (3, 11))"],
                                 check=False, capture_output=True, text=True)
        if version.stdout.strip() != "True":
            continue
        run = subprocess.run([python, *STDLIB_ONLY, "-c", script, str(repo), str(CORPUS)],
                             check=False, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        outputs[python] = run.stdout
    assert len(outputs) >= 1
    assert len(set(outputs.values())) == 1, list(outputs)
    assert "NR103 telnetlib was removed in Python 3.13" in next(iter(outputs.values()))


# -- the scanner's machinery --------------------------------------------------------------------


def _stdlib_sample(limit: int = 250) -> list[Path]:
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return sorted(stdlib.glob("*.py"))[:limit]


def test_lexical_import_scan_agrees_with_ast_on_the_stdlib_and_corpus(catalog):
    """The lexical scan must find exactly the import statements that Python's own parser finds."""
    rules = make_rules(catalog, (3, 12))
    files = _stdlib_sample(120) + sorted((CORPUS / "py3").glob("*.py")) + sorted((CORPUS / "fixable").glob("*.py"))
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        by_ast = sorted((n.lineno, ast.dump(n)) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))
        scan = FileScan(Source(text), str(path), rules)
        by_lexer = sorted((scan.source.position(s.start)[0], ast.dump(s.node)) for s in scan.imports)
        assert [line for line, _ in by_lexer] == [line for line, _ in by_ast], path
        assert [_names(d) for _, d in by_lexer] == [_names(d) for _, d in by_ast], path


def _names(dump: str) -> list[str]:
    return re.findall(r"(?:name|module)='([\w.]+)'", dump)


@pytest.mark.parametrize("target", [(2, 7), (3, 11), (3, 13)])
def test_prefilter_never_hides_a_finding(catalog, target):
    paths = [str(CORPUS)] + [str(p) for p in _stdlib_sample(150)]
    with_filter = check(paths, catalog, target, jobs=1)
    without = check(paths, catalog, target, jobs=1, prefilter=False)
    assert with_filter.findings == without.findings
    assert with_filter.findings  # the corpus has plenty


@pytest.fixture
def another_thread():
    """A second thread in this process, as in a program that embeds netref.check."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    yield thread
    stop.set()
    thread.join()


@pytest.mark.parametrize("threads", ["single thread", "another thread running"])
def test_parallel_scan_gives_the_same_findings_in_the_same_order(catalog, tmp_path, threads, request):
    import threading
    import warnings

    from netref.check.files import PARALLEL_THRESHOLD, _start_method

    if threads == "another thread running":
        request.getfixturevalue("another_thread")
    sources = [b"import httplib\n", b"print 'x'\n", b"import socket\ns = socket.socket()\ns.close\n", b"x = 1\n"]
    for index in range(PARALLEL_THRESHOLD + 20):
        (tmp_path / f"f{index:04}.py").write_bytes(sources[index % len(sources)])
    serial = check([str(tmp_path)], catalog, (3, 12), jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # 3.12+: "use of fork() may lead to deadlocks"
        parallel = check([str(tmp_path)], catalog, (3, 12), jobs=2)
    method = _start_method().get_start_method()
    assert method == ("fork" if threading.active_count() == 1 else "forkserver")
    assert parallel.findings == serial.findings
    assert len(serial.findings) == 3 * len(serial.results) // 4


def test_select_and_ignore_take_prefixes(catalog):
    paths = [str(CORPUS)]
    every = {f.code for f in check(paths, catalog, (3, 13)).findings}
    selected = {f.code for f in check(paths, catalog, (3, 13), select=["NR1"]).findings}
    assert selected == {c for c in every if c.startswith("NR1")}
    ignored = ["NR1", "NR301", "NR9"]
    assert {f.code for f in check(paths, catalog, (3, 13), ignore=ignored).findings} == {"NR201", "NR202"}
    with pytest.raises(ValueError, match="unknown code"):
        check(paths, catalog, (3, 13), select=["E501"])


def test_exclude_globs_match_names_and_paths(catalog):
    everything = check([str(CORPUS)], catalog, (3, 12)).results
    no_py2 = check([str(CORPUS)], catalog, (3, 12), exclude=["py2"]).results
    no_latin = check([str(CORPUS)], catalog, (3, 12), exclude=["latin1_*.py", "tutorial/*"]).results
    assert {Path(r.path).parent.name for r in everything} >= {"py2", "py3", "tutorial"}
    assert "py2" not in {Path(r.path).parent.name for r in no_py2}
    names = {Path(r.path).name for r in no_latin}
    assert not any(name.startswith("latin1_") for name in names) and "server.py" not in names
    assert len(no_latin) == len(everything) - 5  # latin1_mail.py in files/ too
    by_path = check([str(CORPUS)], catalog, (3, 12), exclude=[f"{CORPUS}/py2/*"]).results
    assert "py2" not in {Path(r.path).parent.name for r in by_path}


def test_hidden_directories_and_virtual_environments_are_not_searched_unless_named(catalog, tmp_path):
    for place in (".git", ".venv", "__pycache__", "env/lib", "src"):
        (tmp_path / place).mkdir(parents=True)
        (tmp_path / place / "m.py").write_text("import httplib\n")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    results = check([str(tmp_path)], catalog, (3, 12)).results
    searched = {Path(r.path).parent.relative_to(tmp_path).as_posix() for r in results}
    assert searched == {"src"}
    named = check([str(tmp_path / "env"), str(tmp_path / ".git")], catalog, (3, 12)).results
    assert {Path(r.path).parent.name for r in named} == {"lib", ".git"}


def test_unreadable_files_are_findings_and_the_rest_is_still_checked(catalog, tmp_path):
    (tmp_path / "ok.py").write_text("import httplib\n")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    report = check([str(tmp_path), str(tmp_path / "missing.py")], catalog, (3, 12))
    codes = sorted((Path(f.path).name, f.code) for f in report.findings)
    assert codes == [("dangling.py", "NR900"), ("missing.py", "NR900"), ("ok.py", "NR101")]
    assert "No such file" in report.findings[0].message


def test_codes_are_documented():
    page = (Path(__file__).parent.parent / "docs" / "check.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in page, code


PY2_IMPORTS = r"""
import ast, json, sys
out = {}
for path in sys.argv[1:]:
    try:
        tree = ast.parse(open(path, "rb").read())
    except (SyntaxError, TypeError):
        continue  # Python 3 syntax, or broken on purpose (test data)
    rows = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            rows.append([node.lineno, [a.name for a in node.names]])
        elif isinstance(node, ast.ImportFrom):
            rows.append([node.lineno, [node.module or ""] + [a.name for a in node.names]])
    out[path] = sorted(rows)
print(json.dumps(out))
"""


def test_lexical_import_scan_agrees_with_python27s_own_parser(catalog):
    """On Python 2 files (which no Python 3 parser reads), compare with Python 2.7's ast."""
    import json
    import subprocess

    from pythons import INTERPRETERS

    python27 = next((p for p in INTERPRETERS if _version_of(p) == "2.7"), None)
    if python27 is None:
        pytest.skip("no Python 2.7 on this machine")
    stdlib27 = Path(subprocess.run([python27, "-c", "import os; print(os.path.dirname(os.__file__))"],
                                   check=False, capture_output=True, text=True).stdout.strip())
    files = sorted(stdlib27.glob("*.py"))[:120] + sorted((CORPUS / "py2").glob("*.py"))
    run = subprocess.run([python27, "-c", PY2_IMPORTS, *map(str, files)],
                         check=False, capture_output=True, text=True, timeout=120)
    by_python27 = json.loads(run.stdout)
    rules = make_rules(catalog, (3, 12))
    compared = 0
    for path, rows in by_python27.items():
        scan = FileScan(Source(Path(path).read_bytes().decode("latin-1")), path, rules)
        mine = sorted([scan.source.position(s.start)[0], _statement_names(s.node)] for s in scan.imports)
        assert mine == rows, path
        compared += 1
    assert compared >= 60


def _version_of(python: str) -> str:
    import subprocess

    return subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          check=False, capture_output=True, text=True).stdout.strip()


def _statement_names(node) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""] + [alias.name for alias in node.names]


# -- the Internet chapters' modules, one test per kind of finding -------------------------------


GONE = "no standard-library successor; the PyPI backport is"
RENAMED = "was renamed in Python 3.0 (PEP 3108): use"


@pytest.mark.parametrize(
    ("source", "target", "code", "message"),
    [
        ("import robotparser", (3, 11), "NR101", f"robotparser {RENAMED} urllib.robotparser"),
        ("from HTMLParser import HTMLParser", (3, 13), "NR101", f"HTMLParser {RENAMED} html.parser"),
        ("import htmlentitydefs", (3, 12), "NR101", f"htmlentitydefs {RENAMED} html.entities"),
        ("import cgitb", (3, 12), "NR102",
         f"cgitb is deprecated since Python 3.11 and removed in 3.13 (PEP 594): {GONE} standard-cgitb"),
        ("import mailcap", (3, 11), "NR102",
         "mailcap is deprecated since Python 3.11 and removed in 3.13 (PEP 594): use mimetypes, "
         "or the PyPI backport standard-mailcap"),
        ("import binhex", (3, 10), "NR102", "binhex is deprecated since Python 3.9 and removed in 3.11"),
        ("import mimify", (2, 7), "NR102",
         "mimify is deprecated since Python 2.3 and removed in 3.0 (PEP 3108): use email"),
        ("import cgitb", (3, 13), "NR103", f"cgitb was removed in Python 3.13 (PEP 594): {GONE} standard-cgitb"),
        ("import binhex", (3, 11), "NR103", "binhex was removed in Python 3.11"),
        ("import uu", (3, 13), "NR103",
         "uu was removed in Python 3.13 (PEP 594): use base64, or the PyPI backport standard-uu"),
        ("import htmllib", (3, 0), "NR103", "htmllib was removed in Python 3.0 (PEP 3108): use html.parser"),
        ("import mhlib", (3, 13), "NR103", "mhlib was removed in Python 3.0 (PEP 3108): use mailbox"),
        ("import urllib.robotparser", (2, 7), "NR105",
         "urllib.robotparser does not exist in Python 2.7 (new in 3.0): use robotparser"),
    ],
)
def test_internet_chapter_modules_are_flagged_by_kind(catalog, tmp_path, source, target, code, message):
    path = tmp_path / "legacy.py"
    path.write_text(source + "\n")
    [finding] = check([str(path)], catalog, target).findings
    assert (finding.code, finding.message) == (code, message)


def test_current_internet_modules_are_not_flagged(catalog, tmp_path):
    path = tmp_path / "modern.py"
    path.write_text("import urllib.robotparser, html.parser, ipaddress, selectors, logging.handlers, json, uuid\n")
    assert check([str(path)], catalog, (3, 13)).findings == []

