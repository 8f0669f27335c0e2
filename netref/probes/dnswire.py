"""DNS messages in and out with :mod:`struct` (RFC 1035 §4, EDNS0 from RFC 6891).

What the ``dns`` family needs and nothing more: a query (with name compression, an EDNS0 OPT
record with a UDP size) and a reader for any answer, hostile ones included. The reader follows
compression pointers only backwards, refuses loops, pointers past the end and names longer than
255 bytes, and never reads past the message: a malformed answer is a :class:`WireError` with one
line saying what was wrong, not an exception from deep inside.
"""

from __future__ import annotations

import ipaddress
import re
import struct
from dataclasses import dataclass, field

HEADER = struct.Struct("!HHHHHH")
QUESTION_TAIL = struct.Struct("!HH")
RR_TAIL = struct.Struct("!HHIH")

#: The EDNS0 UDP payload size netref offers: the DNS Flag Day 2020 value, which avoids IP fragmentation.
EDNS_UDP_SIZE = 1232
MAX_NAME = 255
MAX_LABEL = 63
#: A reader follows at most this many compression pointers in one name (a loop is refused earlier).
MAX_POINTERS = 64

CLASSES = {"IN": 1, "CH": 3, "HS": 4, "ANY": 255}
TYPES = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16, "AAAA": 28,
    "SRV": 33, "NAPTR": 35, "DS": 43, "SSHFP": 44, "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "NSEC3": 50,
    "TLSA": 52, "CDS": 59, "SVCB": 64, "HTTPS": 65, "OPT": 41, "ANY": 255, "CAA": 257,
}  # fmt: skip
TYPE_NAMES = {number: name for name, number in TYPES.items()}
CLASS_NAMES = {number: name for name, number in CLASSES.items()}
#: The types a user may ask for with ``--type`` (OPT is EDNS's, not a question).
QUERY_TYPES = tuple(name for name in TYPES if name != "OPT")
RCODES = {
    0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
    6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE", 16: "BADVERS",
}  # fmt: skip
#: Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD and CD).
FLAGS = (("QR", 0x8000), ("AA", 0x0400), ("TC", 0x0200), ("RD", 0x0100), ("RA", 0x0080), ("AD", 0x0020),
         ("CD", 0x0010))  # fmt: skip
QR, TC = 0x8000, 0x0200


class WireError(ValueError):
    """A message that is not well-formed DNS; the text says where and why."""


@dataclass
class Record:
    name: str
    rtype: int
    rclass: int
    ttl: int
    rdata: bytes
    text: str  # the data in zone-file form ("10 mail.example.org.")

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.rtype, f"TYPE{self.rtype}")

    def line(self) -> str:
        klass = CLASS_NAMES.get(self.rclass, f"CLASS{self.rclass}")
        return f"{self.name} {self.ttl} {klass} {self.type_name} {self.text}"


@dataclass
class Message:
    id: int
    flags: int
    rcode: int  # with the EDNS extended bits
    questions: list[tuple[str, int, int]] = field(default_factory=list)
    answers: list[Record] = field(default_factory=list)
    authority: list[Record] = field(default_factory=list)
    additional: list[Record] = field(default_factory=list)
    edns_size: int | None = None  # the server's UDP payload size when it answered with OPT
    size: int = 0

    @property
    def rcode_name(self) -> str:
        return RCODES.get(self.rcode, f"RCODE{self.rcode}")

    @property
    def flag_names(self) -> list[str]:
        return [name for name, bit in FLAGS if self.flags & bit]

    @property
    def truncated(self) -> bool:
        return bool(self.flags & TC)


# -- names -----------------------------------------------------------------------------------------


def check_name(name: str) -> str:
    """``name`` as an absolute ASCII domain name (``example.org.``; IDN as A-labels), or a
    :class:`WireError` saying why it is not one."""
    text = name.strip()
    if text in ("", "."):
        return "."
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise WireError(f"{name!r} is not a domain name ({error})") from None
    labels = text.rstrip(".").split(".")
    for label in labels:
        if not label:
            raise WireError(f"{name!r} is not a domain name (an empty label)")
        if len(label) > MAX_LABEL:
            raise WireError(f"{name!r} is not a domain name (a label longer than {MAX_LABEL} bytes)")
        if not all(ch.isalnum() or ch in "-_*" for ch in label):
            raise WireError(f"{name!r} is not a domain name (letters, digits, '-', '_' only)")
    if sum(len(label) + 1 for label in labels) + 1 > MAX_NAME:
        raise WireError(f"{name!r} is not a domain name (longer than {MAX_NAME} bytes)")
    return ".".join(labels) + "."


