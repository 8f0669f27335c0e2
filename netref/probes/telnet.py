"""Telnet at the socket level: refuse every option, read the first screen.

telnetlib is deprecated in 3.11 and gone in 3.13 (PEP 594), so the probe speaks the little
of RFC 854 it needs itself: it answers every ``DO`` with ``WONT`` and every ``WILL`` with
``DONT`` (a probe wants no echo, no terminal type, no window size), skips subnegotiations,
and keeps the text the server shows until the screen settles or a prompt appears.
"""

from __future__ import annotations

import re

from netref.probes.session import Session
from netref.probes.values import ProbeFailure, counted, printable

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240

OPTION_NAMES = {
    0: "BINARY", 1: "ECHO", 3: "SUPPRESS-GO-AHEAD", 5: "STATUS", 6: "TIMING-MARK",
    24: "TERMINAL-TYPE", 31: "NAWS", 32: "TERMINAL-SPEED", 33: "LFLOW", 34: "LINEMODE",
    35: "X-DISPLAY-LOCATION", 36: "ENVIRON", 37: "AUTHENTICATION", 38: "ENCRYPT",
    39: "NEW-ENVIRON", 46: "START-TLS",
}  # fmt: skip

#: The first screen is complete once the server has been quiet this long after some text.
QUIET = 0.5
#: Stop reading after this much text: a screen, not a stream.
SCREEN_BYTES = 8192
#: Text that ends like a prompt ends the screen at once.
PROMPT = re.compile(rb"(login|user ?name|password)\s*:\s*$|[$#>%:]\s*$", re.IGNORECASE)


class Negotiator:
    """Splits telnet commands from text across reads and refuses every option."""

    def __init__(self) -> None:
        self.pending = b""  # an IAC sequence cut by a read boundary
        self.in_subnegotiation = False
        self.refused: dict[tuple[int, int], bytes] = {}  # (verb, option) -> reply sent

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        """(text, replies to send) for one chunk."""
        data = self.pending + data
        self.pending = b""
        text, replies = bytearray(), bytearray()
        index = 0
        while index < len(data):
            byte = data[index]
            if self.in_subnegotiation:
                if byte == IAC and data[index + 1 : index + 2] == bytes([SE]):
                    self.in_subnegotiation = False
                    index += 2
                elif byte == IAC and index + 1 == len(data):
                    self.pending = data[index:]
                    break
                else:
                    index += 1
                continue
            if byte != IAC:
                text.append(byte)
                index += 1
                continue
            if index + 1 == len(data):
                self.pending = data[index:]
                break
            verb = data[index + 1]
            if verb == IAC:  # an escaped 255 is text
                text.append(IAC)
                index += 2
            elif verb == SB:
                self.in_subnegotiation = True
                index += 2
            elif verb in (DO, DONT, WILL, WONT):
                if index + 2 == len(data):
                    self.pending = data[index:]
                    break
                replies += self._answer(verb, data[index + 2])
                index += 3
            else:  # NOP, GA, AYT and the like carry no option
                index += 2
        return bytes(text), bytes(replies)

    def _answer(self, verb: int, option: int) -> bytes:
        """Refuse once per option (RFC 854: never acknowledge a state already held)."""
        if verb not in (DO, WILL) or (verb, option) in self.refused:
            return b""
        reply = bytes([IAC, WONT if verb == DO else DONT, option])
        self.refused[(verb, option)] = reply
        return reply

    def describe(self) -> list[str]:
        """``DO NAWS → WONT`` for each option the server asked about."""
        names = {DO: ("DO", "WONT"), WILL: ("WILL", "DONT")}
        return [
            f"{names[verb][0]} {OPTION_NAMES.get(option, str(option))} → {names[verb][1]}"
            for verb, option in self.refused
        ]


def probe(session: Session) -> None:
    """Negotiate nothing, read the first screen, hang up."""
    negotiator = Negotiator()
    screen = bytearray()
    while len(screen) < SCREEN_BYTES:
        chunk = session.read_some(4096, wait=QUIET if screen.strip() else None)
        if not chunk:  # quiet after some text (None), or end of file (b"")
            break
        text, replies = negotiator.feed(chunk)
        if replies:
            session.send(replies)
        screen += text
        if screen.strip() and PROMPT.search(bytes(screen).rstrip(b"\0")):
            break
    lines = [printable(line.rstrip()) for line in bytes(screen).replace(b"\0", b"").splitlines() if line.strip()]
    result = session.result
    result.capabilities = negotiator.describe()
    if not lines and not negotiator.refused:
        raise ProbeFailure("protocol", "the server closed the connection without a word")
    result.greeting = lines[0] if lines else None
    result.details["screen"] = lines[:24]
    refused = counted(len(negotiator.refused), "option")
    result.message = f"first screen: {counted(len(lines), 'line')}; refused {refused}"
