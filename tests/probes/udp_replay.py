"""Replaying real UDP servers' datagrams, and capturing them (run this file to capture).

The captures under ``tests/probes/udp_captures/`` are what real Debian daemons answered to netref's
own requests: ``python tests/probes/udp_replay.py PROTOCOL PROGRAM 127.0.0.1:PORT [--query ...]``
runs the probe through a recording proxy with repeatable "random" ids (:func:`repeatable`), and
appends the exchanges, the program's version and the command to ``udp_captures/PROTOCOL.json``.
A test replays them with :class:`ReplayServer`: the same seed makes netref send the very bytes the
daemon was sent (the server answers only those, byte for byte), and the daemon's exact replies come
back.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import random
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

CAPTURES = Path(__file__).with_name("udp_captures")


def load(protocol: str) -> list[dict[str, Any]]:
    return json.loads((CAPTURES / f"{protocol}.json").read_text(encoding="utf-8"))


def capture(protocol: str, program: str) -> dict[str, Any]:
    """The first capture of ``program`` in ``udp_captures/PROTOCOL.json``."""
    return next(entry for entry in load(protocol) if entry["program"] == program)


@contextlib.contextmanager
def repeatable(seed: int) -> Iterator[None]:
    """netref's transaction ids and timestamps drawn from ``random.Random(seed)`` (a test uses
    pytest's monkeypatch instead; this is for the capturing run)."""
    from netref.probes import datagram

    generator = random.Random(seed)
    original = datagram.random_bytes
    datagram.random_bytes = generator.randbytes  # type: ignore[assignment]
    try:
        yield
    finally:
        datagram.random_bytes = original  # type: ignore[assignment]


class ReplayServer:
    """A UDP server on 127.0.0.1 that answers each known request (exact bytes) with the replies
    recorded for it, and nothing to anything else (``unknown`` keeps what it was sent instead).
    ``before`` sends extra datagrams ahead of each reply (from ``spoof`` sockets: a stranger)."""

    def __init__(self, exchanges: list[dict[str, Any]], *, edit: Any = None, spoof: bool = False) -> None:
        self.answers = {
            bytes.fromhex(item["request"]): [bytes.fromhex(r) for r in item["replies"]] for item in exchanges
        }
        self.edit = edit  # edit(request, reply) -> list of (reply bytes, from_stranger)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.stranger.bind(("127.0.0.1", 0))
        self.seen: list[bytes] = []
        self.unknown: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(65535)
            except OSError:
                return
            self.seen.append(data)
            replies = self.answers.get(data)
            if replies is None:
                self.unknown.append(data)
                continue
            for reply in replies:
                plan = self.edit(data, reply) if self.edit else [(reply, False)]
                for datagram, stranger in plan:
                    (self.stranger if stranger else self.sock).sendto(datagram, peer)

    def close(self) -> None:
        self.sock.close()
        self.stranger.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DnsReplay:
    """A DNS server made of unbound's recorded replies (``udp_captures/dns.json``, "unbound"): each
    question gets unbound's reply to the same question, its id copied (so any id works: the scan's
    fixed identification query, the probe's random ones); other questions the root SOA reply."""

    def __init__(self) -> None:
        entry = capture("dns", "unbound")
        pairs = [(bytes.fromhex(x["request"]), bytes.fromhex(x["replies"][0])) for x in entry["exchanges"]]
        self.by_question = {request[2:]: reply[2:] for request, reply in pairs}
        self.root = pairs[0][1][2:]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            self.seen.append(data)
            if len(data) < 12 or data[2] & 0x80:
                continue  # not a DNS question: silence, as a DNS server keeps
            self.sock.sendto(data[:2] + self.by_question.get(data[2:], self.root), peer)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DotServer:
    """DNS over TLS (RFC 7858) made of unbound's recorded replies: a TLS listener on 127.0.0.1 that
    answers each two-byte-framed question with :class:`DnsReplay`'s reply to it (id copied)."""

    def __init__(self, context: Any) -> None:
        self.replies = DnsReplay()
        self.replies.close()  # only its table of answers is used
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.context = context
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                file = tls.makefile("rb")
                while len(head := file.read(2)) == 2:
                    query = file.read(int.from_bytes(head, "big"))
                    reply = query[:2] + self.replies.by_question.get(query[2:], self.replies.root)
                    tls.sendall(len(reply).to_bytes(2, "big") + reply)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Recorder:
    """A UDP proxy: every datagram to it goes to the daemon, every answer comes back, all recorded."""

    def __init__(self, daemon: tuple[str, int]) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.upstream.connect(daemon)
        self.exchanges: list[dict[str, Any]] = []
        self.client: Any = None
        threading.Thread(target=self._down, daemon=True).start()
        threading.Thread(target=self._up, daemon=True).start()

    def _down(self) -> None:
        while True:
            data, self.client = self.sock.recvfrom(65535)
            self.exchanges.append({"request": data.hex(), "replies": []})
            self.upstream.send(data)

    def _up(self) -> None:
        while True:
            try:
                data = self.upstream.recv(65535)
            except ConnectionRefusedError:
                continue
            self.exchanges[-1]["replies"].append(data.hex())
            self.sock.sendto(data, self.client)


def _version(program: str) -> str:
    """The Debian package version of ``program`` (dpkg -S, dpkg-query)."""
    path = subprocess.run(["sh", "-c", f"command -v {program} || echo /usr/sbin/{program}"], capture_output=True,
                          text=True, check=False).stdout.strip()  # fmt: skip
    owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True, check=False).stdout.split(":")[0]
    if not owner:
        return "not from a Debian package: " + path
    version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", owner], capture_output=True, text=True,
                             check=False).stdout  # fmt: skip
    return f"Debian {owner} {version}"


def main(argv: list[str]) -> None:
    from netref.probes import ProbeOptions, run_probe

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("protocol")
    parser.add_argument("program", help="the daemon's executable name (its package version is recorded)")
    parser.add_argument("target", help="127.0.0.1:PORT where the daemon listens")
    parser.add_argument("--label", help="a name for this capture (default: the program)")
    parser.add_argument("--version", dest="version", help="the version, when dpkg does not know the program")
    parser.add_argument("--query")
    parser.add_argument("--type", dest="qtype")
    parser.add_argument("--community")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    host, port = args.target.rsplit(":", 1)
    recorder = _Recorder((host, int(port)))
    options = ProbeOptions("127.0.0.1", port=recorder.port, timeout=args.timeout, query=args.query, qtype=args.qtype)
    if args.community:
        options.community = args.community
    with repeatable(args.seed):
        result = run_probe(args.protocol, options)
    entry = {
        "program": args.label or args.program,
        "version": args.version or _version(args.program),
        "captured": f"{datetime.date.today()}: tests/probes/udp_replay.py {' '.join(argv)}"
        " (the daemon on 127.0.0.1, configured as its daemon test or the note says)",
        "note": args.note,
        "options": {
            "query": args.query,
            "qtype": args.qtype,
            "seed": args.seed,
            "community": "(given)" if args.community else None,
        },
        "verdict": f"{result.verdict}: {result.message}",
        "exchanges": recorder.exchanges,
    }
    path = CAPTURES / f"{args.protocol}.json"
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    entries = [old for old in entries if old["program"] != entry["program"]] + [entry]
    path.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    print(entry["program"], entry["version"], entry["verdict"], f"{len(recorder.exchanges)} exchanges")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main(sys.argv[1:])
