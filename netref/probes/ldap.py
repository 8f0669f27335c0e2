"""LDAP family: ldap (389, StartTLS with ``--starttls``) and ldaps (636), BER by the project.

The standard library speaks no LDAP (ldap3 and python-ldap are on PyPI), so the probe encodes
its few messages itself with :mod:`netref.probes.ber` (RFC 4511 §5.1: definite lengths only)
and reads every answer through the session, under its deadline and byte budget:

1. an anonymous search of the RootDSE (RFC 4512 §5.1: base ``""``, scope base, filter
   ``(objectClass=*)``) for the attributes in :data:`ROOT_DSE_ATTRIBUTES`;
2. with ``--starttls``, the StartTLS extended operation (RFC 4511 §4.14, OID
   1.3.6.1.4.1.1466.20037), the TLS handshake, and the same search again over TLS (what was
   read in plaintext is kept as ``capabilities_before_tls``);
3. an unbind (RFC 4511 §4.3), which ends the session: no bind, no write, ever.

A refused search (``insufficientAccessRights``, ``unwillingToPerform``, ``confidentialityRequired``)
is an answer: the verdict is ok and says what the server answered, result code in words. The
server software comes only from the RootDSE's ``vendorName``/``vendorVersion`` (RFC 3045),
when the server publishes them (389 Directory Server does; OpenLDAP does not).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from netref.probes import ber, replies
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, counted, printable

#: The StartTLS extended operation (RFC 4511 §4.14.1).
STARTTLS_OID = "1.3.6.1.4.1.1466.20037"
#: The unsolicited Notice of Disconnection (RFC 4511 §4.4.1), sent with message ID 0.
NOTICE_OF_DISCONNECTION = "1.3.6.1.4.1.1466.20036"

#: What the RootDSE search asks for (RFC 4512 §5.1, RFC 3045 for the vendor's two).
ROOT_DSE_ATTRIBUTES = (
    "namingContexts", "supportedLDAPVersion", "supportedSASLMechanisms", "supportedExtension",
    "supportedControl", "supportedFeatures", "vendorName", "vendorVersion",
)  # fmt: skip

#: Each list attribute, as its details field.
LIST_FIELDS = {
    "namingcontexts": "naming_contexts",
    "supportedsaslmechanisms": "sasl_mechanisms",
    "supportedextension": "extensions",
    "supportedcontrol": "controls",
    "supportedfeatures": "features",
}

#: Result codes (RFC 4511 §4.1.9 and Appendix A; 118-123 from RFC 3909, 4528, 4370).
RESULT_CODES = {
    0: "success", 1: "operationsError", 2: "protocolError", 3: "timeLimitExceeded", 4: "sizeLimitExceeded",
    5: "compareFalse", 6: "compareTrue", 7: "authMethodNotSupported", 8: "strongerAuthRequired", 10: "referral",
    11: "adminLimitExceeded", 12: "unavailableCriticalExtension", 13: "confidentialityRequired",
    14: "saslBindInProgress", 16: "noSuchAttribute", 17: "undefinedAttributeType", 18: "inappropriateMatching",
    19: "constraintViolation", 20: "attributeOrValueExists", 21: "invalidAttributeSyntax", 32: "noSuchObject",
    33: "aliasProblem", 34: "invalidDNSyntax", 36: "aliasDereferencingProblem", 48: "inappropriateAuthentication",
    49: "invalidCredentials", 50: "insufficientAccessRights", 51: "busy", 52: "unavailable",
    53: "unwillingToPerform", 54: "loopDetect", 64: "namingViolation", 65: "objectClassViolation",
    66: "notAllowedOnNonLeaf", 67: "notAllowedOnRDN", 68: "entryAlreadyExists", 69: "objectClassModsProhibited",
    71: "affectsMultipleDSAs", 80: "other", 118: "canceled", 119: "noSuchOperation", 120: "tooLate",
    121: "cannotCancel", 122: "assertionFailed", 123: "authorizationDenied",
}  # fmt: skip

#: Names of the extended operations people look for (the rest are shown by OID).
EXTENSIONS = {
    STARTTLS_OID: "StartTLS",
    "1.3.6.1.4.1.4203.1.11.1": "Password Modify",
    "1.3.6.1.4.1.4203.1.11.3": "Who am I?",
    "1.3.6.1.1.8": "Cancel",
    "1.3.6.1.1.21.1": "Start Transaction",
    "1.3.6.1.1.21.3": "End Transaction",
    "1.3.6.1.4.1.1466.101.119.1": "Dynamic Refresh",
    NOTICE_OF_DISCONNECTION: "Notice of Disconnection",
}

# Protocol operations (RFC 4511 Appendix B: [APPLICATION n]).
UNBIND, SEARCH, ENTRY, DONE, REFERENCE, EXTENDED, EXTENDED_RESPONSE = 2, 3, 4, 5, 19, 23, 24

#: The largest LDAP message read: a RootDSE is a few kilobytes (Active Directory's ~6 KB).
MAX_MESSAGE = 256 * 1024
#: Nesting of a search entry: message, entry, attribute list, attribute, value set, value (and controls).
MAX_DEPTH = 10
#: Messages read for one request before giving up (a base search has one entry; a few references).
MAX_MESSAGES = 16
#: Values kept per attribute (a report is for people; memory is bounded by MAX_MESSAGE).
MAX_VALUES = replies.MAX_CAPABILITIES


@functools.lru_cache(maxsize=8)  # the same few messages on every probe: encoded once
def search_request(message_id: int) -> bytes:
    """The anonymous RootDSE search (RFC 4511 §4.5.1), as one LDAPMessage."""
    search = ber.sequence(
        [
            ber.octet_string(b""),  # baseObject: the RootDSE
            ber.enumerated(0),  # scope: baseObject
            ber.enumerated(0),  # derefAliases: neverDerefAliases
            ber.integer(0),  # sizeLimit: none (a base search returns one entry)
            ber.integer(0),  # timeLimit: none (the probe's deadline bounds it)
            ber.boolean(False),  # typesOnly
            ber.octet_string("objectClass", (ber.Class.CONTEXT, 7)),  # filter: present (objectClass=*)
            ber.sequence(ber.octet_string(name) for name in ROOT_DSE_ATTRIBUTES),
        ],
        (ber.Class.APPLICATION, SEARCH),
    )
    return ber.sequence([ber.integer(message_id), search])


@functools.lru_cache(maxsize=8)
def starttls_request(message_id: int) -> bytes:
    """The StartTLS extended request (RFC 4511 §4.14.1): requestName only, no value."""
    extended = ber.sequence([ber.octet_string(STARTTLS_OID, (ber.Class.CONTEXT, 0))], (ber.Class.APPLICATION, EXTENDED))
    return ber.sequence([ber.integer(message_id), extended])


@functools.lru_cache(maxsize=8)
def unbind_request(message_id: int) -> bytes:
    """The UnbindRequest (RFC 4511 §4.3): a NULL under [APPLICATION 2]; the server answers nothing."""
    return ber.sequence([ber.integer(message_id), ber.null((ber.Class.APPLICATION, UNBIND))])


def result_words(code: int) -> str:
    """``insufficientAccessRights (50)``: a result code for people."""
    return f"{RESULT_CODES.get(code, 'unknown result code')} ({code})"


@dataclass
class LdapResult:
    """An LDAPResult (RFC 4511 §4.1.9): the end of a search, or an extended response."""

    code: int
    matched_dn: str
    diagnostic: str
    response_name: str | None = None  # ExtendedResponse only

    def words(self) -> str:
        """``unwillingToPerform (53): authentication required``."""
        return result_words(self.code) + (f": {self.diagnostic}" if self.diagnostic else "")


@dataclass
class SearchAnswer:
    """What a search got: its entry's attributes (lower-case names) and its final result."""

    attributes: dict[str, list[str]] | None
    done: LdapResult


