"""NR111-NR113: deprecated and removed functions, classes, constants, methods and parameters, judged for
the target Python; and the attribute-level advice of the module rules (cgi.escape, urllib.split*)."""

from __future__ import annotations

import json
import keyword
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netref.catalog import Api, load_catalog
from netref.check import check, fixes, make_rules
from netref.check.scanner import scan_bytes
from netref.cli import app
from netref.versions import parse_version

HERE = Path(__file__).parent / "check_corpus" / "api"
CATALOG = load_catalog()
API_CODES = ("NR111", "NR112", "NR113")
runner = CliRunner()


def findings(source: str, target: tuple[int, int], select: tuple[str, ...] = API_CODES) -> list[tuple[int, str, str]]:
    rules = make_rules(CATALOG, target, select=select)
    result = scan_bytes(source.encode(), "t.py", rules)
    return [(f.line, f.code, f.message) for f in result.findings]


def codes(source: str, target: tuple[int, int]) -> list[tuple[int, str]]:
    return [(line, code) for line, code, _ in findings(source, target)]


# -- the forms of use, with targets on either side of each change ---------------------------------------

@pytest.mark.parametrize(("source", "target", "expected"), [
    # attribute through the module
    ("import ssl\nssl.wrap_socket(s)\n", (3, 6), []),
    ("import ssl\nssl.wrap_socket(s)\n", (3, 7), [(2, "NR111")]),
    ("import ssl\nssl.wrap_socket(s)\n", (3, 11), [(2, "NR111")]),
    ("import ssl\nssl.wrap_socket(s)\n", (3, 12), [(2, "NR112")]),
    # through an alias
    ("import ssl as s\ns.match_hostname(c, h)\n", (3, 11), [(2, "NR111")]),
    ("import ssl as s\ns.match_hostname(c, h)\n", (3, 12), [(2, "NR112")]),
    # a dotted package, bound three ways
    ("import urllib.request\nurllib.request.URLopener()\n", (3, 2), []),
    ("import urllib.request\nurllib.request.URLopener()\n", (3, 13), [(2, "NR111")]),
    ("import urllib.request\nurllib.request.URLopener()\n", (3, 14), [(2, "NR112")]),
    ("from urllib import request\nrequest.FancyURLopener()\n", (3, 14), [(2, "NR112")]),
    ("import urllib.request as r\nr.FancyURLopener()\n", (3, 14), [(2, "NR112")]),
    # from-import: reported at the name imported
    ("from ssl import wrap_socket\n", (3, 11), [(1, "NR111")]),
    ("from ssl import wrap_socket\n", (3, 12), [(1, "NR112")]),
    ("from cgi import escape\n", (3, 7), [(1, "NR111")]),
    ("from cgi import escape\n", (3, 8), [(1, "NR112")]),
    # keyword arguments: on the class, on an instance bound in the same scope, through with ... as
    ("import smtplib\nsmtplib.SMTP_SSL(h, keyfile=k)\n", (3, 5), []),
    ("import smtplib\nsmtplib.SMTP_SSL(h, keyfile=k)\n", (3, 11), [(2, "NR111")]),
    ("import smtplib\nsmtplib.SMTP_SSL(h, keyfile=k)\n", (3, 12), [(2, "NR113")]),
    ("import smtplib\ndef f(h, k):\n    server = smtplib.SMTP(h)\n    server.starttls(keyfile=k)\n", (3, 12),
     [(4, "NR113")]),
    ("import smtplib\nwith smtplib.SMTP(h) as s:\n    s.starttls(certfile=c)\n", (3, 12), [(3, "NR113")]),
    ("from smtplib import SMTP\nSMTP(h).starttls(keyfile=k)\n", (3, 12), [(2, "NR113")]),
    ("from http import client\nclient.HTTPSConnection(h, check_hostname=False)\n", (3, 12), [(2, "NR113")]),
    ("import http.client\nhttp.client.HTTPSConnection(h, context=ctx)\n", (3, 12), []),
    ("import asyncio\nasyncio.open_connection(h, p, loop=loop)\n", (3, 9), [(2, "NR111")]),
    ("import asyncio\nasyncio.open_connection(h, p, loop=loop)\n", (3, 10), [(2, "NR113")]),
    ("import email.utils\nemail.utils.localtime(isdst=0)\n", (3, 14), [(2, "NR113")]),
    # methods through an instance
    ("import urllib.request\nreq = urllib.request.Request(u)\nreq.add_data(b'x')\n", (3, 4), [(3, "NR112")]),
    ("import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\nctx.set_npn_protocols(['h2'])\n", (3, 10),
     [(3, "NR111")]),
])
def test_each_form_on_either_side_of_the_change(source, target, expected):
    assert codes(source, target) == expected


