"""SSH, one step past the banner (as ``ssh-audit`` does): the version line and the server's KEXINIT.

RFC 4253 §4.2: the server sends ``SSH-protoversion-softwareversion SP comments CR LF``, possibly
after other lines (which must not begin with ``SSH-``). The probe reads those lines, and only once
the server has said SSH sends its own version line (:data:`CLIENT_VERSION`), then reads the
server's first binary packet (§6, unencrypted before any key exchange): its SSH_MSG_KEXINIT (§7.1),
the algorithms it offers. Then it hangs up. It sends no KEXINIT of its own, exchanges no key and
never authenticates: the server logs a connection closed before authentication.

The packet is checked as strictly as OpenSSH does (length at most :data:`MAX_PACKET`, padding of
4 to 255 bytes, the whole a multiple of 8) and read under the session's deadline and byte budget.
The algorithms that current OpenSSH no longer offers by default are warned about
(:data:`LEGACY`). Software comes from the version line only.
"""

from __future__ import annotations

import re
import struct

from netref import __version__
from netref.probes import replies
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, counted, printable

#: What the probe says it is (RFC 4253 §4.2: protoversion 2.0, softwareversion without spaces).
CLIENT_VERSION = f"SSH-2.0-netref_{__version__}\r\n".encode("ascii")
#: OpenSSH's own bounds on what comes before the version line (kex.c: SSH_MAX_PRE_BANNER_LINES,
#: SSH_MAX_BANNER_LEN): more is a hostile or broken server.
MAX_PRE_LINES = 1024
MAX_LINE = 8192
#: The largest packet the probe reads: RFC 4253 §6.1 requires every implementation to handle
#: 35000 bytes; a KEXINIT is 1 to 2 kB.
MAX_PACKET = 35000
#: Packets read before the KEXINIT at most (SSH_MSG_IGNORE and SSH_MSG_DEBUG may come first).
MAX_PACKETS = 8
#: How many lines before the version line the report keeps.
SHOWN_PRE_LINES = 20

MSG_DISCONNECT, MSG_IGNORE, MSG_DEBUG, MSG_KEXINIT = 1, 2, 4, 20
#: The server's strict key exchange marker (OpenSSH 9.6, the Terrapin countermeasure).
STRICT_KEX = "kex-strict-s-v00@openssh.com"
#: Names in the kex list that are markers, not key exchange methods (RFC 8308's ext-info, strict
#: KEX, dropbear's first-guess marker): not counted as kex algorithms in the verdict.
MARKERS = re.compile(r"^(ext-info-[cs]|kex-strict-[cs]-v00@openssh\.com|kexguess2@matt\.ucc\.asn\.au)$")

#: The ten name-lists of SSH_MSG_KEXINIT in order (RFC 4253 §7.1), as ``details`` fields.
LISTS = (
    "kex_algorithms", "host_key_algorithms",
    "ciphers_client_to_server", "ciphers_server_to_client",
    "macs_client_to_server", "macs_server_to_client",
    "compression_client_to_server", "compression_server_to_client",
    "languages_client_to_server", "languages_server_to_client",
)  # fmt: skip

