"""netref scan against Debian's real daemons on 127.0.0.1, on free (so unusual) ports (issue 18).

nginx (plaintext and implicit TLS), Dovecot (IMAP, POP3 and implicit-TLS IMAP), lighttpd, vsftpd
and Dropbear run as ordinary processes; no port is the one the catalogue lists, so every
protocol is named from what its server says, and the implicit-TLS ones only after a handshake
(as nmap's ``ssl/http``, ``ssl/imap``). Each port is then probed by its family and named with the
Python module that speaks it.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import daemon_configs
import pytest
from realdaemon import free_port, need, running

from netref.scan import ScanOptions, scan


@contextlib.contextmanager
def _all_running(commands: list[tuple[list[str], int]]) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for argv, port in commands:
            stack.enter_context(running(argv, port))
        yield


def test_scan_names_every_real_daemon_and_its_module(tmp_path: Path, pem_files: tuple[Path, Path]) -> None:
    programs = {
        "nginx": need("nginx", "nginx-light"),
        "dovecot": need("dovecot", "dovecot-imapd"),
        "lighttpd": need("lighttpd", "lighttpd"),
        "vsftpd": need("vsftpd", "vsftpd"),
        "dropbear": need("dropbear", "dropbear-bin"),
        "dropbearkey": need("dropbearkey", "dropbear-bin"),
    }
    cert, key = pem_files
    ports = {name: free_port() for name in ("http", "https", "imap", "imaps", "pop3", "lighttpd", "ftp", "ssh")}
    keygen, dropbear = daemon_configs.dropbear(tmp_path / "dropbear", programs["dropbear"], programs["dropbearkey"],
                                               ports["ssh"])  # fmt: skip
    subprocess.run(keygen, check=True, capture_output=True, timeout=10)
    dovecot_ports = {name: ports[name] for name in ("imap", "imaps", "pop3")}
    commands = [
        (daemon_configs.nginx(tmp_path / "nginx", programs["nginx"], ports["http"], ports["https"], cert, key),
         ports["https"]),
        (daemon_configs.dovecot(tmp_path / "dovecot", programs["dovecot"], dovecot_ports, cert, key), ports["imaps"]),
        (daemon_configs.lighttpd(tmp_path / "lighttpd", programs["lighttpd"], ports["lighttpd"]), ports["lighttpd"]),
        (daemon_configs.vsftpd(tmp_path / "vsftpd", programs["vsftpd"], ports["ftp"]), ports["ftp"]),
        (dropbear, ports["ssh"]),
    ]  # fmt: skip
    with _all_running(commands):
        found = {row.port: row for row in scan(["127.0.0.1"], ScanOptions(ports=list(ports.values()), timeout=4))}
    named = {name: (found[port].protocol, found[port].tls) for name, port in ports.items()}
    assert named == {
        "http": ("http", "none"),
        "https": ("https", "implicit"),  # implicit TLS on a free port: found by the handshake
        "imap": ("imap", "starttls"),
        "imaps": ("imaps", "implicit"),
        "pop3": ("pop3", "starttls"),
        "lighttpd": ("http", "none"),
        "ftp": ("ftp", "none"),
        "ssh": ("ssh", "none"),
    }
    software = {name: found[port].software for name, port in ports.items()}
    assert software["http"] == software["https"] and software["http"].startswith("nginx/")
    assert software["imap"] == software["imaps"] == software["pop3"] == "Dovecot (Debian)"
    assert software["lighttpd"].startswith("lighttpd/") and software["ftp"].startswith("vsFTPd ")
    assert software["ssh"].startswith("dropbear_")
    assert found[ports["ssh"]].software_source == "SSH version line"
    assert found[ports["http"]].software_source == "Server header"
    # every family ran and succeeded (the TLS ones without verifying: --insecure is not asked, so
    # the certificate of this private CA fails verification, and says so)
    verdicts = {name: (found[port].verdict, found[port].category) for name, port in ports.items()}
    for name in ("http", "imap", "pop3", "lighttpd", "ftp", "ssh"):
        assert verdicts[name] == ("ok", None), (name, found[ports[name]].message)
    for name in ("https", "imaps"):
        assert verdicts[name] == ("failed", "certificate"), (name, found[ports[name]].message)
    modules = {name: found[port].python for name, port in ports.items()}
    assert modules["http"] == modules["lighttpd"] == "http.client, urllib.request"
    assert modules["https"] == "http.client, urllib.request, ssl"
    assert modules["imap"] == modules["imaps"] == "imaplib"
    assert modules["pop3"] == "poplib" and modules["ftp"] == "ftplib, urllib.request"
    assert "paramiko" in modules["ssh"]  # no stdlib client: the PyPI projects the catalogue names


def test_scan_of_rsyslog_over_tls_with_an_unverified_certificate(tmp_path: Path, pem_files: tuple[Path, Path],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """rsyslogd's RFC 5425 listener scanned without --cafile: its certificate (the test CA's) does
    not verify, and the port is still named syslog-tls, failed on the certificate; rsyslogd logs
    nothing, where fallback hellos inside TLS (GET /, an empty line) used to become junk lines."""
    import time

    from netref import scan as scanner

    program = need("rsyslogd", "rsyslog")
    if not list(Path("/usr/lib").glob("*/rsyslog/lmnsd_gtls.so")):
        pytest.skip("rsyslog's GnuTLS driver is not installed (Debian package rsyslog-gnutls; .ci/run installs it)")
    port = free_port()
    argv, log = daemon_configs.rsyslog_tls(tmp_path / "rsyslog", program, port, *pem_files)
    monkeypatch.setattr(scanner, "expected_protocol", lambda catalog, number: catalog.protocols["syslog-tls"])
    with running(argv, port):
        [row] = scan(["127.0.0.1"], ScanOptions(ports=[port], timeout=4))
        time.sleep(0.5)
    assert (row.protocol, row.verdict, row.category) == ("syslog-tls", "failed", "certificate"), row.message
    assert not log.exists() or log.read_text() == ""