@pytest.mark.parametrize("source", [
    "def f(server, k):\n    server.starttls(keyfile=k)\n",  # the callee cannot be resolved
    "import smtplib\nserver = smtplib.SMTP(h)\nserver = make()\nserver.starttls(keyfile=k)\n",  # bound twice
    "import ssl\ndef f(ssl):\n    ssl.wrap_socket(s)\n",  # a parameter shadows the module
    "import ssl\nfor ssl in things:\n    ssl.wrap_socket(s)\n",  # rebound by a loop
    "import ssl\nclass C:\n    def wrap_socket(self): pass\nC().wrap_socket()\n",  # someone else's wrap_socket
    "try:\n    from ssl import match_hostname\nexcept ImportError:\n    from backports.ssl_match_hostname import "
    "match_hostname\n",  # compatibility import
    "import ssl\ntry:\n    ssl.match_hostname(c, h)\nexcept AttributeError:\n    pass\n",
    "import ssl\nif hasattr(ssl, 'wrap_socket'):\n    ssl.wrap_socket(s)\n",
    "import ssl\nif hasattr(ssl, 'SSLContext'):\n    pass\nelse:\n    ssl.wrap_socket(s)\n",
    "import smtplib\ns = smtplib.SMTP(h)\ntry:\n    s.starttls(keyfile=k)\nexcept TypeError:\n"
    "    s.starttls(context=c)\n",
    "ssl.wrap_socket(s)\n",  # never imported: not the module
    "import ssl\nssl.SSLContext()\n",  # behaviours are for `netref module` only
])
def test_precision_first_nothing_when_the_use_is_not_certain(source):
    assert codes(source, (3, 13)) == []


# -- the signs of use: as tight as resolution needs, never tighter; the pre-filter agrees with the scan -------

SIGNS = [
    # keywords: inside a call of the callable, at its own level, whatever the call holds
    ("import smtplib\nsmtplib.SMTP_SSL(h, ')', keyfile=k)\n", [(2, "NR113")]),
    ("import smtplib\nsmtplib.SMTP_SSL(h, f'{x}(', keyfile=k)\n", [(2, "NR113")]),
    ("import smtplib\nsmtplib.SMTP_SSL(h, \"\"\"(\"\"\", keyfile=k)\n", [(2, "NR113")]),
    ("import smtplib\nsmtplib.SMTP_SSL(h,  # (\n  keyfile=k)\n", [(3, "NR113")]),
    ("import smtplib\nsmtplib.SMTP_SSL(\n    h,\n    keyfile=k,\n)\n", [(4, "NR113")]),
    ("import smtplib\ndef f():\n    s = smtplib.SMTP(h)\n    s.starttls(\n        keyfile=k)\n", [(5, "NR113")]),
    ("import smtplib\nsmtplib.SMTP_SSL(h, context=make(keyfile=k))\n", []),  # make's keyword
    ("import smtplib\nclass SMTP_SSL(smtplib.SMTP):\n    def __init__(self, keyfile=None): pass\n", []),
    ("from smtplib import SMTP_SSL as S\nS(h, keyfile=k)\n", [(2, "NR113")]),  # an alias calls it too
    # functions: through a name an import of the module binds
    ("import os, ssl\nssl.wrap_socket(s)\n", [(2, "NR112")]),
    ("import urllib\nurllib.parse.splittype(u)\n", [(2, "NR111")]),
    ("from urllib import parse as p\np.splittype(u)\n", [(2, "NR111")]),
    ("import urllib.parse as p\np.splittype(u)\n", [(2, "NR111")]),
    ("from ssl import (\n    wrap_socket,\n)\n", [(2, "NR112")]),
    ("ssl = load('ssl')\nfrom ssl import TLSVersion\nssl.wrap_socket(s)\n", []),  # this ssl is not the module
    # methods: on an instance of the class, however it is named
    ("from ssl import SSLContext as C\nC().set_npn_protocols(p)\n", [(2, "NR111")]),
    ("import asyncio\nasyncio.Task.all_tasks()\n", [(2, "NR112")]),
]


