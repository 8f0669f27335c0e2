"""``netref scan`` speed and scale (issue #10), printed as ratios side by side in one run.

1. **Slow greeters**: servers on the catalogue's own ports of 127.0.0.1 (those free on this machine;
   binding ports below 1024 needs root) that each wait ``--delay`` (0.5 s) before they greet (HTTP:
   before it answers). Target: ``netref scan 127.0.0.1`` over the whole catalogue ≤ 1.3 × the slowest
   single probe (``netref probe``'s ``run_probe``) — not their sum.
2. **nmap -sV** on the same ports of the same servers, when nmap is installed (Debian's package; the
   benchmark says so when it is not). Target: netref ≥ 20× faster; the protocol netref names agrees
   with nmap's service name on every open port nmap recognises. Prints the comparison table.
3. **Fleet** (issue 22; root: it makes a network namespace with ``ip netns``, whose loopback holds
   all of 127.0.0.0/8): ``--targets`` (65,536) addresses 127.1.x.y and 1,000 of them, one listener
   on 8080 in the namespace answering HTTP after 0.1 s, ``--concurrency`` (4096), each scan in a
   child process. Targets: wall ≤ 1.3 × the ideal (max(targets ÷ concurrency, 1) × one probe's
   time) for both; peak memory for 65,536 ≤ 1.5 × that for 1,000; ``--rate`` (5000) on a port
   nobody listens on holds the measured rate within 10 %. Where a figure is missed, what bounds it
   (CPU and the interpreter lock, open files) is printed in numbers — the CPU a port, its kernel
   share and thread switches, the family run's own CPU (HTTP probes one after another against a
   second listener, on 8082, answering at once), the machine's CPUs and load — with the
   connection stage's own speed and the 10,000-host × 34-port scan on paper.

    python benchmarks/scan.py [--delay 0.5] [--targets 65536] [--concurrency 4096] [--rate 5000] [--fleet-only]

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from typing import Self

from netref.probes import ProbeOptions, run_probe
from netref.scan import MAX_EXAMINERS, ScanOptions, expected_protocol, scan

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


LISTENER = """
import collections, selectors, socket, sys, time
delay = float(sys.argv[1])
answer = (b"HTTP/1.1 200 OK\\r\\nServer: nginx/1.24.0\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok")
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", int(sys.argv[2])))
listener.listen(65535)
listener.setblocking(False)
selector = selectors.DefaultSelector()
selector.register(listener, selectors.EVENT_READ)
due = collections.deque()
print("ready", flush=True)
while True:
    wait = max(due[0][0] - time.monotonic(), 0) if due else None
    for key, _ in selector.select(wait):
        if key.fileobj is listener:
            while True:
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    break
                conn.setblocking(False)
                selector.register(conn, selectors.EVENT_READ)
            continue
        conn = key.fileobj
        try:
            data = conn.recv(4096)
        except OSError:
            data = b""
        selector.unregister(conn)
        if data:
            due.append((time.monotonic() + delay, conn))
        else:
            conn.close()
    now = time.monotonic()
    while due and due[0][0] <= now:
        conn = due.popleft()[1]
        try:
            conn.send(answer)
        except OSError:
            pass
        conn.close()
"""

SCANNER = """
import json, resource, sys, time
from netref.probes import ProbeOptions, run_probe
from netref.scan import ScanOptions, scan
spec, port, concurrency, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
before = resource.getrusage(resource.RUSAGE_SELF)
begun = time.monotonic()
if concurrency:
    options = ScanOptions(ports=[port], timeout=5, concurrency=concurrency, rate=rate or None, max_hosts=1 << 30)
    count = named = 0
    for result in scan([spec], options):
        count += 1
        named += result.protocol == "http" and result.verdict == "ok"
elif rate < 0:  # one probe after another (-rate of them), warm: the CPU of the family run alone
    run_probe("http", ProbeOptions(spec, port=port, timeout=5))
    before = resource.getrusage(resource.RUSAGE_SELF)
    count = int(-rate)
    named = sum(run_probe("http", ProbeOptions(f"127.1.{n // 250}.{n % 250 + 1}", port=port, timeout=5)).ok
                for n in range(count))
