"""Who answered: the wrong protocol and the wrong TLS mode, named once for every family.

A family knows its own protocol; what it cannot know is which *other* one answered when a
probe reached the wrong port. The core asks here after every family, whatever the family
made of the answer (``ftp`` against an SMTP server may well get a ``220`` and call it a
greeting): the session's *opening* (the server's first words) is identified from the
catalogue's ``identify`` facts by :func:`netref.identify.candidates` — the one
identification function netref has, shared with the scan — and

- an answer that certainly belongs to another catalogue protocol is ``failed (protocol)``,
  naming what answered and the command that fits (``netref probe smtp HOST:25``);
- a TLS record where plaintext was expected, a plaintext answer to the ClientHello, or an
  answer that says "this port wants TLS" (nginx's ``plain HTTP request was sent to HTTPS
  port``) is ``failed (tls)``, saying which mode the server speaks and what to run;
- silence (a server-first protocol that gets no greeting, a request that gets no answer) on
  a protocol with an implicit-TLS form adds the hint that the port may expect TLS first.

A protocol without identification facts (``tcp``) is never judged: a raw TCP probe accepts
whatever service answers.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from netref import identify as ident
from netref.probes.values import Category, PlaintextAnswer, ProbeFailure, ProbeResult, printable

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.catalog import Catalog, Identify, Protocol
    from netref.probes.session import Session


class Mismatch(ProbeFailure):
    """Another protocol, or the other TLS mode, answered: what the family read from the answer
    (server, capabilities, details) was read as the wrong protocol, so the core replaces it by
    what the answer itself says: its first line and the ``software`` identified in it."""

    def __init__(
        self, category: Category, message: str, shown: str, software: str | None = None, source: str | None = None
    ) -> None:
        super().__init__(category, message)
        self.shown = shown
        self.software = software
        self.source = source if software else None

    def apply(self, result: ProbeResult) -> None:
        """Replace the family's reading of the answer in ``result``."""
        result.greeting = self.shown or result.greeting
        result.server_software, result.software_source = self.software, self.source
        result.capabilities, result.details, result.warnings = [], {}, []


#: Failures that say nothing about what answered (no answer could be read, or it is beside the point).
_NOT_ABOUT_THE_ANSWER = ("dns", "refused", "certificate")


def judge(session: Session, outcome: ProbeFailure | None) -> ProbeFailure | None:
    """The failure to report instead of the family's ``outcome`` (None: it succeeded), or
    None to keep the outcome as it is."""
    catalog = session.catalog
    expected = session.protocol
    if catalog is None or identify_facts(catalog, expected) is None:
        return None
    if isinstance(outcome, Mismatch):  # judged already, while the server was silent
        return outcome
    if outcome is not None and outcome.category in _NOT_ABOUT_THE_ANSWER:
        return None
    opening = bytes(session.opening)
    if isinstance(outcome, PlaintextAnswer) and not opening:  # OpenSSL read it before a peek could
        return _plaintext_answer(session, catalog, [], "")
    if not opening:
        return _silence(session, catalog, outcome) if session.received == 0 else None
    if _suspect_tls(session, catalog, opening):
        found_tls = tls_behind(session, "")
        if found_tls is not None:
            return found_tls
    if outcome is None and _answers_as_expected(session, catalog, opening):
        return None  # the usual case, in a regular expression or two instead of the whole catalogue
    found = ident.candidates(opening, catalog)
    shown = printable(opening.split(b"\n", 1)[0].decode("latin-1"), 100)
    if found and found[0].protocol == ident.TLS:
        if session.tls_active:
            return None
        suggestion = _tls_form(catalog, expected) or expected
        return Mismatch("tls", f"the server answered in TLS, not plaintext: try {_command(session, suggestion)}", "")
    if expected.tls == "implicit" and not session.tls_active:
        return _plaintext_answer(session, catalog, found, shown)
    certain = [candidate for candidate in found if candidate.certain]
    if not certain:
        return None
    for candidate in certain:
        answered = catalog.protocol(candidate.protocol)
        if answered is not None and answered.tls == "implicit" and not session.tls_active:
            command = _command(session, answered)
            message = f"the server expects TLS on this port ('{shown}'): try {command}"
            return Mismatch("tls", message, shown, candidate.software, candidate.software_source)
    if any(ident.speaks(catalog, expected.key, candidate.protocol) for candidate in certain):
        return None
    answered = catalog.protocol(certain[0].protocol)
    if answered is None:  # pragma: no cover - candidates come from the catalogue
        return None
    suggestion = (_tls_form(catalog, answered) if session.tls_active else None) or answered
    software = certain[0].software
    return Mismatch(
        "protocol",
        f"{_who(answered, software)} answered ('{shown}'), not {expected.name}: try {_command(session, suggestion)}",
        shown,
        software,
        certain[0].software_source,
    )