@pytest.mark.parametrize(("source", "expected"), SIGNS)
def test_each_sign_of_use_is_read_where_it_can_resolve_and_the_pre_filter_agrees(source, expected):
    rules = make_rules(CATALOG, (3, 12), select=API_CODES)
    for prefilter in (True, False):
        result = scan_bytes(source.encode(), "t.py", rules, prefilter=prefilter)
        assert [(f.line, f.code) for f in result.findings] == expected, prefilter


def test_a_sign_that_cannot_resolve_is_neither_lexed_nor_parsed(monkeypatch):
    """test_ssl.py's shape: ``ssl`` bound by a call, ``from ssl import`` of other names, keywords named
    like the API's outside any call of it: the pre-filter stops the file, and the scan would not parse it."""
    from netref.check.rules import api_life

    source = ("from test.support import import_helper\nimport http.client\n"
              "ssl = import_helper.import_module('ssl')\nfrom ssl import TLSVersion\n"
              "ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1_2)\nctx.check_hostname = False\n"
              "def f(cert_file=None):\n    return http.client.HTTPSConnection(h, context=ctx)\n")
    rules = make_rules(CATALOG, (3, 12), select=API_CODES)
    [rule] = rules.active
    assert not rule.might_find(source.encode())
    monkeypatch.setattr(api_life, "_parse_around", lambda source, hits: pytest.fail("parsed"))
    assert scan_bytes(source.encode(), "t.py", rules, prefilter=False).findings == ()


def test_a_removed_or_renamed_module_is_the_module_rules_finding_not_this_one():
    assert codes("import cgi\ncgi.escape(x)\n", (3, 13)) == []  # NR103 covers the import
    assert codes("import cgi\ncgi.escape(x)\n", (3, 11)) == [(2, "NR112")]
    assert codes("import urllib\nurllib.urlencode(x)\n", (3, 13)) == []  # NR104's


def test_python_2_targets_and_python_2_files_are_left_to_the_module_rules():
    assert codes("import ssl\nssl.wrap_socket(s)\n", (2, 7)) == []
    assert codes("import ssl\nprint 'x'\nssl.wrap_socket(s)\n", (3, 12)) == []


def test_one_finding_per_call_names_every_parameter():
    [(line, code, message)] = findings("import smtplib\nsmtplib.SMTP_SSL(h, keyfile=k, certfile=c)\n", (3, 12))
    assert (line, code) == (2, "NR113")
    assert message.startswith("keyfile=, certfile= of smtplib.SMTP_SSL were removed in Python 3.12")
    assert "smtplib.SMTP_SSL(context) with ssl.SSLContext.load_cert_chain" in message


def test_nothing_is_printed_twice_and_nothing_is_fixable():
    source = "import ssl\nx = ssl.wrap_socket(ssl.wrap_socket(s))\n"
    result = scan_bytes(source.encode(), "t.py", make_rules(CATALOG, (3, 12)))
    assert [(f.line, f.col, f.code) for f in result.findings] == [(2, 5, "NR112"), (2, 21, "NR112")]
    assert not any(f.fixable for f in result.findings)


# -- every catalogue entry, in the form the rule reads, for every target from 3.0 to 3.15 ---------------

def _expected_code(api: Api, target: tuple[int, int]) -> str | None:
    """From the entry's own dates, not from netref's status."""
    module = CATALOG.modules[api.module].status(target)
    if module.kind not in ("current", "deprecated") or (api.added and target < parse_version(api.added)):
        return None
    if api.removed and target >= parse_version(api.removed):
        return "NR113" if api.params else "NR112"
    began = [parse_version(d) for d in (api.deprecated, api.warns) if d]
    return "NR111" if began and target >= min(began) else None


def _use(api: Api) -> str:
    if api.params:
        return f"import {api.module}\n{api.module}.{api.callee}({api.params[0]}=None)\n"
    return f"import {api.module}\n{api.module}.{api.name}\n"


# asyncio.async is a syntax error from 3.7 on: the rule parses with the running Python, which cannot read it.
CHECKED = [api for api in CATALOG.apis.values() if not api.moved and api.kind != "behaviour"
           and not keyword.iskeyword(api.callee.rsplit(".", 1)[-1])]