else:  # one probe's time
    count = named = int(run_probe("http", ProbeOptions(spec, port=port, timeout=5)).ok)
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime  # the scan's, not the imports'
switches = usage.ru_nvcsw + usage.ru_nivcsw - before.ru_nvcsw - before.ru_nivcsw
print(json.dumps({"wall": time.monotonic() - begun, "cpu": cpu, "sys": usage.ru_stime - before.ru_stime,
                  "switches": switches, "rss": usage.ru_maxrss, "count": count, "named": named,
                  "files": resource.getrlimit(resource.RLIMIT_NOFILE)}))
"""


class Namespace:
    """A network namespace of our own (``ip netns``, root only): its loopback holds all of
    127.0.0.0/8, so 65,536 targets 127.1.x.y need no address set up, and nothing is shared."""

    def __init__(self) -> None:
        self.name = f"netref-bench-{os.getpid()}"
        self.listeners: list[subprocess.Popen[str]] = []

    def __enter__(self) -> Self:
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.run("ip", "link", "set", "lo", "up")
        for setting in ("net.core.somaxconn=65535", "net.ipv4.tcp_max_syn_backlog=65535",
                        "net.ipv4.ip_local_port_range=1024 65000", "net.ipv4.tcp_tw_reuse=1"):
            self.run("sysctl", "-q", "-w", setting)
        return self

    def run(self, *argv: str) -> str:
        done = subprocess.run(["ip", "netns", "exec", self.name, *argv], capture_output=True, text=True, check=True)
        return done.stdout

    def listen(self, delay: float, port: int = 8080) -> None:
        listener = subprocess.Popen(["ip", "netns", "exec", self.name, sys.executable, "-c", LISTENER, str(delay),
                                     str(port)], stdout=subprocess.PIPE, text=True)  # fmt: skip
        self.listeners.append(listener)
        assert listener.stdout is not None
        listener.stdout.readline()  # "ready"

    def __exit__(self, *exc: object) -> None:
        for listener in self.listeners:
            listener.terminate()
            listener.wait()
        subprocess.run(["ip", "netns", "delete", self.name], check=False)


def fleet(delay: float, concurrency: int, targets: int, rate: float) -> bool:
    """Part 3 (issue 22): 65,536 and 1,000 loopback targets (127.1.x.y) in a network namespace,
    one listener answering HTTP on 8080 after ``delay``, ``--concurrency``; ``--rate`` on a
    port nobody listens on (the connection stage alone)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("3. fleet: needs root and ip(8) for a network namespace: skipped")
        return True
    with Namespace() as space:
        space.listen(delay)
        space.listen(0.0, 8082)  # answers at once: the family run's own CPU, nothing waited for

        def child(spec: str, port: int, workers: int, per_second: float = 0.0) -> dict:
            return json.loads(space.run(sys.executable, "-c", SCANNER, spec, str(port), str(workers), str(per_second)))

        child("127.1.0.1", 8080, 0)  # warm the catalogue cache
        one = min(child("127.1.0.1", 8080, 0)["wall"] for _ in range(3))
        small = child("127.1.0-3.0-249", 8080, concurrency)  # 1,000
        large = child(f"127.1.0-{(targets - 1) // 256}.0-255", 8080, concurrency)
        paced = child("127.2.0-78.0-255", 8081, concurrency, rate)  # 20,224 on a closed port
        bare = child(f"127.3.0-{(targets - 1) // 256}.0-255", 8081, concurrency)  # the stage alone
        alone = child("127.1.0.1", 8082, 0, -FLOOR_PROBES)  # one probe after another, warm
    met = True
    floor = alone["cpu"] / alone["count"]
    for label, run in (("1,000", small), (f"{large['count']:,}", large)):
        ideal = max(run["count"] / concurrency, 1) * one
        ratio = run["wall"] / ideal
        met &= ratio <= 1.3 and run["named"] == run["count"]
        print(f"3. {label} targets (127.1.x.y:8080, answering after {delay} s), concurrency {concurrency}: "
              f"{run['wall']:.2f} s, ideal {ideal:.2f} s (one probe {one:.3f} s): ratio {ratio:.2f} (target ≤ 1.30); "
              f"{run['named']} identified and probed")
        if ratio > 1.3:
            print("   " + "\n   ".join(bound(run, ideal, concurrency, floor)))
    print(f"   the connection stage alone ({bare['count']:,} refused connections, concurrency {concurrency}): "
          f"{bare['wall']:.2f} s, {bare['count'] / bare['wall']:.0f}/s, "
          f"{bare['cpu'] / bare['count'] * 1e6:.0f} µs of CPU a port: the examinations (identify, probe) are the cost")
    memory = large["rss"] / small["rss"]
    met &= memory <= 1.5
    print(f"   peak memory {large['rss'] / 1024:.1f} MiB for {large['count']:,}, {small['rss'] / 1024:.1f} MiB for "
          f"1,000: ratio {memory:.2f} (target ≤ 1.50)")
    measured = paced["count"] / paced["wall"]
    met &= abs(measured / rate - 1) <= 0.1
    print(f"   --rate {rate:g}: {paced['count']:,} connections (refused port) in {paced['wall']:.2f} s = "
          f"{measured:.0f}/s: {measured / rate:.3f} of the rate (target within 10 %)")
    on_paper(bare["cpu"] / bare["count"], large["cpu"] / large["count"], concurrency, one)
    return met


