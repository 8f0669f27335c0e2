"""The catalogue: its facts, the status logic, and the validation of hand-edited files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pythons import INTERPRETERS, STDLIB_ONLY

from netref.catalog import CatalogError, default_catalog_path, load_catalog, lookup_service
from netref.versions import parse_version

CATALOG = load_catalog()

# The classic tutorial's table, as it is printed (../shared/reference/python-networking-tutorial.md),
# with what is true today: the control port a client uses, and what each named module is on 3.13.
TUTORIAL_TABLE = [
    # protocol key, tutorial port, true client port, {module: (status on 3.13, advice)}
    ("http", 80, 80,
     {"httplib": ("renamed", "http.client"), "urllib": ("current", None), "xmlrpclib": ("renamed", "xmlrpc.client")}),
    ("nntp", 119, 119, {"nntplib": ("removed", "socket")}),
    ("ftp", 20, 21, {"ftplib": ("current", None), "urllib": ("current", None)}),
    ("smtp", 25, 25, {"smtplib": ("current", None)}),
    ("pop3", 110, 110, {"poplib": ("current", None)}),
    ("imap", 143, 143, {"imaplib": ("current", None)}),
    ("telnet", 23, 23, {"telnetlib": ("removed", "socket")}),
    ("gopher", 70, 70, {"gopherlib": ("removed", "socket"), "urllib": ("current", None)}),
]


@pytest.mark.parametrize(
    ("key", "tutorial_port", "client_port", "modules"), TUTORIAL_TABLE, ids=[row[0] for row in TUTORIAL_TABLE]
)
def test_every_tutorial_row_is_answered_with_the_truth(key, tutorial_port, client_port, modules):
    protocol = CATALOG.protocol(key)
    assert protocol.tutorial is not None and protocol.tutorial.port == tutorial_port
    assert protocol.default_port == client_port
    assert set(protocol.tutorial.modules) == set(modules)
    for name, (kind, advice) in modules.items():
        status = CATALOG.module(name).status((3, 13))
        assert (status.kind, status.advice) == (kind, advice), name


def test_port_20_is_ftp_data_and_the_catalogue_says_what_the_tutorial_said():
    [match] = CATALOG.by_port(20)
    assert (match.protocol.key, match.port.service) == ("ftp", "ftp-data")
    assert "data" in match.port.role
    assert "21" in match.protocol.tutorial.note and "20" in match.protocol.tutorial.note
    [control] = CATALOG.by_port(21)
    assert (control.protocol.key, control.port.service, control.port.role) == ("ftp", "ftp", "control")


@pytest.mark.parametrize(
    ("port", "transport", "expected"),
    [(443, "tcp", {"https", "xmlrpcs", "wss"}), (443, "udp", {"https"}), (465, "tcp", {"smtps"}),
     (587, "tcp", {"submission"}), (990, "tcp", {"ftps"}), (993, "tcp", {"imaps"}), (995, "tcp", {"pop3s"}),
     (563, "tcp", {"nntps"}),
     (25, "udp", set())],
)
def test_tls_forms_and_alternative_ports(port, transport, expected):
    assert {match.protocol.key for match in CATALOG.by_port(port, transport)} == expected


def test_tls_forms_point_at_their_plain_protocol():
    for protocol in CATALOG.protocols.values():
        if protocol.tls == "implicit":
            assert protocol.plain in CATALOG.protocols, protocol.key
            assert all(port.tls for port in protocol.ports)


# The three chapters of the library reference (3.13), less what is not network (signal, mmap), and
# the modules PEP 3108, PEP 594 and What's New removed from those areas, with the Python 2 names.
INTERNET_CHAPTERS = {
    "Internet Protocols and Support": [
        "webbrowser", "wsgiref", "urllib", "urllib.request", "urllib.response", "urllib.parse", "urllib.error",
        "urllib.robotparser", "http", "http.client", "ftplib", "poplib", "imaplib", "smtplib", "uuid",
        "socketserver", "http.server", "http.cookies", "http.cookiejar", "xmlrpc", "xmlrpc.client",
        "xmlrpc.server", "ipaddress",
    ],
    "Internet Data Handling": ["email", "json", "mailbox", "mimetypes", "base64", "binascii", "quopri"],
    "Networking and Interprocess Communication": ["asyncio", "socket", "ssl", "select", "selectors"],
    "neighbours named by issue 12": ["html", "html.parser", "html.entities", "netrc", "logging.handlers"],
    "removed": ["cgi", "cgitb", "mailcap", "uu", "binhex", "xdrlib", "nis", "nntplib", "telnetlib", "smtpd",
                "asyncore", "asynchat", "htmllib", "sgmllib", "mimify", "MimeWriter", "multifile", "mhlib",
                "mimetools", "rfc822", "gopherlib"],
    "Python 2 names": ["robotparser", "HTMLParser", "htmlentitydefs", "Cookie", "cookielib", "httplib", "urllib2",
                       "urlparse", "BaseHTTPServer", "SimpleHTTPServer", "CGIHTTPServer", "SocketServer",
                       "xmlrpclib", "SimpleXMLRPCServer", "DocXMLRPCServer"],
}


@pytest.mark.parametrize("chapter", INTERNET_CHAPTERS)
def test_every_module_of_the_internet_chapters_is_catalogued(chapter):
    missing = [name for name in INTERNET_CHAPTERS[chapter] if name not in CATALOG.modules]
    assert not missing


@pytest.mark.parametrize(
    ("module", "target", "kind", "since", "advice"),
    [
        ("robotparser", "3.0", "renamed", "3.0", "urllib.robotparser"),
        ("HTMLParser", "3.13", "renamed", "3.0", "html.parser"),
        ("htmlentitydefs", "2.7", "current", None, None),
        ("cgitb", "3.11", "deprecated", "3.11", None),
        ("cgitb", "3.13", "removed", "3.13", None),
        ("mailcap", "3.13", "removed", "3.13", "mimetypes"),
        ("uu", "3.12", "deprecated", "3.11", "base64"),
        ("binhex", "3.9", "deprecated", "3.9", None),
        ("binhex", "3.11", "removed", "3.11", None),
        ("xdrlib", "3.13", "removed", "3.13", None),
        ("nis", "3.10", "current", None, None),
        ("mhlib", "2.7", "deprecated", "2.6", "mailbox"),
        ("multifile", "3.0", "removed", "3.0", "email"),
        ("sgmllib", "3.0", "removed", "3.0", "html.parser"),
        ("nntplib", "3.13", "removed", "3.13", "socket"),
        ("ipaddress", "3.2", "not-yet", "3.3", None),
        ("selectors", "3.4", "current", None, None),
    ],
)
def test_status_of_the_internet_chapters_modules(module, target, kind, since, advice):
    status = CATALOG.module(module).status(parse_version(target))
    assert (status.kind, status.since, status.advice) == (kind, since, advice)


def test_documented_deprecation_and_import_warning_of_python2_mail_modules():
    assert [CATALOG.module(name).status((2, 5)).warns_on_import for name in ("mimify", "MimeWriter")] == [False, False]
    assert [CATALOG.module(name).status((2, 6)).warns_on_import for name in ("mimify", "MimeWriter")] == [True, True]
    assert CATALOG.module("htmllib").status((2, 7)).warns_on_import is False  # only under python -3


@pytest.mark.parametrize(
    ("port", "transport", "key", "service"),
    [(22, "tcp", "ssh", "ssh"), (53, "udp", "dns", "domain"), (53, "tcp", "dns", "domain"),
     (853, "tcp", "dot", "domain-s"), (514, "udp", "syslog", "syslog"), (6514, "tcp", "syslog-tls", "syslog-tls"),
     (389, "tcp", "ldap", "ldap"),
     (636, "tcp", "ldaps", "ldaps"), (161, "udp", "snmp", "snmp"), (162, "udp", "snmp", "snmptrap"),
     (123, "udp", "ntp", "ntp"), (6667, "tcp", "irc", "ircu"), (6697, "tcp", "ircs", "ircs-u"),
     (5222, "tcp", "xmpp", "xmpp-client"), (5269, "tcp", "xmpp", "xmpp-server"), (5223, "tcp", "xmpps", "hpvirtgrp"),
     (1883, "tcp", "mqtt", "mqtt"), (8883, "tcp", "mqtts", "secure-mqtt"), (1080, "tcp", "socks", "socks")],
)
def test_protocols_beyond_the_tutorial_have_their_iana_ports(port, transport, key, service):
    [match] = CATALOG.by_port(port, transport)
    assert (match.protocol.key, match.port.service) == (key, service)


def test_protocols_without_a_stdlib_client_name_a_pypi_project():
    for protocol in CATALOG.protocols.values():
        assert protocol.clients or protocol.servers or protocol.pypi, protocol.key
    assert CATALOG.protocol("ssh").pypi == ("paramiko", "asyncssh")
    assert CATALOG.protocol("websocket").over == "http"
    # XML-RPC and WebSocket run over HTTP's ports (RFC 6455: 80 and 443); HTTP's probe goes first there
    assert [match.protocol.key for match in CATALOG.by_port(80)] == ["http", "xmlrpc", "websocket"]


def test_no_catalogue_protocol_names_a_module_that_is_not_current_today_as_its_only_client():
    for protocol in CATALOG.protocols.values():
        if protocol.clients and not protocol.pypi:
            statuses = [CATALOG.modules[name].status((3, 13)).kind for name in protocol.clients]
            assert "current" in statuses, protocol.key


def test_coverage_page_names_every_module_and_protocol_and_leaves_out_only_what_is_absent():
    page = (Path(__file__).parent.parent / "docs" / "catalogue-coverage.md").read_text(encoding="utf-8")
    covered, left_out = page.split("## Left out, on purpose", 1)
    named = set(re.findall(r"`([\w.-]+)`", covered))
    assert set(CATALOG.modules) <= named, sorted(set(CATALOG.modules) - named)
    assert set(CATALOG.protocols) <= named, sorted(set(CATALOG.protocols) - named)
    absent = set(re.findall(r"`([\w.]+)`", left_out.split("## Output and JSON fields", 1)[0]))
    assert not absent & set(CATALOG.modules), sorted(absent & set(CATALOG.modules))


# -- status for a target Python ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "target", "kind", "since", "advice"),
    [
        ("telnetlib", "3.11", "deprecated", "3.11", "socket"),
        ("telnetlib", "3.12", "deprecated", "3.11", "socket"),
        ("telnetlib", "3.13", "removed", "3.13", "socket"),
        ("telnetlib", "2.7", "current", None, None),
        ("httplib", "2.7", "current", None, None),
        ("httplib", "3.0", "renamed", "3.0", "http.client"),
        ("http.client", "2.7", "not-yet", "3.0", None),
        ("asyncio", "3.3", "not-yet", "3.4", None),
        ("asyncio", "3.4", "current", None, None),
        ("smtpd", "3.12", "removed", "3.12", "aiosmtpd (PyPI)"),
        ("gopherlib", "2.5", "deprecated", "2.5", "socket"),
        ("gopherlib", "2.6", "removed", "2.6", "socket"),
        ("urllib2", "3.13", "renamed", "3.0", "urllib.request"),
        ("SocketServer", "3.11", "renamed", "3.0", "socketserver"),
    ],
)
def test_status_for_target(module, target, kind, since, advice):
    status = CATALOG.module(module).status(parse_version(target))
    assert (status.kind, status.since, status.advice) == (kind, since, advice)


def test_documented_deprecation_before_the_import_warning_is_recorded_as_both_facts():
    asyncore = CATALOG.module("asyncore")
    on_38, on_310 = asyncore.status((3, 8)), asyncore.status((3, 10))
    assert on_38.kind == on_310.kind == "deprecated"
    assert (on_38.warns_on_import, on_310.warns_on_import) == (False, True)
    assert "import warns from 3.10" in on_38.summary()
    assert on_38.removal == "3.12"


def test_summary_is_one_line_with_pep_and_replacement():
    assert CATALOG.module("telnetlib").status((3, 13)).summary() == "removed in 3.13 (PEP 594) → socket"
    assert CATALOG.module("httplib").status((3, 11)).summary() == "renamed in 3.0 (PEP 3108) → http.client"


def test_pep_594_modules_name_their_pypi_backport():
    for name in ("telnetlib", "nntplib", "smtpd", "asyncore", "asynchat", "cgi"):
        module = CATALOG.module(name)
        assert module.pep == 594 and module.backport == f"standard-{name}"


def test_lookup_is_case_insensitive_and_suggests():
    assert CATALOG.module("SIMPLEHTTPSERVER").name == "SimpleHTTPServer"
    assert CATALOG.module("SocketServer").name == "SocketServer"
    assert CATALOG.module("socketserver").name == "socketserver"
    assert CATALOG.module("htplib") is None
    assert "httplib" in CATALOG.suggest_modules("htplib")
    assert CATALOG.protocol("IMAP4").key == "imap"
    assert CATALOG.protocol("socket").key == "tcp"


def test_substitution_for_modules_gone_or_going():
    assert CATALOG.substitution("http", (3, 11)) is None
    telnet = CATALOG.substitution("telnet", (3, 13))
    assert (telnet.used, telnet.message) == ("socket", "telnetlib: removed in 3.13 (PEP 594) → socket")
    assert CATALOG.substitution("nntp", (3, 11)).used == "socket"  # deprecated is enough
    assert CATALOG.substitution("gopher", (3, 11)).legacy == "gopherlib"


# -- the catalogue against other sources of truth ----------------------------------------------


TWO_TO_THREE = r"""
import json, warnings
warnings.simplefilter("ignore")
from lib2to3.fixes import fix_imports, fix_urllib
print(json.dumps({"imports": fix_imports.MAPPING, "urllib": fix_urllib.MAPPING}))
"""


def two_to_three_mappings() -> dict:
    """2to3's final rename tables: from the newest local Python that still has lib2to3 (gone in 3.13)."""
    for python in reversed(INTERPRETERS):
        run = subprocess.run([python, *STDLIB_ONLY, "-c", TWO_TO_THREE], capture_output=True, text=True, check=False)
        if run.returncode == 0:
            return json.loads(run.stdout)
    pytest.fail("no Python with lib2to3 (3.0-3.12) on this machine to check the catalogue against")


