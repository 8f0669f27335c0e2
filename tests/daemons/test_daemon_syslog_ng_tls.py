"""syslog-ng (Debian package syslog-ng-core) receiving the syslog-tls probe on 127.0.0.1 through its
``syslog()`` source (RFC 5425 framing over TLS): it parses netref's message as RFC 5424 (program,
msgid, structured data), and with ``peer-verify(required-trusted)`` it hangs up on the probe, which
sends no client certificate.

syslog-ng-core conflicts with rsyslog in Debian (both provide system-log-daemon), so it is not in
packages.txt: this test skips where it is not installed. ``NETREF_SYSLOG_NG_ROOT`` may name a
directory the .deb and its libraries were unpacked into (``dpkg -x``) to run it beside rsyslog.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from realdaemon import free_port, running, wait_for_text

from netref.probes import ProbeOptions, run_probe


@pytest.fixture
def cert_files(server_cert, tmp_path: Path) -> tuple[Path, Path]:
    """The test server certificate and key as PEM files for syslog-ng."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    server_cert.cert_chain_pems[0].write_to_path(str(cert))
    server_cert.private_key_pem.write_to_path(str(key))
    return cert, key


def _syslog_ng() -> tuple[list[str], dict[str, str]]:
    """The command that starts syslog-ng, and its environment."""
    root = os.environ.get("NETREF_SYSLOG_NG_ROOT")
    if root:
        base = Path(root)
        libraries = [base / "usr/lib/x86_64-linux-gnu", base / "lib/x86_64-linux-gnu", base / "usr/lib/syslog-ng"]
        env = {"LD_LIBRARY_PATH": os.pathsep.join(map(str, libraries))}
        return [str(base / "usr/sbin/syslog-ng"), f"--module-path={base / 'usr/lib/syslog-ng/3.38'}"], env
    program = shutil.which("syslog-ng", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if program is None:
        pytest.skip("syslog-ng is not installed (Debian package syslog-ng-core, which conflicts with rsyslog)")
    return [program], {}


def _start(tmp_path: Path, port: int, cert_files: tuple[Path, Path], ca_file: Path, verify: str):
    command, env = _syslog_ng()
    certfile, keyfile = cert_files
    log, conf = tmp_path / "messages", tmp_path / "syslog-ng.conf"
    conf.write_text(f"""@version: 3.38
options {{ stats-freq(0); }};
source s_tls {{ syslog(ip("127.0.0.1") port({port}) transport("tls")
  tls(key-file("{keyfile}") cert-file("{certfile}") ca-file("{ca_file}") peer-verify({verify}))); }};
destination d_file {{ file("{log}" template("${{PROGRAM}} ${{MSGID}} ${{SDATA}} ${{MESSAGE}}\\n")); }};
log {{ source(s_tls); destination(d_file); }};
""")
    argv = [*command, "-F", "-f", str(conf), "-p", str(tmp_path / "pid"), "-R", str(tmp_path / "persist"),
            "-c", str(tmp_path / "ctl")]  # fmt: skip
    return running(argv, port, env=env), log


def test_syslog_ng_over_tls(tmp_path, cert_files, ca_file):
    port = free_port()
    daemon, log = _start(tmp_path, port, cert_files, ca_file, "optional-untrusted")
    with daemon:
        result = run_probe("syslog-tls", ProbeOptions("127.0.0.1", port=port, cafile=str(ca_file), timeout=5))
        ident = result.details.get("message_id", "?")
        wait_for_text(log, ident)
    assert result.ok, result.message
    assert result.message == "accepted over TLS; the protocol sends no reply"
    [line] = [line for line in log.read_text().splitlines() if ident in line]
    assert line.startswith('netref probe [origin software="netref" swVersion="')  # program, msgid, SD parsed
    assert line.endswith(f"netref syslog probe {ident}: a test message, nothing to do")


def test_syslog_ng_requiring_a_client_certificate_refuses_the_probe(tmp_path, cert_files, ca_file):
    port = free_port()
    daemon, log = _start(tmp_path, port, cert_files, ca_file, "required-trusted")
    with daemon:
        result = run_probe("syslog-tls", ProbeOptions("127.0.0.1", port=port, cafile=str(ca_file), timeout=5))
        time.sleep(0.3)
    assert (result.verdict, result.category) == ("failed", "tls"), result.message
    assert result.details["message_id"] not in (log.read_text() if log.exists() else "")