class Writer:
    """A message being built; names are compressed against every name written before."""

    def __init__(self) -> None:
        self.data = bytearray()
        self._offsets: dict[str, int] = {}

    def name(self, name: str) -> None:
        labels = [label for label in name.rstrip(".").split(".") if label] if name != "." else []
        for index in range(len(labels)):
            suffix = ".".join(labels[index:]).lower()
            pointer = self._offsets.get(suffix)
            if pointer is not None:
                self.data += struct.pack("!H", 0xC000 | pointer)
                return
            if len(self.data) < 0x4000:
                self._offsets[suffix] = len(self.data)
            encoded = labels[index].encode("ascii")
            self.data += bytes([len(encoded)]) + encoded
        self.data.append(0)

    def raw(self, data: bytes) -> None:
        self.data += data


def query(
    ident: int, name: str, rtype: int, rclass: int = 1, *, recursion: bool = True, edns: int | None = EDNS_UDP_SIZE
) -> bytes:
    """One question; RD set (a resolver is asked to recurse); an OPT record offering ``edns``
    bytes over UDP unless ``edns`` is None."""
    writer = Writer()
    writer.raw(HEADER.pack(ident, 0x0100 if recursion else 0, 1, 0, 0, 1 if edns else 0))
    writer.name(name)
    writer.raw(QUESTION_TAIL.pack(rtype, rclass))
    if edns:
        writer.name(".")
        writer.raw(RR_TAIL.pack(TYPES["OPT"], edns, 0, 0))
    return bytes(writer.data)


def read_name(data: bytes, offset: int) -> tuple[str, int]:
    """The name at ``offset`` and the offset after it (after the first pointer, if any).

    A pointer must point before the name that holds it (RFC 1035 §4.1.4 points to a prior
    occurrence): that alone makes loops impossible, and :data:`MAX_POINTERS` bounds the work."""
    labels: list[str] = []
    length, end, pointers, floor = 0, None, 0, offset
    while True:
        if offset >= len(data):
            raise WireError(f"name runs past the end of the message (offset {offset})")
        size = data[offset]
        if size & 0xC0 == 0xC0:
            if offset + 1 >= len(data):
                raise WireError("compression pointer cut off at the end of the message")
            target = ((size & 0x3F) << 8) | data[offset + 1]
            if end is None:
                end = offset + 2
            if target >= floor:
                kind = "loop" if target < len(data) else "out-of-range pointer"
                raise WireError(f"compression {kind}: offset {offset} points to {target}, not before {floor}")
            pointers += 1
            if pointers > MAX_POINTERS:
                raise WireError("too many compression pointers in one name")
            offset = floor = target
            continue
        if size & 0xC0:
            raise WireError(f"unknown label type 0x{size & 0xC0:02x} at offset {offset}")
        offset += 1
        if size == 0:
            break
        if offset + size > len(data):
            raise WireError(f"label runs past the end of the message (offset {offset})")
        length += size + 1
        if length + 1 > MAX_NAME:
            raise WireError(f"name longer than {MAX_NAME} bytes")
        labels.append(_label(data[offset : offset + size]))
        offset += size
    return ".".join(labels) + "." if labels else ".", end if end is not None else offset


#: A label that needs no escaping: printable ASCII other than '.' and '\\'.
_PLAIN_LABEL = re.compile(rb"[\x21-\x2d\x2f-\x5b\x5d-\x7e]*")


def _label(raw: bytes) -> str:
    """A label for display: printable ASCII kept, '.', '\\' and other bytes escaped (RFC 4343)."""
    if _PLAIN_LABEL.fullmatch(raw):
        return raw.decode("ascii")
    out = []
    for byte in raw:
        char = chr(byte)
        if char in ".\\":
            out.append("\\" + char)
        elif 0x21 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return "".join(out)