def test_renames_agree_with_2to3():
    mappings = two_to_three_mappings()
    fix_imports, fix_urllib = mappings["imports"], mappings["urllib"]
    checked = 0
    for module in CATALOG.modules.values():
        if module.name in fix_imports:
            assert module.renamed_to == fix_imports[module.name], module.name
            checked += 1
        elif module.renamed:
            assert module.name == "urllib2", f"{module.name} is renamed in the catalogue but not in 2to3"
    assert checked >= 14
    network = {"httplib", "BaseHTTPServer", "SimpleHTTPServer", "CGIHTTPServer", "Cookie", "cookielib", "xmlrpclib",
               "SimpleXMLRPCServer", "DocXMLRPCServer", "SocketServer", "urlparse", "robotparser", "HTMLParser",
               "htmlentitydefs"}
    assert network <= set(fix_imports) and network <= set(CATALOG.modules)
    for old, moves in fix_urllib.items():
        expected = {attribute: new for new, attributes in moves for attribute in attributes}
        for attribute, new in CATALOG.module(old).moved_attributes.items():
            # names 2to3 does not move are held against the interpreters (test_api_interpreters.py)
            assert expected.get(attribute, new) == new, f"{old}.{attribute}"
    assert set(fix_urllib["urllib"][0][1]) <= set(CATALOG.module("urllib").moved_attributes)


