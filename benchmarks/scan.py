"""``netref scan`` speed and scale (issue #10), printed as ratios side by side in one run.

1. **Slow greeters**: servers on the catalogue's own ports of 127.0.0.1 (those free on this machine;
   binding ports below 1024 needs root) that each wait ``--delay`` (0.5 s) before they greet (HTTP:
   before it answers). Target: ``netref scan 127.0.0.1`` over the whole catalogue ≤ 1.3 × the slowest
   single probe (``netref probe``'s ``run_probe``) — not their sum.
2. **nmap -sV** on the same ports of the same servers, when nmap is installed (Debian's package; the
   benchmark says so when it is not). Target: netref ≥ 20× faster; the protocol netref names agrees
   with nmap's service name on every open port nmap recognises. Prints the comparison table.
3. **Scale**: ``--targets`` (1000) loopback addresses (127.1.x.y), each with a web server on 8080 that
   answers after 0.1 s, scanned with ``--concurrency 200``. Target: wall ≤ 1.5 × the ideal (targets ÷
   concurrency × one probe's time); peak memory (max RSS of the scanning process) for 1000 ≤ 1.5 × that
   for 10.

    python benchmarks/scan.py [--delay 0.5] [--targets 1000] [--concurrency 200]

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import threading
import time

from netref.probes import ProbeOptions, run_probe
from netref.scan import ScanOptions, expected_protocol, scan

GREETINGS = {
    "ftp": b"220 (vsFTPd 3.0.5)\r\n",
    "smtp": b"220 mail.example.test ESMTP Postfix\r\n",
    "pop3": b"+OK Dovecot (Debian) ready.\r\n",
    "imap": b"* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready.\r\n",
    "nntp": b"200 news.example.test InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n",
    "telnet": b"\xff\xfd\x18\xff\xfd\x20\r\nlogin: ",
    "ssh": b"SSH-2.0-OpenSSH_9.6p1 Debian-3\r\n",
}
NMAP_NAMES = {"smtp": "smtp", "ftp": "ftp", "pop3": "pop3", "imap": "imap", "nntp": "nntp", "http": "http",
              "http-alt": "http", "telnet": "telnet", "ssh": "ssh", "gopher": "gopher", "submission": "smtp"}


def reply(kind: str, line: bytes) -> tuple[bytes, bool]:
    """A short, plausible answer to one command line, and whether the server then closes."""
    words = line.split()
    if kind == "imap":
        tag, verb = words[0], (words[1] if len(words) > 1 else b"").upper()
        if verb == b"LOGOUT":
            return b"* BYE\r\n" + tag + b" OK LOGOUT\r\n", True
        return b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n", False
    if words[0].upper() == b"QUIT":
        return (b"+OK bye\r\n" if kind == "pop3" else b"221 bye\r\n"), True
    answers = {"smtp": b"250 ok\r\n", "ftp": b"211 end\r\n", "pop3": b"+OK\r\n.\r\n",
               "nntp": b"101 caps\r\nVERSION 2\r\n.\r\n"}  # fmt: skip
    return answers.get(kind, b""), False


def handler(kind: str, delay: float):
    """A server of ``kind`` that waits ``delay`` before it greets (HTTP, gopher: before it answers)."""
    answers = {
        "http": b"HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        "gopher": b"iWelcome\tfake\t(NULL)\t0\r\n1Docs\t/docs\tlocalhost\t70\r\n.\r\n",
    }

    def handle(conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            if kind in answers:
                conn.recv(4096)
                time.sleep(delay)
                conn.sendall(answers[kind])
                return
            time.sleep(delay)
            conn.sendall(GREETINGS[kind])
            while data := conn.recv(4096):
                for line in filter(None, (line.strip() for line in data.split(b"\n"))):
                    answer, closing = reply(kind, line)
                    conn.sendall(answer)
                    if closing:
                        return
        except OSError:
            pass
        finally:
            conn.close()

    return handle


def serve(port: int, handle) -> socket.socket | None:
    return serve_on("127.0.0.1", port, handle)


def serve_on(host: str, port: int, handle) -> socket.socket | None:
    """A listener on ``host``:``port`` (None when taken) running ``handle(conn)`` per connection."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError:
        listener.close()
        return None
    listener.listen(256)

    def loop() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return listener


