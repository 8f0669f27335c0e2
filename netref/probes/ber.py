"""A small, strict, bounded BER (ITU-T X.690) encoder and decoder for the probe families.

LDAP (RFC 4511 §5.1) and SNMP (RFC 3416, via RFC 1157's BER subset) speak BER; the stdlib
has no codec for it. This one knows only what those protocols use: the definite-length
forms, the universal types BOOLEAN, INTEGER, OCTET STRING, NULL, OBJECT IDENTIFIER,
ENUMERATED, SEQUENCE and SET, and any application/context/private tag over them (an
implicit tag keeps the content rules of the type it stands for: decode the element, then
read it with :meth:`Element.integer`, :meth:`Element.octets`, … as that type).

Server bytes are hostile until proven otherwise, so decoding is strict and bounded:

- indefinite lengths (``0x80``) are refused (RFC 4511 §5.1 and SNMP use definite ones only);
- a length field of more than :data:`MAX_LENGTH_OCTETS` octets, the reserved ``0xFF``, or a
  length above the caller's ``max_length`` is refused before anything is buffered for it;
- a high tag number of more than 4 octets, or written in the high form when it fits the low
  one, or with a leading ``0x80`` octet, is refused;
- nesting deeper than ``max_depth`` is refused (no recursion without end);
- children must fill their parent exactly; a primitive universal type must be primitive
  (a constructed OCTET STRING, legal in BER, is not allowed by LDAP or SNMP);
- INTEGER/ENUMERATED content must be minimal (X.690 §8.3.2), BOOLEAN one octet, NULL empty,
  OBJECT IDENTIFIER subidentifiers minimal (§8.19.2).

A non-minimal *long-form length* (``0x84 00 00 00 0c``) is accepted: X.690 §8.1.3.5 allows
it in BER and servers send it (Active Directory writes every length so). Every refusal is
a :class:`BerError` whose message is one line for people; :class:`Truncated` (a subclass)
means the bytes stop inside an element, so a reader can tell "wait for more" from "broken".

Imports nothing of netref: the probe core and any family (ldap, snmp) can build on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

__all__ = [
    "BOOLEAN",
    "ENUMERATED",
    "INTEGER",
    "MAX_LENGTH_OCTETS",
    "NULL",
    "OCTET_STRING",
    "OID",
    "SEQUENCE",
    "SET",
    "BerError",
    "Class",
    "Element",
    "Truncated",
    "boolean",
    "decode",
    "decode_all",
    "decode_prefix",
    "element_size",
    "encode",
    "enumerated",
    "integer",
    "null",
    "octet_string",
    "oid",
    "sequence",
    "set_of",
]

#: The most length octets after a long-form length's first octet: 4 (lengths below 4 GiB).
MAX_LENGTH_OCTETS = 4

#: Default bound on one element's content, in bytes.
DEFAULT_MAX_LENGTH = 1 << 20

#: Default bound on nesting (a SEQUENCE in a SEQUENCE in …): LDAP and SNMP need under 10.
DEFAULT_MAX_DEPTH = 32

#: Largest INTEGER content accepted by :meth:`Element.integer`, in octets (a 256-bit value).
MAX_INTEGER_OCTETS = 32

# Universal tag numbers (X.680 §8.4).
BOOLEAN = 1
INTEGER = 2
OCTET_STRING = 4
NULL = 5
OID = 6
ENUMERATED = 10
SEQUENCE = 16
SET = 17

_PRIMITIVE_UNIVERSAL = frozenset({BOOLEAN, INTEGER, OCTET_STRING, NULL, OID, ENUMERATED})
_CONSTRUCTED_UNIVERSAL = frozenset({SEQUENCE, SET})


class Class(IntEnum):
    """A tag's class: the two top bits of its first identifier octet."""

    UNIVERSAL = 0
    APPLICATION = 1
    CONTEXT = 2
    PRIVATE = 3


#: The classes by their two bits: an index, not an enum call, for every element decoded.
_CLASSES = tuple(Class)


class BerError(ValueError):
    """Bytes that are not a strict, bounded BER encoding; the message is one line."""


class Truncated(BerError):
    """The bytes end inside an element: more may come (a stream), or the sender cut it."""