#: Algorithms current OpenSSH (9.x) does not offer by default, or has removed: the supported
#: algorithms of OpenSSH 9.2p1 (``ssh -Q kex|key|cipher|mac``) less its defaults (``ssh -G``),
#: and those removed altogether; why and since when, from the OpenSSH release notes
#: (https://www.openssh.com/releasenotes.html: 6.7, 7.0, 7.2, 7.4, 7.6, 8.2, 8.8).
LEGACY: dict[str, tuple[str, str]] = {
    "diffie-hellman-group1-sha1": ("kex", "1024-bit group, SHA-1; disabled by default since OpenSSH 7.0"),
    "diffie-hellman-group14-sha1": ("kex", "SHA-1; out of the default proposal since OpenSSH 8.2"),
    "diffie-hellman-group-exchange-sha1": ("kex", "SHA-1; not in OpenSSH's default proposal"),
    "ssh-rsa": ("host key", "RSA with SHA-1 signatures; disabled by default since OpenSSH 8.8"),
    "ssh-rsa-cert-v01@openssh.com": ("host key", "RSA with SHA-1 signatures; disabled by default since OpenSSH 8.8"),
    "ssh-dss": ("host key", "DSA; disabled by default since OpenSSH 7.0"),
    "ssh-dss-cert-v01@openssh.com": ("host key", "DSA; disabled by default since OpenSSH 7.0"),
    "3des-cbc": ("cipher", "64-bit block cipher; out of the default proposal since OpenSSH 7.4"),
    "aes128-cbc": ("cipher", "CBC mode; not in OpenSSH's default proposal (sshd since 6.7)"),
    "aes192-cbc": ("cipher", "CBC mode; not in OpenSSH's default proposal (sshd since 6.7)"),
    "aes256-cbc": ("cipher", "CBC mode; not in OpenSSH's default proposal (sshd since 6.7)"),
    "rijndael-cbc@lysator.liu.se": ("cipher", "CBC mode; disabled since OpenSSH 7.2, removed in 7.6"),
    "blowfish-cbc": ("cipher", "64-bit block cipher; disabled since OpenSSH 7.2, removed in 7.6"),
    "cast128-cbc": ("cipher", "64-bit block cipher; disabled since OpenSSH 7.2, removed in 7.6"),
    "arcfour": ("cipher", "RC4; disabled since OpenSSH 7.2, removed in 7.6"),
    "arcfour128": ("cipher", "RC4; disabled since OpenSSH 7.2, removed in 7.6"),
    "arcfour256": ("cipher", "RC4; disabled since OpenSSH 7.2, removed in 7.6"),
    "des-cbc": ("cipher", "56-bit DES; never in OpenSSH's defaults"),
    "none": ("cipher", "no encryption"),
    "hmac-md5": ("mac", "MD5; disabled by default since OpenSSH 7.2"),
    "hmac-md5-96": ("mac", "MD5, truncated; disabled by default since OpenSSH 7.2"),
    "hmac-md5-etm@openssh.com": ("mac", "MD5; disabled by default since OpenSSH 7.2"),
    "hmac-md5-96-etm@openssh.com": ("mac", "MD5, truncated; disabled by default since OpenSSH 7.2"),
    "hmac-sha1-96": ("mac", "truncated HMAC; disabled by default since OpenSSH 7.2"),
    "hmac-sha1-96-etm@openssh.com": ("mac", "truncated HMAC; disabled by default since OpenSSH 7.2"),
    "hmac-ripemd160": ("mac", "removed in OpenSSH 7.6"),
    "hmac-ripemd160@openssh.com": ("mac", "removed in OpenSSH 7.6"),
    "hmac-ripemd160-etm@openssh.com": ("mac", "removed in OpenSSH 7.6"),
}
#: Which name-lists each kind of :data:`LEGACY` algorithm is looked for in.
_KIND_LISTS = {
    "kex": ("kex_algorithms",),
    "host key": ("host_key_algorithms",),
    "cipher": ("ciphers_client_to_server", "ciphers_server_to_client"),
    "mac": ("macs_client_to_server", "macs_server_to_client"),
}

#: softwareversion split into the software and its version: ``OpenSSH_9.2p1``, ``dropbear_2022.83``,
#: ``Cisco-1.25``, ``OpenSSH_for_Windows_8.1`` (the version is the part that starts with a digit).
_SOFTWARE = re.compile(r"^(?P<software>.+?)[_-]v?(?P<version>\d\S*)$")
_NAME = re.compile(r"^[\x21-\x2b\x2d-\x7e]{1,64}$")  # printable US-ASCII without comma (RFC 4251 §6)
_NAME_LIST = re.compile(r"[\x21-\x2b\x2d-\x7e]{1,64}(?:,[\x21-\x2b\x2d-\x7e]{1,64})*")  # a whole list at once