def test_every_module_has_a_source_and_every_protocol_an_existing_probe_family():
    probes = Path(__import__("netref.probes").probes.__file__).parent
    for module in CATALOG.modules.values():
        assert module.sources and all(source.startswith("http") for source in module.sources)
    for protocol in CATALOG.protocols.values():
        if protocol.family:
            assert (probes / f"{protocol.family}.py").is_file(), protocol.key


def test_system_services_database_fallback():
    match = lookup_service(22, "tcp")
    assert match is not None and match.port.service == "ssh" and match.protocol is None
    assert lookup_service(1, "udp") is None or match.source == "system services database"


# -- validation of a hand-edited catalogue ------------------------------------------------------


@pytest.fixture
def catalogue_copy(tmp_path) -> Path:
    path = tmp_path / "catalog.toml"
    shutil.copy(default_catalog_path(), path)
    return path


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('name = "SMTP"\n', "", r"protocols\.smtp: missing required field 'name'"),
        ("{ number = 25,", "{ number = 70000,",
         r"protocols\.smtp\.ports\[0\]: port 70000 is not a number from 0 to 65535"),
        ('removed = "3.13"\nreplacement = "socket"\npypi = ["telnetlib3"',
         'removed = "3.x"\nreplacement = "socket"\npypi = ["telnetlib3"',
         r"modules\.telnetlib: removed: not a Python version: '3\.x'"),
        ('clients = ["smtplib"]\nservers = ["smtpd"]\nprobe_module = "smtplib"\nfamily = "smtp"\ntutorial',
         'clients = ["smtplibx"]\nservers = ["smtpd"]\nprobe_module = "smtplib"\nfamily = "smtp"\ntutorial',
         r"protocols\.smtp: names module 'smtplibx', which has no \[modules\] entry"),
        ('summary = "Telnet client"\n', 'summary = "Telnet client"\nremovd = "3.13"\n',
         r"modules\.telnetlib: unknown field 'removd'"),
        ("transport = \"tcp\", service = \"smtp\"", "transport = \"sctp\", service = \"smtp\"",
         r"protocols\.smtp\.ports\[0\]: transport must be one of tcp, udp"),
        ("schema = 1", "schema = 2", r"schema: expected `schema = 1`"),
        ("default_port = 25\n", "default_port = 26\n", r"protocols\.smtp: default_port 26 is not among its ports"),
        ('renamed_to = "http.client"\n', "", r"modules\.httplib: 'renamed' and 'renamed_to' go together"),
    ],
)
def test_a_broken_catalogue_names_the_file_and_the_entry(catalogue_copy, old, new, message):
    edit(catalogue_copy, old, new)
    with pytest.raises(CatalogError, match=re.escape(str(catalogue_copy)) + ": " + message):
        load_catalog(catalogue_copy)