@dataclass(frozen=True)
class Element:
    """One decoded element: its tag, its content octets, and (constructed) its children.

    ``children`` is filled for every constructed element, so walking a decoded tree never
    re-parses; a primitive element has none.
    """

    cls: Class
    constructed: bool
    number: int
    content: bytes
    children: tuple[Element, ...] = field(default=(), repr=False)

    def tag(self) -> tuple[Class, int]:
        """``(class, number)``: what a caller compares to pick an element apart."""
        return self.cls, self.number

    def is_(self, number: int, cls: Class = Class.UNIVERSAL) -> bool:
        """Whether the element carries this tag (``e.is_(SEQUENCE)``, ``e.is_(3, Class.APPLICATION)``)."""
        return self.cls == cls and self.number == number

    def expect(self, number: int, cls: Class = Class.UNIVERSAL, what: str = "") -> Element:
        """The element itself when it carries this tag, else a BerError saying what was found."""
        if not self.is_(number, cls):
            wanted = what or _tag_name(cls, number)
            raise BerError(f"expected {wanted}, found {_tag_name(self.cls, self.number)}")
        return self

    def integer(self) -> int:
        """The content as a two's-complement INTEGER/ENUMERATED (or an implicitly tagged one)."""
        self._primitive("an INTEGER")
        return _decode_integer(self.content)

    def unsigned(self) -> int:
        """The content as an unsigned integer (SNMP's Counter32/Gauge32/TimeTicks are encoded
        as INTEGER, so a value ≥ 2³¹ carries a leading 0x00 octet: read as two's complement,
        then refused if negative)."""
        value = self.integer()
        if value < 0:
            raise BerError(f"negative value {value} where an unsigned integer was expected")
        return value

    def boolean(self) -> bool:
        """The content as a BOOLEAN: one octet, zero is false (X.690 §8.2)."""
        self._primitive("a BOOLEAN")
        if len(self.content) != 1:
            raise BerError(f"BOOLEAN of {len(self.content)} octets (must be 1)")
        return self.content != b"\x00"

    def octets(self) -> bytes:
        """The content of a primitive string (OCTET STRING or an implicitly tagged one)."""
        self._primitive("a string")
        return self.content

    def text(self, encoding: str = "utf-8") -> str:
        """The content of a primitive string as text, undecodable bytes escaped (never raises
        on a server's bytes: LDAP strings are UTF-8, but servers send anything)."""
        return self.octets().decode(encoding, "backslashreplace")

    def null(self) -> None:
        """Checks the element is a NULL (empty primitive content)."""
        self._primitive("a NULL")
        if self.content:
            raise BerError(f"NULL with {len(self.content)} content octets (must be 0)")

    def oid(self) -> str:
        """The content as an OBJECT IDENTIFIER in dotted form (``1.3.6.1.4.1.1466.20037``)."""
        self._primitive("an OBJECT IDENTIFIER")
        return _decode_oid(self.content)

    def _primitive(self, what: str) -> None:
        if self.constructed:
            raise BerError(f"constructed {_tag_name(self.cls, self.number)} where {what} was expected")


# ---------------------------------------------------------------------------- decoding


def decode(data: bytes, *, max_length: int = DEFAULT_MAX_LENGTH, max_depth: int = DEFAULT_MAX_DEPTH) -> Element:
    """Exactly one element filling ``data``: trailing bytes are an error."""
    element, end = decode_prefix(data, max_length=max_length, max_depth=max_depth)
    if end != len(data):
        raise BerError(f"{len(data) - end} bytes after the element")
    return element


def decode_prefix(
    data: bytes, offset: int = 0, *, max_length: int = DEFAULT_MAX_LENGTH, max_depth: int = DEFAULT_MAX_DEPTH
) -> tuple[Element, int]:
    """The element starting at ``offset`` and the offset just after it (for a stream of PDUs).

    Raises :class:`Truncated` when ``data`` ends inside the element."""
    return _decode(memoryview(data), offset, len(data), max_length, max_depth)


def decode_all(
    data: bytes, *, max_length: int = DEFAULT_MAX_LENGTH, max_depth: int = DEFAULT_MAX_DEPTH
) -> list[Element]:
    """Every element of ``data``, one after another (the content of a SEQUENCE, say)."""
    elements, offset = [], 0
    while offset < len(data):
        element, offset = decode_prefix(data, offset, max_length=max_length, max_depth=max_depth)
        elements.append(element)
    return elements


def element_size(data: bytes, *, max_length: int = DEFAULT_MAX_LENGTH) -> int | None:
    """The whole size (header and content) of the element ``data`` starts with, once its
    header has arrived; None while the header is still incomplete. A stream reader calls it
    after each read, and knows how much to wait for before anything is buffered: a header
    announcing more than ``max_length`` is refused at once."""
    try:
        _, _, _, content_at, length = _header(memoryview(data), 0, len(data), max_length)
    except Truncated:
        return None
    return content_at + length


