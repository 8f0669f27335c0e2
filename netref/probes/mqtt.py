"""MQTT at the socket level: mqtt (1883) and mqtts (8883), MQTT 3.1.1 or 5.0 (``--mqtt-version 5``).

No standard-library module speaks MQTT, so the probe writes the two packets it needs itself:
CONNECT (a generated client id, clean session/clean start, no credentials, no will) and, once
the broker accepted it, DISCONNECT. It publishes nothing and subscribes to nothing; with clean
session (3.1.1) or clean start and no session expiry (5.0) the broker keeps no session after it.

Reported: the CONNACK's code in words (``accepted``, ``not authorised``, ...), whether a session
was present, and for 5.0 the CONNACK's properties (maximum QoS, retain available, maximum packet
size, assigned client identifier, server keep alive, reason string, server reference ...).

The decoding is strict and bounded: the remaining length is a varint of at most four bytes, a
CONNACK longer than :data:`MAX_CONNACK` is refused before it is read, and every property must fit
its declared length, be one a CONNACK may carry, and appear at most once (user properties aside).
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Callable
from typing import Any

from netref.probes import replies
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, ProbeOptions, ProbeUsageError, printable

#: The options this family takes beyond the common ones (the core refuses them elsewhere).
TAKES = frozenset({"mqtt_version"})

#: ``--mqtt-version`` → the CONNECT's protocol level byte.
LEVELS = {"3.1.1": 4, "5": 5}

#: Keep alive announced in CONNECT (seconds): the probe lives far shorter, so it never pings.
KEEP_ALIVE = 60

#: The largest CONNACK the probe reads (bytes after the fixed header). A 3.1.1 CONNACK is 2 bytes;
#: a 5.0 one carries a few properties, a reason string and user properties at most.
MAX_CONNACK = 64 * 1024

#: User properties kept in the report (the count is always given).
SHOWN_USER_PROPERTIES = 20

#: The CONNACK packet type and flags (MQTT 3.1.1 3.2.1, 5.0 3.2.1): type 2, flags 0.
CONNACK = 0x20
#: DISCONNECT with no reason and no properties (3.1.1 3.14; 5.0 3.14.2.1: 0x00 normal disconnection).
DISCONNECT = b"\xe0\x00"

#: MQTT 3.1.1 CONNACK return codes (3.2.2.3).
RETURN_CODES = {
    0: "accepted",
    1: "unacceptable protocol version",
    2: "identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorised",
}

#: MQTT 5.0 CONNACK reason codes (3.2.2.2).
REASON_CODES = {
    0x00: "success",
    0x80: "unspecified error",
    0x81: "malformed packet",
    0x82: "protocol error",
    0x83: "implementation specific error",
    0x84: "unsupported protocol version",
    0x85: "client identifier not valid",
    0x86: "bad user name or password",
    0x87: "not authorized",
    0x88: "server unavailable",
    0x89: "server busy",
    0x8A: "banned",
    0x8C: "bad authentication method",
    0x90: "topic name invalid",
    0x95: "packet too large",
    0x97: "quota exceeded",
    0x99: "payload format invalid",
    0x9A: "retain not supported",
    0x9B: "QoS not supported",
    0x9C: "use another server",
    0x9D: "server moved",
    0x9F: "connection rate exceeded",
}

#: Refusals that are an answer about the client, not a broken broker: the broker is up and speaks
#: MQTT, and wants credentials (or another client id) netref does not send. The verdict is ok.
ANSWERS_3 = {0, 2, 4, 5}
ANSWERS_5 = {0x00, 0x85, 0x86, 0x87, 0x8A, 0x8C}
#: The version refusals: the broker does not speak the version asked for.
UNSUPPORTED = {(4, 1), (5, 0x84)}

#: The properties a 5.0 CONNACK may carry (3.2.2.3): identifier → (JSON name, value type).
PROPERTIES: dict[int, tuple[str, str]] = {
    0x11: ("session_expiry_interval", "four"),
    0x21: ("receive_maximum", "two"),
    0x24: ("maximum_qos", "byte"),
    0x25: ("retain_available", "flag"),
    0x27: ("maximum_packet_size", "four"),
    0x12: ("assigned_client_identifier", "string"),
    0x22: ("topic_alias_maximum", "two"),
    0x1F: ("reason_string", "string"),
    0x26: ("user_properties", "pair"),
    0x28: ("wildcard_subscription_available", "flag"),
    0x29: ("subscription_identifiers_available", "flag"),
    0x2A: ("shared_subscription_available", "flag"),
    0x13: ("server_keep_alive", "two"),
    0x1A: ("response_information", "string"),
    0x1C: ("server_reference", "string"),
    0x15: ("authentication_method", "string"),
    0x16: ("authentication_data_bytes", "binary"),
}


class Malformed(Exception):
    """A CONNACK that breaks the MQTT encoding rules (the message says which)."""


def check_options(options: ProbeOptions) -> None:
    """``--mqtt-version`` must be 3.1.1 or 5 (None: 3.1.1)."""
    version(options)


def version(options: ProbeOptions) -> str:
    """The MQTT version asked for, or a usage error for another."""
    asked = "3.1.1" if options.mqtt_version is None else options.mqtt_version
    if asked not in LEVELS:
        raise ProbeUsageError(f"--mqtt-version: expected 3.1.1 or 5, not {options.mqtt_version!r}")
    return asked


def client_id() -> str:
    """A fresh client identifier: 18 letters and digits, which every broker must accept
    (3.1.1 3.1.3.1: 1 to 23 of ``0-9a-zA-Z``), and unique, so that it takes over nobody's session."""
    return "netref" + secrets.token_hex(6)


