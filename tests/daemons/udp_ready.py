"""Readiness for UDP daemons: nothing accepts a UDP connection, so ask until an answer comes."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import pytest
from realdaemon import READY_TIMEOUT


def free_port_both() -> int:
    """A port free on 127.0.0.1 for UDP and TCP alike (DNS answers on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both UDP and TCP")


def wait_answering(
    port: int, request: bytes, process: subprocess.Popen[bytes], ok: Callable[[bytes], bool] = bool
) -> None:
    """Send ``request`` to 127.0.0.1:``port`` until a reply ``ok`` accepts comes back."""
    deadline = time.monotonic() + READY_TIMEOUT
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("127.0.0.1", port))
        sock.settimeout(0.2)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = process.stdout.read(8192).decode("utf-8", "replace") if process.stdout else ""
                pytest.fail(f"the daemon exited with {process.returncode}:\n{output}")
            try:
                sock.send(request)
                if ok(sock.recv(65535)):
                    return
            except (TimeoutError, ConnectionRefusedError):
                time.sleep(0.05)
    pytest.fail(f"nothing answered on 127.0.0.1:{port}/udp within {READY_TIMEOUT:g} s")