#: Probes run one after another to measure the family run's own CPU (a listener answering at once).
FLOOR_PROBES = 500


def on_paper(refused: float, opened: float, concurrency: int, one: float) -> None:
    """What a 10,000-host × 34-port scan costs at the CPU figures just measured (issue 22)."""
    jobs, ports = 10_000 * 34, 10_000  # one open port a host, say: the rest refused
    waits = jobs / concurrency * one
    cpu = (jobs - ports) * refused + ports * opened
    print(f"   on paper, 10,000 hosts × 34 ports (340,000 jobs, one open port a host): the waits alone "
          f"{waits:.1f} s at concurrency {concurrency}; the CPU {cpu:.1f} s ({refused * 1e6:.0f} µs a refused "
          f"port, {opened * 1e6:.0f} µs an open one): about {max(waits, cpu):.0f} s on one core")


def bound(run: dict, ideal: float, concurrency: int, floor: float) -> list[str]:
    """What holds a run above its ideal, in numbers: the descriptors, or the CPU — the family run's
    own Python (``floor``: its CPU a probe, one after another) on the one core the interpreter
    lock allows, plus the lock passing between the examiner threads."""
    per_port = run["cpu"] / run["count"]
    if run["files"][0] < concurrency:
        return [f"bound by open files: the limit is {run['files'][0]}"]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    machine = f"this machine: {cpus} CPUs, load average {os.getloadavg()[0]:.1f}"
    least = run["count"] * floor
    busy = run["cpu"] >= 0.8 * run["wall"]
    return [
        f"{'bound by the CPU' if busy else 'the CPU, when it had one (other processes share it)'}: "
        f"{run['cpu']:.2f} s of CPU in {run['wall']:.2f} s ({per_port * 1e6:.0f} µs a port, "
        f"{run['sys'] / run['cpu']:.0%} of it in the kernel, {run['switches'] / run['count']:.0f} thread switches "
        f"a port): at most {1 / per_port:.0f} ports a second",
        f"the family run alone (HTTP probes one after another, answered at once) is {floor * 1e6:.0f} µs of CPU a "
        f"probe: {run['count']:,} need {least:.2f} s, {least / ideal:.1f}× the ideal, on the one core the "
        f"interpreter lock runs Python on; the other {max(per_port - floor, 0) * 1e6:.0f} µs a port are the "
        f"stage's connect and the lock passing between {min(concurrency, MAX_EXAMINERS)} examiner threads ({machine})",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--targets", type=int, default=65536, help="the large fleet case (a multiple of 256)")
    parser.add_argument("--concurrency", type=int, default=4096)
    parser.add_argument("--rate", type=float, default=5000)
    parser.add_argument("--fleet-only", action="store_true", help="part 3 alone")
    args = parser.parse_args()
    fast, versus = True, True
    if not args.fleet_only:
        fast, found = slow_greeters(args.delay)
        versus = versus_nmap(found)
    scaled = fleet(0.1, args.concurrency, args.targets, args.rate)
    met = fast and versus and scaled
    print("targets met" if met else "targets MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
