"""Deadline accuracy of ``netref probe`` against servers that never finish speaking.

Target (issue #3, point 7): probe wall time ÷ deadline ≤ 1.10 against a server that accepts
and never speaks ("silent") and one that sends a byte every ``--interval`` seconds forever
("drip"). Every protocol family is measured; the servers run on 127.0.0.1 in this process.

    python benchmarks/probe_deadline.py [--deadlines 1 2] [--interval 0.2] [--protocols http smtp]

Prints one row per (protocol, server, deadline) with the verdict and the ratio, then the
worst ratio and whether it meets the target. Exit status 1 when it does not.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time

from netref.probes import ProbeOptions, run_probe

TARGET = 1.10
PROTOCOLS = ["tcp", "http", "https", "telnet", "gopher", "smtp", "smtps", "pop3", "imap", "imaps", "ftp", "nntp",
             "mqtt", "mqtts", "socks"]


def serve(handler) -> tuple[socket.socket, int]:
    """A loopback listener running ``handler(conn)`` for each connection in a thread."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)

    def accept_loop() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_run, args=(handler, conn), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    return listener, listener.getsockname()[1]


def _run(handler, conn: socket.socket) -> None:
    try:
        handler(conn)
    except OSError:
        pass
    finally:
        conn.close()


def silent(conn: socket.socket) -> None:
    conn.settimeout(60)
    while conn.recv(4096):
        pass


def dripper(interval: float):
    def drip(conn: socket.socket) -> None:
        # A line that never ends, so that no protocol can finish its greeting.
        conn.sendall(b"2")
        while True:
            time.sleep(interval)
            conn.sendall(b"0")

    return drip


def measure(protocol: str, port: int, deadline: float) -> tuple[str, float]:
    options = ProbeOptions("127.0.0.1", port=port, timeout=deadline, insecure=True)
    started = time.monotonic()
    result = run_probe(protocol, options)
    wall = time.monotonic() - started
    verdict = "ok" if result.ok else f"failed ({result.category})"
    return verdict, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=float, nargs="+", default=[1.0, 2.0])
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between dripped bytes")
    parser.add_argument("--protocols", nargs="+", default=PROTOCOLS)
    args = parser.parse_args()

    servers = {"silent": serve(silent), "drip": serve(dripper(args.interval))}
    print(f"Python {sys.version.split()[0]}; target: wall ÷ deadline ≤ {TARGET:.2f}\n")
    print(f"{'protocol':<9} {'server':<7} {'deadline':>8} {'wall':>8} {'ratio':>6}  verdict")
    worst = 0.0
    for protocol in args.protocols:
        for name, (_, port) in servers.items():
            for deadline in args.deadlines:
                verdict, wall = measure(protocol, port, deadline)
                ratio = wall / deadline
                worst = max(worst, ratio)
                print(f"{protocol:<9} {name:<7} {deadline:>7.2f}s {wall:>7.3f}s {ratio:>6.3f}  {verdict}")
    status = "meets" if worst <= TARGET else "MISSES"
    print(f"\nworst ratio {worst:.3f} — {status} the target ≤ {TARGET:.2f}")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