def connect_packet(level: int, ident: str) -> bytes:
    """CONNECT: protocol name and level, flags (clean session only), keep alive, for 5.0 an empty
    property list, then the client id; no will, no user name, no password."""
    header = b"\x00\x04MQTT" + bytes([level, 0x02]) + struct.pack("!H", KEEP_ALIVE)
    if level == 5:
        header += b"\x00"  # property length 0: session expiry 0, the defaults for the rest
    encoded = ident.encode("utf-8")
    body = header + struct.pack("!H", len(encoded)) + encoded
    return bytes([0x10]) + encode_length(len(body)) + body


def encode_length(length: int) -> bytes:
    """The remaining length as MQTT's variable byte integer (1.5.5 / 3.1.1 2.2.3)."""
    out = bytearray()
    while True:
        length, digit = divmod(length, 128)
        out.append(digit | (0x80 if length else 0))
        if not length:
            return bytes(out)


def probe(session: Session) -> None:
    """CONNECT, read the CONNACK, DISCONNECT when accepted."""
    asked = version(session.options)
    level = LEVELS[asked]
    ident = client_id()
    result = session.result
    details = result.details
    details["mqtt_version"] = asked
    details["client_id"] = ident
    session.sendall(connect_packet(level, ident))
    body = read_connack(session)
    try:
        present, code, properties = parse_connack(body, level)
    except Malformed as error:
        raise ProbeFailure("protocol", f"malformed CONNACK: {error}") from None
    words = (REASON_CODES if properties is not None else RETURN_CODES).get(code, "an unknown code")
    details["connack_code"] = code
    details["connack"] = words
    details["session_present"] = present
    details["properties"] = sorted(properties) if properties is not None else None
    details.update(properties or {})
    result.greeting = f"CONNACK {code:#04x}: {words}"
    if present:  # 3.2.2.2 (5.0: 3.2.2.1.1): with a clean session, and on a refusal, the flag must be 0
        result.warnings.append("the broker says a session was present, although the CONNECT asked for a clean one")
    if properties is not None and code == 0:
        result.capabilities = features(properties)
    _verdict(session, asked, level if properties is not None else 4, code, words, properties or {})