def _decode(view: memoryview, offset: int, end: int, max_length: int, depth_left: int) -> tuple[Element, int]:
    if depth_left <= 0:
        raise BerError("elements nested too deeply")
    cls, constructed, number, content_at, length = _header(view, offset, end, max_length)
    content_end = content_at + length
    if content_end > end:
        raise Truncated(f"element of {length} bytes, {end - content_at} present")
    content = bytes(view[content_at:content_end])
    if cls == Class.UNIVERSAL:
        _check_universal_form(number, constructed)
    children: tuple[Element, ...] = ()
    if constructed:
        items, at = [], content_at
        while at < content_end:
            try:
                child, at = _decode(view, at, content_end, max_length, depth_left - 1)
            except Truncated as exc:  # a child overrunning its parent is malformed, not partial
                raise BerError(f"a child element overruns its parent ({exc})") from None
            items.append(child)
        children = tuple(items)
    return Element(cls, constructed, number, content, children), content_end


def _header(view: memoryview, offset: int, end: int, max_length: int) -> tuple[Class, bool, int, int, int]:
    """(class, constructed, number, content offset, content length) of the element at offset."""
    if offset >= end:
        raise Truncated("no bytes where an element was expected")
    first = view[offset]
    cls, constructed, number = _CLASSES[first >> 6], bool(first & 0x20), first & 0x1F
    at = offset + 1
    if number == 0x1F:
        number, at = _high_tag(view, at, end)
    if at >= end:
        raise Truncated("the bytes end before the length")
    length_octet = view[at]
    at += 1
    if length_octet < 0x80:
        length = length_octet
    elif length_octet == 0x80:
        raise BerError("indefinite length (0x80): only definite lengths are accepted")
    elif length_octet == 0xFF:
        raise BerError("reserved length octet 0xFF")
    else:
        count = length_octet & 0x7F
        if count > MAX_LENGTH_OCTETS:
            raise BerError(f"length field of {count} octets (at most {MAX_LENGTH_OCTETS})")
        if at + count > end:
            raise Truncated("the bytes end inside the length")
        length = int.from_bytes(view[at : at + count], "big")
        at += count
    if length > max_length:
        raise BerError(f"element of {length} bytes exceeds the limit of {max_length}")
    return cls, constructed, number, at, length


def _high_tag(view: memoryview, at: int, end: int) -> tuple[int, int]:
    number, count = 0, 0
    while True:
        if at >= end:
            raise Truncated("the bytes end inside the tag")
        octet = view[at]
        at += 1
        if count == 0 and octet == 0x80:
            raise BerError("tag number with a leading 0x80 octet (not minimal)")
        number = (number << 7) | (octet & 0x7F)
        count += 1
        if count > 4:
            raise BerError("tag number longer than 4 octets")
        if not octet & 0x80:
            break
    if number < 0x1F:
        raise BerError(f"tag number {number} in the high-tag form (must use the low form)")
    return number, at


def _check_universal_form(number: int, constructed: bool) -> None:
    if number in _PRIMITIVE_UNIVERSAL and constructed:
        raise BerError(f"constructed {_tag_name(Class.UNIVERSAL, number)} (only the primitive form is accepted)")
    if number in _CONSTRUCTED_UNIVERSAL and not constructed:
        raise BerError(f"primitive {_tag_name(Class.UNIVERSAL, number)} (must be constructed)")


def _decode_integer(content: bytes) -> int:
    if not content:
        raise BerError("INTEGER with no content octets")
    if len(content) > MAX_INTEGER_OCTETS:
        raise BerError(f"INTEGER of {len(content)} octets (at most {MAX_INTEGER_OCTETS})")
    if len(content) > 1 and (
        (content[0] == 0x00 and not content[1] & 0x80) or (content[0] == 0xFF and content[1] & 0x80)
    ):
        raise BerError("INTEGER not minimally encoded (X.690 §8.3.2)")
    return int.from_bytes(content, "big", signed=True)


def _decode_oid(content: bytes) -> str:
    if not content:
        raise BerError("OBJECT IDENTIFIER with no content octets")
    if content[-1] & 0x80:
        raise BerError("OBJECT IDENTIFIER ends inside a subidentifier")
    arcs: list[int] = []
    value, fresh = 0, True
    for octet in content:
        if fresh and octet == 0x80:
            raise BerError("OBJECT IDENTIFIER subidentifier with a leading 0x80 octet (not minimal)")
        value = (value << 7) | (octet & 0x7F)
        fresh = not octet & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(arc) for arc in head + arcs[1:])


