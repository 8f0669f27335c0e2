"""The ssh family against the exact bytes of OpenSSH and dropbear (captures_ssh.py), and hostile servers.

The replaying server sends the captured version line, waits for the probe's (OpenSSH does; dropbear
sends its KEXINIT at once, as captured), then the captured KEXINIT, and records everything the probe
sent: its version line and nothing more (no KEXINIT, no key exchange, no authentication).
"""

from __future__ import annotations

import socket
import struct
import threading
import time

import captures_ssh
import pytest
import servers
from captures_ssh import Replay, split

from netref.probes import ProbeOptions, run_probe, ssh

SLACK = 0.3  # seconds on top of the deadline (the core tests' bound, with room for a loaded machine)


def probe_ssh(handler, timeout: float = 5.0, protocol: str = "ssh"):
    with servers.serve(handler) as server:
        started = time.monotonic()
        result = run_probe(protocol, ProbeOptions("127.0.0.1", port=server.port, timeout=timeout))
        wall = time.monotonic() - started
        time.sleep(0.05)  # let the handler record the hang-up
    return result, wall


def test_openssh_default_algorithms_are_reported_and_none_is_legacy():
    replay = Replay(captures_ssh.OPENSSH_DEFAULT)
    result, _ = probe_ssh(replay)
    assert result.ok, result.message
    assert (result.server_software, result.software_source) == ("OpenSSH_9.2p1", "SSH version line")
    assert result.greeting == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"
    details = result.details
    assert (details["protocol_version"], details["software"], details["software_version"], details["comments"]) == (
        "2.0", "OpenSSH", "9.2p1", "Debian-2+deb12u10")
    assert details["kex_algorithms"][:3] == ["sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
                                             "curve25519-sha256"]
    assert details["kex_algorithms"][-1] == "kex-strict-s-v00@openssh.com" and details["strict_kex"] is True
    assert details["host_key_algorithms"] == ["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256"]
    assert details["ciphers_client_to_server"] == details["ciphers_server_to_client"] == [
        "chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
        "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]
    assert details["macs_server_to_client"][0] == "umac-64-etm@openssh.com"
    assert len(details["macs_server_to_client"]) == 10
    assert details["compression_client_to_server"] == ["none", "zlib@openssh.com"]
    assert details["languages_client_to_server"] == []
    assert (details["legacy_algorithms"], result.warnings) == ([], [])
    assert result.message == "SSH-2.0; KEXINIT: 11 kex, 4 host-key, 6 ciphers, 10 MACs; strict KEX"
    assert "pre_version_lines" not in details


def test_the_probe_sends_its_version_line_only_after_the_servers_and_nothing_else():
    replay = Replay(captures_ssh.OPENSSH_DEFAULT)
    probe_ssh(replay)
    assert replay.before_ours == [b""]
    assert b"".join(replay.received) == ssh.CLIENT_VERSION
    assert ssh.CLIENT_VERSION.startswith(b"SSH-2.0-netref_") and ssh.CLIENT_VERSION.endswith(b"\r\n")


def test_openssh_with_legacy_algorithms_added_back_is_warned_about():
    result, _ = probe_ssh(Replay(captures_ssh.OPENSSH_LEGACY))
    assert result.ok
    assert result.details["legacy_algorithms"] == [
        "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "ssh-rsa", "3des-cbc", "aes128-cbc",
        "hmac-md5", "hmac-sha1-96"]
    assert "ssh-rsa (host key): RSA with SHA-1 signatures; disabled by default since OpenSSH 8.8" in result.warnings
    assert "diffie-hellman-group1-sha1 (kex): 1024-bit group, SHA-1; disabled by default since OpenSSH 7.0" in \
        result.warnings
    assert result.message.endswith("strict KEX; 7 legacy algorithms offered")


def test_dropbear_sends_its_kexinit_unasked_and_offers_ssh_rsa():
    replay = Replay(captures_ssh.DROPBEAR, wait_for_client=False)
    result, _ = probe_ssh(replay)
    assert result.ok, result.message
    assert (result.server_software, result.details["software"], result.details["software_version"]) == (
        "dropbear_2022.83", "dropbear", "2022.83")
    assert result.details["comments"] is None
    assert result.details["host_key_algorithms"] == ["ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-256", "ssh-rsa"]
    assert result.details["legacy_algorithms"] == ["diffie-hellman-group14-sha1", "ssh-rsa"]
    assert result.details["strict_kex"] is True
    assert result.message.startswith("SSH-2.0; KEXINIT: 7 kex, 4 host-key, 3 ciphers, 2 MACs; strict KEX")


def test_lines_before_the_version_line_are_allowed_and_shown():
    replay = Replay(captures_ssh.OPENSSH_DEFAULT, before=b"Welcome to netref-test\r\nauthorised use only\r\n")
    result, _ = probe_ssh(replay)
    assert result.ok, result.message
    assert result.details["pre_version_lines"] == ["Welcome to netref-test", "authorised use only"]
    assert result.server_software == "OpenSSH_9.2p1"


@pytest.mark.parametrize(("software_version", "software", "version"), [
    ("OpenSSH_for_Windows_8.1", "OpenSSH_for_Windows", "8.1"),
    ("Cisco-1.25", "Cisco", "1.25"),
    ("libssh_0.10.4", "libssh", "0.10.4"),
    ("Go", "Go", None),
])  # fmt: skip
def test_software_and_version_split_from_softwareversion(software_version, software, version):
    _, rest = split(captures_ssh.DROPBEAR)
    capture = f"SSH-2.0-{software_version}\r\n".encode() + rest
    result, _ = probe_ssh(Replay(capture, wait_for_client=False))
    assert (result.server_software, result.details["software"], result.details["software_version"]) == (
        software_version, software, version)


# -- hostile and broken servers ------------------------------------------------------------------


def packet(payload: bytes, padding: int = 4, length: int | None = None) -> bytes:
    """A binary packet (RFC 4253 §6) around ``payload``; ``length`` overrides the length field."""
    while (len(payload) + 1 + padding + 4) % 8:
        padding += 1
    body = bytes([padding]) + payload + b"\0" * padding
    return struct.pack(">I", len(body) if length is None else length) + body


def sends(data: bytes, hold: float = 5) -> servers.Handler:
    """Sends ``data`` at once, then holds the connection open."""

    def handle(conn: socket.socket) -> None:
        conn.sendall(data)
        servers._until_closed(conn, hold)

    return handle


def _kexinit_payload() -> bytes:
    _, rest = split(captures_ssh.DROPBEAR)
    (length, padding) = struct.unpack(">IB", rest[:5])
    return rest[5 : 4 + length - padding]


def test_silent_server_times_out_within_the_deadline():
    result, wall = probe_ssh(servers.silent, timeout=0.6)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.6 * 1.1 + SLACK


def test_drip_feed_cannot_stretch_the_deadline():
    result, wall = probe_ssh(servers.drip(captures_ssh.DROPBEAR, interval=0.02), timeout=0.8)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.8 * 1.1 + SLACK


def test_an_oversized_packet_length_is_refused_before_anything_is_read():
    version, _ = split(captures_ssh.OPENSSH_DEFAULT)
    result, wall = probe_ssh(sends(version + struct.pack(">IB", 0xFFFFFFF0, 4)))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == ("the server announced a packet of 4294967280 bytes, more than 35000 (RFC 4253 §6.1): "
                              "not an SSH packet")
    assert wall < 1.5


@pytest.mark.parametrize(("data", "words"), [
    (struct.pack(">IB", 28, 2) + b"\x14" + b"\0" * 27, "2 bytes of padding"),  # fewer than 4
    (struct.pack(">IB", 12, 11) + b"\x14" + b"\0" * 11, "11 bytes of padding in a packet of 12"),  # no payload
    (struct.pack(">IB", 27, 4) + b"\x14" + b"\0" * 26, "length 27 + 4 is not a multiple of 8"),
])  # fmt: skip
def test_bad_padding_is_a_protocol_failure(data, words):
    version, _ = split(captures_ssh.OPENSSH_DEFAULT)
    result, _ = probe_ssh(sends(version + data))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert words in result.message and "RFC 4253 §6" in result.message


def test_a_name_list_running_past_the_packet_is_a_protocol_failure():
    version, _ = split(captures_ssh.OPENSSH_DEFAULT)
    payload = b"\x14" + b"\0" * 16 + struct.pack(">I", 5000) + b"curve25519-sha256"
    result, _ = probe_ssh(sends(version + packet(payload)))
    assert (result.category, result.message) == ("protocol", "KEXINIT's kex algorithms runs past the packet")


def test_endless_lines_before_the_version_line_are_cut_off():
    def chatter(conn: socket.socket) -> None:
        while True:
            conn.sendall(b"hello, this is not yet SSH\r\n" * 256)

    result, wall = probe_ssh(chatter)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == "no SSH version line in the first 1024 lines the server sent"
    assert len(result.details["pre_version_lines"]) == ssh.SHOWN_PRE_LINES and wall < 3


def test_an_endless_line_is_a_protocol_failure():
    result, _ = probe_ssh(servers.endless_line)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "longer than 8192 bytes" in result.message


def test_the_wrong_protocol_is_named():
    result, wall = probe_ssh(servers.smtp_greeting)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith("an SMTP server") and "try netref probe smtp" in result.message
    assert wall < 1.5


def test_a_version_line_and_then_nothing_is_not_a_working_ssh_server():
    version, _ = split(captures_ssh.OPENSSH_DEFAULT)
    result, _ = probe_ssh(servers.banner(version))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message in ("the server closed the connection before its KEXINIT",
                              "connection reset by the server") or "reset" in result.message, result.message
    assert result.server_software == "OpenSSH_9.2p1"  # it said who it is


def test_a_disconnect_instead_of_kexinit_is_quoted():
    version, _ = split(captures_ssh.DROPBEAR)
    payload = b"\x01" + struct.pack(">I", 2) + struct.pack(">I", 20) + b"Too many connections" + b"\0\0\0\0"
    result, _ = probe_ssh(sends(version + packet(payload)))
    assert (result.category, result.message) == ("protocol", "the server disconnected (reason 2): Too many connections")


def test_ignore_packets_before_kexinit_are_skipped():
    version, _ = split(captures_ssh.DROPBEAR)
    result, _ = probe_ssh(sends(version + packet(b"\x02\0\0\0\0") + packet(_kexinit_payload())))
    assert result.ok and result.details["strict_kex"] is True


def test_ssh_1_only_is_named_and_refused():
    result, _ = probe_ssh(sends(b"SSH-1.5-OldServer_1.2.27\n"))
    assert (result.category, result.message) == ("protocol", "the server speaks SSH 1.5 only, not SSH 2")
    assert result.server_software == "OldServer_1.2.27"


def test_binary_garbage_after_the_version_line_is_a_protocol_failure():
    version, _ = split(captures_ssh.DROPBEAR)
    result, _ = probe_ssh(sends(version + bytes(range(256)) * 4))
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.isprintable() and len(result.message) < 300


def test_many_probes_at_once_each_get_their_verdict():
    """The family keeps no state between probes (a scan runs them in threads)."""
    replay = Replay(captures_ssh.DROPBEAR, wait_for_client=False)
    results = []
    with servers.serve(replay) as server:
        def one() -> None:
            results.append(run_probe("ssh", ProbeOptions("127.0.0.1", port=server.port, timeout=5)))

        threads = [threading.Thread(target=one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 8 and all(result.ok for result in results)


@pytest.mark.parametrize("names", [b"curve25519-sha256,,ssh-rsa", b"curve25519 sha256", b"a" * 65, b"caf\xc3\xa9"])
def test_a_bad_name_in_a_list_is_a_protocol_failure(names):
    version, _ = split(captures_ssh.DROPBEAR)
    payload = b"\x14" + b"\0" * 16 + struct.pack(">I", len(names)) + names
    result, _ = probe_ssh(sends(version + packet(payload)))
    assert result.category == "protocol" and result.message.startswith("KEXINIT's kex algorithms holds a bad name")


def test_a_server_that_sends_no_kexinit_times_out_saying_so():
    version, _ = split(captures_ssh.OPENSSH_DEFAULT)
    result, wall = probe_ssh(sends(version), timeout=0.8)
    assert (result.category, result.message) == (
        "timeout", "deadline of 0.8 s passed while waiting for the server's KEXINIT, after its version line")
    assert result.server_software == "OpenSSH_9.2p1" and wall <= 0.8 * 1.1 + SLACK


def test_a_server_that_closes_at_once_is_named_as_the_other_probes_name_it():
    result, _ = probe_ssh(servers.banner(b""))
    assert (result.category, result.message) == ("protocol", "the server closed the connection before its greeting")


def test_legacy_algorithms_are_a_nagios_warning():
    from netref.probes.monitoring import OK, WARNING, Thresholds, judge

    legacy, _ = probe_ssh(Replay(captures_ssh.OPENSSH_LEGACY))
    default, _ = probe_ssh(Replay(captures_ssh.OPENSSH_DEFAULT))
    warned = judge(legacy, Thresholds())
    assert warned.code == WARNING and "ssh-rsa (host key)" in warned.summary
    assert judge(default, Thresholds()).code == OK
