"""Which protocol is this? Recognise a service from the first bytes it sends.

``identify(data, catalog)`` names the catalogue protocol whose identification patterns match
what a server said, with a confidence, and the server software where a pattern names it. The
facts are data: each protocol's ``[protocols.KEY.identify]`` table in the catalogue (so a user's
``--data`` catalogue can teach netref new services); this module is only the matcher.

Used wherever netref must not trust a port number: a probe that reached a server of another
protocol says which one answered, and a scan names what it found.

Confidence: 1.0 for a pattern (certain: ``* OK`` is IMAP), 0.5 for a hint (a guess: a bare
``220`` reply is SMTP's and FTP's), divided among the protocols that match equally well — so
``220 ready`` is ``smtp`` 0.25 or ``ftp`` 0.25, and a caller can say "SMTP or FTP".

The one thing here that is not in the catalogue is the TLS record layer (RFC 8446 §5.1): a
server that answers in TLS is identified as :data:`TLS` — a transport, not an application
protocol; what runs inside it is found by identifying again after a handshake.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

from netref.catalog import Catalog, Identify, Protocol

TLS = "tls"
"""The pseudo-protocol :func:`identify` names for a TLS record (a handshake or an alert)."""

CERTAIN = 1.0
GUESS = 0.5
PEEK_BYTES = 4096
"""How much of a server's first words the patterns look at."""

# A TLS record: content type 21 (alert) or 22 (handshake), then version 3.x (SSL 3.0 to TLS 1.3).
_TLS_RECORD = re.compile(rb"[\x15\x16]\x03[\x00-\x04]")


class Identification(NamedTuple):
    """What answered: a catalogue protocol key (or :data:`TLS`), how sure, what software, and
    where in the answer the software's name was read (the protocol's ``software_source``)."""

    protocol: str
    confidence: float
    software: str | None = None
    software_source: str | None = None

    @property
    def certain(self) -> bool:
        return self.confidence >= CERTAIN


def identify(data: bytes, catalog: Catalog) -> Identification | None:
    """The best identification of ``data``, or None when nothing in the catalogue recognises it.

    Ties go to the catalogue's order; :func:`candidates` lists them all.
    """
    found = candidates(data, catalog)
    return found[0] if found else None


#: Answers remembered per catalogue (the last :data:`MEMO_ENTRIES`, each at most
#: :data:`MEMO_BYTES` long): a fleet's servers greet alike, and every pattern of every protocol
#: is tried on each answer, twice per port in a scan (the scan's naming, the probe's mismatch check).
MEMO_ENTRIES = 256
MEMO_BYTES = 512
_MEMOS: dict[int, tuple[Catalog, dict[bytes, tuple[Identification, ...]]]] = {}


def candidates(data: bytes, catalog: Catalog) -> list[Identification]:
    """Every protocol ``data`` may belong to, most likely first (see the module's docstring)."""
    if len(data) > MEMO_BYTES:
        return _candidates(data, catalog)
    if id(catalog) not in _MEMOS:
        _MEMOS[id(catalog)] = (catalog, {})  # the catalogue kept: its id() stays its own
    memo = _MEMOS[id(catalog)][1]
    key = bytes(data)
    found = memo.get(key)
    if found is None:
        if len(memo) >= MEMO_ENTRIES:
            memo.clear()
        found = memo[key] = tuple(_candidates(key, catalog))
    return list(found)


def _candidates(data: bytes, catalog: Catalog) -> list[Identification]:
    if _TLS_RECORD.match(data):
        return [Identification(TLS, CERTAIN)]
    text = data[:PEEK_BYTES].decode("latin-1")
    certain = _matching(text, catalog.protocols.values(), "patterns")
    if certain:
        level, matched = CERTAIN, _most_specific(certain)
    else:
        level, matched = GUESS, _matching(text, catalog.protocols.values(), "hints")
    share = level / len(matched) if matched else level
    found = []
    for protocol in matched:
        name = software(text, protocol.identify, catalog)
        source = protocol.identify.software_source if name and protocol.identify else None
        found.append(Identification(protocol.key, share, name, source))
    return found


def hellos(catalog: Catalog) -> dict[str, bytes]:
    """What to send, per protocol whose client speaks first, to make a silent server answer."""
    return {
        key: protocol.identify.hello.encode("latin-1")
        for key, protocol in catalog.protocols.items()
        if protocol.identify and protocol.identify.hello
    }


def hello_plan(catalog: Catalog, expected: str | None = None) -> list[bytes]:
    """The hellos to try, in turn, on a server that says nothing: the ``expected`` protocol's
    first (the port's usual one, whatever its ``blind``), then every hello marked harmless to
    other services (``blind``, the default) by its ``order`` (ties: catalogue order); each once."""
    return [hello for _, hello in named_hello_plan(catalog, expected)]


