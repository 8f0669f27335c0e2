"""UDP probes side by side with a raw socket exchange of the same datagrams; a UDP scan beside nmap.

Target (issue #19, point 8): probe time ÷ raw exchange time ≤ 1.20 (medians), for dns, ntp, snmp and
syslog. The servers replay real daemons' datagrams (``tests/probes/udp_captures/``: unbound,
chronyd, net-snmp), in a child process so that they do not compete with the measured code for the
GIL. The probe's ids come from the capture's seed, so it sends exactly the captured requests; the raw
exchange is what a minimal correct client does: a connected socket, each request sent and its reply
received and checked (the captured reply, byte for byte), close (syslog: one datagram, then the
same 0.5 s wait for an ICMP error the probe makes). Both run in this process, interleaved (each
first in half of the rounds) and warm (a warm-up of both first); wall-clock medians with the
25th–75th percentiles, the per-round ratio, the CPU-time ratio and the probe's CPU microseconds
beyond the raw exchange's beside them.

Two tables: the server answering at once (bare loopback: the raw exchange is a few tens of
microseconds, so the probe's fixed cost in Python shows whole) and after ``--delay`` ms (a LAN's
round trip, where a probe is used). To add a UDP protocol, add a row to :data:`CASES` (its key,
the capture's program in ``tests/probes/udp_captures/``, probe options).

Then, with ``--scan`` (root: it starts unbound on 53, chronyd on 123, snmpd on 161 and rsyslogd on
514 where the ports are free and the programs installed), ``netref scan 127.0.0.1 --udp`` over the
catalogue's UDP ports beside ``nmap -sU -sV`` on the same ports when nmap is installed: time, and
the protocol each names, port by port.

    python benchmarks/udp.py [--rounds 200] [--scan]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "probes"))
sys.path.insert(0, str(ROOT / "tests" / "daemons"))

from udp_replay import capture  # noqa: E402

from netref.probes import ProbeOptions, datagram, run_probe, syslog  # noqa: E402

TARGET = 1.20
#: (protocol, capture, probe options) measured.
CASES = [
    ("dns", "unbound", {}),
    ("ntp", "chronyd", {}),
    ("snmp", "snmpd", {"community": "s3cret-ro"}),
]

_SERVER = """
import json, socket, sys, time
delay = float(sys.argv[1])
answers = {bytes.fromhex(k): [bytes.fromhex(r) for r in v] for k, v in json.loads(sys.stdin.read()).items()}
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
while True:
    data, peer = sock.recvfrom(65535)
    for reply in answers.get(data, ()):
        if delay:
            time.sleep(delay)
        sock.sendto(reply, peer)