def test_not_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[protocols\n")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(bad)
    with pytest.raises(CatalogError, match="no such catalogue file"):
        load_catalog(tmp_path / "missing.toml")


def test_environment_variable_points_at_another_catalogue(catalogue_copy, monkeypatch):
    edit(catalogue_copy, 'name = "SMTP"', 'name = "Simple Mail"')
    monkeypatch.setenv("NETREF_DATA", str(catalogue_copy))
    assert load_catalog().protocol("smtp").name == "Simple Mail"


def test_a_corrupt_cache_entry_is_ignored(catalogue_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    edit(catalogue_copy, 'name = "SMTP"', 'name = "SMTP (cached)"')
    assert load_catalog(catalogue_copy).protocol("smtp").name == "SMTP (cached)"
    [entry] = (tmp_path / "cache" / "netref").iterdir()
    entry.write_bytes(b"\x00garbage")
    from netref.catalog import _load

    _load.cache_clear()
    assert load_catalog(catalogue_copy).protocol("smtp").name == "SMTP (cached)"


def test_the_cached_catalogue_equals_the_validated_one(catalogue_copy, tmp_path, monkeypatch):
    from netref.catalog import _load

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    validated = load_catalog(catalogue_copy)  # no cache entry yet: parsed and validated
    assert len(list((tmp_path / "cache" / "netref").iterdir())) == 1
    _load.cache_clear()
    cached = load_catalog(catalogue_copy)
    assert cached is not validated
    assert cached.protocols == validated.protocols and cached.modules == validated.modules
    assert isinstance(cached.protocol("ftp").ports[0], type(validated.protocol("ftp").ports[0]))
    assert type(cached.protocol("ftp").tutorial) is type(validated.protocol("ftp").tutorial)


@pytest.mark.parametrize("garbage", [b"\x00garbage", b"", __import__("marshal").dumps([1, 2]),
                                     __import__("marshal").dumps({"protocols": {"x": (1,)}, "modules": {}})])
def test_a_cache_entry_of_the_wrong_shape_means_validating_again(catalogue_copy, tmp_path, monkeypatch, garbage):
    from netref.catalog import _load

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    load_catalog(catalogue_copy)
    [entry] = (tmp_path / "cache" / "netref").iterdir()
    entry.write_bytes(garbage)
    _load.cache_clear()
    assert load_catalog(catalogue_copy).protocol("ftp").default_port == 21


def test_an_edit_is_seen_at_once_despite_the_cache(catalogue_copy):
    assert load_catalog(catalogue_copy).protocol("pop3").name == "POP3"
    edit(catalogue_copy, 'name = "POP3"', 'name = "POP"')
    from netref.catalog import _load

    _load.cache_clear()
    assert load_catalog(catalogue_copy).protocol("pop3").name == "POP"
