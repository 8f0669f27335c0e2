"""In-process cost of a probe, side by side with the raw stdlib client doing the same exchange.

Target (issue #3, point 12): probe time ÷ raw client time ≤ 1.20 (medians). The probe adds the
catalogue lookup, the deadline machinery (guarded reads, the watchdog), happy-eyeballs
connecting and the certificate decoding; the raw client does only the exchange:

- tcp:   ``socket.create_connection`` + ``recv`` of the banner (the tutorial's client);
- http:  ``http.client`` ``HEAD /`` against ``http.server``;
- https: the same over TLS, verified against a local CA (needs trustme, the test extra);
- smtp:  ``smtplib`` greeting, EHLO, QUIT against a small SMTP responder;
- ssh:   a socket reads the version line, sends its own, reads the KEXINIT packet (against Dropbear's
  captured bytes, tests/probes/captures_ssh.py);
- syslog-tls: a verified TLS connection, one octet-counted message, then the probe's
  ``syslog.SETTLE`` wait for an alert (the raw client waits the same: it is part of the exchange).

The two run interleaved (each going first in half of the rounds), against the same loopback servers, which run in
a child process so that their threads do not compete with the measured code for the GIL.

    python benchmarks/probe_overhead.py [--rounds 300] [--protocols tcp http https smtp ssh syslog-tls]
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import smtplib
import socket
import socketserver
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from netref.probes import ProbeOptions, run_probe

TARGET = 1.20


class _Banner(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.sendall(b"Thank you for connecting\r\n")


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for a greeting, EHLO and QUIT."""

    def handle(self) -> None:
        self.wfile.write(b"220 bench.local ESMTP ready\r\n")
        for line in self.rfile:
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-bench.local\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not here\r\n")


def _ssh_capture() -> bytes:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "probes"))
    from captures_ssh import DROPBEAR

    return DROPBEAR


class _Ssh(socketserver.BaseRequestHandler):
    """Dropbear's captured version line and KEXINIT, sent at once as Dropbear does; then wait."""

    capture = b""

    def handle(self) -> None:
        self.request.sendall(self.capture)
        while self.request.recv(4096):
            pass


class _Collector(socketserver.BaseRequestHandler):
    """A syslog collector: reads until the client leaves, never answers."""

    def handle(self) -> None:
        while self.request.recv(4096):
            pass


class _Http(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench/1.0"
    disable_nagle_algorithm = True  # else TLS tickets + Nagle + delayed ACK add 40 ms

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def start(handler, context: ssl.SSLContext | None = None) -> int:
    server = _Server(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def serve_forever(cert_chain: str | None) -> None:
    """The child process: start every server, print their ports as JSON, wait for stdin EOF."""
    _Ssh.capture = _ssh_capture()
    ports = {"tcp": start(_Banner), "http": start(_Http), "smtp": start(_Smtp), "ssh": start(_Ssh)}
    if cert_chain:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_chain)
        ports["https"] = start(_Http, context)
        ports["syslog-tls"] = start(_Collector, context)
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


# -- the raw clients: the same exchange, nothing else ---------------------------------------


def raw_tcp(port: int, **_) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.recv(4096)


def raw_http(port: int, **_) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("HEAD", "/", headers={"User-Agent": "raw"})
    response = conn.getresponse()
    response.getheader("Server")
    conn.close()


_RAW_CONTEXTS: dict[str, ssl.SSLContext] = {}


def raw_https(port: int, cafile: str, **_) -> None:
    # One context for all rounds, as a careful client keeps it (netref reuses its own too).
    context = _RAW_CONTEXTS.get(cafile) or _RAW_CONTEXTS.setdefault(cafile, ssl.create_default_context(cafile=cafile))
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    conn.request("HEAD", "/", headers={"User-Agent": "raw"})
    response = conn.getresponse()
    response.getheader("Server")
    conn.sock.getpeercert()
    conn.close()


def raw_smtp(port: int, **_) -> None:
    client = smtplib.SMTP("127.0.0.1", port, timeout=10, local_hostname="bench.local")
    client.ehlo()
    client.quit()


def raw_ssh(port: int, **_) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        data = b""
        while b"\n" not in data:
            data += sock.recv(4096)
        sock.sendall(b"SSH-2.0-raw\r\n")
        start = data.index(b"\n") + 1
        while len(data) < start + 4 or len(data) < start + 4 + int.from_bytes(data[start : start + 4], "big"):
            data += sock.recv(4096)


def raw_syslog_tls(port: int, cafile: str, **_) -> None:
    from netref.probes.syslog import SETTLE, framed, message

    context = _RAW_CONTEXTS.get(cafile) or _RAW_CONTEXTS.setdefault(cafile, ssl.create_default_context(cafile=cafile))
    plain = socket.create_connection(("127.0.0.1", port), timeout=10)
    with context.wrap_socket(plain, server_hostname="127.0.0.1") as sock:
        sock.getpeercert()
        sock.sendall(framed(message("0123456789abcdef")))
        sock.settimeout(SETTLE)
        try:
            sock.recv(4096)
        except TimeoutError:
            pass


def probed(protocol: str):
    def run(port: int, cafile: str | None = None) -> None:
        result = run_probe(protocol, ProbeOptions("127.0.0.1", port=port, timeout=10, cafile=cafile))
        if not result.ok:
            raise SystemExit(f"{protocol} probe failed: {result.category}: {result.message}")

    return run


def timed(call, **kwargs) -> float:
    started = time.perf_counter()
    call(**kwargs)
    return time.perf_counter() - started


def run_rounds(args: argparse.Namespace, ports: dict[str, int], cafile: str | None) -> float:
    """Measure each protocol; print a row each; return the worst ratio."""
    clients = {"tcp": raw_tcp, "http": raw_http, "https": raw_https, "smtp": raw_smtp, "ssh": raw_ssh,
               "syslog-tls": raw_syslog_tls}  # fmt: skip
    print(f"Python {sys.version.split()[0]}; {args.rounds} rounds, interleaved; medians; target ratio ≤ {TARGET:.2f}\n")
    print(f"{'protocol':<10} {'raw client':>11} {'netref probe':>13} {'ratio':>6}")
    worst = 0.0
    for protocol in args.protocols:
        if protocol not in ports:
            print(f"{protocol:<10} skipped (no server: trustme missing?)")
            continue
        raw, probe, port = clients[protocol], probed(protocol), ports[protocol]
        extra = {"cafile": cafile} if protocol in ("https", "syslog-tls") else {}
        # warm-up: imports, catalogue, TLS contexts, the server child (syslog-tls waits SETTLE each time)
        for _ in range(100 if protocol != "syslog-tls" else 4):
            raw(port=port, **extra)
            probe(port=port, **extra)
        raw_times, probe_times = [], []
        for round_number in range(args.rounds):
            # ABBA order: whichever runs second meets a server still tearing down the first
            # connection, so each side goes first in half of the rounds.
            if round_number % 2:
                probe_times.append(timed(probe, port=port, **extra))
                raw_times.append(timed(raw, port=port, **extra))
            else:
                raw_times.append(timed(raw, port=port, **extra))
                probe_times.append(timed(probe, port=port, **extra))
        raw_ms, probe_ms = statistics.median(raw_times) * 1000, statistics.median(probe_times) * 1000
        ratio = probe_ms / raw_ms
        worst = max(worst, ratio)
        print(f"{protocol:<10} {raw_ms:>9.3f}ms {probe_ms:>11.3f}ms {ratio:>6.2f}")
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--protocols", nargs="+", default=["tcp", "http", "https", "smtp"])
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
