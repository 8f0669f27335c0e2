"""DNS (RFC 1035) over UDP, over TCP (RFC 7766: ``--tcp``, or when a UDP answer is truncated),
and DNS over TLS (RFC 7858: the same two-byte length framing, inside the core's TLS).

One question (``--query NAME --type TYPE``; default: the root's SOA, which every server can
answer or refuse), then the CHAOS-class TXT questions ``version.bind`` and ``id.server`` that
BIND, unbound, Knot, PowerDNS and others answer with their software and instance name unless
configured not to. Read-only: a query changes nothing on the server.

Reported: the rcode, the header flags (AA, RA, TC, AD ...), the answer records, the response size
and the EDNS0 UDP size the server offers, and the software when ``version.bind`` names it.
"""

from __future__ import annotations

import struct
import time

from netref.probes import datagram, dnswire
from netref.probes.datagram import Accept, DatagramSession
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, ProbeOptions, ProbeUsageError, counted, printable

#: The options this family takes beyond the common ones (the core refuses them elsewhere).
TAKES = frozenset({"query", "qtype"})

#: How long each CHAOS question may go unanswered: many servers drop them silently, and the
#: main answer is already in hand.
CHAOS_WAIT = 1.0
#: How many answer records the report lists (the count is always given).
SHOWN_RECORDS = 20
#: Rcodes that are answers: the name exists or it does not.
ANSWERS = {0, 3}


def check_options(options: ProbeOptions) -> None:
    """``--query`` must be a domain name and ``--type`` a record type netref knows."""
    request(options)


def request(options: ProbeOptions) -> tuple[str, int]:
    """The question asked: (absolute name, type number); a usage error for a wrong one."""
    try:
        name = dnswire.check_name(options.query) if options.query is not None else "."
    except dnswire.WireError as error:
        raise ProbeUsageError(f"--query: {error}") from None
    kind = (options.qtype or "SOA").upper()
    if kind not in dnswire.QUERY_TYPES:
        if kind.startswith("TYPE") and kind[4:].isdigit() and 0 < int(kind[4:]) < 65536:
            return name, int(kind[4:])
        raise ProbeUsageError(
            f"--type: unknown record type {options.qtype!r} (known: {', '.join(dnswire.QUERY_TYPES)})"
        )
    return name, dnswire.TYPES[kind]


def probe(session: Session) -> None:
    name, rtype = request(session.options)
    result = session.result
    result.details["query"] = f"{name} {dnswire.TYPE_NAMES.get(rtype, f'TYPE{rtype}')}"
    conversation = [session]  # where questions go: the TCP stream once a UDP answer was truncated
    try:
        answer = ask(conversation, name, rtype, dnswire.CLASSES["IN"])
        if answer is None:  # ask() without patience raises instead; this is for the type checker
            raise datagram.silence_failure(session, 1)
        report(session, answer)
        software = chaos(conversation, "version.bind.")
        identity = chaos(conversation, "id.server.")
    finally:
        if conversation[-1] is not session:
            conversation[-1].close()
    if software:
        result.server_software = software
    result.details["version_bind"] = software
    result.details["id_server"] = identity
    if answer.rcode not in ANSWERS:
        raise ProbeFailure("protocol", f"the server answered {answer.rcode_name}: {_why(answer)}")
    result.message = f"{answer.rcode_name}, {counted(len(answer.answers), 'answer')} ({answer.size} bytes)"


def report(session: Session, answer: dnswire.Message) -> None:
    details = session.result.details
    details["rcode"] = answer.rcode_name
    details["flags"] = answer.flag_names
    details["answer_count"] = len(answer.answers)
    details["answers"] = [printable(record.line(), 300) for record in answer.answers[:SHOWN_RECORDS]]
    details["authority"] = [printable(record.line(), 300) for record in answer.authority[:SHOWN_RECORDS]]
    details["response_bytes"] = answer.size
    details["edns_udp_size"] = answer.edns_size
    session.result.capabilities = [flag for flag in answer.flag_names if flag in ("AA", "RA", "AD", "TC")]


def _why(answer: dnswire.Message) -> str:
    return {
        1: "it could not read the query",
        2: "it could not get an answer (a resolver that failed upstream, or a broken zone)",
        4: "it does not implement this kind of query",
        5: "it refuses to answer this query (no recursion for netref, or not authoritative for the name)",
    }.get(answer.rcode, "an error")