def _plaintext_answer(
    session: Session, catalog: Catalog, found: list[ident.Identification], shown: str
) -> ProbeFailure:
    """An implicit-TLS probe that got plaintext: name it, suggest the plain form."""
    expected = session.protocol
    certain = [candidate for candidate in found if candidate.certain]
    answered = catalog.protocol(certain[0].protocol) if certain else None
    software = certain[0].software if certain else None
    source = certain[0].software_source if certain else None
    who = f"{_who(answered, software)}, " if answered is not None else ""
    said = f" ({who}'{shown}')" if shown else ""
    if answered is None or ident.speaks(catalog, expected.key, answered.key):
        answered = catalog.protocol(expected.plain) if expected.plain else None
    if answered is None:
        return Mismatch("tls", f"the server answered in plaintext, not TLS{said}", shown, software, source)
    upgrade = f" (with --starttls, to upgrade to TLS with {answered.starttls})" if answered.starttls else ""
    command = _command(session, answered)
    message = f"the server answered in plaintext, not TLS{said}: try {command}{upgrade}"
    return Mismatch("tls", message, shown, software, source)


def _silence(session: Session, catalog: Catalog, outcome: ProbeFailure | None) -> ProbeFailure | None:
    """A failure without a byte from the server, with the hint that the port may want TLS.

    Only where silence looks like TLS: a TLS server waits for a ClientHello, so a protocol
    whose server speaks first times out waiting for its greeting; and it refuses a
    plaintext request at once, so a protocol whose client speaks first sees the connection
    closed or reset without an answer (a request met by silence is something else).
    """
    expected = session.protocol
    if outcome is None or session.tls_active:
        return None
    facts = identify_facts(catalog, expected)
    if facts is None:
        return None
    client_first = facts.first == "client"
    if outcome.category != ("protocol" if client_first else "timeout"):
        return None
    missing = "no answer to the request" if client_first else "no greeting"
    found_tls = tls_behind(session, f"{outcome.message}: {missing}; ") if expected.tls != "implicit" else None
    if found_tls is not None:
        return found_tls
    tls_form = _tls_port_owner(catalog, expected, session.port) or _tls_form(catalog, expected)
    if tls_form is None:
        return None
    return ProbeFailure(
        outcome.category,
        f"{outcome.message}: {missing}; this port may expect TLS first: try {_command(session, tls_form)}",
    )


#: The most a probe spends on finding TLS behind a plaintext probe's silence (a second connection,
#: a handshake, a greeting or one hello inside); never past the probe's deadline.
TLS_CHECK_BUDGET = 2.0
#: How long a server that speaks first may stay silent, on any port, before the probe looks for
#: TLS on a second connection (a TLS server never greets; a slow plaintext one is still waited for).
TLS_CHECK_AFTER = 2.0


