"""Replaying real LDAP servers' bytes, and capturing them (run this file to capture).

The captures in ``tests/probes/captures_ldap.json`` are what real Debian directory servers
answered to the probe's own requests (the encoders of :mod:`netref.probes.ldap`, message IDs 1, 2,
… as the probe numbers them): ``python tests/probes/ldap_replay.py NAME 127.0.0.1:PORT --program
"slapd 2.5.13+dfsg-5" --config "..." [--starttls | --implicit-tls | --hello]`` speaks to the server with a
plain socket (TLS with no verification where asked), records every request and the exact bytes
that answered it, and appends the capture to the file. The server's certificate is not kept: a
replay serves TLS with the test's own.

A test replays a capture with :class:`ReplayServer`: each LDAP message the probe sends must be
byte for byte the one captured (anything else is recorded in ``mismatches`` and the connection
closed), and the server's captured answer goes back; after the StartTLS answer the server wraps
the connection in TLS, as the real one did.
"""

from __future__ import annotations

import argparse
import datetime
import json
import socket
import ssl
import sys
import threading
from pathlib import Path
from typing import Any, Self

CAPTURES = Path(__file__).with_name("captures_ldap.json")
ROOT = Path(__file__).resolve().parents[2]


def load() -> list[dict[str, Any]]:
    return json.loads(CAPTURES.read_text(encoding="utf-8"))


def capture(name: str) -> dict[str, Any]:
    """The capture called ``name``."""
    return next(entry for entry in load() if entry["name"] == name)


def answer(name: str, index: int = 0) -> bytes:
    """The bytes the server sent in answer to the capture's ``index``-th request."""
    return bytes.fromhex(capture(name)["exchanges"][index]["received"])


def read_message(sock: socket.socket) -> bytes:
    """One whole BER element from ``sock`` (b"" at end of file)."""
    from netref.probes import ber

    data = b""
    while True:
        size = ber.element_size(data, max_length=1 << 24) if data else None
        if size is not None and len(data) >= size:
            return data
        chunk = sock.recv(max(1, (size or 2) - len(data)))
        if not chunk:
            return data
        data += chunk


class ReplayServer:
    """A loopback server that answers the probe's requests with a capture's bytes."""

    def __init__(self, entry: dict[str, Any], ssl_context: ssl.SSLContext | None = None) -> None:
        self.entry = entry
        self.ssl_context = ssl_context
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = "127.0.0.1", self.listener.getsockname()[1]
        self.received: list[bytes] = []
        self.mismatches: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        self.thread.join(timeout=5)

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        conn.settimeout(5)
        try:
            self._replay(conn)
        except (OSError, ssl.SSLError) as error:
            self.mismatches.append(f"replay stopped: {error}")
        finally:
            conn.close()

    def _replay(self, conn: socket.socket) -> None:
        tls = False
        if self.entry["implicit_tls"]:
            conn, tls = self._wrap(conn), True
        for exchange in self.entry["exchanges"]:
            if exchange["tls"] and not tls:
                conn, tls = self._wrap(conn), True
            message = read_message(conn)
            self.received.append(message)
            if message != bytes.fromhex(exchange["sent"]):
                self.mismatches.append(f"expected {exchange['sent']}, got {message.hex()}")
                return
            conn.sendall(bytes.fromhex(exchange["received"]))
        self.received.append(read_message(conn))  # the client's end: its unbind

    def _wrap(self, conn: socket.socket) -> socket.socket:
        if self.ssl_context is None:
            raise ssl.SSLError("the capture needs TLS: give the replay an ssl_context")
        return self.ssl_context.wrap_socket(conn, server_side=True)


# -- capturing ---------------------------------------------------------------------------------


def _read_answer(sock: socket.socket, message_id: int) -> bytes:
    """Every message up to the one that ends the answer to ``message_id`` (searchResDone or
    extendedResp), as sent; for an unbind, whatever comes before the server closes."""
    from netref.probes import ber, ldap

    data = b""
    while True:
        message = read_message(sock)
        data += message
        if not message:
            return data
        element = ber.decode(message)
        if element.children[1].number in (ldap.DONE, ldap.EXTENDED_RESPONSE) or element.children[0].integer() == 0:
            return data


def _record(host: str, port: int, starttls: bool, implicit_tls: bool, hello: bool) -> list[dict[str, Any]]:
    from netref.probes import ldap

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    sock = socket.create_connection((host, port), timeout=5)
    tls = implicit_tls
    if implicit_tls:
        sock = context.wrap_socket(sock)
    exchanges = []
    if hello:
        from netref.catalog import load_catalog

        facts = load_catalog().protocols["ldap"].identify
        sent = facts.hello.encode("latin-1") if facts and facts.hello else b""
        sock.sendall(sent)
        exchanges.append({"sent": sent.hex(), "received": _read_answer(sock, 1).hex(), "tls": tls})
        sock.close()
        return exchanges
    requests = [ldap.search_request] + ([ldap.starttls_request, ldap.search_request] if starttls else [])
    for message_id, request in enumerate(requests, 1):
        sent = request(message_id)
        sock.sendall(sent)
        exchanges.append({"sent": sent.hex(), "received": _read_answer(sock, message_id).hex(), "tls": tls})
        if request is ldap.starttls_request:
            sock, tls = context.wrap_socket(sock), True
    unbind = ldap.unbind_request(len(requests) + 1)
    sock.sendall(unbind)
    sock.close()
    return exchanges


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("target", help="HOST:PORT")
    parser.add_argument("--program", required=True, help="the program and its Debian package version")
    parser.add_argument("--config", required=True, help="how the server was configured and started")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--hello", action="store_true", help="send the catalogue's identify hello instead")
    args = parser.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    exchanges = _record(host, int(port), args.starttls, args.implicit_tls, args.hello)
    entries = load() if CAPTURES.exists() else []
    entries = [entry for entry in entries if entry["name"] != args.name]
    entries.append({
        "name": args.name,
        "program": args.program,
        "config": args.config,
        "captured": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC") + ", Debian 12 (bookworm)",
        "implicit_tls": args.implicit_tls,
        "exchanges": exchanges,
    })
    CAPTURES.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    print(f"{args.name}: {len(exchanges)} exchanges recorded in {CAPTURES}")


if __name__ == "__main__":
    main(sys.argv[1:])
