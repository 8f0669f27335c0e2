"""Every example snippet in the catalogue runs, as printed by ``netref show``, against a local server.

Each example starts with ``HOST = "..."`` and ``PORT = ...`` lines; the test points them at
a server on 127.0.0.1, runs the snippet in a fresh interpreter (the running Python, so on
3.13 an example that imported telnetlib or nntplib would fail here), and checks that it
exits 0 and printed what that protocol's server says. TLS examples verify certificates
with ``ssl.create_default_context()``; the subprocess trusts the test CA through
``SSL_CERT_FILE``, which OpenSSL's default verify paths honour, so nothing in an example
has to change for the test.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ftp_server import FtpServer
from http_carried_servers import xmlrpc_server
from line_servers import imap_server, nntp_server, pop3_server
from servers import HttpServer, banner, gopher_menu, serve, telnet_login
from smtp_server import SmtpServer

from netref.catalog import load_catalog

EXAMPLE_TIMEOUT = 20  # seconds per example subprocess; they take well under one
HOST_LINE = re.compile(r"\AHOST = .*$", re.MULTILINE)
PORT_LINE = re.compile(r"^PORT = .*$", re.MULTILINE)

EXAMPLES = {key: protocol.example for key, protocol in load_catalog().protocols.items() if protocol.example}


def point_at(example: str, host: str, port: int) -> str:
    """The example with its HOST and PORT lines rewritten (they must come first)."""
    assert HOST_LINE.search(example), "an example must start with a HOST = ... line"
    assert PORT_LINE.search(example.splitlines()[1]), "an example's second line must be PORT = ..."
    example = HOST_LINE.sub(f"HOST = {host!r}", example, count=1)
    return PORT_LINE.sub(f"PORT = {port}", example, count=1)


def run_example(code: str, ca_file: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SSL_CERT_FILE": str(ca_file), "PYTHONWARNINGS": "error::DeprecationWarning"}
    env.pop("SSL_CERT_DIR", None)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=EXAMPLE_TIMEOUT, env=env, check=False)


# -- a local server for every example ---------------------------------------------------------

@contextlib.contextmanager
def udp_collector() -> Iterator:
    """A syslog collector on 127.0.0.1: records the datagrams it receives (``server.log``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    server = type("Collector", (), {})()
    server.host, server.port, server.log, server.datagrams = "127.0.0.1", sock.getsockname()[1], [], []
    stop = threading.Event()

    def receive() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                server.datagrams.append(sock.recv(65536))

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join()
        sock.close()


def _http(tls: bool) -> Callable:
    @contextlib.contextmanager
    def start(context, tmp_path, cert_paths):
        with HttpServer(ssl_context=context if tls else None) as server:
            server.host = "127.0.0.1"
            yield server
    return start


def _simple(factory: Callable, **options) -> Callable:
    def start(context, tmp_path, cert_paths):
        tls = {key: context for key, value in options.items() if value == "ssl_context"}
        return factory(**{**options, **tls})
    return start


def _ftp(tls: str | None) -> Callable:
    def start(context, tmp_path, cert_paths):
        certfile, keyfile = cert_paths
        return FtpServer(tmp_path, tls=tls, certfile=certfile, keyfile=keyfile)
    return start


def _loopback(handler_factory: Callable) -> Callable:
    @contextlib.contextmanager
    def start(context, tmp_path, cert_paths):
        with serve(handler_factory()) as server:
            yield server
    return start


#: protocol -> (server starter, what its output must contain)
SERVERS: dict[str, tuple[Callable, list[str]]] = {
    "http": (_http(tls=False), ["200 OK netref-test/1.0"]),
    "https": (_http(tls=True), ["200 OK TLSv1."]),
    "xmlrpc": (lambda context, tmp_path, cert_paths: xmlrpc_server(), ["system.listMethods", "pow"]),
    "xmlrpcs": (lambda context, tmp_path, cert_paths: xmlrpc_server(context), ["system.listMethods", "pow"]),
    "ftp": (_ftp(None), ["220 netref-test FTP server", "211 End FEAT"]),
    "ftps": (_ftp("implicit"), ["220 netref-test FTP server", "AUTH TLS", "211 End FEAT"]),
    "smtp": (_simple(SmtpServer, starttls_context="ssl_context"), ["8bitmime", "auth"]),
    "submission": (_simple(SmtpServer, starttls_context="ssl_context"), ["250 mail.netref.test", "AUTH"]),
    "smtps": (_simple(SmtpServer, implicit_context="ssl_context"), ["250 mail.netref.test", "8BITMIME"]),
    "pop3": (_simple(pop3_server), ["+OK netref test POP3 server ready", "UIDL"]),
    "pop3s": (_simple(pop3_server, ssl_context="ssl_context", implicit_tls=True), ["+OK netref test POP3", "UIDL"]),
    "imap": (_simple(imap_server, ssl_context="ssl_context"), ["IMAP4REV1", "AUTH=PLAIN"]),
    "imaps": (_simple(imap_server, ssl_context="ssl_context", implicit_tls=True), ["IMAP4REV1"]),
    "nntp": (_simple(nntp_server), ["200 netref test NNTP server ready", "101 Capability list", "READER"]),
    "nntps": (_simple(nntp_server, ssl_context="ssl_context", implicit_tls=True), ["200 netref test NNTP", "TLSv1."]),
    "telnet": (_loopback(telnet_login), ["netref-test login:"]),
    "gopher": (_loopback(gopher_menu), ["1 About this server", "0 Read me"]),
    "tcp": (_loopback(banner), ["Thank you for connecting"]),
    "ssh": (_loopback(lambda: banner(b"SSH-2.0-netref_test\r\n")), ["SSH-2.0-netref_test"]),
    "dns": (_loopback(banner), ["AF_INET 127.0.0.1"]),  # the system resolver; the server only lends a port
    "syslog": (lambda context, tmp_path, cert_paths: udp_collector(), []),
}


def test_every_example_has_a_local_server():
    assert EXAMPLES, "the catalogue has no examples"
    assert sorted(EXAMPLES) == sorted(SERVERS)


@pytest.mark.parametrize("protocol", sorted(EXAMPLES))
def test_example_runs_against_a_local_server(protocol, server_ssl_context, ca_file, cert_files, tmp_path):
    start, expected = SERVERS[protocol]
    with start(server_ssl_context, tmp_path, cert_files) as server:
        completed = run_example(point_at(EXAMPLES[protocol], "127.0.0.1", server.port), ca_file)
        log = list(getattr(server, "log", []))
        if protocol == "syslog":  # UDP: wait for the datagram the example sent
            deadline = time.monotonic() + 5
            while not server.datagrams and time.monotonic() < deadline:
                time.sleep(0.01)
            assert server.datagrams and b"hello from Python" in server.datagrams[0], server.datagrams
    assert completed.returncode == 0, f"{protocol} example failed:\n{completed.stderr}"
    for text in expected:
        assert text in completed.stdout, f"{protocol} example printed:\n{completed.stdout}"
    if protocol in ("smtp", "submission", "imap"):  # STARTTLS offered: the example must use it
        assert any(getattr(entry, "secure", False) for entry in log)
    assert not {"MAIL", "RCPT", "DATA", "POST"} & {str(getattr(e, "verb", "")) for e in log}


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def test_tcp_example_server_and_client_talk_to_each_other(ca_file):
    """The tutorial's pair, fixed for Python 3: ``example.py server`` then ``example.py``."""
    code = point_at(EXAMPLES["tcp"], "127.0.0.1", _free_port())
    server = subprocess.Popen([sys.executable, "-u", "-c", code, "server"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + EXAMPLE_TIMEOUT
        while True:  # the client may start before the server listens: retry until it does
            client = run_example(code, ca_file)
            if client.returncode == 0 or time.monotonic() > deadline:
                break
            assert "ConnectionRefusedError" in client.stderr, client.stderr
            time.sleep(0.05)
        assert client.returncode == 0, client.stderr
        assert client.stdout.strip() == "Thank you for connecting"
    finally:
        server.terminate()
        out, _err = server.communicate(timeout=EXAMPLE_TIMEOUT)
    assert "Got connection from ('127.0.0.1'," in out
