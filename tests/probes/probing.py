"""Helpers shared by the mail, news and file-transfer probe tests (and the example runs)."""

from __future__ import annotations

import http.server
import select
import time
from pathlib import Path
from typing import Any, Self

import pytest

from netref.probes import ProbeOptions, ProbeResult, run_probe

#: Deadline for probes of well-behaved local servers: generous, since they answer at once.
TIMEOUT = 5.0


def probe(protocol: str, server: Any, *, ca_file: Path | None = None, catalog: Any = None,
          **options: Any) -> ProbeResult:
    """Probe ``server`` (anything with ``host`` and ``port``) with ``--cafile ca_file``."""
    options.setdefault("timeout", TIMEOUT)
    return run_probe(protocol, ProbeOptions(server.host, port=server.port,
                                            cafile=str(ca_file) if ca_file else None, **options), catalog)



#: Seconds a timeout verdict may come after the deadline × 1.1, as in test_core.
SLACK = 0.15


def assert_times_out(protocol: str, server: Any, timeout: float, **options: Any) -> None:
    """The probe of ``server`` ends in a timeout, within the deadline: a hostile server cannot stretch it."""
    started = time.monotonic()
    result = probe(protocol, server, timeout=timeout, **options)
    assert not result.ok and result.category == "timeout", result.message
    assert time.monotonic() - started <= timeout * 1.1 + SLACK


#: An SSH entry for a catalogue that lacks one (the shipped catalogue gains ssh on another branch).
SSH_ENTRY = (
    '[protocols.ssh]\nname = "SSH"\nfunction = "Remote login"\nports = []\nclients = ["socket"]\n'
    'probe_module = "socket"\nsources = ["https://www.rfc-editor.org/rfc/rfc4253"]\n'
    "identify = { first = \"server\", patterns = ['^SSH-[0-9.]+-'], software = ['^SSH-[0-9.]+-([^\\s]+)'] }\n\n"
)


@pytest.fixture(scope="session")
def ssh_catalog(tmp_path_factory) -> Any:
    """The catalogue, with ssh's identification facts when it has none of its own."""
    from netref.catalog import default_catalog_path, load_catalog

    catalog = load_catalog()
    if catalog.protocol("ssh") is not None:
        return catalog
    path = tmp_path_factory.mktemp("catalogue") / "catalog.toml"
    text = default_catalog_path().read_text(encoding="utf-8")
    path.write_text(text.replace("[protocols.tcp]\n", SSH_ENTRY + "[protocols.tcp]\n", 1), encoding="utf-8")
    return load_catalog(path)


def assert_verified_tls(result: ProbeResult, *, starttls: bool) -> None:
    """TLS is up, verified against the test CA, and described in the report."""
    assert result.tls is not None, result.message
    assert result.tls.version in ("TLSv1.2", "TLSv1.3")
    assert result.tls.cipher
    assert result.tls.chain_verified is True and result.tls.hostname_verified is True
    assert result.tls.insecure is False
    assert result.tls.starttls is starttls
    assert "IP:127.0.0.1" in result.tls.sans or "IP:::1" in result.tls.sans
    assert result.tls.issuer and "trustme" in result.tls.issuer
    assert result.tls.days_left is not None and result.tls.days_left > 0
    assert "tls" in result.timings


@pytest.fixture(scope="session")
def cert_files(server_cert, tmp_path_factory) -> tuple[Path, Path]:
    """The test server certificate and key as PEM files (pyftpdlib/pyOpenSSL want paths)."""
    from ftp_server import write_cert_files

    return write_cert_files(server_cert, tmp_path_factory.mktemp("ftp-tls"))


class RequestTimeoutHandler(http.server.BaseHTTPRequestHandler):
    """An HTTP server as Apache behaves: a client that sends no request within the request
    timeout gets ``408 Request Timeout``. This is what an SMTP client meets when it waits
    for a greeting on a port where a web server listens."""

    request_timeout = 0.3
    protocol_version = "HTTP/1.1"

    def handle_one_request(self) -> None:
        readable, _, _ = select.select([self.connection], [], [], self.request_timeout)
        if readable:
            return super().handle_one_request()
        self.command, self.requestline, self.request_version = None, "", "HTTP/1.1"
        self.send_error(408)
        self.close_connection = True

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class IdleHttpServer(http.server.ThreadingHTTPServer):
    """``RequestTimeoutHandler`` on 127.0.0.1, port 0; a context manager."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RequestTimeoutHandler)
        self.host, self.port = "127.0.0.1", self.server_address[1]

    def __enter__(self) -> Self:
        import threading

        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()
