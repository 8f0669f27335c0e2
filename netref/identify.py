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
    """What answered: a catalogue protocol key (or :data:`TLS`), how sure, and what software."""

    protocol: str
    confidence: float
    software: str | None = None

    @property
    def certain(self) -> bool:
        return self.confidence >= CERTAIN


def identify(data: bytes, catalog: Catalog) -> Identification | None:
    """The best identification of ``data``, or None when nothing in the catalogue recognises it.

    Ties go to the catalogue's order; :func:`candidates` lists them all.
    """
    found = candidates(data, catalog)
    return found[0] if found else None


def candidates(data: bytes, catalog: Catalog) -> list[Identification]:
    """Every protocol ``data`` may belong to, most likely first (see the module's docstring)."""
    if _TLS_RECORD.match(data):
        return [Identification(TLS, CERTAIN)]
    text = data[:PEEK_BYTES].decode("latin-1")
    certain = _matching(text, catalog.protocols.values(), "patterns")
    if certain:
        level, matched = CERTAIN, _most_specific(certain)
    else:
        level, matched = GUESS, _matching(text, catalog.protocols.values(), "hints")
    share = level / len(matched) if matched else level
    return [Identification(protocol.key, share, software(text, protocol.identify)) for protocol in matched]


def hellos(catalog: Catalog) -> dict[str, bytes]:
    """What to send, per protocol whose client speaks first, to make a silent server answer."""
    return {
        key: protocol.identify.hello.encode("latin-1")
        for key, protocol in catalog.protocols.items()
        if protocol.identify and protocol.identify.hello
    }


def software(text: str, facts: Identify | None) -> str | None:
    """The server software named in ``text`` by the first of the protocol's software patterns."""
    for pattern in facts.software if facts else ():
        match = _compiled(pattern).search(text)
        if match:
            return match.group(1).strip()
    return None


def speaks(catalog: Catalog, expected: str, answered: str) -> bool:
    """Whether a server identified as ``answered`` speaks the dialect a probe of ``expected`` needs.

    A protocol's TLS form and its plain form speak the same dialect (``smtps``/``submission``
    and ``smtp``), and so do protocols carried over another (``xmlrpc`` over ``http``).
    """
    return _dialect(catalog, expected) == _dialect(catalog, answered)


def _dialect(catalog: Catalog, key: str) -> str:
    protocol = catalog.protocol(key)
    if protocol is None:
        return key
    return protocol.family or protocol.over or protocol.plain or protocol.key


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
    that expected TLS (nginx's "plain HTTP request was sent to HTTPS port" is HTTP-shaped too)."""
    forms = {protocol.plain for protocol in matched if protocol.plain}
    return [protocol for protocol in matched if protocol.key not in forms]


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.MULTILINE)
