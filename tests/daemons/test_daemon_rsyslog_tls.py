"""rsyslogd with its GnuTLS driver (Debian packages rsyslog and rsyslog-gnutls) receiving the syslog-tls
probe on 127.0.0.1 (RFC 5425): the certificate is verified against the test CA, rsyslog parses the
octet-counted message as RFC 5424 and writes it, and the verdict claims only "accepted over TLS". A
collector that requires a client certificate (``x509/certvalid``) hangs up, and the probe says so."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_configs import rsyslog_tls
from realdaemon import free_port, need, running, wait_for_text

from netref.probes import ProbeOptions, ProbeResult, run_probe


@pytest.fixture
def tls_files(tmp_path, tls_ca, server_cert) -> tuple[Path, Path, Path]:
    """(CA, certificate, key) PEM files for rsyslog and the probe's --cafile."""
    ca, cert, key = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    tls_ca.cert_pem.write_to_path(str(ca))
    server_cert.cert_chain_pems[0].write_to_path(str(cert))
    server_cert.private_key_pem.write_to_path(str(key))
    return ca, cert, key


def _gtls() -> None:
    directories = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib")
    if not any(Path(directory, "rsyslog", "lmnsd_gtls.so").exists() for directory in directories):
        pytest.skip("rsyslog's GnuTLS driver is not installed (Debian package rsyslog-gnutls; .ci/run installs it)")


@contextlib.contextmanager
def _probed(tmp_path: Path, files: tuple[Path, Path, Path], authmode: str) -> Iterator[tuple[ProbeResult, Path]]:
    """(the probe's result, rsyslogd's log) with rsyslogd still running: a test may wait for the log."""
    program = need("rsyslogd", "rsyslog")
    _gtls()
    port = free_port()
    ca, cert, key = files
    argv, log = rsyslog_tls(tmp_path, program, port, cert, key, ca=ca, authmode=authmode)
    with running(argv, port):
        yield run_probe("syslog-tls", ProbeOptions("127.0.0.1", port=port, cafile=str(ca), timeout=5)), log


def test_rsyslogd_over_tls(tmp_path, tls_files):
    with _probed(tmp_path, tls_files, "anon") as (result, log):
        ident = result.details.get("message_id", "?")
        wait_for_text(log, ident)
    assert result.ok, result.message
    assert result.message == "accepted over TLS; the protocol sends no reply"
    assert result.tls is not None and result.tls.checked_name == "127.0.0.1" and not result.tls.verify_error
    [line] = [line for line in log.read_text().splitlines() if ident in line]
    fields = line.split(" ")
    assert fields[0] == "<14>1" and fields[3] == "netref" and fields[5] == "probe"  # parsed as RFC 5424
    assert '[origin software="netref"' in line


def test_rsyslogd_requiring_a_client_certificate_refuses_the_probe(tmp_path, tls_files):
    with _probed(tmp_path, tls_files, "x509/certvalid") as (result, log):
        time.sleep(0.3)
    assert (result.verdict, result.category) == ("failed", "tls"), result.message
    assert result.message.endswith("it may require a client certificate, which netref does not send")
    assert result.details["message_id"] not in (log.read_text() if log.exists() else "")