class Conversation:
    """The probe's side of one LDAP session: numbered requests, answers read strictly."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.next_id = 1

    def send(self, encode: Callable[[int], bytes]) -> int:
        """Send the request ``encode(message_id)`` makes; its message ID."""
        message_id = self.next_id
        self.next_id += 1
        self.session.sendall(encode(message_id))
        return message_id

    def read_message(self, what: str) -> tuple[int, ber.Element]:
        """The next LDAPMessage: (message ID, protocolOp); controls are read and ignored."""
        header = self._read(2, what, start=True)
        if header[0] != 0x30:
            raise _not_ldap(self.session, header)
        if header[1] & 0x80 and header[1] not in (0x80, 0xFF) and (header[1] & 0x7F) <= ber.MAX_LENGTH_OCTETS:
            header += self._read(header[1] & 0x7F, what)
        try:
            size = ber.element_size(header, max_length=MAX_MESSAGE)
            if size is None:  # pragma: no cover - the whole length field was read
                raise ber.Truncated("incomplete header")
            message = ber.decode(header + self._read(size - len(header), what), max_length=MAX_MESSAGE,
                                 max_depth=MAX_DEPTH)  # fmt: skip
            if len(message.children) not in (2, 3):
                raise ber.BerError(f"LDAPMessage of {len(message.children)} elements (must be 2 or 3)")
            message_id = message.children[0].expect(ber.INTEGER, what="a message ID").integer()
            operation = message.children[1]
            if operation.cls != ber.Class.APPLICATION:
                raise ber.BerError(f"protocolOp tagged [{operation.cls.name} {operation.number}]")
        except ber.BerError as error:
            raise ProbeFailure("protocol", f"malformed LDAP message {what}: {error}") from None
        return message_id, operation

    def _read(self, size: int, what: str, start: bool = False) -> bytes:
        data = self.session.read_exactly(size)
        if len(data) < size:
            if start and not data:
                raise ProbeFailure("protocol", f"the server closed the connection {what}")
            raise ProbeFailure("protocol", f"the server closed the connection inside an LDAP message {what}")
        return data

    def answer(self, message_id: int, what: str) -> list[ber.Element]:
        """The operations answering ``message_id``, up to and including its final one
        (searchResDone, extendedResp); a Notice of Disconnection or a stranger's ID fails."""
        operations: list[ber.Element] = []
        while len(operations) < MAX_MESSAGES:
            answered, operation = self.read_message(what)
            if answered == 0 and operation.is_(EXTENDED_RESPONSE, ber.Class.APPLICATION):
                raise _disconnected(operation)
            if answered != message_id:
                raise ProbeFailure("protocol", f"the server answered message ID {answered}, not {message_id} {what}")
            operations.append(operation)
            if operation.number in (DONE, EXTENDED_RESPONSE):
                return operations
            if operation.number not in (ENTRY, REFERENCE):
                raise ProbeFailure("protocol", f"unexpected LDAP operation [APPLICATION {operation.number}] {what}")
        raise ProbeFailure("protocol", f"the server sent more than {counted(MAX_MESSAGES, 'message')} {what}")

    def search_root_dse(self) -> SearchAnswer:
        what = "in answer to the RootDSE search"
        operations = self.answer(self.send(search_request), what)
        done = operations[-1]
        if not done.is_(DONE, ber.Class.APPLICATION):
            raise ProbeFailure("protocol", f"an extended response {what}")
        entries = [operation for operation in operations if operation.number == ENTRY]
        try:
            attributes = read_entry(entries[0]) if entries else None
            return SearchAnswer(attributes, read_result(done))
        except ber.BerError as error:
            raise ProbeFailure("protocol", f"malformed LDAP message {what}: {error}") from None

    def start_tls(self) -> LdapResult:
        what = "in answer to StartTLS"
        response = self.answer(self.send(starttls_request), what)[-1]
        if not response.is_(EXTENDED_RESPONSE, ber.Class.APPLICATION):
            raise ProbeFailure("protocol", f"a search result {what}")
        try:
            return read_result(response)
        except ber.BerError as error:
            raise ProbeFailure("protocol", f"malformed LDAP message {what}: {error}") from None

    def unbind(self) -> None:
        replies.leave(lambda: self.send(unbind_request))


