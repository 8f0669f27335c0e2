r"""In-process cost of a probe, side by side with a raw socket exchange of the same bytes.

Target (issue 18, point 6; issue 3, point 12): probe time ÷ raw exchange time ≤ 1.20 (medians).

Each case is a conversation: the bytes the probe sends and the bytes the server answers, turn by
turn. A loopback server (in a child process, so that its threads do not compete with the
measured code for the GIL) replays the server's bytes and checks that the client sent exactly
the case's bytes: a probe that sends anything else stops the run, saying what it sent. Against
that server, in the same process and interleaved (each side first in half of the rounds):

- **netref**: ``run_probe(protocol, ProbeOptions("127.0.0.1", port=..., timeout=10))``, which
  adds the catalogue lookup, option checks, the deadline machinery (guarded reads, the
  watchdog), the stdlib client, the verdict and its report data, and the identification of
  what answered;
- **raw**: what a minimal correct client must do, nothing more: a socket, connect, for each turn
  send the case's bytes and read until the whole answer is in (counted in bytes: the cheapest
  framing check there is, cheaper than any parser), close. Over TLS it verifies the
  certificate against the same CA with one context for all rounds (as netref keeps its own).

Both sides are **warm**: a warm-up of both before the clock (imports, the catalogue, TLS
contexts, the server's threads). Times are wall-clock medians with the spread (25th–75th
percentile) over ``--rounds`` rounds; the per-round ratio (the two runs of a round sit side by
side in time, so they share the machine's noise) and the CPU time of the measuring thread are
printed beside them (as a ratio, and as the probe's CPU microseconds beyond the raw exchange's:
its fixed cost): on a busy machine these move least.

To add a protocol, add a :class:`Case` to :data:`CASES`: its key, and its turns as
``(client bytes, server bytes)`` pairs; a first turn with empty client bytes is a server that
speaks first. Run with ``--protocols KEY`` and paste what the server reports the probe sent if it
differs. ``tls=True`` runs the whole conversation inside TLS (implicit TLS); ``options`` are extra
``ProbeOptions`` fields; ``settle`` is how long the client listens after the last turn for a
refusal that may come (syslog over TLS: the probe waits :data:`netref.probes.syslog.SETTLE` for an
alert, so the raw client waits as long).

Placeholders in a case's bytes:

- ``{port}`` is the server's port (an HTTP Host header), ``{pid}`` the measuring process's id
  (syslog puts it in the message): constants of the run, known to both sides;
- ``{NAME}`` for one of the case's :class:`Field`\ s is a part the probe draws afresh on every run
  (an IMAP tag, an MQTT client id, an IRC nick, a WebSocket key and mask, a syslog message id and
  time stamp). The server matches it by the field's fixed-length pattern, every other byte of the
  turn literally (so the check stays byte for byte), keeps what the client sent, and fills it into
  its answers (an IRC server echoes the nick, an IMAP server the tag); a field with ``derive`` is
  computed from the others — what a real server computes (a ``Sec-WebSocket-Accept`` from the key)
  or what the client must send given its draw (a masked payload from the mask) — and where the
  client sends it, it must be exactly that. The raw client sends each field's ``raw`` value (the
  one the capture was made with, so its answers are the captured bytes exactly).

Fields rather than seeding the probes' random draws: the probe runs untouched, with the costs of
its real draws (``secrets``, ``os.urandom``), and nothing global (``os.urandom`` is TLS's source
too) is patched in the measured process.

    python benchmarks/probe_overhead.py [--rounds 400] [--protocols tcp http ...]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import socket
import socketserver
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "probes"))  # the captures

import captures_http_carried as http_carried
import captures_irc_xmpp as irc_xmpp
import captures_mqtt_socks as mqtt_socks
import captures_ssh

from netref import __version__
from netref.probes import ProbeOptions, run_probe, syslog

TARGET = 1.20
#: The measuring process's id, for ``{pid}``: the server's process (a child) finds it here.
_PID_VARIABLE = "NETREF_BENCH_CLIENT_PID"
CLIENT_PID = int(os.environ.get(_PID_VARIABLE) or os.getpid())


@dataclass(frozen=True)
class Field:
    """A part of the client's bytes that the probe draws afresh each time (``{name}`` in a case).

    ``pattern`` must match exactly ``len(raw)`` bytes (the server reads each turn by its length);
    ``derive``, when set, computes the field from the values of the others instead."""

    name: str
    pattern: bytes
    raw: bytes = b""
    derive: Callable[[Mapping[str, bytes]], bytes] | None = None


@dataclass(frozen=True)
class Case:
    """One protocol's conversation: ``turns`` of (what the probe sends, what the server answers)."""

    protocol: str
    turns: tuple[tuple[bytes, bytes], ...]
    tls: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    fields: tuple[Field, ...] = ()
    settle: float = 0.0

    def __post_init__(self) -> None:
        values = raw_values(self)
        for one in self.fields:
            if not re.fullmatch(one.pattern, values[one.name], re.DOTALL):
                raise ValueError(f"{self.protocol}: field {one.name}: {values[one.name]!r} does not match its pattern")