"""


def start_server(answers: dict[str, list[str]], delay: float) -> tuple[subprocess.Popen[str], int]:
    argv = [sys.executable, "-c", _SERVER, str(delay)]
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps(answers))
    child.stdin.close()
    return child, int(child.stdout.readline())


def raw_exchange(port: int, requests: list[bytes], replies: list[bytes] | None = None) -> None:
    """What the probe does on the wire, with nothing else: send each request, wait for its reply
    (and check it is the one expected: a client must know its answer from a stranger's)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("127.0.0.1", port))
        sock.settimeout(2.0)
        for index, request in enumerate(requests):
            sock.send(request)
            reply = sock.recv(65535)
            if replies is not None and reply != replies[index]:
                raise SystemExit(f"raw exchange: reply {index} is not the captured one")


def raw_syslog(port: int, message: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("127.0.0.1", port))
        sock.send(message)
        sock.settimeout(syslog.LISTEN)
        try:
            sock.recv(65535)
        except TimeoutError:
            pass


#: A measured row: protocol, then (wall, cpu) seconds per round for the probe and for the raw exchange.
Row = tuple[str, list[float], list[float], list[float], list[float]]


def _timed(call: Callable[[], object], wall: list[float], cpu: list[float]) -> None:
    started, cpu_started = time.perf_counter(), time.thread_time()
    call()
    cpu.append(time.thread_time() - cpu_started)
    wall.append(time.perf_counter() - started)


def _interleaved(rounds: int, warmup: int, probe: Callable[[], object], raw: Callable[[], object]) -> Row:
    for _ in range(warmup):
        probe()
        raw()
    probe_wall: list[float] = []
    probe_cpu: list[float] = []
    raw_wall: list[float] = []
    raw_cpu: list[float] = []
    for index in range(rounds):
        if index % 2:
            _timed(probe, probe_wall, probe_cpu)
            _timed(raw, raw_wall, raw_cpu)
        else:
            _timed(raw, raw_wall, raw_cpu)
            _timed(probe, probe_wall, probe_cpu)
    return "", probe_wall, raw_wall, probe_cpu, raw_cpu


def measure(rounds: int, delay: float, warmup: int = 20) -> list[Row]:
    rows = []
    for protocol, program, options in CASES:
        entry = capture(protocol, program)
        answered = [item for item in entry["exchanges"] if item["replies"]]
        child, port = start_server({item["request"]: item["replies"] for item in answered}, delay)
        requests = [bytes.fromhex(item["request"]) for item in answered]
        replies = [bytes.fromhex(item["replies"][0]) for item in answered]
        seed = entry["options"]["seed"]

        def probe(
            protocol: str = protocol, port: int = port, options: dict[str, str] = options, seed: int = seed
        ) -> None:
            datagram.random_bytes = random.Random(seed).randbytes  # type: ignore[assignment]
            result = run_probe(protocol, ProbeOptions("127.0.0.1", port=port, timeout=3, **options))
            assert result.ok, result.message

        def raw(port: int = port, requests: list[bytes] = requests, replies: list[bytes] = replies) -> None:
            raw_exchange(port, requests, replies)

        try:
            row = _interleaved(rounds, warmup, probe, raw)
        finally:
            child.kill()
            child.wait()
        rows.append((protocol, *row[1:]))
    if delay:
        return rows
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        port = collector.getsockname()[1]
        row = _interleaved(
            max(rounds // 20, 4), 1,
            lambda: run_probe("syslog", ProbeOptions("127.0.0.1", port=port, timeout=3)),
            lambda: raw_syslog(port, syslog.message("0" * 16)),
        )  # fmt: skip
    rows.append(("syslog", *row[1:]))
    return rows


def _spread(values: list[float]) -> str:
    low, median, high = statistics.quantiles(values, n=4, method="inclusive")
    return f"{median * 1000:8.3f} [{low * 1000:.3f}–{high * 1000:.3f}]"


# -- the scan beside nmap ---------------------------------------------------------------------------


def start_daemons(work: Path) -> list[subprocess.Popen[bytes]]:
    """unbound on 53, chronyd on 123, snmpd on 161, rsyslogd on 514: those whose port is free."""
    started = []
    plans = {
        53: ("unbound", lambda: _unbound(work)),
        123: ("chronyd", lambda: _chronyd(work)),
        161: ("snmpd", lambda: _snmpd(work)),
        514: ("rsyslogd", lambda: _rsyslogd(work)),
    }
    for port, (program, argv) in plans.items():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe_port:
            try:
                probe_port.bind(("127.0.0.1", port))
            except OSError:
                print(f"  {port}/udp busy: scanning what listens there")
                continue
        if shutil.which(program, path="/usr/sbin:/usr/bin:/sbin") is None:
            continue
        started.append(subprocess.Popen(argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, "MIBS": ""}, start_new_session=True))  # fmt: skip
    time.sleep(1.5)
    return started


def _unbound(work: Path) -> list[str]:
    conf = work / "unbound.conf"
    conf.write_text(f'server:\n  interface: 127.0.0.1\n  port: 53\n  do-daemonize: no\n  username: ""\n  chroot: ""\n'
                    f'  directory: "{work}"\n  pidfile: ""\n  use-syslog: no\n  do-ip6: no\n  local-zone: "." static\n'
                    '  local-data: ". 86400 IN SOA a.root.test. nstld.test. 1 1800 900 604800 86400"\n'
                    "remote-control:\n  control-enable: no\n")  # fmt: skip
    return ["unbound", "-d", "-c", str(conf)]


def _chronyd(work: Path) -> list[str]:
    conf = work / "chrony.conf"
    lines = ["port 123", "cmdport 0", "allow 127.0.0.1", "local stratum 8", "bindaddress 127.0.0.1"]
    conf.write_text("\n".join([*lines, f"pidfile {work}/p"]) + "\n")
    return ["chronyd", "-d", "-x", "-u", "root", "-f", str(conf)]


def _snmpd(work: Path) -> list[str]:
    conf = work / "snmpd.conf"
    conf.write_text("agentAddress udp:127.0.0.1:161\nrocommunity public 127.0.0.1\n")
    return ["snmpd", "-f", "-C", "-c", str(conf), "-p", str(work / "s.pid"), f"--persistentDir={work}", "-I", "-smux"]


def _rsyslogd(work: Path) -> list[str]:
    conf = work / "rsyslog.conf"
    conf.write_text(
        f'global(workDirectory="{work}")\nmodule(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="514")\n'
        f'*.* action(type="omfile" file="{work}/m")\n'
    )
    return ["rsyslogd", "-n", "-f", str(conf), "-i", str(work / "r.pid")]


def compare_scan() -> None:
    from netref.probes import default_catalog
    from netref.scan import ScanOptions, catalogue_udp_ports, scan

    ports = catalogue_udp_ports(default_catalog())
    with tempfile.TemporaryDirectory() as work:
        daemons = start_daemons(Path(work)) if os.geteuid() == 0 else []
        try:
            started = time.perf_counter()
            ours = {r.port: r for r in scan(["127.0.0.1"], ScanOptions(ports=[], udp_ports=ports, timeout=3))}
            our_time = time.perf_counter() - started
            theirs: dict[int, str] = {}
            nmap_time = None
            if shutil.which("nmap"):
                started = time.perf_counter()
                listed = ",".join(map(str, ports))
                output = subprocess.run(["nmap", "-sU", "-sV", "-n", "-Pn", "-p", listed, "-oG", "-", "127.0.0.1"],
                                        capture_output=True, text=True, check=False).stdout  # fmt: skip
                nmap_time = time.perf_counter() - started
                for line in output.splitlines():
                    if "Ports:" in line:
                        for item in line.split("Ports:", 1)[1].split("\t")[0].split(","):
                            fields = item.strip().split("/")
                            if len(fields) > 4:
                                theirs[int(fields[0])] = f"{fields[1]} {fields[4] or '-'} {fields[6]}".strip()
        finally:
            for daemon in daemons:
                os.killpg(daemon.pid, 15)
                daemon.wait(5)
    print(f"\nUDP scan of the catalogue's {len(ports)} UDP ports on 127.0.0.1")
    beside = f"   nmap -sU -sV: {nmap_time:.2f} s" if nmap_time else "   (nmap not installed)"
    print(f"  netref scan --udp: {our_time:.2f} s{beside}")
    print(f"  {'port':>9}  {'netref':<40} nmap")
    for port in ports:
        result = ours[port]
        named = f"{result.state} {result.protocol or '-'} {result.software or ''}".strip()
        print(f"  {port:>5}/udp  {named:<40} {theirs.get(port, '-')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--scan", action="store_true", help="also scan the catalogue's UDP ports beside nmap")
    parser.add_argument("--delay", type=float, default=1.0, help="the server's answer delay for the second table (ms)")
    args = parser.parse_args()
    print(f"UDP probe ÷ raw socket exchange of the same datagrams ({args.rounds} rounds each, interleaved, "
          f"both warm; wall-clock ms: median [25th–75th percentile]; target ≤ {TARGET:.2f})")  # fmt: skip
    failed = False
    for delay in (0.0, args.delay / 1000):
        where = " (bare loopback)" if not delay else " (a LAN's round trip)"
        print(f"server answers after {delay * 1000:g} ms{where}")
        columns = f"{'ratio':>6} {'per round [IQR]':>19} {'cpu ratio':>9} {'+cpu µs':>7}"
        print(f"  {'probe':<8} {'netref ms':>25} {'raw ms':>25} {columns}")
        for protocol, probe_wall, raw_wall, probe_cpu, raw_cpu in measure(args.rounds, delay):
            ratio = statistics.median(probe_wall) / statistics.median(raw_wall)
            per_round = [took / raw for took, raw in zip(probe_wall, raw_wall, strict=True)]
            low, mid, high = statistics.quantiles(per_round, n=4, method="inclusive")
            cpu = statistics.median(probe_cpu) / statistics.median(raw_cpu)
            extra = (statistics.median(probe_cpu) - statistics.median(raw_cpu)) * 1e6
            failed |= ratio > TARGET and bool(delay)
            over = "  OVER" if ratio > TARGET else ""
            print(f"  {protocol:<8} {_spread(probe_wall):>25} {_spread(raw_wall):>25} {ratio:>6.2f} "
                  f"{mid:>6.2f} [{low:.2f}–{high:.2f}] {cpu:>9.2f} {extra:>7.0f}{over}")  # fmt: skip
    if args.scan:
        compare_scan()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