def named_hello_plan(catalog: Catalog, expected: str | None = None) -> list[tuple[str, bytes]]:
    """:func:`hello_plan` with the key of the protocol each hello belongs to (the first
    protocol that has it, where several share one)."""
    own_key, own = expected, catalog.protocols[expected].identify if expected in catalog.protocols else None
    if own is None and expected in catalog.protocols and catalog.protocols[expected].plain:
        plain = catalog.protocol(catalog.protocols[expected].plain or "")
        own_key, own = (plain.key, plain.identify) if plain is not None else (own_key, None)
    ranked = sorted(
        (protocol.identify.order, index, key, protocol.identify.hello)
        for index, (key, protocol) in enumerate(catalog.protocols.items())
        if protocol.identify and protocol.identify.hello and protocol.identify.blind
    )
    first = [(own_key or "", own.hello)] if own is not None and own.hello else []
    plan: dict[str, str] = {}
    for key, hello in first + [(key, hello) for _, _, key, hello in ranked]:
        plan.setdefault(hello, key)
    return [(key, hello.encode("latin-1")) for hello, key in plan.items()]


def software(text: str, facts: Identify | None, catalog: Catalog | None = None) -> str | None:
    """The server software named in ``text`` by the first of the protocol's software patterns
    whose match is a name, not a word of a protocol: ``IMAP4rev1``, ``ESMTP``, ``POP3`` (each
    protocol's ``tokens``, and with ``catalog`` every protocol's key, name and aliases) name
    no software, so a pattern that catches one finds nothing (the server did not say)."""
    for pattern in facts.software if facts else ():
        match = _compiled(pattern).search(text)
        if match and match.group(1).strip() and not is_protocol_word(match.group(1), facts, catalog):
            return match.group(1).strip()
    return None


def is_protocol_word(name: str, facts: Identify | None = None, catalog: Catalog | None = None) -> bool:
    """Whether ``name``'s first word (``IMAP4rev1 ready``, ``ESMTP``, ``HTTP/1.1``) is a word of a
    protocol rather than of a program: one of ``facts``' tokens, or of any catalogue protocol's
    tokens, keys, names and aliases."""
    words_in_name = _WORD.findall(name)
    if not words_in_name:
        return True
    first = words_in_name[0].casefold()
    words = {token.casefold() for token in facts.tokens} if facts else set()
    return first in words or (catalog is not None and first in _protocol_words(catalog))


_WORD = re.compile(r"[^\s/;,()\[\]]+")
_WORDS: dict[int, tuple[Catalog, frozenset[str]]] = {}


def _protocol_words(catalog: Catalog) -> frozenset[str]:
    """Every protocol word of the catalogue, case-folded (remembered per catalogue object)."""
    if id(catalog) not in _WORDS:
        words: set[str] = set()
        for protocol in catalog.protocols.values():
            words.update((protocol.key, protocol.name, *protocol.aliases))
            words.update(protocol.identify.tokens if protocol.identify else ())
        _WORDS[id(catalog)] = (catalog, frozenset(word.casefold() for word in words))
    return _WORDS[id(catalog)][1]


def speaks(catalog: Catalog, expected: str, answered: str) -> bool:
    """Whether a server identified as ``answered`` speaks the dialect a probe of ``expected`` needs.

    A protocol's TLS form and its plain form speak the same dialect (``smtps``/``submission``
    and ``smtp``), and so do protocols carried over another (``xmlrpc`` over ``http``): an XML-RPC
    or WebSocket probe that meets a plain HTTP answer (a 404, a 200 instead of 101) says itself
    what answered, as an HTTP probe would.
    """
    return _dialect(catalog, expected) == _dialect(catalog, answered)


def _dialect(catalog: Catalog, key: str) -> str:
    protocol = catalog.protocol(key)
    if protocol is None:
        return key
    return protocol.over or protocol.family or protocol.plain or protocol.key


def matches(text: str, patterns: Iterable[str]) -> bool:
    """Whether any of ``patterns`` (catalogue regular expressions) matches ``text``."""
    return any(_compiled(pattern).search(text) for pattern in patterns)


def _matching(text: str, protocols: Iterable[Protocol], kind: str) -> list[Protocol]:
    return [
        protocol
        for protocol in protocols
        if protocol.identify and matches(text, getattr(protocol.identify, kind))
    ]


def _most_specific(matched: list[Protocol]) -> list[Protocol]:
    """Drop a protocol whose TLS form also matched: that form's pattern is the answer of a server
    that expected TLS (nginx's "plain HTTP request was sent to HTTPS port" is HTTP-shaped too);
    and a carrier when a protocol carried over it matched (an XML-RPC answer is HTTP-shaped too)."""
    forms = {protocol.plain for protocol in matched if protocol.plain}
    forms |= {protocol.over for protocol in matched if protocol.over}
    return [protocol for protocol in matched if protocol.key not in forms]


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.MULTILINE)
