"""SNMP (RFC 3416 PDUs in RFC 3417's BER) over UDP: a v2c GET, and on silence SNMPv3 discovery.

First an SNMPv2c GetRequest for sysDescr.0, sysObjectID.0, sysUpTime.0 and sysName.0 with the
community ``--community`` (default ``public``), as ``snmpget -v2c`` sends it. An agent that
does not accept the community, or has v2c turned off, says nothing at all (RFC 3584: the message
is dropped and a counter bumped), so silence is followed by the one SNMPv3 exchange that needs no
credentials: engine discovery (RFC 3414 §4), a GetRequest with an empty user to which an agent
answers a Report carrying its engine ID, boots and time. The result says which of the two
answered (``details.answered``: ``v2c`` or ``v3``).

The community is a password in all but name: it is never printed, never put in JSON or in a
message (a reply echoes it; it is compared, never shown). Read-only: GET and discovery only.
"""

from __future__ import annotations

import functools
import time

from netref.probes import ber, datagram
from netref.probes.datagram import DatagramSession
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, ProbeOptions, ProbeUsageError, printable

TAKES = frozenset({"community"})

#: The objects of the GET (RFC 3418's system group), by the names snmpget shows.
SYSTEM = {
    "1.3.6.1.2.1.1.1.0": "sysDescr",
    "1.3.6.1.2.1.1.2.0": "sysObjectID",
    "1.3.6.1.2.1.1.3.0": "sysUpTime",
    "1.3.6.1.2.1.1.5.0": "sysName",
}
V2C, V3 = 1, 3  # msgVersion values (RFC 3416 for v2c's 1, RFC 3412 for 3)
GET, RESPONSE, REPORT = 0, 2, 8  # PDU tags, context class (RFC 3416 §3)
USM = 3  # msgSecurityModel of the User-based Security Model (RFC 3414)
#: Error-status names (RFC 3416 §3).
ERRORS = (
    "noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess", "wrongType", "wrongLength",
    "wrongEncoding", "wrongValue", "noCreation", "inconsistentValue", "resourceUnavailable", "commitFailed",
    "undoFailed", "authorizationError", "notWritable", "inconsistentName",
)  # fmt: skip
#: Application-class value types (RFC 2578 §7.1, RFC 3416 §2.5) and v2c's exceptions.
APPLICATION = {0: "IpAddress", 1: "Counter32", 2: "Gauge32", 3: "TimeTicks", 4: "Opaque", 6: "Counter64"}
EXCEPTIONS = {0: "noSuchObject", 1: "noSuchInstance", 2: "endOfMibView"}
#: Private Enterprise Numbers (IANA's registry) of common engine IDs' makers.
ENTERPRISES = {
    9: "Cisco", 11: "Hewlett-Packard", 311: "Microsoft", 2011: "Huawei", 2636: "Juniper Networks",
    8072: "net-snmp", 12356: "Fortinet", 14988: "MikroTik", 25461: "Palo Alto Networks", 30065: "Arista Networks",
}  # fmt: skip
#: A reply is at most this big (a sysDescr is a line or two; MTU-sized in practice).
MAX_REPLY = 65535


def check_options(options: ProbeOptions) -> None:
    if not options.community or len(options.community.encode()) > 255:
        raise ProbeUsageError("--community: expected 1 to 255 bytes")


def get_request(community: bytes, request_id: int, oids: list[str]) -> bytes:
    """An SNMPv2c GetRequest message for ``oids``."""
    bindings = _bindings(tuple(oids))
    pdu = ber.sequence([ber.integer(request_id), ber.integer(0), ber.integer(0), bindings], (ber.Class.CONTEXT, GET))
    return ber.sequence([ber.integer(V2C), ber.octet_string(community), pdu])


@functools.lru_cache(maxsize=8)
def _bindings(oids: tuple[str, ...]) -> bytes:
    """The variable bindings of a GET (each OID with a NULL value), encoded once per list."""
    return ber.sequence(ber.sequence([ber.oid(name), ber.null()]) for name in oids)


def discovery_request(message_id: int) -> bytes:
    """An SNMPv3 discovery message: noAuthNoPriv, reportable, empty USM parameters and PDU."""
    usm = ber.sequence([ber.octet_string(b""), ber.integer(0), ber.integer(0)] + [ber.octet_string(b"")] * 3)
    header = ber.sequence([ber.integer(message_id), ber.integer(MAX_REPLY - 28), ber.octet_string(b"\x04"),
                           ber.integer(USM)])  # fmt: skip
    pdu = ber.sequence([ber.integer(message_id), ber.integer(0), ber.integer(0), ber.sequence([])],
                       (ber.Class.CONTEXT, GET))  # fmt: skip
    scoped = ber.sequence([ber.octet_string(b""), ber.octet_string(b""), pdu])
    return ber.sequence([ber.integer(V3), header, ber.octet_string(usm), scoped])


def _decode(data: bytes) -> ber.Element | None:
    try:
        return ber.decode(data, max_length=MAX_REPLY, max_depth=12)
    except ber.BerError:
        return None


def probe(session: Session) -> None:
    if not isinstance(session, DatagramSession):
        raise ProbeFailure("protocol", "SNMP is probed over UDP only")
    community = session.options.community.encode()
    request_id = _random_id()
    request = get_request(community, request_id, list(SYSTEM))
    accepted: list[ber.Element] = []

    def accept(data: bytes) -> bool:
        pdu = _response_pdu(data, community, request_id)
        if pdu is not None:
            accepted.append(pdu)  # decoded once: the report reads it as it is
        return pdu is not None

    started = time.monotonic()
    reply = session.ask(request, accept, patience=max(session.remaining() / 2, 0.0))
    if reply is not None:
        _report_v2c(session, accepted[-1])
        return
    session.result.details["v2c"] = f"no answer in {time.monotonic() - started:.1f} s"
    _discover(session)