def _verdict(session: Session, asked: str, answered: int, code: int, words: str, properties: dict[str, Any]) -> None:
    """The verdict on the CONNACK: accepted (then DISCONNECT), refused for want of credentials (an
    answer: ok), the version refused (with the other to try), or any other refusal (failed)."""
    result = session.result
    said = f"MQTT {asked}: "
    reason = properties.get("reason_string")
    because = f" ({reason})" if reason else ""
    if code == 0:
        replies.leave(lambda: session.sendall(DISCONNECT))
        result.message = (
            said + "connection accepted" + ("; a session was present" if result.details["session_present"] else "")
        )
        return
    if (answered, code) in UNSUPPORTED:
        other = "3.1.1" if asked == "5" else "5"
        raise ProbeFailure(
            "protocol", f"{said}the broker refused the version: {words}{because}; try --mqtt-version {other}"
        )
    if code in (ANSWERS_5 if answered == 5 else ANSWERS_3):
        result.message = f"{said}connection refused: {words}{because} (netref sends no credentials)"
        return
    moved = properties.get("server_reference")
    elsewhere = f"; it names {moved}" if moved else ""
    raise ProbeFailure("protocol", f"{said}the broker refused the connection: {words}{because}{elsewhere}")


def read_connack(session: Session) -> bytes:
    """The CONNACK's variable header and properties, after checking its fixed header: the packet
    type, and a remaining length of at most four bytes and :data:`MAX_CONNACK`."""
    first = session.read_exactly(1)
    if not first:
        raise ProbeFailure("protocol", "the server closed the connection without answering CONNECT")
    if first[0] != CONNACK:
        raise ProbeFailure("protocol", f"no CONNACK: the server answered CONNECT with {_packet_name(first[0])}")
    try:
        length = read_length(lambda size: _or_closed(session.read_exactly(size)))
    except Malformed as error:
        raise ProbeFailure("protocol", f"malformed CONNACK: its remaining length {error}") from None
    if length > MAX_CONNACK:
        raise ProbeFailure(
            "protocol", f"the server announced a CONNACK of {length} bytes, more than {MAX_CONNACK} a probe reads"
        )
    body = session.read_exactly(length)
    if len(body) < length:
        raise ProbeFailure("protocol", f"the server announced a CONNACK of {length} bytes and closed after {len(body)}")
    return body


def _or_closed(byte: bytes) -> bytes:
    if not byte:
        raise ProbeFailure("protocol", "the server closed the connection inside the CONNACK's remaining length")
    return byte


def read_length(read: Callable[[int], bytes]) -> int:
    """A variable byte integer, read one byte at a time: at most four bytes (MQTT 5.0 1.5.5), so a
    hostile length costs nothing. ``read(1)`` returns ``b""`` where the data ends."""
    value = 0
    for position in range(4):
        byte = read(1)
        if not byte:
            raise Malformed("is cut short")
        value |= (byte[0] & 0x7F) << (7 * position)
        if not byte[0] & 0x80:
            return value
    raise Malformed("runs past four bytes")


_PACKET_TYPES = (
    "reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
    "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
)  # fmt: skip


def _packet_name(byte: int) -> str:
    """What a first byte would be in MQTT, for the verdict on a packet that is no CONNACK."""
    return f"a byte {byte:#04x} (as MQTT: a {_PACKET_TYPES[byte >> 4]} packet header)"


def parse_connack(body: bytes, level: int) -> tuple[bool, int, dict[str, Any] | None]:
    """(session present, return or reason code, 5.0 properties or None) from a CONNACK's body.

    A 5.0 request may get a 3.1.1-shaped answer (two bytes, a 3.1.1 return code) from a broker
    that does not speak 5.0: that is read as 3.1.1, so its refusal is named in 3.1.1's words."""
    if len(body) < 2:
        raise Malformed(f"{len(body)} bytes, fewer than the 2 of its flags and code")
    flags, code = body[0], body[1]
    if flags & 0xFE:
        raise Malformed(f"acknowledge flags {flags:#04x}: only bit 0 (session present) may be set")
    if level == 4 or (len(body) == 2 and code in RETURN_CODES and code != 0):
        if len(body) != 2:
            raise Malformed(f"an MQTT 3.1.1 CONNACK is 2 bytes, not {len(body)}")
        return bool(flags & 1), code, None
    return bool(flags & 1), code, parse_properties(body[2:])


