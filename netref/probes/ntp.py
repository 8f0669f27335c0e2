"""NTP (RFC 5905): one client request (mode 3), the server's answer (mode 4) read and judged.

What ``ntpdate -q`` and ``chronyc``'s source view tell: stratum, reference id (or the
kiss-o'-death code a stratum-0 answer carries, RFC 5905 §7.4), leap indicator, version, and the
clock offset and round-trip delay computed from the four timestamps (§8). A server at stratum 16
or with leap indicator 3 is **not synchronised**: it answers but has no time to give.

The request's transmit timestamp is random, not the local clock (RFC 9109's advice for clients,
who need not disclose their time); the reply must echo it as its origin timestamp, which is how
a reply is told apart from a stranger's or a stale one.
"""

from __future__ import annotations

import datetime
import struct
import time

from netref.probes import datagram
from netref.probes.datagram import DatagramSession
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, printable

PACKET = struct.Struct("!BBbbII4sQQQQ")
#: Seconds from the NTP era 0 epoch (1900-01-01) to the Unix epoch (1970-01-01).
NTP_UNIX = 2_208_988_800
#: LI 0 (no warning), version 4, mode 3 (client).
REQUEST_FIRST_BYTE = (0 << 6) | (4 << 3) | 3
NOT_SYNCHRONISED_STRATUM = 16
MODES = {1: "symmetric active", 2: "symmetric passive", 3: "client", 4: "server", 5: "broadcast"}
LEAPS = {0: "none", 1: "last minute has 61 s", 2: "last minute has 59 s", 3: "not synchronised"}
#: Kiss-o'-death codes (RFC 5905 §7.4) a probe names in words.
KISS = {
    "DENY": "access denied by the server",
    "RSTR": "access restricted by the server",
    "RATE": "the server asks the client to slow down (rate limited)",
    "CRYP": "cryptographic authentication failed",
    "AUTH": "server authentication failed",
    "INIT": "the association has not yet synchronised",
    "STEP": "a step change in system time has occurred",
}


#: Stratum-0 codes that say the server has no time yet, rather than refusing the client: an
#: unsynchronised server (ntpd sends INIT until it has a source), not a kiss-o'-death.
UNSYNCHRONISED_CODES = frozenset({"INIT", "STEP"})


def request() -> bytes:
    """A 48-byte mode-3 request with a random transmit timestamp (the rest zero)."""
    return struct.pack("!B47x", REQUEST_FIRST_BYTE)[:40] + datagram.random_bytes(8)


def probe(session: Session) -> None:
    if not isinstance(session, DatagramSession):  # the core picks UDP: NTP has no TCP form
        raise ProbeFailure("protocol", "NTP is probed over UDP only")
    sent = request()
    token = sent[40:48]
    reply = session.exchange(sent, lambda data: len(data) >= PACKET.size and data[24:32] == token)
    received_at = time.time()
    judge(session, parse(reply, session.sent_at, received_at))


def ntp_seconds(value: int) -> float:
    """A 64-bit NTP timestamp as Unix seconds (era 0; 0 stays 0: "unknown")."""
    return 0.0 if value == 0 else value / 2**32 - NTP_UNIX


def short(value: int) -> float:
    """A 32-bit NTP short format (16.16 seconds) as milliseconds."""
    return value / 2**16 * 1000


def parse(data: bytes, t1: float, t4: float) -> dict[str, object]:
    """The answer's fields, and offset and delay from T1 (sent) and T4 (received), both Unix time."""
    first, stratum, poll, precision, delay, dispersion, refid, reftime, _origin, rx, tx = PACKET.unpack_from(data)
    leap, version, mode = first >> 6, (first >> 3) & 7, first & 7
    t2, t3 = ntp_seconds(rx), ntp_seconds(tx)
    facts: dict[str, object] = {
        "version": version,
        "mode": MODES.get(mode, str(mode)),
        "leap": LEAPS[leap],
        "stratum": stratum,
        "poll_s": 2**poll if -30 < poll < 30 else None,
        "precision_s": 2.0**precision,
        "root_delay_ms": round(short(delay), 3),
        "root_dispersion_ms": round(short(dispersion), 3),
        "reference_id": reference_id(stratum, refid),
        "reference_time": _iso(ntp_seconds(reftime)),
        "offset_ms": None,
        "delay_ms": None,
    }
    if rx and tx:
        facts["offset_ms"] = round(((t2 - t1) + (t3 - t4)) / 2 * 1000, 3)
        facts["delay_ms"] = round(((t4 - t1) - (t3 - t2)) * 1000, 3)
    return facts


def reference_id(stratum: int, refid: bytes) -> str:
    """Stratum 0/1: four ASCII characters (a kiss code, or a source such as GPS); above: an IPv4
    address (of the server's own source; for IPv6 sources, the first four bytes of a hash)."""
    if stratum <= 1:
        return printable(refid.rstrip(b"\0").decode("ascii", "backslashreplace"), 8)
    return ".".join(str(byte) for byte in refid)


def _iso(seconds: float) -> str | None:
    if seconds <= 0:
        return None
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def judge(session: Session, facts: dict[str, object]) -> None:
    result = session.result
    result.details.update(facts)
    if facts["mode"] not in ("server", "symmetric passive", "broadcast"):
        raise ProbeFailure("protocol", f"the answer is in NTP mode {facts['mode']}, not server mode")
    stratum, refid = facts["stratum"], str(facts["reference_id"])
    if stratum == 0:
        result.details["kiss_code"] = refid
        if refid and refid not in UNSYNCHRONISED_CODES:  # chronyd leaves it empty
            raise ProbeFailure("protocol", f"kiss-o'-death {refid}: {KISS.get(refid, 'an unknown code')}")
    if stratum in (0, NOT_SYNCHRONISED_STRATUM) or facts["leap"] == LEAPS[3]:
        code = f", code {refid}: {KISS[refid]}" if stratum == 0 and refid in KISS else ""
        raise ProbeFailure(
            "protocol",
            f"not synchronised (stratum {stratum}, leap indicator 3{code})"
            if facts["leap"] == LEAPS[3]
            else f"not synchronised (stratum {stratum}{code})",
        )
    offset, delay = facts["offset_ms"], facts["delay_ms"]
    result.message = f"stratum {stratum}, reference {refid}, offset {offset:+.3f} ms, delay {delay:.3f} ms"