@pytest.mark.parametrize("api", CHECKED, ids=lambda api: api.qualname)
def test_every_entry_is_reported_exactly_on_the_targets_its_dates_say(api):
    for minor in range(0, 16):
        target = (3, minor)
        expected = [code for code in (_expected_code(api, target), _owner_code(api, target)) if code]
        assert codes(_use(api), target) == sorted((2, code) for code in expected), (api.qualname, target)


def _owner_code(api: Api, target: tuple[int, int]) -> str | None:
    """A method of a class that is an entry itself (AbstractEventLoopPolicy.get_child_watcher): the class's code."""
    owner = CATALOG.apis.get(f"{api.module}.{api.callee.rpartition('.')[0]}")
    return _expected_code(owner, target) if owner is not None and "." in api.callee else None


# -- a file of real 3.11-era TLS code ----------------------------------------------------------------------

EXPECTED = re.compile(r"#\s*3\.12:\s*(NR\d+)\s+3\.11:\s*(NR\d+)")


@pytest.mark.parametrize(("target", "group"), [((3, 12), 1), ((3, 11), 2)])
def test_real_tls_client_code_every_finding_expected_and_nothing_else(target, group):
    path = HERE / "tls_client_311.py"
    lines = path.read_text().splitlines()
    expected = [(number, m.group(group)) for number, line in enumerate(lines, 1) if (m := EXPECTED.search(line))]
    report = check([str(path)], CATALOG, target)
    assert [(f.line, f.code) for f in report.findings] == expected
    assert check([str(path)], CATALOG, target, prefilter=False).findings == report.findings
    if target == (3, 11):
        assert {code for _, code in expected} == {"NR111"}  # judged for 3.11: deprecations only
    assert not fixes(report)


