"""UDP probes side by side with a raw socket exchange of the same datagrams; a UDP scan beside nmap.

Target (issue #19, point 8): probe time ÷ raw exchange time ≤ 1.20 (medians), for dns, ntp, snmp and
syslog. The servers replay real daemons' datagrams (``tests/probes/udp_captures/``: unbound,
chronyd, net-snmp), in a child process so that they do not compete with the measured code for the
GIL. The probe's ids come from the capture's seed, so it sends exactly the captured requests; the raw
exchange sends the same requests on a connected socket and waits for each reply (syslog: one
datagram, then the same 0.5 s wait for an ICMP error the probe makes).

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


def raw_exchange(port: int, requests: list[bytes]) -> None:
    """What the probe does on the wire, with nothing else: send each request, wait for its reply."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("127.0.0.1", port))
        sock.settimeout(2.0)
        for request in requests:
            sock.send(request)
            sock.recv(65535)


def raw_syslog(port: int, message: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("127.0.0.1", port))
        sock.send(message)
        sock.settimeout(syslog.LISTEN)
        try:
            sock.recv(65535)
        except TimeoutError:
            pass


def measure(rounds: int, delay: float) -> list[tuple[str, float, float]]:
    rows = []
    for protocol, program, options in CASES:
        entry = capture(protocol, program)
        answered = [item for item in entry["exchanges"] if item["replies"]]
        child, port = start_server({item["request"]: item["replies"] for item in answered}, delay)
        requests = [bytes.fromhex(item["request"]) for item in answered]
        seed = entry["options"]["seed"]
        probe_times, raw_times = [], []
        try:
            for index in range(rounds):
                order = (0, 1) if index % 2 else (1, 0)
                for which in order:
                    if which == 0:
                        datagram.random_bytes = random.Random(seed).randbytes  # type: ignore[assignment]
                        started = time.perf_counter()
                        result = run_probe(protocol, ProbeOptions("127.0.0.1", port=port, timeout=3, **options))
                        probe_times.append(time.perf_counter() - started)
                        assert result.ok, result.message
                    else:
                        started = time.perf_counter()
                        raw_exchange(port, requests)
                        raw_times.append(time.perf_counter() - started)
        finally:
            child.kill()
            child.wait()
        rows.append((protocol, statistics.median(probe_times) * 1000, statistics.median(raw_times) * 1000))
    if delay:
        return rows
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        port = collector.getsockname()[1]
        probe_times, raw_times = [], []
        for _ in range(max(rounds // 20, 3)):
            started = time.perf_counter()
            run_probe("syslog", ProbeOptions("127.0.0.1", port=port, timeout=3))
            probe_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            raw_syslog(port, syslog.message("0" * 16))
            raw_times.append(time.perf_counter() - started)
    rows.append(("syslog", statistics.median(probe_times) * 1000, statistics.median(raw_times) * 1000))
    return rows


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
    print(f"UDP probe ÷ raw socket exchange of the same datagrams (median of {args.rounds}; target ≤ {TARGET:.2f})")
    failed = False
    for delay in (0.0, args.delay / 1000):
        where = " (bare loopback)" if not delay else " (a LAN's round trip)"
        print(f"server answers after {delay * 1000:g} ms{where}")
        print(f"  {'probe':<8} {'netref ms':>10} {'raw ms':>10} {'ratio':>7}")
        for protocol, probe_ms, raw_ms in measure(args.rounds, delay):
            ratio = probe_ms / raw_ms
            failed |= ratio > TARGET and bool(delay)
            over = "  OVER" if ratio > TARGET else ""
            print(f"  {protocol:<8} {probe_ms:>10.3f} {raw_ms:>10.3f} {ratio:>7.2f}{over}")
    if args.scan:
        compare_scan()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
