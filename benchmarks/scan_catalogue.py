"""A scan of one host with a server on every TCP catalogue port, beside ``nmap -sV`` (issue 18, item 6).

One loopback address (``--address``, 127.0.0.42: nobody else's servers are there) gets a server on
each port of :data:`ROWS`: Debian's real daemons where installed (nginx, Dovecot, vsftpd, Dropbear,
slapd, ngIRCd, InspIRCd, Prosody, mosquitto, Dante, rsyslogd with GnuTLS, unbound:
tests/daemons/daemon_configs.py), else a replay of the bytes such a server sends, in a process of
its own (so the servers do not share the scanner's interpreter). Printed in one run:

1. the slowest single probe (``run_probe`` of each port's protocol, one at a time) and the scan of
   every row's port at once. Target: scan ≤ 1.3 × the slowest probe;
2. ``nmap -sV`` on the same ports, when nmap is installed (Debian's package). Targets: netref
   ≥ 20× faster, and the protocol named on at least as many ports as nmap names one;
3. port by port, what netref named and what nmap named, in two columns (a row netref named whose
   family's exchange failed says so in brackets; a single probe that failed is noted);
4. what the syslog-tls collector (rsyslogd) logged: netref's probe and scan each leave one
   message, nothing else; nmap's probes, read as messages, are counted.

The ports are the catalogue's (every TCP port of data/catalog.toml, what ``netref scan`` scans by
default); :data:`SERVERS` says who serves each, and the run fails naming a port nobody serves.
Binding ports below 1024 needs root, as on the CI machine.

    python benchmarks/scan_catalogue.py [--address 127.0.0.42] [--timeout 5] [--delay 0.5] [--no-nmap] [--replays]

``--replays`` serves every port from its replay, no daemon (the fallbacks' own check).
``--delay`` makes each replayed server wait before it speaks (a slow server, or a far one): at 0 on
loopback every probe takes milliseconds of CPU, and 34 probes at once on a busy machine cost more than
the slowest one alone; the target is about waiting, which a scan must do once, not once per port.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "daemons"))
sys.path.insert(0, str(ROOT / "tests" / "probes"))

import captures_irc_xmpp  # noqa: E402 - conversations captured from ngIRCd, InspIRCd and Prosody
import captures_mqtt_socks  # noqa: E402 - bytes captured from mosquitto and Dante
import captures_ssh  # noqa: E402 - OpenSSH's version line and KEXINIT
import daemon_configs  # noqa: E402 - the tests' daemon configurations
import ldap_replay  # noqa: E402 - slapd's answers to the ldap probe
import real_bytes  # noqa: E402 - bytes captured from Debian's servers
import udp_replay  # noqa: E402 - unbound's answers to the dns probe

from netref.probes import ProbeOptions, default_catalog, run_probe  # noqa: E402
from netref.scan import ScanOptions, catalogue_ports, expected_protocol, scan  # noqa: E402


class Row(NamedTuple):
    """One port of the benchmark host: the protocol the catalogue gives it, the daemon that serves
    it when installed (a key of :data:`DAEMONS`), and the replay that stands in otherwise."""

    port: int
    protocol: str
    daemon: str | None
    replay: str | None  # a key of REPLAYS or CONVERSATIONS, or dns/dot/syslog-tls


#: Replays: (greeting or answer, whether inside TLS, whether the client speaks first).
REPLAYS: dict[str, tuple[bytes, bool, bool]] = {
    "ftp": (real_bytes.VSFTPD, False, False),
    "ftps": (real_bytes.VSFTPD, True, False),
    # inetutils telnetd: its options, then (answered or not) the issue and the login prompt
    "telnet": (b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27\r\nDebian GNU/Linux 12\r\nlogin: ", False, False),
    "smtp": (b"220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n", False, False),  # Postfix's default banner
    "smtps": (b"220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n", True, False),
    "gopher": (b"iWelcome\t\terror.host\t1\r\n1Phlog\t/phlog\tlocalhost\t70\r\n.\r\n", False, True),
    "nntp": (b"200 news.example.test InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n", False, False),
    "nntps": (b"200 news.example.test InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n", True, False),
    "http": (real_bytes.NGINX_200, False, True),
    "https": (real_bytes.NGINX_200, True, True),
    "imap": (real_bytes.DOVECOT_IMAP, False, False),
    "imaps": (real_bytes.DOVECOT_IMAP, True, False),
    "pop3": (real_bytes.DOVECOT_POP3, False, False),
    "pop3s": (real_bytes.DOVECOT_POP3, True, False),
    "mqtt": (captures_mqtt_socks.MOSQUITTO_311_ACCEPTED, False, True),
    "mqtts": (captures_mqtt_socks.MOSQUITTO_311_ACCEPTED, True, True),
    "socks": (captures_mqtt_socks.SOCKS5_NO_AUTH, False, True),  # Dante, socksmethod none
}

#: Who serves each TCP port of the catalogue: (daemon, replay). Every catalogue port must be here
#: (:func:`rows` fails naming the ones that are not), and a port whose daemon is not installed
#: needs a replay (:func:`host` fails naming it otherwise).
SERVERS: dict[int, tuple[str | None, str | None]] = {
    20: (None, "ftp"),  # ftp-data: a control-port server there is what a scan meets
    21: ("vsftpd", "ftp"),
    22: ("dropbear", "ssh"),
    23: (None, "telnet"),
    25: (None, "smtp"),
    53: ("unbound", "dns"),  # DNS over TCP
    70: (None, "gopher"),
    80: ("nginx", "http"),
    110: ("dovecot", "pop3"),
    119: (None, "nntp"),
    143: ("dovecot", "imap"),
    194: ("inspircd", "irc-inspircd"),  # IRC on IANA's own port (ngIRCd binds after dropping root)
    389: ("slapd", "ldap"),
    443: ("nginx", "https"),
    465: (None, "smtps"),
    563: (None, "nntps"),
    587: (None, "smtp"),
    636: ("slapd", "ldaps"),
    853: ("unbound", "dot"),  # DNS over TLS
    989: (None, "ftps"),
    990: (None, "ftps"),
    993: ("dovecot", "imaps"),
    995: ("dovecot", "pop3s"),
    1080: ("danted", "socks"),
    1883: ("mosquitto", "mqtt"),
    5222: ("prosody", "xmpp"),
    5223: ("prosody", "xmpps"),
    5269: ("prosody", "xmpp"),  # server-to-server streams
    6514: ("rsyslogd", "syslog-tls"),
    6667: ("ngircd", "irc"),
    6697: ("ngircd", "ircs"),
    8080: ("nginx", "http"),
    8443: ("nginx", "https"),
    8883: ("mosquitto", "mqtts"),
}


def rows() -> list[Row]:
    """One row per TCP port of the catalogue (``netref scan``'s default ports), its protocol the
    one a scan expects there; fails naming every catalogue port :data:`SERVERS` has no server for."""
    catalog = default_catalog()
    ports = catalogue_ports(catalog)
    if missing := [port for port in ports if port not in SERVERS]:
        raise SystemExit(f"no server for catalogue port(s) {', '.join(map(str, missing))}: add them to SERVERS")
    table = []
    for port in ports:
        expected = expected_protocol(catalog, port)
        assert expected is not None, port
        table.append(Row(port, expected.key, *SERVERS[port]))
    return table


ROWS = rows()


def _reply(kind: str, line: bytes) -> tuple[bytes, bool]:
    """A short, plausible answer to one command line of a replayed server, and whether it then closes."""
    words = line.split() or [b""]
    if kind in ("imap", "imaps"):
        tag, verb = words[0], (words[1] if len(words) > 1 else b"").upper()
        if verb == b"LOGOUT":
            return b"* BYE\r\n" + tag + b" OK LOGOUT\r\n", True
        return b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n", False
    if words[0].upper() == b"QUIT":
        return (b"+OK bye\r\n" if kind.startswith("pop3") else b"221 bye\r\n"), True
    answers = {"smtp": b"250 ok\r\n", "smtps": b"250 ok\r\n", "ftp": b"211 end\r\n", "ftps": b"211 end\r\n",
               "pop3": b"+OK\r\n.\r\n", "pop3s": b"+OK\r\n.\r\n", "nntp": b"101 caps\r\nVERSION 2\r\n.\r\n",
               "nntps": b"101 caps\r\nVERSION 2\r\n.\r\n"}  # fmt: skip
    return answers.get(kind, b""), False


Step = captures_irc_xmpp.Step


def _ldap_steps(name: str) -> list[Step]:
    """slapd's capture as steps: each request the probe sends, slapd's answer (then the unbind)."""
    return [(bytes.fromhex(x["sent"]), bytes.fromhex(x["received"]), False)
            for x in ldap_replay.capture(name)["exchanges"]]  # fmt: skip


#: Conversations replayed step by step (captured from the real servers, the probe's own requests):
#: (steps, whether inside TLS). The captured nick, XMPP domain and DNS message ID are replaced by
#: the client's (:func:`_as_asked`): the probe draws its own.
CONVERSATIONS: dict[str, tuple[Callable[[], list[Step]], bool]] = {
    # OpenSSH: its version line, then (once the client has sent its own) its KEXINIT
    "ssh": (lambda: [(b"", captures_ssh.split(captures_ssh.OPENSSH_DEFAULT)[0], False),
                     (b"SSH-", captures_ssh.split(captures_ssh.OPENSSH_DEFAULT)[1], False)], False),
    "irc": (lambda: captures_irc_xmpp.NGIRCD_REGISTRATION, False),
    "ircs": (lambda: captures_irc_xmpp.NGIRCD_REGISTRATION, True),
    "irc-inspircd": (lambda: captures_irc_xmpp.INSPIRCD_REGISTRATION, False),
    # Prosody's stream features, then the close of the stream (the probe asks no STARTTLS)
    "xmpp": (lambda: [captures_irc_xmpp.PROSODY_STARTTLS[0], captures_irc_xmpp.PROSODY_STARTTLS[-1]], False),
    "xmpps": (lambda: captures_irc_xmpp.PROSODY_DIRECT_TLS, True),
    "ldap": (lambda: _ldap_steps("openldap"), False),
    "ldaps": (lambda: _ldap_steps("openldap-ldaps"), True),
}


def _as_asked(reply: bytes, captured: bytes, asked: bytes) -> bytes:
    """The captured reply, with the captured nick or stream domain replaced by the client's."""
    for pattern in (rb"NICK (\S+)", rb"to='([^']*)'"):
        old, new = re.search(pattern, captured), re.search(pattern, asked)
        if old and new:
            reply = reply.replace(old[1], new[1])
    return reply


def _read_like(conn: socket.socket, expected: bytes) -> bytes:
    """What the client sends for a step: as many bytes as were captured, or what it sent before a
    short pause (a longer domain or shorter nick than the capture's); b"" if it hung up."""
    got = b""
    while len(got) < len(expected):
        conn.settimeout(0.3 if got else 10)
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            break
        if not chunk:
            break
        got += chunk
    conn.settimeout(10)
    return got


def _conversation_handler(kind: str, context: ssl.SSLContext, delay: float) -> Callable[[socket.socket], None]:
    steps, in_tls = CONVERSATIONS[kind][0](), CONVERSATIONS[kind][1]

    def handle(conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            conn.settimeout(10)
            if in_tls:
                conn = context.wrap_socket(conn, server_side=True)
            for index, (expected, reply, closed) in enumerate(steps):
                asked = _read_like(conn, expected) if expected else b""
                if expected and not asked:
                    return
                if index == 0:
                    time.sleep(delay)
                conn.sendall(_as_asked(reply, expected, asked))
                if closed:
                    return
                if b"<proceed " in reply:
                    conn = context.wrap_socket(conn, server_side=True)
            while conn.recv(4096):
                pass
        conn.close()

    return handle


def _dns_handler(in_tls: bool, context: ssl.SSLContext, delay: float) -> Callable[[socket.socket], None]:
    """unbound's captured answers over TCP (RFC 7766 length prefix), found by the query after its
    ID, sent back with the client's ID."""
    answers = {bytes.fromhex(x["request"])[2:]: bytes.fromhex(x["replies"][0])
               for x in udp_replay.capture("dns", "unbound")["exchanges"]}  # fmt: skip

    def handle(conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            conn.settimeout(10)
            if in_tls:
                conn = context.wrap_socket(conn, server_side=True)
            buffer, waited = b"", False
            while data := conn.recv(4096):
                buffer += data
                while len(buffer) >= 2 and len(buffer) >= 2 + int.from_bytes(buffer[:2], "big"):
                    size = int.from_bytes(buffer[:2], "big")
                    query, buffer = buffer[2 : 2 + size], buffer[2 + size :]
                    if (answer := answers.get(query[2:])) is None:
                        return
                    if not waited:
                        time.sleep(delay)
                        waited = True
                    conn.sendall(len(answer).to_bytes(2, "big") + query[:2] + answer[2:])
        conn.close()

    return handle


def _collector_handler(context: ssl.SSLContext) -> Callable[[socket.socket], None]:
    """A syslog-tls collector: TLS, then read whatever comes until the client leaves (it never replies)."""

    def handle(conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            conn.settimeout(10)
            conn = context.wrap_socket(conn, server_side=True)
            while conn.recv(4096):
                pass
        conn.close()

    return handle


def _replay_handler(kind: str, context: ssl.SSLContext, delay: float) -> Callable[[socket.socket], None]:
    if kind in CONVERSATIONS:
        return _conversation_handler(kind, context, delay)
    if kind in ("dns", "dot"):
        return _dns_handler(kind == "dot", context, delay)
    if kind == "syslog-tls":
        return _collector_handler(context)
    sent, in_tls, client_first = REPLAYS[kind]

    def handle(conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            conn.settimeout(10)
            if in_tls:
                conn = context.wrap_socket(conn, server_side=True)
            if client_first:
                conn.recv(4096)
                time.sleep(delay)
                conn.sendall(sent)
                return
            time.sleep(delay)
            conn.sendall(sent)
            while data := conn.recv(4096):
                for line in filter(None, (line.strip() for line in data.split(b"\n"))):
                    answer, close = _reply(kind, line)
                    if answer:
                        conn.sendall(answer)
                    if close:
                        return
        conn.close()

    return handle


def serve_replays(address: str, rows: list[tuple[int, str]], cert: Path, key: Path, delay: float) -> None:
    """The replay servers' process: listen on every (port, replay), serve until killed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    for port, kind in rows:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, port))
        listener.listen(64)
        handle = _replay_handler(kind, context, delay)

        def accept(listener: socket.socket = listener, handle: Callable[[socket.socket], None] = handle) -> None:
            while True:
                conn, _ = listener.accept()
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


# -- the host -----------------------------------------------------------------------------------


def _program(name: str) -> str | None:
    return shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


class Daemon(NamedTuple):
    """A real daemon of the benchmark host: its argv, extra environment, and the ports it serves."""

    argv: list[str]
    env: dict[str, str]
    ports: set[int]


def _ports(name: str) -> list[int]:
    return [row.port for row in ROWS if row.daemon == name]


def _daemons(directory: Path, address: str, cert: Path, key: Path) -> list[Daemon]:
    """The real daemons that are installed, configured for ``address``."""
    found: list[Daemon] = []
    starters: dict[str, Callable[[Path, str, Path, Path], Daemon | None]] = {
        "nginx": _nginx, "dovecot": _dovecot, "vsftpd": _vsftpd, "dropbear": _dropbear, "slapd": _slapd,
        "ngircd": _ngircd, "inspircd": _inspircd, "prosody": _prosody, "mosquitto": _mosquitto, "danted": _danted,
        "rsyslogd": _rsyslogd, "unbound": _unbound,
    }  # fmt: skip
    for name, start in starters.items():
        if _ports(name) and (daemon := start(directory / name, address, cert, key)) is not None:
            found.append(daemon)
    return found


def _nginx(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("nginx")):
        return None
    argv = daemon_configs.nginx(directory, program, 80, 443, cert, key)
    conf = directory / "nginx.conf"
    text = conf.read_text().replace("127.0.0.1:80;", f"{address}:80; listen {address}:8080;")
    conf.write_text(text.replace("127.0.0.1:443 ssl;", f"{address}:443 ssl; listen {address}:8443 ssl;"))
    return Daemon(argv, {}, {80, 443, 8080, 8443})


def _dovecot(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("dovecot")):
        return None
    argv = daemon_configs.dovecot(directory, program, {"imap": 143, "imaps": 993, "pop3": 110, "pop3s": 995},
                                  cert, key)  # fmt: skip
    conf = directory / "dovecot.conf"
    conf.write_text(conf.read_text().replace("listen = 127.0.0.1", f"listen = {address}"))
    return Daemon(argv, {}, {110, 143, 993, 995})


def _vsftpd(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("vsftpd")):
        return None
    argv = daemon_configs.vsftpd(directory, program, 21)
    conf = directory / "vsftpd.conf"
    conf.write_text(conf.read_text().replace("listen_address=127.0.0.1", f"listen_address={address}"))
    return Daemon(argv, {}, {21})


def _dropbear(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not ((program := _program("dropbear")) and (keygen := _program("dropbearkey"))):
        return None
    make_key, argv = daemon_configs.dropbear(directory, program, keygen, 22)
    subprocess.run(make_key, check=True, capture_output=True)
    return Daemon([part.replace("127.0.0.1:22", f"{address}:22") for part in argv], {}, {22})


def _slapd(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("slapd")):
        return None
    return Daemon(daemon_configs.slapd(directory, program, 389, 636, cert, key, address), {}, {389, 636})


def _ngircd(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("ngircd")):
        return None
    return Daemon(daemon_configs.ngircd(directory, program, [6667], 6697, cert, key, address), {}, {6667, 6697})


def _inspircd(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("inspircd")):
        return None
    return Daemon(daemon_configs.inspircd(directory, program, 194, os.geteuid() == 0, address), {}, {194})


def _prosody(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("prosody")):
        return None
    argv = daemon_configs.prosody(directory, program, 5222, 5223, 5269, cert, key, address)
    return Daemon(argv, {"HOME": str(directory)}, {5222, 5223, 5269})


def _mosquitto(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("mosquitto")):
        return None
    return Daemon(daemon_configs.mosquitto(directory, program, 1883, 8883, cert, key, address), {}, {1883, 8883})


def _danted(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("danted")):
        return None
    return Daemon(daemon_configs.danted(directory, program, 1080, address), {}, {1080})


#: Where rsyslogd writes what it received (printed after the run: netref's messages and any others).
SYSLOG: list[Path] = []


def _rsyslogd(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    program = _program("rsyslogd")
    if not program or not list(Path("/usr/lib").glob("*/rsyslog/lmnsd_gtls.so")):
        return None
    argv, log = daemon_configs.rsyslog_tls(directory, program, 6514, cert, key, address)
    SYSLOG.append(log)
    return Daemon(argv, {}, {6514})


def _unbound(directory: Path, address: str, cert: Path, key: Path) -> Daemon | None:
    if not (program := _program("unbound")):
        return None
    return Daemon(daemon_configs.unbound(directory, program, 53, 853, cert, key, address), {}, {53, 853})


@contextlib.contextmanager
def host(address: str, delay: float, replays_only: bool = False) -> Iterator[dict[int, str]]:
    """Every row's server running on ``address`` (only replays with ``replays_only``); yields port ->
    what serves it."""
    with tempfile.TemporaryDirectory(prefix="netref-bench-") as temp:
        directory = Path(temp)
        cert, key = directory / "cert.pem", directory / "key.pem"
        openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"]
        subprocess.run([*openssl, "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        daemons = [] if replays_only else _daemons(directory, address, cert, key)
        served = {port for daemon in daemons for port in daemon.ports}
        if nobody := [row.port for row in ROWS if row.port not in served and not row.replay]:
            raise SystemExit(f"no server for port(s) {', '.join(map(str, nobody))}: install "
                             + ", ".join(sorted({row.daemon or "?" for row in ROWS if row.port in nobody})))
        replays = [(row.port, row.replay) for row in ROWS if row.port not in served and row.replay]
        spec = ",".join(f"{port}:{kind}" for port, kind in replays)
        processes = [subprocess.Popen(daemon.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      env={**os.environ, **daemon.env}, start_new_session=True)
                     for daemon in daemons]  # fmt: skip
        serve = ["--serve", address, "--spec", spec, "--cert", str(cert), "--key", str(key), "--delay", str(delay)]
        replayer = subprocess.Popen([sys.executable, __file__, *serve], stdout=subprocess.PIPE, text=True)
        try:
            assert replayer.stdout is not None and replayer.stdout.readline().strip() == "ready"
            _wait_listening(address, [row.port for row in ROWS])
            yield {row.port: ("daemon " + (row.daemon or "") if row.port in served else "replay") for row in ROWS}
        finally:
            for process in [*processes, replayer]:
                process.terminate()
            for process in [*processes, replayer]:
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()


def _wait_listening(address: str, ports: list[int], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while True:
            try:
                socket.create_connection((address, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"nothing listens on {address}:{port}") from None
                time.sleep(0.05)


# -- measuring ----------------------------------------------------------------------------------


def single_probes(address: str, timeout: float) -> tuple[float, int, float]:
    """The slowest single probe (seconds) of a row's protocol at its port, that port, and the sum
    of every row's probe (what a scan one port at a time would take)."""
    times = []
    for row in ROWS:
        started = time.monotonic()
        # every row is a TCP port: DNS on 53 is probed over TCP there, not over its default UDP
        options = ProbeOptions(address, port=row.port, timeout=timeout, insecure=True, transport="tcp")
        result = run_probe(row.protocol, options)
        if not result.ok:
            print(f"note: probe {row.protocol} of port {row.port}: {result.verdict}: {result.message}")
        times.append((time.monotonic() - started, row.port))
    slowest, port = max(times)
    return slowest, port, sum(elapsed for elapsed, _ in times)


def netref_scan(address: str, timeout: float) -> tuple[float, dict[int, str]]:
    started = time.monotonic()
    found = {row.port: row for row in scan([address], ScanOptions(ports=[r.port for r in ROWS], timeout=timeout,
                                                                  insecure=True))}  # fmt: skip
    wall = time.monotonic() - started
    named = {}
    for port, row in found.items():
        text = f"{row.protocol}{' ' + row.software if row.software else ''}" if row.protocol else row.state
        if row.verdict not in (None, "ok"):  # named, but its family's exchange did not succeed
            text += f" [{row.verdict}{': ' + row.category if row.category else ''}]"
        named[port] = text
    return wall, named


def nmap_scan(address: str) -> tuple[float, dict[int, str]] | None:
    nmap = shutil.which("nmap")
    if nmap is None:
        return None
    ports = ",".join(str(row.port) for row in ROWS)
    started = time.monotonic()
    done = subprocess.run([nmap, "-sV", "-Pn", "-n", "-p", ports, "-oG", "-", address], capture_output=True,
                          text=True, check=False)  # fmt: skip
    wall = time.monotonic() - started
    named = {}
    for match in re.finditer(r"(\d+)/(\w+)/tcp//([^/]*)//([^/]*)/", done.stdout):
        port, state, service, version = int(match[1]), match[2], match[3], match[4]
        named[port] = f"{service} {version}".strip() if state == "open" else state
    return wall, named


def _named(text: str | None) -> bool:
    """Whether a column names a protocol (not unknown, tcpwrapped, closed, or a bare guess with '?')."""
    if not text:
        return False
    word = text.split()[0]
    return word not in ("unknown", "tcpwrapped", "closed", "filtered", "open") and not word.endswith("?")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--address", default="127.0.0.42")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds a replayed server waits before it speaks")
    parser.add_argument("--no-nmap", action="store_true", help="skip the nmap comparison")
    parser.add_argument("--replays", action="store_true", help="replays on every port, no daemon (their check)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    parser.add_argument("--cert", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        rows = [(int(port), kind) for port, kind in (item.split(":") for item in args.spec.split(",") if item)]
        serve_replays(args.serve, rows, Path(args.cert), Path(args.key), args.delay)
        return 0
    with host(args.address, args.delay, args.replays) as servers:
        probe_wall, probe_port, probes_sum = single_probes(args.address, args.timeout)
        scan_wall, netref_named = netref_scan(args.address, args.timeout)
        ours_logged = _collector_lines()
        nmap = None if args.no_nmap else nmap_scan(args.address)
        logged = _collector_lines()
    ok = True
    ratio = scan_wall / probe_wall
    print(f"{len(ROWS)} ports on {args.address}: scan {scan_wall:.2f} s, slowest single probe {probe_wall:.2f} s "
          f"(port {probe_port}): {ratio:.2f}x (target <= 1.3) {'ok' if ratio <= 1.3 else 'MISSED'}; "
          f"the probes one after another: {probes_sum:.2f} s (replayed servers wait {args.delay:g} s)")  # fmt: skip
    ok &= ratio <= 1.3
    nmap_named = nmap[1] if nmap else {}
    if nmap is None:
        print("nmap not run (--no-nmap) or not installed (apt-get install nmap): no comparison")
    else:
        speedup = nmap[0] / scan_wall
        verdict = "ok" if speedup >= 20 else "MISSED"
        print(f"nmap -sV {nmap[0]:.1f} s: netref {speedup:.0f}x faster (target >= 20) {verdict}")
        ok &= speedup >= 20
    ours = sum(_named(netref_named.get(row.port)) for row in ROWS)
    theirs = sum(_named(nmap_named.get(row.port)) for row in ROWS)
    if nmap is not None:
        verdict = "ok" if ours >= theirs else "MISSED"
        print(f"protocol named: netref on {ours} ports, nmap on {theirs} (target: netref >= nmap) {verdict}")
        ok &= ours >= theirs
    width = max(len(text) for text in netref_named.values()) + 2
    print(f"\n{'PORT':<7}{'SERVER':<17}{'NETREF':<{width}}NMAP -sV")
    for row in ROWS:
        print(f"{row.port:<7}{servers[row.port]:<17}{netref_named.get(row.port, '-'):<{width}}"
              f"{nmap_named.get(row.port, '-') if nmap else 'not run'}")  # fmt: skip
    if ours_logged is not None and logged is not None:
        junk = [line for line in ours_logged if "netref" not in line]
        print(f"\nthe syslog-tls collector (rsyslogd) logged {len(ours_logged)} lines from netref's probes and "
              f"scan, {len(junk)} of them not netref's message"
              + "".join(f"\n  not netref's: {line[:100]}" for line in junk)
              + ("" if nmap is None else f"; {len(logged) - len(ours_logged)} lines from nmap -sV's probes"))
    return 0 if ok else 1


def _collector_lines() -> list[str] | None:
    """What rsyslogd wrote (after a moment to flush): probes and scan of 6514 should each have left
    one netref message, and nothing else (no fallback hello of the scan read as a message)."""
    if not SYSLOG:
        return None
    time.sleep(0.5)
    return SYSLOG[0].read_text(errors="replace").splitlines() if SYSLOG[0].exists() else []


if __name__ == "__main__":
    sys.exit(main())