def tls_behind(session: Session, before: str) -> Mismatch | None:
    """The verdict when the port speaks TLS although the probe spoke plaintext: what speaks
    inside, and the probe to run (its TLS form); None when the port does not speak TLS."""
    from netref.probes.discover import look_inside

    catalog = session.catalog
    if catalog is None or session.tls_active or session.protocol.tls == "implicit":
        return None
    budget = min(TLS_CHECK_BUDGET, session.remaining())
    inside = look_inside(session, identify_facts(catalog, session.protocol), budget) if budget > 0.05 else None
    if inside is None:
        return None
    answered = catalog.protocol(inside.found.protocol) if inside.found and inside.found.certain else None
    software = inside.found.software if inside.found and answered is not None else None
    said = f"; inside it, {_who(answered, software)}" if answered is not None else ""
    # the probed protocol's own TLS form where the dialect inside is its own (wss for a websocket
    # probe that met HTTP inside, not https), else the TLS form of what answered
    same = answered is None or ident.speaks(catalog, session.protocol.key, answered.key)
    suggestion = _tls_form(catalog, session.protocol) if same else None
    if suggestion is None and answered is not None:
        suggestion = _tls_form(catalog, answered)
    advice = f": try {_command(session, suggestion)}" if suggestion is not None else ""
    message = f"{before}the server speaks TLS on this port ({inside.version}{said}), not plaintext{advice}"
    source = inside.found.software_source if inside.found else None
    return Mismatch("tls", message, "", software, source)


def _suspect_tls(session: Session, catalog: Catalog, opening: bytes) -> bool:
    """Whether the answer is one a TLS port gives plaintext without saying so (the protocol's
    ``tls_suspect`` patterns: nginx answers ``HEAD`` on its HTTPS port with a bare 400)."""
    facts = identify_facts(catalog, session.protocol)
    if facts is None or not facts.tls_suspect or session.tls_active:
        return False
    return ident.matches(opening[: ident.PEEK_BYTES].decode("latin-1"), facts.tls_suspect)


def other_protocol(session: Session) -> ProbeFailure | None:
    """Called by the session once the server's first line has arrived: the verdict at once when
    it certainly is another protocol's (an SSH version line to an FTP probe, whose client would
    read ``SSH-`` as the start of a multi-line reply and wait for its end until the deadline)."""
    catalog = session.catalog
    if catalog is None or session.tls_active:
        return None
    text = bytes(session.opening)[: ident.PEEK_BYTES].decode("latin-1")
    facts = identify_facts(catalog, session.protocol)
    if facts is None or ident.matches(text, facts.patterns):
        return None
    certain = [found for found in ident.candidates(bytes(session.opening), catalog) if found.certain]
    if not certain or certain[0].protocol == ident.TLS:
        return None
    if any(ident.speaks(catalog, session.protocol.key, found.protocol) for found in certain):
        return None
    return judge(session, ProbeFailure("protocol", "another protocol answered"))


def check_tls_while_silent(session: Session) -> ProbeFailure | None:
    """Called by the session when the server has been silent for :data:`TLS_CHECK_AFTER`
    seconds (no greeting, or no answer to the probe's request): the verdict at once if the port
    speaks TLS, or answers another protocol's hello."""
    facts = identify_facts(session.catalog, session.protocol) if session.catalog is not None else None
    missing = "no answer to the request" if facts is not None and facts.first == "client" else "no greeting"
    before = f"silent for {TLS_CHECK_AFTER:g} s: {missing}; "
    return tls_behind(session, before) or hello_behind(session, before)


