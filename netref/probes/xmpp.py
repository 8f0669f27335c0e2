"""XMPP family: xmpp (5222, STARTTLS with ``--starttls``) and xmpps (5223, TLS first, XEP-0368).

Sent: a client stream header to the domain (``--domain``, else ``--sni``, else HOST; RFC 6120
§4.7), ``<starttls/>`` with ``--starttls`` (§5.4; after ``<proceed/>`` a TLS handshake and a new
stream header, whose features are the ones reported), and ``</stream:stream>``. Never SASL, a
resource binding or any stanza: the probe reads what a server offers before anyone logs in.

Reported: the stream header's id, from, version and language; the features — STARTTLS (offered,
required), the SASL mechanisms, compression methods, in-band registration, and the rest by name;
a ``<stream:error>`` with its condition (``host-unknown``, ``see-other-host``...) and text.

The XML is parsed incrementally with expat, and safely: a DTD (which XMPP forbids, RFC 6120
§11.1) stops the probe before any entity could be declared, so no entity is ever expanded; the
stream may send at most :data:`MAX_XML` bytes, nest at most :data:`MAX_DEPTH` elements and hold
at most :data:`MAX_ELEMENTS`, all under the session's deadline and byte budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from netref.probes import replies
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, ProbeOptions, ProbeUsageError, is_ip_address, printable

#: The options this family takes beyond the common ones.
TAKES = frozenset({"domain"})

#: The most XML one stream may send before its features are complete.
MAX_XML = 256 * 1024
#: How deep elements may nest (features are three levels down; the stream is one).
MAX_DEPTH = 16
#: How many elements a stream may hold before its features are complete.
MAX_ELEMENTS = 2000
#: Text kept per element (a mechanism's name, an error's text).
MAX_TEXT = 1024
#: How long the server may take to close its stream after ours (the probe then hangs up).
CLOSE_WAIT = 1.0

STREAMS = "http://etherx.jabber.org/streams"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams"
_XML_LANG = "http://www.w3.org/XML/1998/namespace lang"

#: Stream features by (namespace, element): the short name reported.
FEATURES = {
    (TLS_NS, "starttls"): "starttls",
    (SASL_NS, "mechanisms"): "sasl",
    ("urn:xmpp:sasl:2", "authentication"): "sasl2",
    ("http://jabber.org/features/compress", "compression"): "compression",
    ("http://jabber.org/features/iq-register", "register"): "register",
    ("http://jabber.org/features/iq-auth", "auth"): "iq-auth",
    ("urn:ietf:params:xml:ns:xmpp-bind", "bind"): "bind",
    ("urn:ietf:params:xml:ns:xmpp-session", "session"): "session",
    ("urn:xmpp:bind:0", "bind"): "bind2",
    ("urn:xmpp:sm:3", "sm"): "sm",
    ("urn:xmpp:sm:2", "sm"): "sm2",
    ("urn:xmpp:csi:0", "csi"): "csi",
    ("http://jabber.org/protocol/caps", "c"): "caps",
    ("urn:xmpp:features:rosterver", "ver"): "rosterver",
    ("urn:xmpp:features:pre-approval", "sub"): "pre-approval",
    ("urn:xmpp:features:dialback", "dialback"): "dialback",
}

_HEADER_TAG = re.compile(rb"<stream:stream\b[^>]*>")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def check_options(options: ProbeOptions) -> None:
    """``--domain`` must be a domain name (an XMPP domainpart, RFC 7622 §3.2; IDNs allowed)."""
    if options.domain is not None:
        check_domain(options.domain)


def check_domain(name: str) -> str:
    """``name`` in ASCII (IDN A-labels), or a usage error saying what is wrong with it."""
    shown = printable(name, 80)
    if is_ip_address(name):
        return name
    try:
        ascii_name = name.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise ProbeUsageError(f"--domain: {shown!r} is not a domain name") from None
    labels = ascii_name.split(".")
    if not ascii_name or len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ProbeUsageError(f"--domain: {shown!r} is not a domain name") from None
    return ascii_name


def domain(session: Session) -> str:
    """The domain the stream is opened to: ``--domain``, else ``--sni``, else HOST."""
    options = session.options
    chosen = options.domain or options.sni
    return check_domain(chosen) if chosen else session.host


@dataclass
class Element:
    """A parsed element below the stream: namespace, name, attributes, text, children."""

    namespace: str
    name: str
    attributes: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def child(self, namespace: str, name: str) -> Element | None:
        return next((kid for kid in self.children if (kid.namespace, kid.name) == (namespace, name)), None)


def _split(name: str) -> tuple[str, str]:
    namespace, _, local = name.rpartition(" ")
    return namespace, local


class StreamReader:
    """One inbound XML stream, parsed incrementally: the header's attributes, then each
    top-level element (features, error, proceed) as it completes."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        # expat >= 2.6 defers re-parsing a token cut across small reads until more bytes come
        # (Python 3.13's bundled expat): a server that sends its last element and waits would
        # then never be heard out. The stream is bounded anyway (MAX_XML), so parse as it comes.
        if hasattr(self.parser, "SetReparseDeferralEnabled"):
            self.parser.SetReparseDeferralEnabled(False)
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.header: dict[str, str] | None = None
        self.closed = False  # the server sent </stream:stream>
        self.raw = bytearray()  # what was fed, for the first line of the report
        self._stack: list[Element] = []
        self._done: list[tuple[Element, int]] = []  # top-level elements, with the byte offset of their end
        self._elements = 0
        self._last_end = 0

    # expat handlers
    def _doctype(self, *_: object) -> None:
        raise ProbeFailure("protocol", "the server sent a DTD, which XMPP forbids (RFC 6120 §11.1); not parsed")

    def _entity(self, *_: object) -> None:  # pragma: no cover - a DTD is refused first
        raise ProbeFailure("protocol", "the server declared an XML entity; not parsed")

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._elements += 1
        if self._elements > MAX_ELEMENTS:
            raise ProbeFailure("protocol", f"the server sent more than {MAX_ELEMENTS} XML elements")
        namespace, local = _split(name)
        if self.header is None:
            if (namespace, local) != (STREAMS, "stream"):
                raise ProbeFailure("protocol", f"no XMPP stream: the server's XML starts with <{printable(local, 40)}>")
            self.header = {key: printable(value, 200) for key, value in list(attributes.items())[:20]}
            return
        if len(self._stack) >= MAX_DEPTH:
            raise ProbeFailure("protocol", f"the server nested XML deeper than {MAX_DEPTH} elements")
        element = Element(namespace, local, {_split(k)[1]: printable(v, 200) for k, v in list(attributes.items())[:20]})
        if self._stack:
            self._stack[-1].children.append(element)
        self._stack.append(element)

    def _end(self, name: str) -> None:
        if not self._stack:
            self.closed = True  # </stream:stream>
            return
        element = self._stack.pop()
        if not self._stack:
            self._done.append((element, self.parser.CurrentByteIndex))

    def _text(self, data: str) -> None:
        if self._stack and len(self._stack[-1].text) < MAX_TEXT:
            self._stack[-1].text = (self._stack[-1].text + data)[:MAX_TEXT]

    # reading
    def next_element(self, legacy: bool = False) -> Element | None:
        """The next complete top-level element (a ``ProbeFailure`` when the stream ends first);
        with ``legacy``, None as soon as a header without ``version`` shows a pre-1.0 server,
        which sends no features (RFC 6120 §4.7.5)."""
        while not self._done:
            if legacy and self.header is not None and "version" not in self.header:
                return None
            if self.closed:
                raise ProbeFailure("protocol", "the server closed its XML stream without features")
            self._feed(self._read())
        element, self._last_end = self._done.pop(0)
        return element

    def leftover(self) -> bytes:
        """What the server sent after the element :meth:`next_element` returned last (its
        closing ``>`` is the first after where expat saw its end): nothing, from a server that
        waits for the client. A ``>`` inside an attribute can only make this longer, never hide
        bytes."""
        end = self.raw.find(b">", self._last_end)
        return bytes(self.raw[end + 1 :]) if end >= 0 else b""

    def _read(self) -> bytes:
        chunk = self.session.read_some(4096)
        if not chunk:
            if self.header is None:
                if not self.raw:
                    raise ProbeFailure("protocol", "the server closed the connection without a word")
                raise replies.unexpected_reply("XMPP", bytes(self.raw))
            raise ProbeFailure("protocol", "the server closed the connection before its stream features")
        if len(self.raw) + len(chunk) > MAX_XML:
            raise ProbeFailure("protocol", f"the server sent over {MAX_XML // 1024} KiB of XML without its features")
        return chunk

    def _feed(self, chunk: bytes) -> None:
        if not self.raw and not chunk.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            self.raw += chunk
            raise replies.unexpected_reply("XMPP", bytes(self.raw).split(b"\n", 1)[0])
        self.raw += chunk
        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError as error:
            if self.header is None:
                raise replies.unexpected_reply("XMPP", bytes(self.raw).split(b"\n", 1)[0]) from None
            raise ProbeFailure("protocol", f"the server sent malformed XML: {expat.ErrorString(error.code)}") from None