def slow_greeters(delay: float) -> tuple[bool, dict[int, str]]:
    from netref.probes import default_catalog

    catalog = default_catalog()
    started: dict[int, str] = {}
    for port, kind in {21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 70: "gopher", 80: "http", 110: "pop3",
                       119: "nntp", 143: "imap", 587: "smtp", 8080: "http"}.items():
        if serve(port, handler(kind, delay)) is not None:
            started[port] = kind
    print(f"1. slow greeters ({delay} s) on 127.0.0.1 ports {', '.join(map(str, started))}")
    single = {}
    for port in started:
        expected = expected_protocol(catalog, port)
        assert expected is not None
        begun = time.monotonic()
        run_probe(expected.key, ProbeOptions("127.0.0.1", port=port, timeout=5), catalog)
        single[port] = time.monotonic() - begun
    begun = time.monotonic()
    results = list(scan(["127.0.0.1"], ScanOptions(timeout=5), catalog))
    wall = time.monotonic() - begun
    slowest = max(single.values())
    print(f"   slowest single probe {slowest:.2f} s, sum {sum(single.values()):.2f} s; scan of "
          f"{len(results)} catalogue ports {wall:.2f} s: ratio {wall / slowest:.2f} (target ≤ 1.30)")
    found = {result.port: result.protocol for result in results if result.state == "open"}
    return wall / slowest <= 1.3, {port: found.get(port) or "-" for port in started}


def versus_nmap(netref_found: dict[int, str]) -> bool:
    nmap = shutil.which("nmap")
    if nmap is None:
        print("2. nmap -sV: nmap is not installed (apt-get install nmap): comparison skipped")
        return True
    ports = ",".join(map(str, netref_found))
    begun = time.monotonic()
    subprocess.run([sys.executable, "-m", "netref", "scan", "127.0.0.1", "--ports", ports], capture_output=True,
                   check=False)
    ours = time.monotonic() - begun
    begun = time.monotonic()
    out = subprocess.run([nmap, "-sV", "-Pn", "-p", ports, "-oG", "-", "127.0.0.1"], capture_output=True, text=True,
                         check=False)
    theirs = time.monotonic() - begun
    services = {}
    for item in out.stdout.split("Ports: ", 1)[-1].split("\t")[0].split(", "):
        fields = item.split("/")
        if len(fields) > 4 and fields[0].strip().isdigit():
            services[int(fields[0])] = fields[4] or "-"
    print(f"2. nmap -sV {theirs:.1f} s, netref scan {ours:.1f} s (whole command): {theirs / ours:.1f}× (target ≥ 20×)")
    print(f"   {'port':>5}  {'nmap':<12} netref")
    agree = True
    for port, protocol in netref_found.items():
        service = services.get(port, "-")
        known = service not in ("-", "unknown") and not service.endswith("?")
        same = not known or NMAP_NAMES.get(service, service) == NMAP_NAMES.get(protocol, protocol)
        agree &= same
        print(f"   {port:>5}  {service:<12} {protocol}{'' if same else '   <- differs'}")
    return theirs / ours >= 20 and agree


def scale(targets: int, concurrency: int) -> bool:
    """``targets`` loopback addresses (127.1.x.y), each with a web server on 8080 that answers after
    0.1 s, scanned in a child process (for its own peak memory) with ``--ports 8080``."""
    child = """
import json, resource, sys, time
from netref.probes import ProbeOptions, run_probe
from netref.scan import ScanOptions, scan
hosts = json.loads(sys.argv[1]); concurrency = int(sys.argv[2])
begun = time.monotonic()
if concurrency:
    found = list(scan(hosts, ScanOptions(ports=[8080], timeout=5, concurrency=concurrency)))
    named = sum(r.protocol == "http" and r.verdict == "ok" for r in found)
else:  # one probe's time
    named = run_probe("http", ProbeOptions(hosts[0], port=8080, timeout=5)).ok
print(json.dumps([time.monotonic() - begun, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, named]))
"""
    hosts = [f"127.1.{n // 250}.{n % 250 + 1}" for n in range(targets)]
    for host in hosts:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, 8080))
        listener.close()
    for host in hosts:
        serve_on(host, 8080, handler("http", 0.1))

    def run(chosen: list[str], workers: int) -> tuple[float, int, int]:
        out = subprocess.run([sys.executable, "-c", child, json.dumps(chosen), str(workers)],
                             capture_output=True, text=True, check=True)
        wall, rss, named = json.loads(out.stdout)
        return wall, rss, named

    run(hosts[:1], 0)  # warm the catalogue cache
    one = min(run(hosts[:1], 0)[0] for _ in range(3))
    _, small_rss, _ = run(hosts[:10], concurrency)
    wall, rss, named = run(hosts, concurrency)
    ideal = targets / concurrency * one
    print(f"3. {targets} targets (127.1.x.y:8080), concurrency {concurrency}: {wall:.2f} s, ideal {ideal:.2f} s "
          f"(one probe {one:.2f} s): ratio {wall / ideal:.2f} (target ≤ 1.50); {named} identified and probed")
    print(f"   peak memory {rss / 1024:.1f} MiB for {targets}, {small_rss / 1024:.1f} MiB for 10: "
          f"ratio {rss / small_rss:.2f} (target ≤ 1.50)")
    return wall / ideal <= 1.5 and rss / small_rss <= 1.5 and named == targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    fast, found = slow_greeters(args.delay)
    versus = versus_nmap(found)
    scaled = scale(args.targets, args.concurrency)
    met = fast and versus and scaled
    print("targets met" if met else "targets MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