def hello_behind(session: Session, before: str) -> Mismatch | None:
    """The verdict when a server silent to the probe answers another protocol's hello (an HTTP
    server to an SMTP probe): what answered and the probe to run; None when no hello is answered."""
    from netref.probes.discover import answer_to_hellos

    catalog = session.catalog
    budget = min(TLS_CHECK_BUDGET, session.remaining())
    if catalog is None or session.tls_active or budget <= 0.05:
        return None
    answered = answer_to_hellos(session, budget)
    if answered is None:
        return None
    hello_of, found = answered
    protocol = catalog.protocol(found.protocol)
    if protocol is None or found.protocol == ident.TLS or ident.speaks(catalog, session.protocol.key, protocol.key):
        return None
    asked = catalog.protocols[hello_of].name if hello_of in catalog.protocols else hello_of
    message = (f"{before}it answers {asked}'s hello: {_who(protocol, found.software)}, not "
               f"{session.protocol.name}: try {_command(session, protocol)}")  # fmt: skip
    return Mismatch("protocol", message, "", found.software, found.software_source)


#: How long a server may stay silent on a port the catalogue lists for the TLS form of the
#: protocol probed (``imap`` on 993): plaintext servers greet at once, TLS servers never do.
TLS_PORT_PATIENCE = 1.0


def set_silence_limit(session: Session) -> None:
    """Let a silent server fail fast where silence means TLS: a protocol whose server speaks
    first, probed in plaintext on a port the catalogue lists for an implicit-TLS protocol (its
    own TLS form's, ``imap`` on 993, or another's, ``smtp`` on 443) and not for itself, gets
    :data:`TLS_PORT_PATIENCE` seconds for its first byte, not the deadline."""
    catalog = session.catalog
    expected = session.protocol
    if catalog is None or session.tls_active or expected.tls == "implicit":
        return
    facts = identify_facts(catalog, expected)
    if facts is None:
        return
    if facts.first != "server":  # a request met by silence: TLS, or another protocol's server, waiting
        if session.options.timeout > TLS_CHECK_AFTER * 2:
            session.silence_check = (TLS_CHECK_AFTER, check_tls_while_silent)
        return
    owner = None if session.port in _port_numbers(expected) else _tls_port_owner(catalog, expected, session.port)
    if owner is not None:
        patience = min(TLS_PORT_PATIENCE, session.options.timeout)
        why = f"silent for {patience:g} s on port {session.port}, the catalogue's port for {owner.key}"
        session.silence_limit = (patience, why)
    elif session.options.timeout > TLS_CHECK_AFTER * 2:
        session.silence_check = (TLS_CHECK_AFTER, check_tls_while_silent)


def watch_opening(session: Session) -> None:
    """Have the session name another protocol as soon as its first line says so (see
    :func:`other_protocol`), for every probe of a protocol with identification facts."""
    catalog = session.catalog
    if catalog is not None and identify_facts(catalog, session.protocol) is not None:
        session.opening_check = other_protocol


def _tls_port_owner(catalog: Catalog, expected: Protocol, port: int) -> Protocol | None:
    """The implicit-TLS protocol the catalogue lists ``port`` for: the expected protocol's own
    TLS form first, else any (443 is https's, whatever was probed there)."""
    return _remembered_tls_port_owner(catalog, expected.key, port)


@functools.lru_cache(maxsize=4096)
def _remembered_tls_port_owner(catalog: Catalog, key: str, port: int) -> Protocol | None:
    """Per catalogue object (hashed by identity): the answer cannot change for one, and a
    monitoring loop asks it on every probe."""
    return _find_tls_port_owner(catalog, catalog.protocols[key], port)


def _find_tls_port_owner(catalog: Catalog, expected: Protocol, port: int) -> Protocol | None:
    own = _tls_form(catalog, expected)
    if own is not None and port in _port_numbers(own):
        return own
    for protocol in catalog.protocols.values():
        if protocol.tls == "implicit" and protocol.family and port in _port_numbers(protocol):
            return protocol
    return None


def _port_numbers(protocol: Protocol) -> set[int]:
    return {port.number for port in protocol.ports}