# -- messages ------------------------------------------------------------------------------------


def parse(data: bytes) -> Message:
    """Every section of a DNS message; a :class:`WireError` for anything malformed."""
    if len(data) < HEADER.size:
        raise WireError(f"message of {len(data)} bytes is shorter than the 12-byte header")
    ident, flags, qd, an, ns, ar = HEADER.unpack_from(data)
    message = Message(ident, flags, flags & 0x000F, size=len(data))
    offset = HEADER.size
    for _ in range(qd):
        name, offset = read_name(data, offset)
        if offset + QUESTION_TAIL.size > len(data):
            raise WireError("question cut off")
        rtype, rclass = QUESTION_TAIL.unpack_from(data, offset)
        offset += QUESTION_TAIL.size
        message.questions.append((name, rtype, rclass))
    for section, count in ((message.answers, an), (message.authority, ns), (message.additional, ar)):
        for _ in range(count):
            record, offset = _record(data, offset)
            if record.rtype == TYPES["OPT"]:
                message.edns_size = record.rclass
                message.rcode |= (record.ttl >> 24) << 4
                continue
            section.append(record)
    return message


def _record(data: bytes, offset: int) -> tuple[Record, int]:
    name, offset = read_name(data, offset)
    if offset + RR_TAIL.size > len(data):
        raise WireError("resource record header cut off")
    rtype, rclass, ttl, length = RR_TAIL.unpack_from(data, offset)
    offset += RR_TAIL.size
    if offset + length > len(data):
        raise WireError(f"record data of {length} bytes runs past the end of the message")
    rdata = data[offset : offset + length]
    return Record(name, rtype, rclass, ttl, rdata, _rdata_text(data, offset, rtype, rdata)), offset + length


def _rdata_text(data: bytes, offset: int, rtype: int, rdata: bytes) -> str:
    """Zone-file text of the record data (names decompressed against the whole message)."""
    kind = TYPE_NAMES.get(rtype)
    try:
        if kind == "A" and len(rdata) == 4:
            return str(ipaddress.IPv4Address(rdata))
        if kind == "AAAA" and len(rdata) == 16:
            return str(ipaddress.IPv6Address(rdata))
        if kind in ("NS", "CNAME", "PTR"):
            return _name_within(data, offset, len(rdata))[0]
        if kind == "MX" and len(rdata) >= 3:
            return f"{struct.unpack_from('!H', rdata)[0]} {_name_within(data, offset + 2, len(rdata) - 2)[0]}"
        if kind == "SOA":
            mname, after = _name_within(data, offset, len(rdata))
            rname, after = _name_within(data, after, offset + len(rdata) - after)
            if after + 20 != offset + len(rdata):
                raise WireError("SOA numbers cut off")
            numbers = struct.unpack_from("!IIIII", data, after)
            return " ".join([mname, rname, *map(str, numbers)])
        if kind == "TXT":
            return " ".join(f'"{text}"' for text in character_strings(rdata))
        if kind == "SRV" and len(rdata) >= 7:
            priority, weight, port = struct.unpack_from("!HHH", rdata)
            return f"{priority} {weight} {port} {_name_within(data, offset + 6, len(rdata) - 6)[0]}"
    except WireError as error:
        raise WireError(f"{kind} record: {error}") from None
    return f"\\# {len(rdata)} {rdata.hex()}" if rdata else "\\# 0"


def _name_within(data: bytes, offset: int, room: int) -> tuple[str, int]:
    """A name inside record data: it must start, and its uncompressed part end, within ``room``."""
    if room <= 0:
        raise WireError("empty name in record data")
    name, after = read_name(data, offset)
    if after > offset + room:
        raise WireError("name runs past its record data")
    return name, after


def character_strings(rdata: bytes) -> list[str]:
    """TXT's <character-string>s (a length byte, then that many bytes), shown printable."""
    strings, offset = [], 0
    while offset < len(rdata):
        size = rdata[offset]
        if offset + 1 + size > len(rdata):
            raise WireError("character-string runs past its record data")
        raw = rdata[offset + 1 : offset + 1 + size]
        strings.append("".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else f"\\{b:03d}" for b in raw))
        offset += 1 + size
    return strings