def test_the_done_when_of_issue_14(tmp_path):
    source = tmp_path / "old_tls.py"
    source.write_text(
        "import http.client, smtplib, ssl\n"
        "def run(sock, host, k, c):\n"
        "    tls = ssl.wrap_socket(sock)\n"
        "    ssl.match_hostname(tls.getpeercert(), host)\n"
        "    smtp = smtplib.SMTP(host)\n"
        "    smtp.starttls(keyfile=k)\n"
        "    return http.client.HTTPSConnection(host, key_file=k)\n"
    )
    result = runner.invoke(app, ["check", str(source), "--python", "3.12"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ")[1].split()[0] for line in lines] == ["NR112", "NR112", "NR113", "NR113"]
    replacements = ["ssl.SSLContext.wrap_socket", "ssl.SSLContext.check_hostname", "smtplib.SMTP.starttls(context)",
                    "http.client.HTTPSConnection(context)"]
    for line, replacement in zip(lines, replacements, strict=True):
        assert f"use {replacement}" in line
    older = runner.invoke(app, ["check", str(source), "--python", "3.11", "--format", "json"])
    assert {finding["code"] for finding in json.loads(older.stdout)} == {"NR111"}


# -- issue 11: advice at attribute level -------------------------------------------------------------------

def test_from_cgi_import_escape_is_told_html_escape():
    [(_, code, message)] = findings("from cgi import escape\n", (3, 13), select=("NR1",))
    assert code == "NR103" and message.endswith("use html.escape") and "email.message" not in message
    [(_, _, message)] = findings("from cgi import parse_qs, parse_qsl\n", (3, 13), select=("NR1",))
    assert message.endswith("use urllib.parse.parse_qs, urllib.parse.parse_qsl")


def test_nr104_never_recommends_a_deprecated_split_function():
    source = "import urllib\nurllib.splitport(a)\nurllib.splittype(a)\nfrom urllib import splitquery, quote\n"
    messages = [message for _, code, message in findings(source, (3, 13), select=("NR104",))]
    assert len(messages) == 3
    assert all("urllib.parse.split" not in message for message in messages)
    assert "use urllib.parse.urlsplit" in messages[0]
    assert messages[2].endswith("use urllib.parse.urlsplit, urllib.parse.quote")


def test_a_statement_importing_several_python_2_urllib_names_reports_them_all(tmp_path):
    source = tmp_path / "proxy.py"
    source.write_text("from urllib import urlopen, proxy_bypass, proxy_bypass_environment, getproxies_environment\n"
                      "print(proxy_bypass, proxy_bypass_environment, getproxies_environment, urlopen)\n")
    [(_, _, message)] = findings(source.read_text(), (3, 13), select=("NR104",))
    for name in ("urlopen", "proxy_bypass", "proxy_bypass_environment", "getproxies_environment"):
        assert f"urllib.{name}" in message.split(" are Python 2")[0] and f"urllib.request.{name}" in message
    result = runner.invoke(app, ["check", str(source), "--python", "3.13", "--fix"])
    assert result.exit_code == 0, result.output
    assert source.read_text().startswith("from urllib.request import urlopen, proxy_bypass,")
    run = subprocess.run([sys.executable, str(source)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr  # the fixed line works on Python 3


def test_fix_never_rewrites_to_a_deprecated_name(tmp_path):
    source = tmp_path / "split.py"
    original = "import urllib\nprint(urllib.splitport('h:1'))\nfrom urllib import splittype\n"
    source.write_text(original)
    runner.invoke(app, ["check", str(source), "--python", "3.13", "--fix"])
    assert source.read_text() == original


# -- netref module MODULE.ATTR -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "says"), [
    ("urllib.urlencode", "moved in 3.0 (PEP 3108) → urllib.parse.urlencode"),
    ("urllib2.urlopen", "moved in 3.0 (PEP 3108) → urllib.request.urlopen"),
    ("cgi.escape", "removed in 3.8 → html.escape"),
    ("ssl.wrap_socket", "removed in 3.12 → ssl.SSLContext.wrap_socket"),
    ("smtplib.SMTP.starttls(keyfile)", "removed in 3.12 → smtplib.SMTP.starttls(context) with"),
    ("smtplib.SMTP.starttls", "removed in 3.12 → smtplib.SMTP.starttls(context) with"),
    ("urllib.splitport", "→ urllib.parse.urlsplit"),
])
def test_netref_module_answers_where_an_attribute_went_and_since_when(name, says):
    result = runner.invoke(app, ["module", name, "--python", "3.13"])
    assert result.exit_code == 0, result.output
    assert says in result.stdout


def test_netref_module_api_json_and_the_module_cards_own_section():
    document = json.loads(runner.invoke(app, ["module", "ssl.wrap_socket", "--python", "3.11", "-f", "json"]).stdout)
    assert document["name"] == "ssl.wrap_socket" and document["kind"] == "function"
    assert document["status"]["kind"] == "deprecated" and document["status"]["warns"] is True
    assert document["removed"] == "3.12" and document["replacement"] == ["ssl.SSLContext.wrap_socket"]
    card = runner.invoke(app, ["module", "ssl", "--python", "3.12"]).stdout
    assert "wrap_socket: removed in 3.12 → ssl.SSLContext.wrap_socket" in card
    module = json.loads(runner.invoke(app, ["module", "ssl", "-f", "json"]).stdout)
    assert "ssl.wrap_socket" in [api["name"] for api in module["api"]]


def test_an_unknown_attribute_is_one_line_with_suggestions():
    result = runner.invoke(app, ["module", "ssl.wrap_sockt"])
    assert result.exit_code == 1
    expected = "netref: error: unknown module or API 'ssl.wrap_sockt' (did you mean: ssl.wrap_socket?)"
    assert result.stderr.strip() == expected


def test_parsing_only_the_definitions_with_a_sign_of_use_finds_what_a_whole_parse_finds(monkeypatch):
    """The rule parses module-level statements and the definitions that show a sign of use; the whole
    file parsed gives the same findings (on the standard library's network modules and their tests)."""
    import ast
    import sysconfig

    from netref.check.rules import api_life

    lib = Path(sysconfig.get_paths()["stdlib"])
    names = ["ssl.py", "smtplib.py", "ftplib.py", "imaplib.py", "poplib.py", "http/client.py", "urllib/request.py",
             "urllib/parse.py", "asyncio/streams.py", "test/test_urlparse.py", "test/test_urllib.py",
             "test/test_httplib.py", "test/test_ssl.py", "test/test_smtplib.py"]
    paths = [str(lib / name) for name in names if (lib / name).is_file()]
    assert len(paths) >= 10
    pieces = check(paths, CATALOG, (3, 12), select=API_CODES, jobs=1)
    monkeypatch.setattr(api_life, "_parse_around", lambda source, hits: ast.parse(source.text))
    whole = check(paths, CATALOG, (3, 12), select=API_CODES, jobs=1)
    assert pieces.findings == whole.findings
    assert pieces.findings  # the standard library's own tests use deprecated APIs