def raw_values(case: Case) -> dict[str, bytes]:
    """What the raw client sends for each field: ``raw``, or derived from the others."""
    values = {one.name: one.raw for one in case.fields if one.derive is None}
    values.update({one.name: one.derive(values) for one in case.fields if one.derive is not None})
    return values


_HEAD = (
    b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\n"
    b"User-Agent: netref-probe\r\nAccept: */*\r\n\r\n"
)
#: nginx 1.22.1's answer to HEAD (tests/probes/real_bytes.py's date and server line), status 200.
_NGINX_HEAD = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Fri, 04 Dec 2026 14:37:36 GMT\r\n"
    b"Content-Type: text/html\r\nContent-Length: 615\r\nLast-Modified: Fri, 04 Dec 2026 14:30:00 GMT\r\n"
    b'Connection: keep-alive\r\nETag: "6750d1a8-267"\r\nAccept-Ranges: bytes\r\n\r\n'
)
_SMTP = (
    (b"", b"220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n"),
    (
        b"ehlo [127.0.0.1]\r\n",
        b"250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
        b"250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
    ),
    (b"quit\r\n", b"221 2.0.0 Bye\r\n"),
)

_PLACEHOLDER = re.compile(rb"\{(\w+)\}")


def fill(data: bytes, port: int, values: Mapping[str, bytes]) -> bytes:
    """``data`` with its placeholders replaced: the run's constants, then the fields' ``values``."""
    constants = {b"port": str(port).encode(), b"pid": str(CLIENT_PID).encode()}

    def one(match: re.Match[bytes]) -> bytes:
        name = match[1]
        return constants.get(name) or values.get(name.decode(), match[0])

    return _PLACEHOLDER.sub(one, data)


#: imaplib's tags: a prefix of four random letters A–P (drawn per connection), then a counter.
IMAP_TAG = Field("tag", rb"[A-P]{4}", b"ABCD")


def templated(data: bytes, fields: Mapping[bytes, bytes]) -> bytes:
    """A capture with the values it was made with (``fields``: value → ``{name}``) as placeholders."""
    for value, placeholder in fields.items():
        data = data.replace(value, placeholder)
    return data