def parse_properties(data: bytes) -> dict[str, Any]:
    """The 5.0 CONNACK property list: a varint length, then that many bytes of properties, and
    nothing after them (a CONNACK has no payload)."""
    if not data:
        return {}  # 3.2.2.3: no property length at all is read as none
    position = [0]

    def read(count: int) -> bytes:
        chunk = data[position[0] : position[0] + count]
        position[0] += len(chunk)
        return chunk

    try:
        length = read_length(read)
    except Malformed as error:
        raise Malformed(f"its property length {error}") from None
    start = position[0]
    if start + length != len(data):
        raise Malformed(f"its property length says {length} bytes, but {len(data) - start} follow")
    return _properties(data[start:])


def _properties(data: bytes) -> dict[str, Any]:
    found: dict[str, Any] = {}
    users: list[str] = []
    offset = 0
    while offset < len(data):
        ident = data[offset]
        if ident not in PROPERTIES:
            raise Malformed(f"property {ident:#04x} is not one a CONNACK carries")
        name, kind = PROPERTIES[ident]
        value, offset = _value(data, offset + 1, kind, name)
        if kind == "pair":
            users.append(value)
            continue
        if name in found:
            raise Malformed(f"property {name} appears twice")
        found[name] = value
    if users:
        found["user_property_count"] = len(users)
        found["user_properties"] = users[:SHOWN_USER_PROPERTIES]
    return found


def _value(data: bytes, offset: int, kind: str, name: str) -> tuple[Any, int]:
    """One property value of ``kind`` at ``offset``: (value, the offset after it)."""
    sizes = {"byte": 1, "flag": 1, "two": 2, "four": 4}
    if kind in sizes:
        size = sizes[kind]
        if offset + size > len(data):
            raise Malformed(f"property {name} runs past the property list")
        number = int.from_bytes(data[offset : offset + size], "big")
        if kind == "flag":
            if number > 1:
                raise Malformed(f"property {name} is {number}, not 0 or 1")
            return bool(number), offset + size
        if name == "maximum_qos" and number > 1:
            raise Malformed(f"property maximum_qos is {number}, not 0 or 1")
        if name in ("receive_maximum", "maximum_packet_size") and number == 0:
            raise Malformed(f"property {name} is 0, which MQTT 5.0 forbids")
        return number, offset + size
    if kind == "pair":
        key, offset = _string(data, offset, name)
        value, offset = _string(data, offset, name)
        return f"{key}={value}", offset
    if kind == "binary":
        raw, offset = _bytes(data, offset, name)
        return len(raw), offset
    return _string(data, offset, name)


def _bytes(data: bytes, offset: int, name: str) -> tuple[bytes, int]:
    if offset + 2 > len(data):
        raise Malformed(f"property {name} runs past the property list")
    (size,) = struct.unpack_from("!H", data, offset)
    end = offset + 2 + size
    if end > len(data):
        raise Malformed(f"property {name} says {size} bytes, past the end of the property list")
    return data[offset + 2 : end], end


def _string(data: bytes, offset: int, name: str) -> tuple[str, int]:
    """A UTF-8 string property (1.5.4): a two-byte length, then well-formed UTF-8."""
    raw, end = _bytes(data, offset, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed(f"property {name} is not UTF-8") from None
    return printable(text, 200), end


def features(properties: dict[str, Any]) -> list[str]:
    """What a 5.0 client may use on this broker: the CONNACK's limits, absent ones at their
    defaults (3.2.2.3: QoS 2, retain, wildcard, subscription identifiers, shared subscriptions)."""
    listed = [f"QoS {properties.get('maximum_qos', 2)}"]
    for name, word in (
        ("retain_available", "retain"),
        ("wildcard_subscription_available", "wildcard subscriptions"),
        ("subscription_identifiers_available", "subscription identifiers"),
        ("shared_subscription_available", "shared subscriptions"),
    ):
        if properties.get(name, True):
            listed.append(word)
    return listed