def probe(session: Session) -> None:
    """Open the stream and read its features (``--starttls``: upgrade, open again); close it."""
    result = session.result
    to = domain(session)
    result.details["domain"] = to
    reader: list[StreamReader] = []
    replies.capabilities_around_tls(
        session,
        lambda: _features(session, to, reader),
        lambda listed: _start_tls(session, reader[-1], listed),
        lambda listed: "starttls" in listed,
    )
    replies.leave(lambda: _close(session, reader[-1]))
    result.message = _summary(result.details)


def _features(session: Session, to: str, readers: list[StreamReader]) -> list[str]:
    """Open a stream (again, after TLS) and report its header and features."""
    reader = StreamReader(session)
    readers.append(reader)
    session.send(
        f"<?xml version='1.0'?><stream:stream to='{_attribute(to)}' version='1.0' xml:lang='en' "
        f"xmlns='jabber:client' xmlns:stream='{STREAMS}'>".encode("ascii")
    )
    element = reader.next_element(legacy=True)
    result = session.result
    if result.greeting is None:  # the server's stream header, the XMPP greeting
        header_tag = _HEADER_TAG.search(bytes(reader.raw))
        opening = header_tag[0] if header_tag else bytes(reader.raw).split(b"\n", 1)[0]
        result.greeting = printable(opening.decode("utf-8", "replace"), 200)
    header = reader.header or {}
    details = result.details
    details["stream_id"] = header.get("id") or None
    details["stream_from"] = header.get("from")
    details["stream_version"] = header.get("version")
    details["stream_lang"] = header.get(_XML_LANG)
    if element is None:
        result.warnings.append("the stream header has no version: a server older than XMPP 1.0, without features")
        return _report_features(session, Element(STREAMS, "features", {}))
    if (element.namespace, element.name) == (STREAMS, "error"):
        raise _stream_error(session, element)
    if (element.namespace, element.name) != (STREAMS, "features"):
        shown = printable(element.name, 40)
        raise ProbeFailure("protocol", f"the server sent <{shown}> where its stream features belong")
    return _report_features(session, element)


