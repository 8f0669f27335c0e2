"""SSH servers' exact bytes: their version line and KEXINIT, captured from the real Debian programs,
and :class:`Replay`, the server that sends them back.

Captured on Debian 12 (bookworm) on 2026-12-04: each daemon started by hand as an ordinary process on
127.0.0.1 with host keys of its own, then a plain ``socket`` connected, read the version line, sent
netref's own (``SSH-2.0-netref_0.1.0\r\n``, :data:`netref.probes.ssh.CLIENT_VERSION`) and read the
first binary packet the length field announced. Nothing was edited (the KEXINIT cookie is the
random one the server sent).
"""

from __future__ import annotations

import socket

#: OpenSSH 9.2p1 (openssh-server 1:9.2p1-2+deb12u10), its default algorithms; host keys ed25519, RSA
#: 2048 and ECDSA P-256 (``sshd -D -e -f sshd_config -p PORT``: ListenAddress, HostKey, PidFile,
#: UsePAM no). Its version line, then (after netref's) its KEXINIT: strict KEX offered.
OPENSSH_DEFAULT = (
    b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n\x00\x00\x04l\x0b\x14Xws\xbe\xb9`7\xed\xecB\xf8\xfd\x8d'
    b'\xdb\xb9_\x00\x00\x01=sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,cur'
    b've25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-gro'
    b'up-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14'
    b'-sha256,kex-strict-s-v00@openssh.com\x00\x00\x009ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nis'
    b'tp256\x00\x00\x00lchacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.c'
    b'om,aes256-gcm@openssh.com\x00\x00\x00lchacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,'
    b'aes128-gcm@openssh.com,aes256-gcm@openssh.com\x00\x00\x00\xd5umac-64-etm@openssh.com,umac-128-etm@ope'
    b'nssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-6'
    b'4@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1\x00\x00\x00\xd5umac-64-etm@o'
    b'penssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-'
    b'sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1'
    b'\x00\x00\x00\x15none,zlib@openssh.com\x00\x00\x00\x15none,zlib@openssh.com\x00\x00\x00\x00\x00\x00'
    b'\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
)

#: The same sshd with legacy algorithms added back: ``KexAlgorithms +diffie-hellman-group1-sha1,
#: diffie-hellman-group14-sha1``, ``HostKeyAlgorithms +ssh-rsa``, ``Ciphers +3des-cbc,aes128-cbc``,
#: ``MACs +hmac-md5,hmac-sha1-96`` (host keys ed25519 and RSA 2048).
OPENSSH_LEGACY = (
    b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n\x00\x00\x04\xe4\x04\x14\xb0\xc3>\x12a?\xcc\xca\xb6\x8c'
    b'\xc4\x91%\xfd>\x1f\x00\x00\x01tsntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-s'
    b'ha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-he'
    b'llman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellma'
    b'n-group14-sha256,diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,kex-strict-s-v00@openssh.com'
    b'\x00\x00\x00-ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ssh-rsa\x00\x00\x00\x80chacha20-poly1305@openssh.c'
    b'om,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,3des-cbc,aes128-cbc'
    b'\x00\x00\x00\x80chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com'
    b',aes256-gcm@openssh.com,3des-cbc,aes128-cbc\x00\x00\x00\xebumac-64-etm@openssh.com,umac-128-etm@opens'
    b'sh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@'
    b'openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1,hmac-md5,hmac-sha1-96\x00\x00'
    b'\x00\xebumac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-'
    b'etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac'
    b'-sha2-512,hmac-sha1,hmac-md5,hmac-sha1-96\x00\x00\x00\x15none,zlib@openssh.com\x00\x00\x00\x15none,zl'
    b'ib@openssh.com\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
)

#: Dropbear 2022.83 (dropbear-bin 2022.83-1+deb12u3), ``dropbear -F -E -p 127.0.0.1:PORT -r KEY``
#: (ed25519, RSA 2048, ECDSA keys from dropbearkey): it sends its KEXINIT without waiting for ours.
DROPBEAR = (
    b'SSH-2.0-dropbear_2022.83\r\n\x00\x00\x02\x14\x0b\x14\x02\xb9=\xaf\x10\xc2\x99\x82=\xe3:u\x95D\xae\x8c'
    b'\x00\x00\x00\xd8curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp521,ecdh-sha2-nistp384,'
    b'ecdh-sha2-nistp256,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,kexguess2@matt.ucc.asn.a'
    b'u,kex-strict-s-v00@openssh.com\x00\x00\x004ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256,ssh-rsa\x00'
    b'\x00\x003chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr\x00\x00\x003chacha20-poly1305@openssh.co'
    b'm,aes128-ctr,aes256-ctr\x00\x00\x00\x17hmac-sha1,hmac-sha2-256\x00\x00\x00\x17hmac-sha1,hmac-sha2-256'
    b'\x00\x00\x00\x15zlib@openssh.com,none\x00\x00\x00\x15zlib@openssh.com,none\x00\x00\x00\x00\x00\x00'
    b'\x00\x00\x00\x00\x00\x00\x00\xfb]\xaf\x86\xf2\xc6!\xd1\xd1\xd7['
)


def split(capture: bytes) -> tuple[bytes, bytes]:
    """(version line, what follows it) of a capture."""
    end = capture.index(b"\n") + 1
    return capture[:end], capture[end:]


class Replay:
    """A handler replaying ``capture``; ``received`` collects what each client sent."""

    def __init__(self, capture: bytes, *, wait_for_client: bool = True, before: bytes = b"") -> None:
        self.version, self.rest = split(capture)
        self.wait_for_client, self.before = wait_for_client, before
        self.received: list[bytes] = []
        self.before_ours: list[bytes] = []

    def __call__(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        try:
            self.before_ours.append(conn.recv(4096))  # the probe must not speak before the server
        except TimeoutError:
            self.before_ours.append(b"")
        conn.settimeout(5)
        conn.sendall(self.before + self.version)
        if self.wait_for_client:
            line = _line(conn)
            self.received.append(line or b"")
        conn.sendall(self.rest)
        try:
            while data := conn.recv(4096):
                self.received.append(data)
        except OSError:
            pass


def _line(conn: socket.socket) -> bytes | None:
    """The client's version line; None if it hung up first."""
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(256)
        if not chunk:
            return None
        data += chunk
    return data