def read_result(operation: ber.Element) -> LdapResult:
    """The LDAPResult components of searchResDone or extendedResp (RFC 4511 §4.1.9, §4.12)."""
    parts = operation.children
    if len(parts) < 3:
        raise ber.BerError(f"LDAPResult of {len(parts)} elements (at least 3)")
    code = parts[0].expect(ber.ENUMERATED, what="a resultCode").integer()
    matched = parts[1].expect(ber.OCTET_STRING, what="a matchedDN").text()
    diagnostic = parts[2].expect(ber.OCTET_STRING, what="a diagnosticMessage").text()
    name = next((part.text() for part in parts[3:] if part.is_(10, ber.Class.CONTEXT)), None)
    return LdapResult(code, printable(matched, 200), printable(diagnostic, 200), name)


def read_entry(entry: ber.Element) -> dict[str, list[str]]:
    """A searchResEntry's attributes (RFC 4511 §4.5.2): lower-case type → values as text."""
    if len(entry.children) != 2:
        raise ber.BerError(f"SearchResultEntry of {len(entry.children)} elements (must be 2)")
    attributes: dict[str, list[str]] = {}
    for attribute in entry.children[1].expect(ber.SEQUENCE, what="an attribute list").children:
        if len(attribute.expect(ber.SEQUENCE, what="an attribute").children) != 2:
            raise ber.BerError("PartialAttribute without a type and a value set")
        kind, values = attribute.children
        name = kind.expect(ber.OCTET_STRING, what="an attribute type").text().split(";", 1)[0].lower()
        texts = [value.expect(ber.OCTET_STRING, what="a value").text() for value in values.expect(ber.SET).children]
        attributes.setdefault(name, []).extend(printable(text, 200) for text in texts)
        del attributes[name][MAX_VALUES:]
    return attributes


