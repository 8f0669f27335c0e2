"""OpenSSH's dynamic forwarding, ``ssh -N -D`` (Debian packages openssh-client and openssh-server), as
a SOCKS proxy on 127.0.0.1: a local sshd on a free port with a key made for the test, and the socks
probe through it — no authentication selected, a CONNECT with --to to a listener of the test's own,
and to a closed port (which ssh -D answers by closing, without a reply)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe


def _sshd_config(directory: Path, port: int) -> Path:
    conf = directory / "sshd_config"
    conf.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {directory / "host_key"}
AuthorizedKeysFile {directory / "user_key.pub"}
PidFile {directory / "sshd.pid"}
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
""")
    return conf


def test_ssh_dynamic_forwarding_is_an_open_socks_proxy(tmp_path):
    sshd, ssh, keygen = (
        need("sshd", "openssh-server"),
        need("ssh", "openssh-client"),
        need("ssh-keygen", "openssh-client"),
    )
    if os.geteuid() != 0:
        pytest.skip("sshd runs only as root (privilege separation), as on the CI machine")
    for name in ("host_key", "user_key"):
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", tmp_path / name], check=True, timeout=20)
    os.makedirs("/run/sshd", exist_ok=True)  # its privilege-separation directory
    port, socks_port, closed = free_port(), free_port(), free_port()
    client = [ssh, "-N", "-D", f"127.0.0.1:{socks_port}", "-p", str(port), "-i", tmp_path / "user_key",
              "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={os.devnull}",
              "-o", "ExitOnForwardFailure=yes", "root@127.0.0.1"]  # fmt: skip
    with socket.create_server(("127.0.0.1", 0)) as target:
        open_port = target.getsockname()[1]
        with running([sshd, "-D", "-e", "-f", _sshd_config(tmp_path, port)], port), running(client, socks_port):
            methods = run_probe("socks", ProbeOptions("127.0.0.1", port=socks_port, timeout=5))
            reached = run_probe(
                "socks", ProbeOptions("127.0.0.1", port=socks_port, timeout=5, to=f"127.0.0.1:{open_port}")
            )
            refused = run_probe(
                "socks", ProbeOptions("127.0.0.1", port=socks_port, timeout=5, to=f"127.0.0.1:{closed}")
            )
    assert methods.ok and methods.details["method"] == "no authentication", methods.message
    assert reached.ok and reached.details["reply"] == "succeeded", reached.message
    assert not refused.ok and "closed the connection without answering CONNECT" in refused.message, refused.message
