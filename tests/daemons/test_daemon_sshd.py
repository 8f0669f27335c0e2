"""The ssh probe against the real OpenSSH sshd (Debian openssh-server) and Dropbear (dropbear-bin), each
started as an ordinary process on 127.0.0.1 with host keys of its own: version line, KEXINIT algorithms,
and legacy warnings only for what the daemon was configured to offer (the probe never authenticates)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import daemon_configs
import pytest
from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe


def _sshd_config(directory: Path, port: int, extra: str = "") -> Path:
    """An sshd_config of its own: host keys made here, no PAM, our pid file."""
    keygen = need("ssh-keygen", "openssh-client")
    directory.mkdir(parents=True, exist_ok=True)
    keys = []
    for kind in ("ed25519", "rsa"):
        key = directory / f"host_{kind}"
        command = [keygen, "-q", "-t", kind, "-N", "", "-f", str(key)]
        subprocess.run(command, check=True, capture_output=True, timeout=30)
        keys.append(f"HostKey {key}")
    config = directory / "sshd_config"
    config.write_text("\n".join([f"ListenAddress 127.0.0.1:{port}", *keys, f"PidFile {directory / 'sshd.pid'}",
                                 "UsePAM no", extra, ""]))  # fmt: skip
    return config


def _privilege_separation_directory() -> None:
    """Debian's sshd refuses to start without /run/sshd (systemd makes it); make it when allowed."""
    if not os.path.isdir("/run/sshd"):
        try:
            os.makedirs("/run/sshd", mode=0o755)
        except OSError as exc:
            pytest.skip(f"sshd needs /run/sshd, which cannot be made here: {exc}")


def _probe(port: int):
    return run_probe("ssh", ProbeOptions("127.0.0.1", port=port, timeout=5))


def test_openssh_sshd(tmp_path):
    program = need("sshd", "openssh-server")
    _privilege_separation_directory()
    port = free_port()
    config = _sshd_config(tmp_path / "sshd", port)
    with running([program, "-D", "-e", "-f", config, "-p", str(port)], port):
        result = _probe(port)
    assert result.ok, result.message
    assert result.server_software.startswith("OpenSSH_") and result.software_source == "SSH version line"
    assert result.details["software"] == "OpenSSH" and result.details["protocol_version"] == "2.0"
    assert "curve25519-sha256" in result.details["kex_algorithms"]
    assert result.details["host_key_algorithms"][0] == "ssh-ed25519"
    assert result.details["legacy_algorithms"] == [] and result.warnings == []
    assert "aes128-cbc" not in result.details["ciphers_client_to_server"]


def test_openssh_sshd_with_legacy_algorithms_is_warned_about(tmp_path):
    program = need("sshd", "openssh-server")
    _privilege_separation_directory()
    port = free_port()
    config = _sshd_config(tmp_path / "sshd", port, "KexAlgorithms +diffie-hellman-group14-sha1\n"
                          "HostKeyAlgorithms +ssh-rsa\nCiphers +3des-cbc\nMACs +hmac-md5")  # fmt: skip
    with running([program, "-D", "-e", "-f", config, "-p", str(port)], port):
        result = _probe(port)
    assert result.ok, result.message
    assert result.details["legacy_algorithms"] == ["diffie-hellman-group14-sha1", "ssh-rsa", "3des-cbc", "hmac-md5"]
    assert len(result.warnings) == 4 and result.message.endswith("4 legacy algorithms offered")


def test_dropbear(tmp_path):
    program = need("dropbear", "dropbear-bin")
    keygen = need("dropbearkey", "dropbear-bin")
    port = free_port()
    make_key, daemon = daemon_configs.dropbear(tmp_path / "dropbear", program, keygen, port)
    subprocess.run(make_key, check=True, capture_output=True, timeout=30)
    with running(daemon, port):
        result = _probe(port)
    assert result.ok, result.message
    assert result.server_software.startswith("dropbear_") and result.details["software"] == "dropbear"
    assert result.details["host_key_algorithms"][0] == "ssh-ed25519"  # the key it was given comes first
    assert result.details["strict_kex"] is True  # dropbear 2022.83-1+deb12u1 and later: the Terrapin fix
    assert "diffie-hellman-group14-sha1" in result.details["legacy_algorithms"]