def probe(session: Session) -> None:
    """Version line (after any lines before it), our version line, the server's KEXINIT; hang up."""
    result = session.result
    line = _read_version_line(session)
    result.greeting = printable(line)
    _describe_version(session, line)
    session.sendall(CLIENT_VERSION)
    try:
        lists = _read_kexinit(session)
    except ProbeFailure as failure:
        if failure.category == "timeout":  # the version line came: say what never did
            raise session.timeout_failure("waiting for the server's KEXINIT, after its version line") from None
        raise
    result.details.update(lists)
    result.details["strict_kex"] = STRICT_KEX in lists["kex_algorithms"]
    legacy = _legacy(lists)
    result.details["legacy_algorithms"] = [name for name, _kind, _why in legacy]
    result.warnings.extend(f"{name} ({kind}): {why}" for name, kind, why in legacy)
    result.message = _summary(result.details["protocol_version"], lists, legacy)


def _read_version_line(session: Session) -> str:
    """The version line; the lines before it go to ``details.pre_version_lines`` (the first
    :data:`SHOWN_PRE_LINES`, printable), kept when the probe fails too."""
    pre_lines: list[str] = []
    for count in range(MAX_PRE_LINES + 1):
        raw = session.read_line_upto(MAX_LINE)
        if not raw:
            if pre_lines:
                raise ProbeFailure("protocol", "the server closed the connection before its SSH version line")
            raise replies.closed_before_greeting()
        if not raw.endswith(b"\n"):
            if len(raw) >= MAX_LINE:
                raise ProbeFailure("protocol", f"server sent a line longer than {MAX_LINE} bytes before its version")
            raise ProbeFailure("protocol", f"the server closed the connection in mid-line: {printable(raw, 80)!r}")
        text = raw.rstrip(b"\r\n").decode("latin-1")
        if text.startswith("SSH-"):
            return text
        if count < SHOWN_PRE_LINES:
            pre_lines.append(printable(text))
            session.result.details["pre_version_lines"] = pre_lines
    raise ProbeFailure("protocol", f"no SSH version line in the first {MAX_PRE_LINES} lines the server sent")


def _describe_version(session: Session, line: str) -> None:
    """Protocol version, software, version and comments from ``SSH-2.0-OpenSSH_9.2p1 Debian-2``."""
    ident, _, comments = line.partition(" ")
    parts = ident.split("-", 2)
    if len(parts) < 3 or not parts[1] or not parts[2]:
        raise ProbeFailure("protocol", f"malformed SSH version line {printable(line, 80)!r} (RFC 4253 §4.2)")
    protocol_version, software_version = parts[1], parts[2]
    details = session.result.details
    details["version_line"] = printable(line)
    details["protocol_version"] = printable(protocol_version, 20)
    split = _SOFTWARE.match(software_version)
    details["software"] = printable(split["software"] if split else software_version, 120)
    details["software_version"] = printable(split["version"], 60) if split else None
    details["comments"] = printable(comments) if comments else None
    session.result.server_software = printable(software_version, 120)
    session.result.software_source = "SSH version line"
    if protocol_version not in ("2.0", "1.99"):
        raise ProbeFailure("protocol", f"the server speaks SSH {printable(protocol_version, 20)} only, not SSH 2")


def _read_kexinit(session: Session) -> dict[str, list[str]]:
    """The KEXINIT's name-lists, skipping SSH_MSG_IGNORE/DEBUG before it; DISCONNECT is the
    server's word (a failure that quotes it); anything else is not SSH 2 as RFC 4253 has it."""
    for _ in range(MAX_PACKETS):
        payload = _read_packet(session)
        kind = payload[0]
        if kind == MSG_KEXINIT:
            return parse_kexinit(payload)
        if kind == MSG_DISCONNECT:
            raise _disconnect(payload)
        if kind not in (MSG_IGNORE, MSG_DEBUG):
            raise ProbeFailure("protocol", f"the server's first packet is message {kind}, not its KEXINIT (20)")
    raise ProbeFailure("protocol", f"no KEXINIT in the server's first {MAX_PACKETS} packets")


