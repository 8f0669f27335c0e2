"""microsocks (Debian package microsocks) on 127.0.0.1: the socks probe against an open proxy (and
a CONNECT with --to to a listener of the test's own, and to a closed port) and one that wants a
username and password."""

from __future__ import annotations

import socket

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe


def _probe(port: int, to: str | None = None):
    return run_probe("socks", ProbeOptions("127.0.0.1", port=port, timeout=5, to=to))


def test_microsocks_open_and_with_a_password():
    program = need("microsocks", "microsocks")
    port, locked, closed = free_port(), free_port(), free_port()
    with socket.create_server(("127.0.0.1", 0)) as target:
        open_port = target.getsockname()[1]
        with (
            running([program, "-i", "127.0.0.1", "-p", str(port)], port),
            running([program, "-i", "127.0.0.1", "-p", str(locked), "-u", "bob", "-P", "secret"], locked),
        ):
            methods, reached, refused = (
                _probe(port),
                _probe(port, f"127.0.0.1:{open_port}"),
                _probe(port, f"127.0.0.1:{closed}"),
            )
            wants = _probe(locked)
    assert methods.ok and methods.details["no_authentication"] is True, methods.message
    assert reached.ok and reached.details["reply"] == "succeeded", reached.message
    assert not refused.ok and refused.details["reply"] == "connection refused"
    assert wants.ok and wants.details["method"] == "username/password"