def _tag_name(cls: Class, number: int) -> str:
    if cls == Class.UNIVERSAL:
        names = {
            BOOLEAN: "BOOLEAN",
            INTEGER: "INTEGER",
            OCTET_STRING: "OCTET STRING",
            NULL: "NULL",
            OID: "OBJECT IDENTIFIER",
            ENUMERATED: "ENUMERATED",
            SEQUENCE: "SEQUENCE",
            SET: "SET",
        }
        if number in names:
            return names[number]
    return f"[{cls.name} {number}]"


# ---------------------------------------------------------------------------- encoding

#: An explicit tag for an encoder: (class, number) replacing the universal one (implicit tagging).
Tag = tuple[Class, int]


def encode(cls: Class, constructed: bool, number: int, content: bytes) -> bytes:
    """One element: identifier, minimal definite length, content."""
    if number < 0:
        raise ValueError(f"negative tag number {number}")
    first = (int(cls) << 6) | (0x20 if constructed else 0)
    if number < 0x1F:
        head = bytes([first | number])
    else:
        groups = []
        while True:
            groups.append(number & 0x7F)
            number >>= 7
            if not number:
                break
        head = bytes([first | 0x1F, *(group | 0x80 for group in reversed(groups[1:])), groups[0]])
    return head + _length(len(content)) + content


def _length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    if len(octets) > MAX_LENGTH_OCTETS:
        raise ValueError(f"content of {length} bytes is too long to encode")
    return bytes([0x80 | len(octets)]) + octets


def _primitive(default: int, content: bytes, tag: Tag | None) -> bytes:
    cls, number = tag if tag is not None else (Class.UNIVERSAL, default)
    return encode(cls, False, number, content)


def integer(value: int, tag: Tag | None = None) -> bytes:
    """An INTEGER, minimally encoded (two's complement)."""
    size = (value + (value < 0)).bit_length() // 8 + 1
    return _primitive(INTEGER, value.to_bytes(size, "big", signed=True), tag)


def enumerated(value: int, tag: Tag | None = None) -> bytes:
    """An ENUMERATED (encoded as an INTEGER under its own tag)."""
    return integer(value, tag if tag is not None else (Class.UNIVERSAL, ENUMERATED))


def boolean(value: bool, tag: Tag | None = None) -> bytes:
    """A BOOLEAN: 0xFF for true (DER's choice, which every decoder accepts)."""
    return _primitive(BOOLEAN, b"\xff" if value else b"\x00", tag)


def octet_string(value: bytes | str, tag: Tag | None = None) -> bytes:
    """An OCTET STRING (text is encoded as UTF-8, as LDAP's LDAPString is)."""
    return _primitive(OCTET_STRING, value.encode() if isinstance(value, str) else value, tag)


def null(tag: Tag | None = None) -> bytes:
    """A NULL."""
    return _primitive(NULL, b"", tag)


def oid(dotted: str, tag: Tag | None = None) -> bytes:
    """An OBJECT IDENTIFIER from its dotted form; a ValueError for one that is not."""
    try:
        arcs = [int(arc) for arc in dotted.split(".")]
    except ValueError:
        raise ValueError(f"not an object identifier: {dotted!r}") from None
    if len(arcs) < 2 or arcs[0] not in (0, 1, 2) or (arcs[0] < 2 and arcs[1] >= 40) or min(arcs) < 0:
        raise ValueError(f"not an object identifier: {dotted!r}")
    content = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        groups, rest = [arc & 0x7F], arc >> 7
        while rest:
            groups.append((rest & 0x7F) | 0x80)
            rest >>= 7
        content.extend(reversed(groups))
    return _primitive(OID, bytes(content), tag)


def sequence(items: Iterable[bytes], tag: Tag | None = None) -> bytes:
    """A SEQUENCE (or a constructed element under ``tag``) of already encoded elements."""
    cls, number = tag if tag is not None else (Class.UNIVERSAL, SEQUENCE)
    return encode(cls, True, number, b"".join(items))


def set_of(items: Iterable[bytes], tag: Tag | None = None) -> bytes:
    """A SET (or SET OF) of already encoded elements, in the order given."""
    return sequence(items, tag if tag is not None else (Class.UNIVERSAL, SET))