def probe(session: Session) -> None:
    """RootDSE search (StartTLS and the search again with ``--starttls``), unbind."""
    watch_silence(session)
    conversation = Conversation(session)
    answers: list[SearchAnswer] = []

    def ask() -> list[str] | None:
        answers.append(conversation.search_root_dse())
        return report(session, answers[-1])

    replies.capabilities_around_tls(
        session, ask, lambda listed: _start_tls(session, conversation, listed), _offers_starttls)
    conversation.unbind()
    session.result.message = _summary(answers[-1])


def watch_silence(session: Session) -> None:
    """Look for TLS behind a plaintext search met by silence. A directory answers the RootDSE
    search at once; an implicit-TLS port of one that waits for more bytes instead of closing
    (389-ds on its LDAPS port) would otherwise hold the probe to its deadline: after
    :data:`~netref.probes.mismatch.TLS_CHECK_AFTER` seconds of silence the core's second
    connection finds out (``failed (tls) ... try netref probe ldaps``)."""
    from netref.probes import mismatch

    if session.tls_active or session.protocol.tls == "implicit" or session.catalog is None:
        return
    if session.options.timeout > mismatch.TLS_CHECK_AFTER * 2:
        after = mismatch.TLS_CHECK_AFTER
        why = f"silent for {after:g} s after the RootDSE search: no answer to the request; "
        session.silence_check = (after, lambda late: mismatch.tls_behind(late, why))


