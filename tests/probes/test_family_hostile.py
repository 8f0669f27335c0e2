"""Hostile servers against the mail, news and file-transfer probes.

Each family hands the connection to a different stdlib client (smtplib, poplib, imaplib,
ftplib) or reads NNTP lines itself; each must still give a verdict within the deadline
and with bounded memory when the server is silent, drips, floods, sends garbage or resets.
The servers are the core tests' (tests/probes/servers.py).
"""

from __future__ import annotations

import random
import time

import pytest

import servers
from netref.probes import ProbeOptions, run_probe

PROTOCOLS = ["smtp", "submission", "pop3", "imap", "ftp", "nntp"]
SLACK = 0.15  # seconds on top of deadline × 1.1, as in test_core


def timed(protocol: str, port: int, timeout: float, **options):
    started = time.monotonic()
    result = run_probe(protocol, ProbeOptions("127.0.0.1", port=port, timeout=timeout, **options))
    return result, time.monotonic() - started


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_silent_server_times_out_within_the_deadline(protocol):
    with servers.serve(servers.silent) as server:
        result, wall = timed(protocol, server.port, timeout=0.5)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.5 * 1.1 + SLACK


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_drip_feed_cannot_stretch_the_deadline(protocol):
    with servers.serve(servers.drip(interval=0.05)) as server:
        result, wall = timed(protocol, server.port, timeout=0.5)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.5 * 1.1 + SLACK


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_endless_line_is_a_protocol_failure(protocol):
    with servers.serve(servers.endless_line) as server:
        result, wall = timed(protocol, server.port, timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert any(word in result.message for word in ("long", "more than")), result.message
    assert result.message.isprintable() and len(result.message) < 300


def binary_garbage(conn) -> None:
    """Pseudo-random bytes (seeded, so every run sees the same), without end."""
    chunk = random.Random(1984).randbytes(65536)
    while True:
        conn.sendall(chunk)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_binary_garbage_is_a_protocol_failure(protocol):
    with servers.serve(binary_garbage) as server:
        result, _ = timed(protocol, server.port, timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.isprintable() and len(result.message) < 300
    assert result.message.endswith("the server sent binary data"), result.message


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_reset_is_a_protocol_failure(protocol):
    with servers.serve(servers.reset) as server:
        result, _ = timed(protocol, server.port, timeout=3)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "reset" in result.message or "closed" in result.message, result.message


@pytest.mark.parametrize("protocol", ["smtps", "pop3s", "imaps", "ftps", "nntps"])
def test_implicit_tls_against_a_plaintext_greeting_is_a_tls_failure(protocol):
    with servers.serve(servers.smtp_greeting) as server:
        result, _ = timed(protocol, server.port, timeout=2)
    assert (result.verdict, result.category) == ("failed", "tls")