def _answers_as_expected(session: Session, catalog: Catalog, opening: bytes) -> bool:
    """Whether the opening certainly is the expected protocol's, and not its TLS form's
    complaint about plaintext: then no other protocol can change the verdict (one that also
    matches would share the expected dialect in :func:`judge` too)."""
    facts = identify_facts(catalog, session.protocol)
    text = opening[: ident.PEEK_BYTES].decode("latin-1")
    if facts is None:
        return False
    if not ident.matches(text, facts.patterns):
        return session.tls_active and _answers_in_plain_dialect(catalog, session.protocol, text)
    tls_form = None if session.tls_active else _tls_form(catalog, session.protocol)
    return tls_form is None or tls_form.identify is None or not ident.matches(text, tls_form.identify.patterns)


def _answers_in_plain_dialect(catalog: Catalog, expected: Protocol, text: str) -> bool:
    """Inside TLS, an implicit-TLS protocol with facts of its own (https's are what a TLS port says
    to plaintext) is answered in its plain form's dialect: an opening the plain form's patterns
    match, and no other TLS form of it, is what :func:`judge` would accept after identifying it
    against the whole catalogue, found with one pattern instead of all of them."""
    plain = catalog.protocol(expected.plain) if expected.plain else None
    if plain is None or plain.identify is None or not ident.speaks(catalog, expected.key, plain.key):
        return False
    if not ident.matches(text, plain.identify.patterns):
        return False
    others = _other_forms(catalog, expected.key, plain.key)
    return others is not None and not any(
        other.identify is not None and ident.matches(text, other.identify.patterns) for other in others
    )


@functools.lru_cache(maxsize=4096)
def _other_forms(catalog: Catalog, expected_key: str, plain_key: str) -> tuple[Protocol, ...] | None:
    """The protocols besides ``expected`` whose plain form is ``plain`` (a match of theirs would hide
    ``plain`` among the candidates); None when some protocol is a form of ``expected`` itself.
    Remembered per catalogue object."""
    forms = [protocol for protocol in catalog.protocols.values() if protocol.plain in (plain_key, expected_key)]
    if any(form.plain == expected_key for form in forms):
        return None
    return tuple(form for form in forms if form.key != expected_key)


def identify_facts(catalog: Catalog, protocol: Protocol) -> Identify | None:
    """The protocol's ``identify`` facts, or its plain form's (``submission`` has smtp's)."""
    if protocol.identify is not None or not protocol.plain:
        return protocol.identify
    plain = catalog.protocol(protocol.plain)
    return plain.identify if plain is not None else None


def _tls_form(catalog: Catalog, protocol: Protocol) -> Protocol | None:
    """The implicit-TLS protocol of the same dialect (``imaps`` for ``imap``), if any."""
    if protocol.tls == "implicit":
        return protocol
    return _tls_form_of(catalog, protocol.plain or protocol.key)


@functools.lru_cache(maxsize=4096)
def _tls_form_of(catalog: Catalog, base: str) -> Protocol | None:
    """The implicit-TLS protocol whose plain form is ``base``, remembered per catalogue object
    (the search walks the whole catalogue, after every probe)."""
    for candidate in catalog.protocols.values():
        if candidate.tls == "implicit" and candidate.plain == base and candidate.family:
            return candidate
    return None


#: Acronyms said as words, not letter by letter: "a SOCKS server", not "an".
_SAID_AS_WORDS = ("SOCKS",)


def _who(protocol: Protocol, software: str | None) -> str:
    """``an SMTP server (Postfix)``: the protocol's name with its article."""
    name = protocol.name
    acronym = name[:2].isupper() and not name.startswith(_SAID_AS_WORDS)
    vowel_sound = name[0] in ("AEFHILMNORSX" if acronym else "AEIOU")
    return f"{'an' if vowel_sound else 'a'} {name} server" + (f" ({software})" if software else "")


def _command(session: Session, protocol: Protocol) -> str:
    """``netref probe smtp HOST:PORT``: the probe of ``protocol`` at the same target."""
    host = session.options.host
    target = f"[{host}]:{session.port}" if ":" in host else f"{host}:{session.port}"
    return f"netref probe {protocol.key} {target}"