def _attribute(value: str) -> str:
    """``value`` escaped for a single-quoted XML attribute (a host from /etc/hosts may be any text)."""
    return value.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;")


def _report_features(session: Session, features: Element) -> list[str]:
    details = session.result.details
    names: list[str] = []
    if not session.tls_active or session.protocol.tls == "implicit":
        details["starttls"] = None  # after an upgrade: what the plaintext stream offered stays
    details["sasl_mechanisms"], details["compression_methods"], details["caps"] = [], [], None
    for feature in features.children[: replies.MAX_CAPABILITIES]:
        known = FEATURES.get((feature.namespace, feature.name))
        name = known or printable(f"{feature.name} ({feature.namespace})", 120)
        names.append(name)
        if name == "starttls":
            details["starttls"] = "required" if feature.child(TLS_NS, "required") else "offered"
        elif name in ("sasl", "sasl2"):
            details["sasl_mechanisms"] += [printable(kid.text.strip(), 60) for kid in feature.children
                                           if kid.name == "mechanism" and kid.text.strip()]
        elif name == "compression":
            details["compression_methods"] = [printable(kid.text.strip(), 60) for kid in feature.children
                                              if kid.name == "method"]
        elif name == "caps":
            attributes = feature.attributes
            details["caps"] = {key: attributes[key] for key in ("node", "ver", "hash") if key in attributes}
    details["features"] = names
    details["stream_error"] = None
    return names