def report(session: Session, answer: SearchAnswer) -> list[str] | None:
    """Fill the details from a search's answer; the capabilities (None when no RootDSE came)."""
    result, details = session.result, session.result.details
    done = answer.done
    details["result_code"], details["result_name"] = done.code, RESULT_CODES.get(done.code)
    details["diagnostic_message"] = done.diagnostic or None
    details["rootdse_read"] = answer.attributes is not None
    attributes = answer.attributes or {}
    for attribute, name in LIST_FIELDS.items():
        details[name] = list(attributes.get(attribute, []))
    details["ldap_versions"] = sorted({int(v) for v in attributes.get("supportedldapversion", []) if v.isdigit()})
    vendor, version = _first(attributes, "vendorname"), _first(attributes, "vendorversion")
    details["vendor_name"], details["vendor_version"] = vendor, version
    result.server_software, result.software_source = _software(vendor, version), None
    if result.server_software:
        result.software_source = "RootDSE"
    if answer.attributes is None:
        return None
    return (
        [f"LDAPv{number}" for number in details["ldap_versions"]]
        + [f"SASL {mechanism}" for mechanism in details["sasl_mechanisms"]]
        + [EXTENSIONS.get(oid, oid) for oid in details["extensions"]]
    )[:MAX_VALUES]


def _first(attributes: dict[str, list[str]], name: str) -> str | None:
    """The first value of a single-valued attribute (vendorName), or None."""
    values = attributes.get(name)
    return values[0] if values else None


def _software(vendor: str | None, version: str | None) -> str | None:
    """``vendorName vendorVersion`` (one alone when the other is missing or contains it)."""
    if vendor and version:
        return printable(version if vendor.lower() in version.lower() else f"{vendor} {version}", 120)
    named = vendor or version
    return printable(named, 120) if named else None


def _offers_starttls(capabilities: list[str]) -> bool:
    return "StartTLS" in capabilities


def _start_tls(session: Session, conversation: Conversation, capabilities: list[str] | None) -> None:
    """StartTLS, unless the RootDSE was read and does not list it (a refused search leaves
    the question open: the server's answer decides)."""
    if capabilities is not None and not _offers_starttls(capabilities):
        conversation.unbind()
        listed = [EXTENSIONS.get(oid, oid) for oid in session.result.details["extensions"]]
        raise replies.upgrade_not_offered("StartTLS", "supportedExtension", ", ".join(listed) or "nothing")
    answer = conversation.start_tls()
    if answer.code != 0:
        conversation.unbind()
        raise replies.upgrade_refused("StartTLS", answer.words())
    session.start_tls()


def _summary(answer: SearchAnswer) -> str:
    """The verdict's message: what the RootDSE search found, or how the server refused it."""
    if answer.done.code != 0:
        return f"the server refused the anonymous RootDSE search: {answer.done.words()}"
    if answer.attributes is None:
        return "the RootDSE search succeeded but returned no entry (the server hides its RootDSE)"
    contexts = answer.attributes.get("namingcontexts", [])
    shown = ", ".join(contexts[:3]) + (", …" if len(contexts) > 3 else "")
    return "RootDSE read anonymously: " + (f"naming contexts {shown}" if contexts else "no naming contexts")


def _disconnected(operation: ber.Element) -> ProbeFailure:
    """The failure for a Notice of Disconnection (RFC 4511 §4.4.1): the server hung up, saying why."""
    try:
        why = read_result(operation).words()
    except ber.BerError as error:
        why = f"malformed notice: {error}"
    return ProbeFailure("protocol", f"the server disconnected (Notice of Disconnection): {why}")


def _not_ldap(session: Session, header: bytes) -> ProbeFailure:
    """The failure for an answer that does not start as an LDAPMessage (a SEQUENCE). The core
    names the protocol that answered instead when it recognises one."""
    shown = printable(bytes(session.opening or header).split(b"\n", 1)[0].decode("latin-1"), 80)
    return ProbeFailure("protocol", f"no LDAP answer: the server sent '{shown}'")