def chaos(conversation: list[Session], name: str) -> str | None:
    """A CHAOS TXT answer's text (``version.bind.``, ``id.server.``), or None when the server keeps
    it to itself (refuses, answers nothing, or stays silent for :data:`CHAOS_WAIT`)."""
    try:
        answer = ask(conversation, name, dnswire.TYPES["TXT"], dnswire.CLASSES["CH"], patience=CHAOS_WAIT, edns=None)
    except ProbeFailure:
        if conversation[0].expired:
            raise
        return None
    if answer is None or answer.rcode != 0:
        return None
    texts = [record.text.strip('"') for record in answer.answers if record.rtype == dnswire.TYPES["TXT"]]
    return printable(texts[0], 120) if texts else None


def ask(
    conversation: list[Session],
    name: str,
    rtype: int,
    rclass: int,
    *,
    patience: float | None = None,
    edns: int | None = dnswire.EDNS_UDP_SIZE,
) -> dnswire.Message | None:
    """One question and its answer over the conversation's last session: UDP (and on a truncated
    answer TCP, which the conversation then keeps for the questions after), or the stream the probe
    runs on (``--tcp``, DoT). With ``patience``, None when no answer came in that time."""
    session = conversation[-1]
    ident = int.from_bytes(datagram.random_bytes(2), "big")
    wire = dnswire.query(ident, name, rtype, rclass, edns=edns)
    if isinstance(session, DatagramSession):
        accept = _reply_to(ident, name, rtype)
        data = session.exchange(wire, accept) if patience is None else session.ask(wire, accept, patience=patience)
        if data is None:
            return None
        answer = _parse(data)
        if answer.rcode == 1 and answer.edns_size is None and edns is not None:  # RFC 6891 §7: ask again without
            return ask(conversation, name, rtype, rclass, patience=patience, edns=None)
        if not answer.truncated:
            return answer
        session.result.details["truncated_udp"] = True
        stream = session.stream()
        conversation.append(stream)
        session.result.details["transport"] = "tcp"
        return _parse(_over_stream(stream, ident, wire, patience))
    data = _over_stream(session, ident, wire, patience)
    return _parse(data) if data else None


def _reply_to(ident: int, name: str, rtype: int) -> Accept:
    """Whether a datagram answers this question: a response (QR), with its id, echoing its
    question (or none: a server that could not read it answers FORMERR without)."""
    wanted = name.lower()

    def accept(data: bytes) -> bool:
        if len(data) < dnswire.HEADER.size:
            return False
        got, flags, questions = struct.unpack_from("!HHH", data)
        if got != ident or not flags & dnswire.QR:
            return False
        if questions == 0:
            return True
        try:
            echoed, after = dnswire.read_name(data, dnswire.HEADER.size)
        except dnswire.WireError:
            return False
        return echoed.lower() == wanted and after + 4 <= len(data) and struct.unpack_from("!H", data, after)[0] == rtype

    return accept


def _over_stream(session: Session, ident: int, wire: bytes, patience: float | None) -> bytes:
    """RFC 1035 §4.2.2 / RFC 7858 framing: a two-byte length, then the message."""
    session.sendall(struct.pack("!H", len(wire)) + wire)
    until = None if patience is None else time.monotonic() + patience
    head = _read(session, 2, until)
    if len(head) < 2:
        raise ProbeFailure("protocol", "the server closed the connection before answering")
    (length,) = struct.unpack("!H", head)
    data = _read(session, length, until)
    if len(data) < length:
        raise ProbeFailure("protocol", f"the server announced {length} bytes and closed after {len(data)}")
    if length >= 2 and struct.unpack_from("!H", data)[0] != ident:
        raise ProbeFailure("protocol", "the answer carries another transaction id than the query")
    return data


def _read(session: Session, size: int, until: float | None) -> bytes:
    if until is None:
        return session.read_exactly(size)
    out = b""
    while len(out) < size:
        chunk = session.read_some(size - len(out), wait=max(until - time.monotonic(), 0.0))
        if chunk is None:
            raise ProbeFailure("timeout", "no answer over the stream in time")
        if not chunk:
            break
        out += chunk
    return out


def _parse(data: bytes) -> dnswire.Message:
    try:
        return dnswire.parse(data)
    except dnswire.WireError as error:
        raise ProbeFailure("protocol", f"malformed DNS answer: {error}") from None