def _ws_accept(values: Mapping[str, bytes]) -> bytes:
    """RFC 6455 4.2.2, computed here (not by the probe's code): base64(SHA-1(key + the GUID))."""
    return base64.b64encode(hashlib.sha1(values["key"] + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())


def _ws_masked_close(values: Mapping[str, bytes]) -> bytes:
    """The Close frame's payload (code 1000) masked with the client's mask (RFC 6455 5.3)."""
    return bytes(byte ^ values["mask"][index % 4] for index, byte in enumerate(b"\x03\xe8"))


def _ldap(name: str) -> list[tuple[bytes, bytes]]:
    """A capture of tests/probes/captures_ldap.json as turns: each request the probe sent, its answer."""
    captures = json.loads((Path(__file__).resolve().parents[1] / "tests/probes/captures_ldap.json").read_text())
    capture = next(entry for entry in captures if entry["name"] == name)
    return [(bytes.fromhex(step["sent"]), bytes.fromhex(step["received"])) for step in capture["exchanges"]]


#: The ldap probe's UnbindRequest after its search (message ID 2): the server answers nothing.
_LDAP_UNBIND = (b"0\x05\x02\x01\x02B\x00", b"")

#: mqtt: the probe's 3.1.1 CONNECT (clean session, keep alive 60, its client id of 18 characters),
#: mosquitto 2.0.11's CONNACK (captures_mqtt_socks.py, made with client id ``netref00c0ffee0001``), DISCONNECT.
_MQTT = (
    (b"\x10\x1e\x00\x04MQTT\x04\x02\x00<\x00\x12{client_id}", mqtt_socks.MOSQUITTO_311_ACCEPTED),
    (b"\xe0\x00", b""),
)
_MQTT_ID = Field("client_id", rb"netref[0-9a-f]{12}", b"netref00c0ffee0001")

#: websocket: the probe's Upgrade (a fresh key) and its masked Close frame; websocketd 0.4.1's 101
#: and Close reply (captures_http_carried.py, made with the key WS_KEY), its Accept computed from the key.
_WS_HEAD, _WS_CLOSE = http_carried.WEBSOCKETD.split(b"\r\n\r\n")
_WEBSOCKET = (
    (
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nUser-Agent: netref-probe\r\n\r\n",
        templated(_WS_HEAD + b"\r\n\r\n", {_ws_accept({"key": http_carried.WS_KEY.encode()}): b"{accept}"}),
    ),
    (b"\x88\x82{mask}{masked}", _WS_CLOSE),
)
_WS_FIELDS = (
    Field("key", rb"[A-Za-z0-9+/]{22}==", http_carried.WS_KEY.encode()),
    Field("accept", rb"[A-Za-z0-9+/]{27}=", derive=_ws_accept),
    Field("mask", rb".{4}", b"\x37\xfa\x21\x3d"),
    Field("masked", rb".{2}", derive=_ws_masked_close),
)
assert b"{accept}" in _WEBSOCKET[0][1], "the capture's Accept is not the one its key gives"

#: xmlrpc: the probe's system.listMethods POST to /RPC2; supervisord 4.2.5's answer (41 methods).
_XMLRPC_BODY = (
    b"<?xml version='1.0'?>\n<methodCall>\n<methodName>system.listMethods</methodName>\n<params>\n"
    b"</params>\n</methodCall>\n"
)
_XMLRPC = (
    (
        b"POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\nContent-Type: text/xml\r\n"
        b"User-Agent: netref-probe\r\nContent-Length: %d\r\n\r\n%s" % (len(_XMLRPC_BODY), _XMLRPC_BODY),
        http_carried.SUPERVISORD,
    ),
)

#: irc: ngIRCd 26.1's registration and QUIT (captures_irc_xmpp.py, made with the nick nr1a2b3c).
_IRC = tuple((templated(sent, {b"nr1a2b3c": b"{nick}"}), templated(received, {b"nr1a2b3c": b"{nick}"}))
             for sent, received, _closed in irc_xmpp.NGIRCD_REGISTRATION)  # fmt: skip
_IRC_NICK = Field("nick", rb"nr[0-9a-f]{6}", b"nr1a2b3c")

#: xmpp (``--domain localhost``): ejabberd 23.01's stream header and features (STARTTLS offered),
#: then the close of the stream; xmpps: its direct-TLS listener, the whole capture.
_XMPP = tuple((sent, received) for sent, received, _closed in irc_xmpp.EJABBERD_STARTTLS[::3])
_XMPPS = tuple((sent, received) for sent, received, _closed in irc_xmpp.EJABBERD_DIRECT_TLS)

#: ssh: OpenSSH 9.2p1's version line; netref's; OpenSSH's KEXINIT (captures_ssh.py).
_SSH_VERSION, _SSH_KEXINIT = captures_ssh.split(captures_ssh.OPENSSH_DEFAULT)

#: syslog-tls: one RFC 5424 message, octet-counted (RFC 5425); a collector (rsyslog) answers nothing.
_SYSLOG_MESSAGE = (
    b'<14>1 {stamp} %s netref {pid} probe [origin software="netref" swVersion="%s"] '
    b"netref syslog probe {ident}: a test message, nothing to do"
    % ((socket.gethostname() or "-").split(".")[0][:255].encode() or b"-", __version__.encode())
)
_SYSLOG_FIELDS = (
    Field("stamp", rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z", b"2026-12-04T19:30:00.000Z"),
    Field("ident", rb"[0-9a-f]{16}", b"00c0ffee00c0ffee"),
)


def _octet_counted(message: bytes, fields: tuple[Field, ...]) -> bytes:
    """RFC 5425 4.3 framing, ``MSG-LEN SP`` counted on the message as sent (every field fixed-length)."""
    values = {one.name: one.raw for one in fields}
    return b"%d %s" % (len(fill(message, 0, values)), message)


def _ask_and_quit(protocol: str, greeting: bytes, command: bytes, reply: bytes, bye: bytes) -> Case:
    """A line protocol's conversation as its probe holds it: the greeting, one command (what the
    server can do) and its reply, then QUIT and the goodbye."""
    return Case(protocol, ((b"", greeting), (command, reply), (b"QUIT\r\n", bye)))


#: The conversations measured. Other families add theirs here (see the module's docstring).
CASES: list[Case] = [
    Case("tcp", ((b"", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"),)),
    Case("http", ((_HEAD, _NGINX_HEAD),)),
    Case("https", ((_HEAD, _NGINX_HEAD),), tls=True),
    Case("smtp", _SMTP),
    _ask_and_quit(
        "pop3",
        b"+OK Dovecot (Debian) ready.\r\n",
        b"CAPA\r\n",
        b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\n"
        b"SASL PLAIN\r\n.\r\n",
        b"+OK Logging out\r\n",
    ),
    Case(
        "imap",
        (
            (
                b"",
                b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] "
                b"Dovecot (Debian) ready.\r\n",
            ),
            (
                b"{tag}0 CAPABILITY\r\n",
                b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN\r\n"
                b"{tag}0 OK Pre-login capabilities listed, post-login capabilities have more.\r\n",
            ),
            (b"{tag}1 LOGOUT\r\n", b"* BYE Logging out\r\n{tag}1 OK Logout completed (0.001 + 0.000 secs).\r\n"),
        ),
        fields=(IMAP_TAG,),
    ),
    _ask_and_quit(
        "ftp",
        b"220 (vsFTPd 3.0.3)\r\n",
        b"FEAT\r\n",
        b"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n",
        b"221 Goodbye.\r\n",
    ),
    _ask_and_quit(
        "nntp",
        b"200 news.example.test InterNetNews server INN 2.7.1 ready (transit mode)\r\n",
        b"CAPABILITIES\r\n",
        b"101 Capability list:\r\nVERSION 2\r\nIMPLEMENTATION INN 2.7.1\r\nIHAVE\r\n"
        b"LIST ACTIVE\r\nMODE-READER\r\nSTARTTLS\r\nSTREAMING\r\n.\r\n",
        b"205 Bye!\r\n",
    ),
    Case(
        "gopher",
        (
            (
                b"\r\n",
                b"iWelcome to the bench gopher server\t\terror.host\t1\r\n"
                b"1About this server\t/about\tgopher.example.test\t70\r\n"
                b"0README\t/README.txt\tgopher.example.test\t70\r\n"
                b"7Search\t/search\tgopher.example.test\t70\r\n.\r\n",
            ),
        ),
    ),
    Case("mqtt", _MQTT, fields=(_MQTT_ID,)),
    Case("mqtts", _MQTT, tls=True, fields=(_MQTT_ID,)),
    Case("socks", ((b"\x05\x03\x00\x02\x01", mqtt_socks.SOCKS5_NO_AUTH),)),  # Dante 1.4.2's choice
    Case("ldap", (*_ldap("openldap"), _LDAP_UNBIND)),  # slapd 2.5.13 (captures_ldap.json)
    Case("ldaps", (*_ldap("openldap-ldaps"), _LDAP_UNBIND), tls=True),
    Case("xmlrpc", _XMLRPC),
    Case("xmlrpcs", _XMLRPC, tls=True),
    Case("websocket", _WEBSOCKET, fields=_WS_FIELDS),
    Case("wss", _WEBSOCKET, tls=True, fields=_WS_FIELDS),
    Case("irc", _IRC, fields=(_IRC_NICK,)),
    Case("ircs", _IRC, tls=True, fields=(_IRC_NICK,)),
    Case("xmpp", _XMPP, options={"domain": "localhost"}),
    Case("xmpps", _XMPPS, tls=True, options={"domain": "localhost"}),
    Case("ssh", ((b"", _SSH_VERSION), (b"SSH-2.0-netref_%s\r\n" % __version__.encode(), _SSH_KEXINIT))),
    Case(
        "syslog-tls",
        ((_octet_counted(_SYSLOG_MESSAGE, _SYSLOG_FIELDS), b""),),
        tls=True,
        fields=_SYSLOG_FIELDS,
        settle=syslog.SETTLE,
    ),
]


# -- the server (child process) -------------------------------------------------------------------


def turn_pattern(case: Case, client: bytes, port: int, known: Mapping[str, bytes]) -> re.Pattern[bytes]:
    """A turn's client bytes as a pattern: every byte literal, but each field not yet known (a
    group matching the field's pattern; a second time in the turn, the same value again)."""
    fields = {one.name: one for one in case.fields}
    parts, seen, at = [], set(), 0
    for match in _PLACEHOLDER.finditer(client):
        name = match[1].decode()
        if name not in fields or name in known:
            continue  # a constant, or a value from an earlier turn: filled in, literal
        parts.append(re.escape(fill(client[at : match.start()], port, known)))
        parts.append(b"(?P=%s)" % match[1] if name in seen else b"(?P<%s>%s)" % (match[1], fields[name].pattern))
        seen.add(name)
        at = match.end()
    parts.append(re.escape(fill(client[at:], port, known)))
    return re.compile(b"".join(parts), re.DOTALL)


def check_turn(case: Case, client: bytes, port: int, got: bytes, values: dict[str, bytes]) -> bool:
    """Whether ``got`` is the turn's bytes, byte for byte, with the client's own draws in the
    fields; those go into ``values`` (with what derives from them) for the server's answers."""
    match = turn_pattern(case, client, port, values).fullmatch(got)
    if match is None:
        return False
    sent = match.groupdict()
    values.update({one.name: sent[one.name] for one in case.fields if one.derive is None and one.name in sent})
    for one in case.fields:
        if one.derive is not None:
            try:
                values[one.name] = one.derive(values)
            except KeyError:  # what it derives from is not sent yet
                continue
            if one.name in sent and sent[one.name] != values[one.name]:
                return False
    return True


class _Replay(socketserver.BaseRequestHandler):
    """Replays a case's server bytes, checking each of the client's turns byte for byte."""

    case: Case
    port: int

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(5)
        raw = raw_values(self.case)
        try:
            values: dict[str, bytes] = {}
            for number, (client, server) in enumerate(self.case.turns):
                got = _read(sock, len(fill(client, self.port, raw)))
                if not check_turn(self.case, client, self.port, got, values):
                    print(f"{self.case.protocol} turn {number}: expected {fill(client, self.port, raw)!r} "
                          f"(fields: {', '.join(one.name for one in self.case.fields) or 'none'}), "
                          f"the client sent {got!r}: the case's bytes are not the probe's; stopping",
                          file=sys.stderr, flush=True)  # fmt: skip
                    os._exit(3)  # every later probe then fails: the run stops with this line above it
                sock.sendall(fill(server, self.port, values))
            while sock.recv(4096):  # the client closes first
                pass
        except OSError:
            pass


def _read(sock: socket.socket, size: int) -> bytes:
    """``size`` bytes, or fewer when the client stops (closes, or is silent for half a second)."""
    data = b""
    while len(data) < size:
        sock.settimeout(5 if not data else 0.5)
        try:
            chunk = sock.recv(size - len(data))
        except TimeoutError:
            break
        if not chunk:
            break
        data += chunk
    return data


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def _start(case: Case, context: ssl.SSLContext | None) -> int:
    handler = type(f"_Replay_{case.protocol}", (_Replay,), {"case": case})
    server = _Server(("127.0.0.1", 0), handler)
    handler.port = server.server_address[1]
    if case.tls and context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return int(server.server_address[1])


def serve_forever(cert_chain: str | None) -> None:
    """The child process: one server per case, their ports printed as JSON; ends at stdin EOF."""
    context = None
    if cert_chain:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_chain)
    ports = {case.protocol: _start(case, context) for case in CASES if not case.tls or context is not None}
    print(json.dumps(ports), flush=True)
    sys.stdin.read()


def tls_files(directory: Path) -> tuple[str, str] | None:
    """(server certificate+key PEM, CA PEM) from trustme, or None without the test extra."""
    try:
        import trustme
    except ImportError:
        return None
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    chain, ca_file = directory / "server.pem", directory / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(chain))
    ca.cert_pem.write_to_path(str(ca_file))
    return str(chain), str(ca_file)


# -- the two clients ------------------------------------------------------------------------------

_RAW_CONTEXTS: dict[str, ssl.SSLContext] = {}
_RAW_TURNS: dict[tuple[str, int], list[tuple[bytes, int]]] = {}


def raw_turns(case: Case, port: int) -> list[tuple[bytes, int]]:
    """Each turn as the raw client speaks it: (its bytes, the answer's length), filled in once."""
    key = case.protocol, port
    if key not in _RAW_TURNS:
        values = raw_values(case)
        _RAW_TURNS[key] = [(fill(sent, port, values), len(fill(answer, port, values))) for sent, answer in case.turns]
    return _RAW_TURNS[key]


def raw_exchange(case: Case, port: int, cafile: str | None) -> None:
    """Connect, each turn's bytes out and its whole answer in, the settle time's wait, close."""
    turns = raw_turns(case, port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(10)
        sock.connect(("127.0.0.1", port))
        if case.tls:
            if (cafile or "") not in _RAW_CONTEXTS:
                _RAW_CONTEXTS[cafile or ""] = ssl.create_default_context(cafile=cafile)
            sock = _RAW_CONTEXTS[cafile or ""].wrap_socket(sock, server_hostname="127.0.0.1")
        for client, size in turns:
            if client:
                sock.sendall(client)
            left = size
            while left > 0:
                chunk = sock.recv(max(left, 4096))
                if not chunk:
                    raise SystemExit(f"raw {case.protocol}: the server closed early")
                left -= len(chunk)
        if case.settle:
            _settle(sock, case)
    finally:
        sock.close()


def _settle(sock: socket.socket, case: Case) -> None:
    """Listen ``case.settle`` seconds for a refusal (an alert, a hang-up), as the probe does."""
    sock.settimeout(case.settle)
    try:
        data = sock.recv(4096)
    except TimeoutError:
        return
    raise SystemExit(f"raw {case.protocol}: the server answered {data!r} where it should stay silent")


def probe(case: Case, port: int, cafile: str | None) -> None:
    result = run_probe(case.protocol, ProbeOptions("127.0.0.1", port=port, timeout=10, cafile=cafile, **case.options))
    if not result.ok:
        raise SystemExit(f"{case.protocol} probe failed: {result.category}: {result.message}")


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def take(self, call: Callable[[], None]) -> float:
        started, cpu = time.perf_counter(), time.thread_time()
        call()
        self.cpu.append(time.thread_time() - cpu)
        self.wall.append(time.perf_counter() - started)
        return self.wall[-1]


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """(25th percentile, median, 75th percentile)."""
    low, median, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, median, high


def measure(case: Case, port: int, cafile: str | None, rounds: int, warmup: int) -> tuple[Sample, Sample, list[float]]:
    """Interleaved rounds of raw and probe: their samples and the per-round ratios."""
    raw_call = lambda: raw_exchange(case, port, cafile)  # noqa: E731
    probe_call = lambda: probe(case, port, cafile)  # noqa: E731
    for _ in range(warmup):
        raw_call()
        probe_call()
    raw, probed, ratios = Sample(), Sample(), []
    for number in range(rounds):
        # ABBA: whichever runs second meets a server still tearing down the first connection.
        if number % 2:
            probe_time = probed.take(probe_call)
            raw_time = raw.take(raw_call)
        else:
            raw_time = raw.take(raw_call)
            probe_time = probed.take(probe_call)
        ratios.append(probe_time / raw_time)
    return raw, probed, ratios


def _ms(values: list[float]) -> str:
    low, median, high = quartiles(values)
    return f"{median * 1000:7.3f} [{low * 1000:.3f}–{high * 1000:.3f}]"


def run_rounds(args: argparse.Namespace, ports: dict[str, int], cafile: str | None) -> float:
    """Measure each case; print a row each; return the worst ratio of medians."""
    print(f"Python {sys.version.split()[0]}; {args.rounds} rounds each, interleaved, both warm; "
          f"wall-clock ms: median [25th–75th percentile]; target ratio ≤ {TARGET:.2f}\n")  # fmt: skip
    header = f"{'protocol':<9} {'raw exchange ms':>26} {'netref probe ms':>26} {'ratio':>6}"
    print(f"{header} {'per round [IQR]':>19} {'cpu ratio':>9} {'+cpu µs':>7}")
    worst = 0.0
    by_key = {case.protocol: case for case in CASES}
    for key in args.protocols:
        case = by_key.get(key)
        if case is None or key not in ports:
            print(f"{key:<9} skipped ({'no such case' if case is None else 'no TLS server: trustme missing'})")
            continue
        raw, probed, ratios = measure(case, ports[key], cafile, args.rounds, args.warmup)
        ratio = statistics.median(probed.wall) / statistics.median(raw.wall)
        low, mid, high = quartiles(ratios)
        cpu = statistics.median(probed.cpu) / statistics.median(raw.cpu)
        extra = (statistics.median(probed.cpu) - statistics.median(raw.cpu)) * 1e6
        worst = max(worst, ratio)
        print(f"{key:<9} {_ms(raw.wall):>26} {_ms(probed.wall):>26} {ratio:>6.2f} "
              f"{mid:>6.2f} [{low:.2f}–{high:.2f}] {cpu:>9.2f} {extra:>7.0f}", flush=True)  # fmt: skip
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--protocols", nargs="+", default=[case.protocol for case in CASES])
    parser.add_argument("--serve", metavar="CERT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve_forever(args.serve or None)
        return 0

    with tempfile.TemporaryDirectory() as scratch:
        tls = tls_files(Path(scratch))
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", tls[0] if tls else ""],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, _PID_VARIABLE: str(CLIENT_PID)},
        )  # fmt: skip
        assert child.stdin is not None and child.stdout is not None
        try:
            ports = json.loads(child.stdout.readline())
            worst = run_rounds(args, ports, tls[1] if tls else None)
        finally:
            child.stdin.close()
            child.wait(timeout=10)
    status = "meets" if worst <= TARGET else "MISSES"
    print(f"\nworst ratio {worst:.2f} — {status} the target ≤ {TARGET:.2f}")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
