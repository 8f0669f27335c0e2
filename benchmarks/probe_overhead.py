"""In-process cost of a probe, side by side with a raw socket exchange of the same bytes.

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
speaks first. ``{port}`` in client bytes is replaced by the server's port (an HTTP Host header).
Run with ``--protocols KEY`` and paste what the server reports the probe sent if it differs.
``tls=True`` runs the whole conversation inside TLS (implicit TLS); ``options`` are extra
``ProbeOptions`` fields.

    python benchmarks/probe_overhead.py [--rounds 400] [--protocols tcp http ...]
"""

from __future__ import annotations

import argparse
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netref.probes import ProbeOptions, run_probe

TARGET = 1.20


@dataclass(frozen=True)
class Case:
    """One protocol's conversation: ``turns`` of (what the probe sends, what the server answers)."""

    protocol: str
    turns: tuple[tuple[bytes, bytes], ...]
    tls: bool = False
    options: dict[str, Any] = field(default_factory=dict)


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

#: The conversations measured. Other families add theirs here (see the module's docstring).
CASES: list[Case] = [
    Case("tcp", ((b"", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"),)),
    Case("http", ((_HEAD, _NGINX_HEAD),)),
    Case("https", ((_HEAD, _NGINX_HEAD),), tls=True),
    Case("smtp", _SMTP),
    Case(
        "pop3",
        (
            (b"", b"+OK Dovecot (Debian) ready.\r\n"),
            (
                b"CAPA\r\n",
                b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\n"
                b"SASL PLAIN\r\n.\r\n",
            ),
            (b"QUIT\r\n", b"+OK Logging out\r\n"),
        ),
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
    ),
    Case(
        "ftp",
        (
            (b"", b"220 (vsFTPd 3.0.3)\r\n"),
            (
                b"FEAT\r\n",
                b"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n",
            ),
            (b"QUIT\r\n", b"221 Goodbye.\r\n"),
        ),
    ),
    Case(
        "nntp",
        (
            (b"", b"200 news.example.test InterNetNews server INN 2.7.1 ready (transit mode)\r\n"),
            (
                b"CAPABILITIES\r\n",
                b"101 Capability list:\r\nVERSION 2\r\nIMPLEMENTATION INN 2.7.1\r\nIHAVE\r\nLIST ACTIVE\r\n"
                b"MODE-READER\r\nSTARTTLS\r\nSTREAMING\r\n.\r\n",
            ),
            (b"QUIT\r\n", b"205 Bye!\r\n"),
        ),
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
]


# -- the server (child process) -------------------------------------------------------------------


#: What the raw client sends for ``{tag}``: imaplib's tags are four random letters A–P, which the
#: server accepts wherever a case writes ``{tag}`` and echoes in its answer.
RAW_TAG = b"ABCD"
_TAG = re.compile(rb"[A-P]{4}")


def _expected(data: bytes, port: int, tag: bytes = RAW_TAG) -> bytes:
    return data.replace(b"{port}", str(port).encode()).replace(b"{tag}", tag)


def _client_tag(wanted: bytes, got: bytes) -> bytes | None:
    """The tag the client used where ``wanted`` (with :data:`RAW_TAG` for ``{tag}``) has one."""
    at = wanted.find(b"{tag}")
    if at < 0:
        return RAW_TAG
    tag = got[at : at + 4]
    return tag if _TAG.fullmatch(tag) else None


class _Replay(socketserver.BaseRequestHandler):
    """Replays a case's server bytes, checking each of the client's turns byte for byte."""

    case: Case
    port: int

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(5)
        try:
            tag = RAW_TAG
            for number, (client, server) in enumerate(self.case.turns):
                wanted = _expected(client, self.port, b"{tag}")
                got = _read(sock, len(_expected(client, self.port)))
                tag = _client_tag(wanted, got) or b"?"
                if got != _expected(client, self.port, tag):
                    print(f"{self.case.protocol} turn {number}: expected {_expected(client, self.port)!r}, "
                          f"the client sent {got!r}: the case's bytes are not the probe's; stopping",
                          file=sys.stderr, flush=True)  # fmt: skip
                    os._exit(3)  # every later probe then fails: the run stops with this line above it
                sock.sendall(_expected(server, self.port, tag))
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


def raw_exchange(case: Case, port: int, cafile: str | None) -> None:
    """Connect, each turn's bytes out and its whole answer in, close: nothing else."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(10)
        sock.connect(("127.0.0.1", port))
        if case.tls:
            if cafile not in _RAW_CONTEXTS:
                _RAW_CONTEXTS[cafile or ""] = ssl.create_default_context(cafile=cafile)
            sock = _RAW_CONTEXTS[cafile or ""].wrap_socket(sock, server_hostname="127.0.0.1")
        for client, server in case.turns:
            if client:
                sock.sendall(_expected(client, port))
            left = len(_expected(server, port))
            while left > 0:
                chunk = sock.recv(max(left, 4096))
                if not chunk:
                    raise SystemExit(f"raw {case.protocol}: the server closed early")
                left -= len(chunk)
    finally:
        sock.close()


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