def _read_packet(session: Session) -> bytes:
    """One unencrypted binary packet (RFC 4253 §6): its payload, the padding checked and dropped."""
    head = session.read_exactly(5)
    if len(head) < 5:
        raise ProbeFailure("protocol", "the server closed the connection before its KEXINIT")
    length, padding = struct.unpack(">IB", head)
    if length > MAX_PACKET:
        raise ProbeFailure("protocol", f"the server announced a packet of {length} bytes, more than {MAX_PACKET} "
                           "(RFC 4253 §6.1): not an SSH packet")  # fmt: skip
    if (length + 4) % 8:
        raise ProbeFailure("protocol", f"bad packet: length {length} + 4 is not a multiple of 8 (RFC 4253 §6)")
    if padding < 4 or padding + 1 >= length:
        raise ProbeFailure("protocol", f"bad packet: {padding} bytes of padding in a packet of {length} (RFC 4253 §6)")
    body = session.read_exactly(length - 1)
    if len(body) < length - 1:
        raise ProbeFailure("protocol", "the server closed the connection in the middle of its KEXINIT")
    return body[: length - 1 - padding]


def parse_kexinit(payload: bytes) -> dict[str, list[str]]:
    """SSH_MSG_KEXINIT (RFC 4253 §7.1): byte 20, a 16-byte cookie, ten name-lists, a boolean
    and a reserved uint32. Each name is checked (printable ASCII, no comma, at most 64 bytes)."""
    offset = 17
    lists: dict[str, list[str]] = {}
    for field in LISTS:
        if offset + 4 > len(payload):
            raise ProbeFailure("protocol", f"KEXINIT cut short before its {field.replace('_', ' ')}")
        (size,) = struct.unpack_from(">I", payload, offset)
        offset += 4
        if offset + size > len(payload):
            raise ProbeFailure("protocol", f"KEXINIT's {field.replace('_', ' ')} runs past the packet")
        text = payload[offset : offset + size].decode("latin-1")
        offset += size
        names = text.split(",") if text else []
        bad = None if not text or _NAME_LIST.fullmatch(text) else next(n for n in names if not _NAME.match(n))
        if bad is not None:
            shown = printable(bad, 40)
            raise ProbeFailure("protocol", f"KEXINIT's {field.replace('_', ' ')} holds a bad name {shown!r}")
        lists[field] = names
    if offset + 5 > len(payload):
        raise ProbeFailure("protocol", "KEXINIT cut short before its first_kex_packet_follows")
    return lists


def _disconnect(payload: bytes) -> ProbeFailure:
    """SSH_MSG_DISCONNECT (RFC 4253 §11.1): reason code and description, quoted."""
    if len(payload) < 9:
        return ProbeFailure("protocol", "the server sent a malformed DISCONNECT")
    code, size = struct.unpack_from(">II", payload, 1)
    text = payload[9 : 9 + min(size, 200)].decode("utf-8", "replace")
    return ProbeFailure("protocol", f"the server disconnected (reason {code}): {printable(text)}")


def _legacy(lists: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """(name, kind, why) for every offered algorithm of :data:`LEGACY`, in the server's order."""
    found: list[tuple[str, str, str]] = []
    for kind, fields in _KIND_LISTS.items():
        offered = dict.fromkeys(name for field in fields for name in lists[field])
        found.extend((name, kind, LEGACY[name][1]) for name in offered if LEGACY.get(name, ("",))[0] == kind)
    return found


def _summary(protocol_version: str, lists: dict[str, list[str]], legacy: list[tuple[str, str, str]]) -> str:
    """``SSH-2.0; KEXINIT: 11 kex, 4 host-key, 6 ciphers, 10 MACs; strict KEX; 2 legacy algorithms``."""
    ciphers = dict.fromkeys(lists["ciphers_client_to_server"] + lists["ciphers_server_to_client"])
    macs = dict.fromkeys(lists["macs_client_to_server"] + lists["macs_server_to_client"])
    kex = [name for name in lists["kex_algorithms"] if not MARKERS.match(name)]
    parts = [
        f"SSH-{protocol_version}; KEXINIT: {len(kex)} kex, "
        f"{len(lists['host_key_algorithms'])} host-key, {counted(len(ciphers), 'cipher')}, {len(macs)} MACs",
        "strict KEX" if STRICT_KEX in lists["kex_algorithms"] else "no strict KEX",
    ]
    if legacy:
        parts.append(f"{counted(len(legacy), 'legacy algorithm')} offered")
    return "; ".join(parts)