def _stream_error(session: Session, error: Element) -> ProbeFailure:
    """A ``<stream:error>``: the condition (RFC 6120 §4.9.3) and text, reported and failed."""
    conditions = [kid for kid in error.children if kid.namespace == STREAM_ERRORS and kid.name != "text"]
    condition = conditions[0].name if conditions else "undefined-condition"
    text_element = error.child(STREAM_ERRORS, "text")
    text = printable(text_element.text.strip(), 200) if text_element is not None and text_element.text.strip() else None
    details = session.result.details
    details["stream_error"] = {"condition": printable(condition, 60), "text": text}
    if condition == "see-other-host" and conditions[0].text.strip():
        details["stream_error"]["other_host"] = printable(conditions[0].text.strip(), 200)
    said = f" ({text})" if text else ""
    advice = ""
    if condition == "host-unknown":
        advice = f": name the domain with --domain (not {details['domain']})" if text else (
            f": it does not serve {details['domain']}; name the domain with --domain")
    elif condition == "see-other-host" and "other_host" in details["stream_error"]:
        advice = f": it sends clients to {details['stream_error']['other_host']}"
    return ProbeFailure("protocol", f"the server ended the stream: {condition}{said}{advice}")


def _start_tls(session: Session, reader: StreamReader, features: list[str] | None) -> None:
    """``<starttls/>``; after ``<proceed/>`` (and nothing behind it) the TLS handshake."""
    if features is None or "starttls" not in features:
        raise replies.upgrade_not_offered("STARTTLS", "the stream features", ", ".join(features or []) or "nothing")
    session.send(f"<starttls xmlns='{TLS_NS}'/>".encode("ascii"))
    answer = reader.next_element()
    if answer is None or (answer.namespace, answer.name) != (TLS_NS, "proceed"):
        raise replies.upgrade_refused("STARTTLS", f"<{printable(answer.name if answer else '', 40)}/>")
    if reader.leftover().strip():
        raise ProbeFailure("tls", "server sent unencrypted data after agreeing to start TLS")
    session.start_tls()


def _close(session: Session, reader: StreamReader) -> None:
    """``</stream:stream>``, then read (briefly) until the server closes its own stream."""
    session.send(b"</stream:stream>")
    while not reader.closed:
        wait = min(CLOSE_WAIT, session.remaining() - 0.05)  # never the deadline's failure: all is known
        if wait <= 0:
            return
        chunk = session.read_some(4096, wait=wait)
        if not chunk:
            return
        try:
            reader.parser.Parse(chunk, False)
        except (expat.ExpatError, ProbeFailure):
            return


def _summary(details: dict[str, object]) -> str:
    starttls = details.get("starttls")
    parts = [f"stream to {details['domain']}"]
    if starttls:
        parts.append(f"STARTTLS {starttls}")
    mechanisms = details.get("sasl_mechanisms")
    if isinstance(mechanisms, list) and mechanisms:
        parts.append("SASL " + " ".join(str(mechanism) for mechanism in mechanisms))
    return "; ".join(parts)