def _random_id() -> int:
    return int.from_bytes(datagram.random_bytes(4), "big") & 0x7FFFFFFF


def _response_pdu(data: bytes, community: bytes, request_id: int) -> ber.Element | None:
    """The v2c GetResponse PDU when ``data`` is the answer to our request (same community and
    request-id), else None (a stranger's datagram or a broken one)."""
    message = _decode(data)
    try:
        if message is None or len(message.expect(ber.SEQUENCE).children) != 3:
            return None
        version, echoed, pdu = message.children
        if version.expect(ber.INTEGER).integer() != V2C or echoed.octets() != community:
            return None
        if not pdu.is_(RESPONSE, ber.Class.CONTEXT) or len(pdu.children) != 4:
            return None
        if pdu.children[0].integer() != request_id:
            return None
        return pdu
    except ber.BerError:
        return None


def _report_v2c(session: Session, pdu: ber.Element) -> None:
    result = session.result
    details = result.details
    details["answered"] = "v2c"
    status, index = pdu.children[1].integer(), pdu.children[2].integer()
    values: dict[str, str | None] = {}
    try:
        for binding in pdu.children[3].expect(ber.SEQUENCE).children:
            oid, value = binding.expect(ber.SEQUENCE).children
            dotted = oid.oid()
            values[SYSTEM.get(dotted, dotted)] = value_text(value)
    except (ber.BerError, ValueError) as error:
        raise ProbeFailure("protocol", f"malformed SNMP response: {error}") from None
    details.update({name: values.get(name) for name in SYSTEM.values()})
    if status:
        why = ERRORS[status] if status < len(ERRORS) else f"error {status}"
        details["error_status"] = why
        raise ProbeFailure("protocol", f"the agent answered v2c with {why} (index {index})")
    description = values.get("sysDescr")
    if description:
        result.server_software = printable(description.splitlines()[0], 120)
        result.greeting = printable(description, 200)
    name = values.get("sysName")
    result.message = "SNMPv2c answered (community accepted)" + (f": {name}" if name else "")


def value_text(value: ber.Element) -> str | None:
    """A varbind value as snmpget prints its content (without the type prefix)."""
    if value.is_(ber.OCTET_STRING):
        return printable(value.octets().decode("utf-8", "backslashreplace"), 400)
    if value.is_(ber.OID):
        return value.oid()
    if value.is_(ber.INTEGER):
        return str(value.integer())
    if value.is_(ber.NULL):
        return None
    if value.cls == ber.Class.APPLICATION and value.number in APPLICATION:
        kind = APPLICATION[value.number]
        if kind == "IpAddress":
            return ".".join(str(byte) for byte in value.octets())
        if kind == "TimeTicks":
            return timeticks(value.unsigned())
        if kind == "Opaque":
            return value.octets().hex()
        return str(value.unsigned())
    if value.cls == ber.Class.CONTEXT and value.number in EXCEPTIONS:
        return EXCEPTIONS[value.number]
    return f"(tag {value.cls.name.lower()} {value.number}) {value.content.hex()}"


def timeticks(ticks: int) -> str:
    """Hundredths of a second as snmpget shows them: ``(12345) 0:02:03.45``."""
    seconds, hundredths = divmod(ticks, 100)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    span = f"{hours}:{minutes:02d}:{seconds:02d}.{hundredths:02d}"
    return f"({ticks}) " + (f"{days} day{'s' if days != 1 else ''}, {span}" if days else span)


def _discover(session: DatagramSession) -> None:
    message_id = _random_id()

    def accept(data: bytes) -> bool:
        return _report(data, message_id) is not None

    reply = session.exchange(discovery_request(message_id), accept)
    engine_id, boots, engine_time = _report(reply, message_id) or (b"", 0, 0)
    details = session.result.details
    details["answered"] = "v3"
    details["engine_id"] = engine_id.hex()
    details["engine_boots"] = boots
    details["engine_time_s"] = engine_time
    details["engine_enterprise"] = enterprise(engine_id)
    maker = details["engine_enterprise"]
    session.result.message = (
        "SNMPv3 engine discovery answered (v2c was silent: the community was not accepted, or v2c is off)"
        + (f"; engine by {maker}" if maker else "")
    )


def _report(data: bytes, message_id: int) -> tuple[bytes, int, int] | None:
    """(engine ID, boots, time) from an SNMPv3 Report answering our discovery, else None."""
    message = _decode(data)
    try:
        if message is None or len(message.children) != 4 or message.children[0].integer() != V3:
            return None
        header, security = message.children[1], message.children[2]
        if not header.children or header.children[0].integer() != message_id:
            return None
        usm = ber.decode(security.octets(), max_length=MAX_REPLY, max_depth=4)
        engine, boots, clock = usm.children[0].octets(), usm.children[1].integer(), usm.children[2].integer()
        return engine, boots, clock
    except (ber.BerError, IndexError):
        return None


def enterprise(engine_id: bytes) -> str | None:
    """Who made the engine, from its ID's enterprise number (RFC 3411 §5: the first four octets,
    top bit set in the new format): ``net-snmp (8072)``, or the bare number."""
    if len(engine_id) < 5:
        return None
    number = int.from_bytes(engine_id[:4], "big") & 0x7FFFFFFF
    name = ENTERPRISES.get(number)
    return f"{name} ({number})" if name else f"enterprise {number}"
