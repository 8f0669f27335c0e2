"""The catalogue's API entries (``[modules.NAME.api]`` and ``moved_attributes``), held against every
real interpreter on the machine (pyenv's 2.7 and 3.6-3.13 where installed).

For each entry and each interpreter on which its module imports, a subprocess (standard library
only) answers: does the name exist (``hasattr`` along the dotted path), or does the callable accept
the parameters (``inspect.signature``; ``getargspec`` on 2.7)? And where this file knows how to
exercise the entry, does using it emit a DeprecationWarning? The catalogue must agree exactly:
the name exists from ``added`` until ``removed``, and warns from ``warns`` until ``removed``.
Dates after the newest local interpreter are documented only, and must carry a What's New source.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from pythons import INTERPRETERS, STDLIB_ONLY

from netref.catalog import VERIFIED_THROUGH, Api, load_catalog
from netref.versions import parse_version

CATALOG = load_catalog()

# How to use an entry so that it warns where it is deprecated (Python 2.7-compatible code; errors
# after the warning are expected and ignored). Every entry that warns on a local interpreter needs one.
EXERCISES = {
    "asyncio.get_event_loop()": "import asyncio; asyncio.get_event_loop()",  # first: nothing has set a loop yet
    "ssl.wrap_socket": "import ssl, socket; s = socket.socket(); ssl.wrap_socket(s); s.close()",
    "ssl.match_hostname": "import ssl; ssl.match_hostname({'subjectAltName': (('DNS', 'a.invalid'),)}, 'a.invalid')",
    "ssl.RAND_pseudo_bytes": "import ssl; ssl.RAND_pseudo_bytes(4)",
    "ssl.PROTOCOL_SSLv23": "import ssl; ssl.SSLContext(ssl.PROTOCOL_SSLv23)",
    "ssl.PROTOCOL_TLS": "import ssl; ssl.SSLContext(ssl.PROTOCOL_TLS)",
    "ssl.PROTOCOL_TLSv1": "import ssl; ssl.SSLContext(ssl.PROTOCOL_TLSv1)",
    "ssl.PROTOCOL_TLSv1_1": "import ssl; ssl.SSLContext(ssl.PROTOCOL_TLSv1_1)",
    "ssl.PROTOCOL_TLSv1_2": "import ssl; ssl.SSLContext(ssl.PROTOCOL_TLSv1_2)",
    "ssl.OP_NO_TLSv1": "import ssl; c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.options |= ssl.OP_NO_TLSv1",
    "ssl.OP_NO_TLSv1_1": "import ssl; c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.options |= ssl.OP_NO_TLSv1_1",
    "ssl.OP_NO_TLSv1_2": "import ssl; c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.options |= ssl.OP_NO_TLSv1_2",
    "ssl.SSLContext()": "import ssl; ssl.SSLContext()",
    "ssl.SSLContext.set_npn_protocols":
        "import ssl; ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).set_npn_protocols(['http/1.1'])",
    "cgi.escape": "import cgi; cgi.escape('<')",
    "cgi.parse_qs": "import cgi; cgi.parse_qs('a=1')",
    "cgi.parse_qsl": "import cgi; cgi.parse_qsl('a=1')",
    "urllib.request.URLopener": "import urllib.request; urllib.request.URLopener()",
    "urllib.request.FancyURLopener": "import urllib.request; urllib.request.FancyURLopener()",
    "urllib.request.urlopen(cafile, capath, cadefault)":
        "import urllib.request; urllib.request.urlopen('file:///dev/null', cafile='/nonexistent.invalid')",
    "http.client.HTTPSConnection(key_file, cert_file)":
        "import http.client; http.client.HTTPSConnection('a.invalid', key_file='k', cert_file='c')",
    "http.client.HTTPSConnection(check_hostname)":
        "import http.client; http.client.HTTPSConnection('a.invalid', check_hostname=True)",
    "smtplib.SMTP.starttls(keyfile, certfile)": (
        "import smtplib\n"
        "class S(smtplib.SMTP):\n"
        "    def ehlo_or_helo_if_needed(self): pass\n"
        "    def has_extn(self, name): return True\n"
        "    def docmd(self, *args): return (220, b'')\n"
        "S().starttls(keyfile='k', certfile='c')"
    ),
    "smtplib.SMTP_SSL(keyfile, certfile)": "import smtplib; smtplib.SMTP_SSL(keyfile='k', certfile='c')",
    "ftplib.FTP_TLS(keyfile, certfile)": "import ftplib; ftplib.FTP_TLS(keyfile='k', certfile='c')",
    "imaplib.IMAP4_SSL(keyfile, certfile)": (
        "import imaplib\n"
        "class I(imaplib.IMAP4_SSL):\n"
        "    def open(self, *args, **kwargs): raise OSError('no connection')\n"
        "I('a.invalid', keyfile='k', certfile='c')"
    ),
    "poplib.POP3_SSL(keyfile, certfile)":
        "import poplib; poplib.POP3_SSL('127.0.0.1', 9, keyfile='k', certfile='c', timeout=0.2)",
    "http.server.CGIHTTPRequestHandler": "import http.server; http.server.CGIHTTPRequestHandler(None, None, None)",
    "email.utils.localtime(isdst)": "import email.utils; email.utils.localtime(isdst=-1)",
    "asyncio.coroutine": "import asyncio\n@asyncio.coroutine\ndef f(): pass",
    "asyncio.Task.current_task": "import asyncio; asyncio.Task.current_task(asyncio.new_event_loop())",
    "asyncio.Task.all_tasks": "import asyncio; asyncio.Task.all_tasks(asyncio.new_event_loop())",
    "asyncio.open_connection(loop)": (
        "import asyncio; loop = asyncio.new_event_loop()\n"
        "loop.run_until_complete(asyncio.open_connection('127.0.0.1', 9, loop=loop))"
    ),
    "asyncio.start_server(loop)": (
        "import asyncio; loop = asyncio.new_event_loop()\n"
        "loop.run_until_complete(asyncio.start_server(lambda r, w: None, '127.0.0.1', 0, loop=loop))"
    ),
    "urllib.parse.Quoter": "import urllib.parse; urllib.parse.Quoter",
    "cgi.log": "import cgi; cgi.log('x')",
    "nntplib.NNTP.xpath": "import nntplib; nntplib.NNTP.xpath(None, 'a')",
    "smtpd.MailmanProxy": "import smtpd; p = smtpd.MailmanProxy(('127.0.0.1', 0), None); p.close()",
    "base64.encodestring": "import base64; base64.encodestring(b'a')",
    "base64.decodestring": "import base64; base64.decodestring(b'YQ==')",
    "binascii.a2b_hqx": "import binascii; binascii.a2b_hqx(b'a')",
    "binascii.b2a_hqx": "import binascii; binascii.b2a_hqx(b'a')",
    "binascii.rlecode_hqx": "import binascii; binascii.rlecode_hqx(b'a')",
    "binascii.rledecode_hqx": "import binascii; binascii.rledecode_hqx(b'a')",
    "asyncio.get_child_watcher": "import asyncio; asyncio.get_child_watcher()",
    # Python 2.7 deprecated these on its own branch (2.7 warns; 3.0-3.1 did not): exercised on Python 3.
    "xml.etree.ElementTree.Element.getchildren":
        "import sys, xml.etree.ElementTree as E\nif sys.version_info >= (3,): E.Element('a').getchildren()",
    "xml.etree.ElementTree.Element.getiterator":
        "import sys, xml.etree.ElementTree as E\nif sys.version_info >= (3,): E.Element('a').getiterator()",
    "xml.etree.ElementTree.Element.__bool__": "import xml.etree.ElementTree as E; bool(E.Element('a'))",
    "urllib.parse.to_bytes": "import urllib.parse; urllib.parse.to_bytes('a')",
    **{
        f"urllib.parse.{name}": f"import urllib.parse; urllib.parse.{name}('http://u:p@h:1/p;a?q=1#t')"
        for name in ("splitattr", "splithost", "splitnport", "splitpasswd", "splitport", "splitquery", "splittag",
                     "splittype", "splituser", "splitvalue")
    },
}

# Names defined on one platform only (sys.platform): their existence is checked there alone.
PLATFORM_ONLY = {
    "webbrowser.MacOSX": "darwin",
    "asyncio.WindowsSelectorEventLoopPolicy": "win32",
    "asyncio.WindowsProactorEventLoopPolicy": "win32",
}

# Runs under Python 2.7 too: no f-strings, no annotations.
PROBE = r"""
import json, sys, warnings
try:
    from inspect import signature
