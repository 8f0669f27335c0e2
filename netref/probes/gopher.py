"""Gopher at the socket level: the root menu's first items (RFC 1436).

gopherlib left the standard library in Python 2.6 and urllib's gopher support went with
Python 3, so the probe sends the empty selector itself and parses the menu lines:
a type character, then display text, selector, host and port separated by tabs.
"""

from __future__ import annotations

from netref.probes import replies
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, counted, printable

ITEM_TYPES = {
    "0": "text", "1": "menu", "2": "cso", "3": "error", "4": "binhex", "5": "dos",
    "6": "uuencoded", "7": "search", "8": "telnet", "9": "binary", "+": "mirror",
    "g": "gif", "I": "image", "T": "tn3270", "i": "info", "h": "html", "s": "sound",
}  # fmt: skip

#: Items read before hanging up: enough to show the menu, polite to the server.
MAX_ITEMS = 50
#: Items kept in the report.
REPORTED_ITEMS = 10


def parse_item(line: bytes) -> dict[str, str] | None:
    """One menu line as a dict, or None when it is not a menu line."""
    fields = line.rstrip(b"\r\n").split(b"\t")
    if len(fields) < 4 or not fields[0] or not 33 <= fields[0][0] <= 126:
        return None
    if not fields[3].strip().isdigit() or len(fields[3].strip()) > 5:  # a port: binary noise fails here
        return None
    kind = chr(fields[0][0])
    item = {
        "type": ITEM_TYPES.get(kind, kind),
        "display": printable(fields[0][1:], 100),
        "selector": printable(fields[1], 100),
        "host": printable(fields[2], 100),
        "port": printable(fields[3], 10),
    }
    if len(fields) > 4 and fields[4].strip() == b"+":
        item["gopher+"] = "yes"
    return item


def probe(session: Session) -> None:
    """Send the empty selector and read the first :data:`MAX_ITEMS` menu items."""
    items: list[dict[str, str]] = []
    session.send(b"\r\n")
    while len(items) < MAX_ITEMS:
        line = session.readline(4096)
        if not line or line.rstrip(b"\r\n") == b".":
            break
        item = parse_item(line)
        if item is None:
            if not items:
                raise ProbeFailure("protocol", f"not a Gopher menu: {printable(line, 80)!r}")
            continue  # one odd line in a real menu is the server's business
        items.append(item)
    if not items:
        raise ProbeFailure("protocol", "the server closed the connection without a menu")
    result = session.result
    result.greeting = items[0]["display"]
    replies.name_software(session)  # a menu names its server, if at all
    result.capabilities = sorted({item["type"] for item in items})
    if any("gopher+" in item for item in items):
        result.capabilities.append("gopher+")
    result.details["items"] = items[:REPORTED_ITEMS]
    result.message = f"root menu: {counted(len(items), 'item')}{'+' if len(items) == MAX_ITEMS else ''}"
