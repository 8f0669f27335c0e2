"""Identification from the first bytes a server sends: greetings as real servers send them.

The greetings below are in the forms these implementations send (host names and dates
replaced); several implementations per protocol, and the cross cases where protocols share a
reply code (FTP and SMTP both greet with 220).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_catalog import edit

from netref.catalog import CatalogError, default_catalog_path, load_catalog
from netref.identify import TLS, candidates, hello_plan, hellos, identify, speaks

CATALOG = load_catalog()


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.toml"
    shutil.copy(default_catalog_path(), path)
    return path

GREETINGS = [
    # SMTP: Postfix, Exim, Sendmail, Microsoft Exchange, OpenSMTPD, qmail, aiosmtpd, Gmail
    (b"220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n", "smtp", "Postfix"),
    (b"220 mx.example.org ESMTP Exim 4.96 Mon, 30 Nov 2026 09:00:00 +0000\r\n", "smtp", "Exim 4.96"),
    (b"220 host.example.org ESMTP Sendmail 8.15.2/8.15.2/Debian-22; Mon, 30 Nov 2026 09:00:00 GMT\r\n", "smtp", "Sendmail 8.15.2/8.15.2"),
    (b"220 EXCH01.contoso.com Microsoft ESMTP MAIL Service ready at Mon, 30 Nov 2026 09:00:00 +0000\r\n", "smtp", "Microsoft ESMTP MAIL Service"),
    (b"220 mail.example.org ESMTP OpenSMTPD\r\n", "smtp", "OpenSMTPD"),
    (b"220 mail.example.org ESMTP\r\n", "smtp", None),
    (b"220 host.example.org Python SMTP 1.4.6\r\n", "smtp", "Python SMTP 1.4.6"),
    (b"220 smtp.gmail.com ESMTP a1si12345wrx.1 - gsmtp\r\n", "smtp", None),
    (b"220-mail.example.org ESMTP Exim 4.97 #2\r\n220-We do not authorize the use of this system\r\n220 and/or to transport unsolicited mail\r\n", "smtp", "Exim 4.97"),
    (b"554 mail.example.org ESMTP not accepting messages\r\n", "smtp", None),
    (b"220 ftp.example.org ESMTP Postfix\r\n", "smtp", "Postfix"),  # a host named ftp.* is no FTP server
    # FTP: vsftpd, ProFTPD, Pure-FTPd, FileZilla (old and new), Microsoft, pyftpdlib, BSD's tnftpd
    (b"220 (vsFTPd 3.0.3)\r\n", "ftp", "vsFTPd 3.0.3"),
    (b"220 ProFTPD Server (Debian) [::ffff:192.0.2.1]\r\n", "ftp", "ProFTPD"),
    (b"220 ProFTPD 1.3.8 Server (ProFTPD Default Installation) [192.0.2.1]\r\n", "ftp", "ProFTPD 1.3.8"),
    (b"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n220-Local time is now 09:00. Server port: 21.\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n", "ftp", "Pure-FTPd"),
    (b"220-FileZilla Server 1.7.3\r\n220 Please visit https://filezilla-project.org/\r\n", "ftp", "FileZilla Server 1.7.3"),
    (b"220-FileZilla Server version 0.9.60 beta\r\n220-written by Tim Kosse (tim.kosse@filezilla-project.org)\r\n220 Please visit https://filezilla-project.org/\r\n", "ftp", "FileZilla Server version 0.9.60 beta"),
    (b"220 Microsoft FTP Service\r\n", "ftp", "Microsoft FTP Service"),
    (b"220 pyftpdlib 1.5.9 ready.\r\n", "ftp", "pyftpdlib 1.5.9"),
    (b"220 host.example.org FTP server (tnftpd 20200704) ready.\r\n", "ftp", "tnftpd 20200704"),
    # POP3: Dovecot, Courier, Cyrus, Qpopper
    (b"+OK Dovecot (Debian) ready.\r\n", "pop3", "Dovecot (Debian)"),
    (b"+OK Hello there.\r\n", "pop3", None),
    (b"+OK mail.example.org Cyrus POP3 v2.4.17-Debian-2.4.17 server ready <1234.5678@mail.example.org>\r\n", "pop3", "Cyrus POP3 v2.4.17-Debian-2.4.17"),
    (b"+OK Qpopper (version 4.1.0) at mail.example.org starting.\r\n", "pop3", "Qpopper (version 4.1.0)"),
    # IMAP: Dovecot, Courier, Cyrus, a PREAUTH greeting
    (b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n", "imap", "Dovecot (Debian)"),
    (b"* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION STARTTLS] Courier-IMAP ready. Copyright 1998-2011 Double Precision, Inc.  See COPYING for distribution information.\r\n", "imap", "Courier-IMAP"),
    (b"* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS AUTH=PLAIN SASL-IR] mail.example.org Cyrus IMAP v2.4.17-Debian-2.4.17 server ready\r\n", "imap", "Cyrus IMAP v2.4.17-Debian-2.4.17"),
    (b"* PREAUTH [CAPABILITY IMAP4rev1] logged in as joe\r\n", "imap", None),
    # A protocol's own words name no program (issue 18): the greetings of RFC 9051 6.2.3, RFC 1939 4
    # and RFC 5321 4.3.1's "220 domain ESMTP" name the protocol only
    (b"* OK IMAP4rev1 Service Ready\r\n", "imap", None),
    (b"* OK [CAPABILITY IMAP4rev2 STARTTLS AUTH=PLAIN] IMAP4rev2 server ready\r\n", "imap", None),
    (b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n", "pop3", None),
    (b"+OK POP3 Ready\r\n", "pop3", None),
    (b"220 ESMTP\r\n", "smtp", None),
    # NNTP: INN (reader and transit), Leafnode
    (b"200 news.example.org InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n", "nntp", "INN 2.7.1"),
    (b"201 news.example.org InterNetNews server INN 2.6.4 ready (transit mode)\r\n", "nntp", "INN 2.6.4"),
    (b"200 Leafnode NNTP Daemon, version 1.11.11 running at news.example.org (my fqdn: news.example.org)\r\n", "nntp", "Leafnode NNTP Daemon, version 1.11.11"),
    # Telnet: option negotiation first (inetutils telnetd, BusyBox telnetd)
    (b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27", "telnet", None),
    (b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18\xff\xfd\x1f", "telnet", None),
    # HTTP: answers to the hello (nginx, Apache, a Python http.server)
    (b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n", "http", "nginx/1.22.1"),
    (b"HTTP/1.1 400 Bad Request\r\nDate: Mon, 30 Nov 2026 09:00:00 GMT\r\nServer: Apache/2.4.62 (Debian)\r\n\r\n", "http", "Apache/2.4.62 (Debian)"),
    (b"HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\n\r\n", "http", "SimpleHTTP/0.6 Python/3.11.7"),
    # HTTPS servers answering a plaintext request: that is HTTPS, not a broken HTTP server
    (b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\n\r\n<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n", "https", "nginx/1.22.1"),
    (b"HTTP/1.1 400 Bad Request\r\nServer: Apache/2.4.62 (Debian)\r\n\r\n<p>Your browser sent a request that this server could not understand.<br />\nReason: You're speaking plain HTTP to an SSL-enabled server port.<br />\n", "https", "Apache/2.4.62 (Debian)"),
    (b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n", "https", None),
    # Gopher: a menu (Gophernicus's footer names it)
    (b"iWelcome to the example gopher server\t\terror.host\t1\r\n1Phlog\t/phlog\tgopher.example.org\t70\r\niGophered by Gophernicus/3.1.1 on Debian/12 x86_64\t\terror.host\t1\r\n.\r\n", "gopher", "Gophernicus/3.1.1"),
    (b"0About this server\t/about.txt\tgopher.example.org\t70\r\n.\r\n", "gopher", None),
]


@pytest.mark.parametrize(("greeting", "protocol", "software"), GREETINGS)
def test_real_greetings_are_identified_with_certainty_and_their_software(greeting, protocol, software):
    found = identify(greeting, CATALOG)
    assert found is not None, greeting
    assert (found.protocol, found.software) == (protocol, software)
    assert found.certain


def test_software_comes_with_where_the_server_said_it():
    assert identify(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", CATALOG)[2:] == ("OpenSSH_9.2p1", "SSH version line")
    assert identify(b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n", CATALOG)[2:] == ("nginx/1.22.1", "Server header")
    assert identify(b"+OK Dovecot (Debian) ready.\r\n", CATALOG)[2:] == ("Dovecot (Debian)", "greeting")
    assert identify(b"+OK POP3 Ready\r\n", CATALOG)[2:] == (None, None)


def test_a_software_pattern_that_catches_a_protocol_word_names_nothing(catalogue_copy):
    # the rule is the matcher's, not the patterns': a user's catch-all pattern over an IMAP greeting
    # still never reports "IMAP4rev1", nor any protocol's key or name ("SMTP", "HTTP/1.1")
    edit(catalogue_copy, "software = [\n    '\\b(Dovecot", "software = [\n    '^\\* OK (?:\\[[^]]*\\] )?(\\S+)',\n    '\\b(Dovecot")
    catalog = load_catalog(catalogue_copy)
    assert identify(b"* OK IMAP4rev1 Service Ready\r\n", catalog).software is None
    assert identify(b"* OK [CAPABILITY IMAP4rev1] SMTP ready\r\n", catalog).software is None
    assert identify(b"* OK Dovecot ready.\r\n", catalog).software == "Dovecot"


def test_a_bare_220_is_smtp_or_ftp_a_guess_split_between_them():
    found = candidates(b"220 Welcome\r\n", CATALOG)
    assert {item.protocol for item in found} == {"smtp", "ftp"}
    assert all(item.confidence == 0.25 and not item.certain for item in found)


@pytest.mark.parametrize("greeting", [b"200 OK\r\n", b"502 Service permanently unavailable\r\n"])
def test_an_nntp_reply_code_alone_is_a_guess(greeting):
    found = identify(greeting, CATALOG)
    assert found is not None and found.protocol == "nntp" and not found.certain


def test_the_hello_plan_is_the_ports_own_then_the_blind_ones_by_order(catalogue_copy):
    assert hello_plan(CATALOG)[:2] == [b"GET / HTTP/1.0\r\n\r\n", b"\r\n"]  # order 10, then 90
    assert hello_plan(CATALOG, "gopher")[0] == b"\r\n"  # a port's usual protocol goes first
    edit(catalogue_copy, "order = 90", "order = 5")
    assert load_catalog(catalogue_copy).protocols["gopher"].identify.order == 5
    assert hello_plan(load_catalog(catalogue_copy))[0] == b"\r\n"


def test_a_binary_hello_that_is_not_blind_is_sent_only_on_its_own_port(catalogue_copy):
    # SOCKS5's method offer (RFC 1928 3: VER 5, one method, 0 = no authentication), as \u00XX escapes
    edit(
        catalogue_copy,
        "[protocols.tcp]\n",
        '[protocols.socks5x]\nname = "SOCKS5 test"\nfunction = "proxy"\nports = []\nclients = ["socket"]\n'
        'probe_module = "socket"\nsources = ["https://www.rfc-editor.org/rfc/rfc1928"]\n'
        'identify = { first = "client", hello = "\\u0005\\u0001\\u0000", blind = false, '
        "patterns = ['^\\x05[\\x00\\x02\\xff]'] }\n\n[protocols.tcp]\n",
    )
    catalog = load_catalog(catalogue_copy)
    assert b"\x05\x01\x00" not in hello_plan(catalog)
    assert hello_plan(catalog, "socks5x")[0] == b"\x05\x01\x00"
    assert identify(b"\x05\x00", catalog).protocol == "socks5x"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("order = 90", "order = -1", r"protocols\.gopher\.identify: 'order' must be a whole number"),
        ("order = 90", "blind = 1", r"protocols\.gopher\.identify: 'blind' must be true or false"),
        ('hello = "\\r\\n"', 'hello = "\\u0100"', r"protocols\.gopher\.identify: 'hello' is bytes"),
    ],
)
def test_bad_hello_facts_name_the_entry(catalogue_copy, old, new, message):
    edit(catalogue_copy, old, new)
    with pytest.raises(CatalogError, match=message):
        load_catalog(catalogue_copy)


@pytest.mark.parametrize(
    "record",
    [
        b"\x15\x03\x03\x00\x02\x02\x46",  # alert: unknown_ca
        b"\x16\x03\x03\x00\x5a\x02\x00\x00\x56\x03\x03",  # handshake: ServerHello
        b"\x15\x03\x01\x00\x02\x02\x46",
    ],
)
def test_a_tls_record_is_tls(record):
    assert identify(record, CATALOG) == (TLS, 1.0, None, None)


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world\r\n", b"SPAMSPAM", b"\x00\x01\x02", b"220", b"HTTP/", b"+OKAY\r\n"],
)
def test_what_no_protocol_says_is_not_identified(data):
    assert identify(data, CATALOG) is None


def test_ssh_is_recognised_by_its_banner_when_the_catalogue_has_ssh():
    if CATALOG.protocol("ssh") is None:
        pytest.fail("the catalogue has no ssh protocol")
    found = identify(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", CATALOG)
    assert found is not None and (found.protocol, found.software) == ("ssh", "OpenSSH_9.2p1")


def test_only_the_first_bytes_are_read():
    assert identify(b"x" * 5000 + b"\r\n* OK ready\r\n", CATALOG) is None


def test_client_first_protocols_say_what_to_send():
    sent = hellos(CATALOG)
    assert sent["http"].startswith(b"GET / HTTP/1.0\r\n") and sent["http"].endswith(b"\r\n\r\n")
    assert sent["gopher"] == b"\r\n"
    assert "smtp" not in sent


@pytest.mark.parametrize(
    ("expected", "answered", "same"),
    [
        ("smtp", "smtp", True),
        ("submission", "smtp", True),
        ("smtps", "smtp", True),
        ("xmlrpc", "http", True),
        ("https", "http", True),
        ("ftp", "smtp", False),
        ("pop3", "imap", False),
        ("http", TLS, False),
    ],
)
def test_which_answers_speak_the_probed_protocols_dialect(expected, answered, same):
    assert speaks(CATALOG, expected, answered) is same


def test_a_users_catalogue_can_teach_a_new_service(catalogue_copy):
    edit(
        catalogue_copy,
        "[protocols.tcp]\n",
        "[protocols.redis]\nname = \"Redis\"\nfunction = \"Key-value store\"\nports = []\n"
        "clients = [\"socket\"]\nprobe_module = \"socket\"\nsources = [\"https://redis.io/docs/latest/develop/reference/protocol-spec/\"]\n"
        "identify = { first = \"client\", hello = \"PING\\r\\n\", patterns = ['^\\+PONG\\r?$'] }\n\n"
        "[protocols.tcp]\n",
    )
    catalog = load_catalog(catalogue_copy)
    found = identify(b"+PONG\r\n", catalog)
    assert found is not None and found.protocol == "redis"
    assert hellos(catalog)["redis"] == b"PING\r\n"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("patterns = ['^\\+OK\\b']", "patterns = ['^\\+OK(']", r"protocols\.pop3\.identify: patterns: bad regular expression"),
        ("'\\b(Postfix)\\b',", "'\\bPostfix\\b',", r"protocols\.smtp\.identify: software: .* needs exactly one group"),
        ('hello = "\\r\\n"\n', "", r"protocols\.gopher\.identify: 'hello' .* goes with first = \"client\""),
        ("[protocols.pop3.identify]\nfirst = \"server\"", "[protocols.pop3.identify]\nfirst = \"nobody\"", r"protocols\.pop3\.identify: 'first' must be one of server, client"),
    ],
)
def test_broken_identification_facts_name_the_entry(catalogue_copy, old, new, message):
    edit(catalogue_copy, old, new)
    with pytest.raises(CatalogError, match=re.escape(str(catalogue_copy)) + ": " + message):
        load_catalog(catalogue_copy)


def test_every_probe_family_but_raw_tcp_can_be_identified():
    """From what its server says over TCP (``identify``) or over UDP (``identify_udp``); syslog's
    collector never answers, and raw tcp is whatever answers."""
    families = {p.family for p in CATALOG.protocols.values() if p.identify or p.identify_udp} | {"tcp", "syslog"}
    assert families >= {p.family for p in CATALOG.protocols.values() if p.family}


def test_dns_over_tcp_is_identified_by_its_length_prefixed_answer():
    """unbound's answer to the root SOA question (tests/probes/udp_captures/dns.json), sent over TCP
    as RFC 1035 §4.2.2 frames it (two-byte length) and with the scan's id "nr": DNS. The hello is
    binary, so it is sent only on DNS's own ports (53/tcp, and inside TLS on DoT's 853)."""
    import json

    capture = Path(__file__).parent / "probes" / "udp_captures" / "dns.json"
    [unbound] = [entry for entry in json.loads(capture.read_text()) if entry["version"].startswith("Debian unbound")
                 and entry["options"]["query"] is None]  # fmt: skip
    answer = b"nr" + bytes.fromhex(unbound["exchanges"][0]["replies"][0])[2:]
    found = identify(len(answer).to_bytes(2, "big") + answer, CATALOG)
    assert found is not None and (found.protocol, found.confidence) == ("dns", 1.0)
    hello = hellos(CATALOG)["dns"]
    assert hello[:2] == len(hello[2:]).to_bytes(2, "big") and hello[2:4] == b"nr"
    assert hello_plan(CATALOG, "dns")[0] == hello_plan(CATALOG, "dot")[0] == hello
    assert hello not in hello_plan(CATALOG, "http") and hello not in hello_plan(CATALOG, None)
    assert identify(b"\x00\x11nr\x01\x00", CATALOG) is None  # the question itself is no answer