except ImportError:
    signature = None
import inspect

def resolve(module, path):
    obj = __import__(module)
    for part in module.split(".")[1:]:
        obj = getattr(obj, part)
    dotted = module
    for part in path.split("."):
        dotted += "." + part
        if not hasattr(obj, part):
            try:
                __import__(dotted)
            except ImportError:
                return None, False
            if not hasattr(obj, part):
                return None, False
        obj = getattr(obj, part)
    return obj, True

def parameters(obj):
    if signature is not None:
        try:
            found = signature(obj).parameters.values()
            return [p.name for p in found if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        except (TypeError, ValueError):
            return None
    target = obj.__init__ if isinstance(obj, type) or hasattr(obj, "__bases__") else obj
    try:
        return inspect.getargspec(target).args
    except TypeError:
        return None

entries = json.loads(sys.stdin.read())
result = {}
for entry in entries:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a deprecated module's own import warning is not the entry's
            __import__(entry["module"])
    except ImportError:
        continue
    obj, exists = resolve(entry["module"], entry["callee"])
    if exists and entry["params"]:
        names = parameters(obj)
        exists = None if names is None else all(p in names for p in entry["params"])
    if entry["behaviour"]:
        exists = None
    warned = None
    if entry["exercise"]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                exec(entry["exercise"], {"__name__": "__probe__"})
            except Exception:
                pass
        warned = any(issubclass(w.category, DeprecationWarning) for w in caught)
    result[entry["name"]] = [exists, warned]
sys.stdout.write(json.dumps({"version": list(sys.version_info[:2]), "apis": result}))
"""


def _entries() -> list[dict[str, object]]:
    ordered = sorted(CATALOG.apis.values(), key=lambda api: (api.qualname != "asyncio.get_event_loop()", api.qualname))
    return [
        {"name": api.qualname, "module": api.module, "callee": api.callee.rstrip("()") or api.callee,
         "params": list(api.params), "behaviour": api.kind == "behaviour", "exercise": EXERCISES.get(api.qualname)}
        for api in ordered
    ]


def _expected(api: Api, version: tuple[int, int]) -> tuple[bool, bool]:
    status = api.status(version)
    exists = status.kind in ("current", "deprecated")
    return exists, exists and status.warns


@pytest.mark.parametrize("python", INTERPRETERS)
def test_api_entries_agree_with_a_real_interpreter(python):
    command = [python, *STDLIB_ONLY, "-c", PROBE]
    run = subprocess.run(command, input=json.dumps(_entries()), capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    version = tuple(report["version"])
    disagreements = []
    for name, (exists, warned) in report["apis"].items():
        api = CATALOG.apis[name]
        if PLATFORM_ONLY.get(name, sys.platform) != sys.platform:
            continue
        expect_exists, expect_warns = _expected(api, version)
        if exists is not None and exists != expect_exists:
            disagreements.append(f"{name}: catalogue says exists={expect_exists}, Python {version} exists={exists}")
        if warned is not None and warned != expect_warns:
            disagreements.append(f"{name}: catalogue says warns={expect_warns}, Python {version} warned={warned}")
    assert report["apis"], "no API entry could be checked"
    assert not disagreements, "\n".join(disagreements)


def test_every_entry_that_warns_on_a_local_interpreter_is_exercised():
    newest = VERIFIED_THROUGH
    missing = []
    for api in CATALOG.apis.values():
        if api.warns and parse_version(api.warns) <= newest and api.qualname not in EXERCISES:
            removed = parse_version(api.removed) if api.removed else (99, 0)
            if removed > (3, 6):  # it warns on one of the local 3.x interpreters
                missing.append(api.qualname)
    assert not missing, f"no exercise for {missing}"
    assert set(EXERCISES) <= set(CATALOG.apis), set(EXERCISES) - set(CATALOG.apis)


def test_dates_beyond_the_local_interpreters_are_documented_only_and_sourced_from_whats_new():
    beyond = [api for api in CATALOG.apis.values() if api.documented_only]
    assert {api.qualname for api in beyond} >= {"urllib.request.URLopener", "http.server.CGIHTTPRequestHandler"}
    for api in beyond:
        for date in api.documented_only:
            # that version's What's New, or the library page whose "deprecated-removed" note names it
            assert any(f"whatsnew/{date}.html" in source or "/library/" in source for source in api.sources), (
                f"{api.qualname}: {date} needs its What's New as a source")


# -- replacements: they exist on the newest local interpreter and are never deprecated ------------------

REPLACEMENT_PROBE = r"""
import json, sys, inspect, importlib
out = {}
for spelling in json.loads(sys.stdin.read()):
    path, _, param = spelling.partition("(")
    parts = path.split(".")
    obj = None
    for size in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:size]))
        except ImportError:
            continue
        rest = parts[size:]
        break
    ok = obj is not None
    for part in rest if ok else ():
        ok = hasattr(obj, part)
        if not ok:
            break
        obj = getattr(obj, part)
    if ok and param:
        ok = param.rstrip(")") in inspect.signature(obj).parameters
    out[spelling] = ok
print(json.dumps(out))
"""


def test_every_replacement_exists_on_the_newest_interpreter_and_is_not_deprecated():
    # Private names (2to3 moves urllib._urlopener) are not promised to exist.
    spellings = sorted({spelling for api in CATALOG.apis.values() for spelling in api.replacement
                        if not spelling.rsplit(".", 1)[-1].startswith("_")})
    newest = INTERPRETERS[-1]
    run = subprocess.run([newest, *STDLIB_ONLY, "-c", REPLACEMENT_PROBE], input=json.dumps(spellings),
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    missing = [spelling for spelling, ok in json.loads(run.stdout).items() if not ok]
    assert not missing, f"replacements that do not exist: {missing}"
    for api in CATALOG.apis.values():
        advice = CATALOG.api_advice(api) or ""
        for spelling in re.findall(r"[\w.]+(?:\(\w+\))?", advice):
            named = CATALOG.apis.get(spelling)
            assert named is None or not (named.deprecated or named.warns or named.removed), (
                f"{api.qualname} recommends {spelling}, which is deprecated")
