"""IRC family: irc (6667) and ircs (6697, TLS from the first byte), as IRC lines over the socket.

Registration is the only way an IRC server says who it is, so the probe registers: ``NICK`` with
a generated nick and ``USER`` (RFC 2812 §3.1), answers each ``PING`` with its token while it
waits, reads the welcome burst 001-005 (RFC 2812 §5.1; ISUPPORT, the 005 lines) and leaves with
``QUIT``. Nothing else is sent: never JOIN, PRIVMSG, MODE or any command that acts on the
network, so the probe is seen as one short visit and nothing more.

A server that turns the visitor away still answered: a password demand (464, or an ``ERROR``
closing the link), a nick collision (433) or another refusal numeric is reported, not failed.
No ``--starttls``: the catalogue's irc has no in-band upgrade (IRCv3's STARTTLS extension is
deprecated in favour of implicit TLS on 6697, RFC 7194, and servers removed it), so the core
refuses the option.

Bounded: a line is at most :data:`LINE_LIMIT` bytes (512 by RFC 2812, plus IRCv3 message tags),
at most :data:`MAX_LINES` lines are read, and everything runs under the session's deadline.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field

from netref.probes import replies
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, printable

#: RFC 2812 §2.3 caps a message at 512 bytes; IRCv3 message tags may add 8191 before it.
LINE_LIMIT = 512 + 8192
#: How many lines registration may take (notices, the welcome burst, ISUPPORT): a MOTD is
#: never waited for, so more than this is a server that does not finish.
MAX_LINES = 300
#: ISUPPORT tokens kept in the report (servers send a few dozen).
MAX_ISUPPORT = 100
#: Notices kept from before registration (``*** Looking up your hostname...``).
MAX_NOTICES = 10
#: How long to read after QUIT: what the server had already sent, and its ERROR if it is quick
#: (ngIRCd answers QUIT only after a second's penalty, and the probe does not wait for it).
QUIT_WAIT = 0.25

#: Numerics that end registration without a welcome: the server's answer to this visitor.
REFUSALS = {
    "432": "the server refused the nickname as erroneous",
    "433": "the nickname is already in use",
    "436": "nickname collision",
    "437": "the nickname is temporarily unavailable",
    "462": "the server says the client is already registered",
    "463": "the server does not allow this host to connect",
    "464": "the server wants a password",
    "465": "this host is banned from the server",
}

#: The welcome burst, RFC 2812 §5.1 (005 is ISUPPORT in practice, not RFC 2812's RPL_BOUNCE).
WELCOME = {"001", "002", "003", "004", "005"}

#: ISUPPORT tokens the message names, when the server sends them.
SHOWN_LIMITS = ("NICKLEN", "CHANNELLEN", "TOPICLEN")

#: Commands a server may send without a prefix (a numeric always carries the server's name).
_BARE = {"PING", "NOTICE", "ERROR", "CAP", "PONG", "AUTHENTICATE"}
_RUNNING = re.compile(r"running version (\S+?)[,.]?(?:\s|$)", re.IGNORECASE)


@dataclass
class Message:
    """One IRC message: prefix (without the colon), command, parameters (the trailing one whole)."""

    prefix: str | None
    command: str
    params: list[str] = field(default_factory=list)


def parse(line: str) -> Message | None:
    """An IRC message (RFC 2812 §2.3.1, IRCv3 tags skipped), or None when the line is none.

    String splitting rather than one regular expression: it is the probe's inner loop."""
    rest = line
    if rest.startswith("@"):
        rest = rest.partition(" ")[2].lstrip(" ")
    prefix = None
    if rest.startswith(":"):
        prefix, _, rest = rest[1:].partition(" ")
        if not prefix:
            return None
    middle, trailing_follows, trailing = rest.partition(" :")
    params = middle.split()
    if not params:
        return None
    command = params.pop(0).upper()
    if not (command.isascii() and (command.isalpha() or (len(command) == 3 and command.isdigit()))):
        return None
    if prefix is None and command not in _BARE:
        return None
    if trailing_follows:
        params.append(trailing)
    return Message(prefix, command, params)


def nick() -> str:
    """A fresh nick: ``nr`` and six hex digits, 8 characters (RFC 2812's 9-character limit holds,
    and a collision with a person, or with another probe, is unlikely)."""
    return "nr" + secrets.token_hex(3)


@dataclass
class Registration:
    """What the server said while the probe registered."""

    nick: str
    welcome: dict[str, Message] = field(default_factory=dict)  # numeric -> its (first) line
    isupport: dict[str, str | bool] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    pings: int = 0
    refusal: Message | None = None  # a refusal numeric, or an ERROR
    other: list[str] = field(default_factory=list)  # other numerics before the welcome ended


def probe(session: Session) -> None:
    """Register (NICK, USER; PONG to each PING), read 001-005, QUIT."""
    registration = Registration(nick())
    session.send(f"NICK {registration.nick}\r\nUSER netref 0 * :netref probe\r\n".encode("ascii"))
    _register(session, registration)
    _report(session, registration)
    if registration.refusal is None or registration.refusal.command != "ERROR":
        replies.leave(lambda: _quit(session))


def _register(session: Session, registration: Registration) -> None:
    """Read until the welcome burst is over (the first line after 001 that is not 002-005), a
    refusal, or the server closing; answer PINGs on the way."""
    for count in range(MAX_LINES):
        line = session.readline(LINE_LIMIT)
        if not line:
            if registration.welcome:
                return
            raise ProbeFailure("protocol", "the server closed the connection during registration")
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        message = parse(text)
        if message is None:
            if not text.strip() and count:
                continue
            raise replies.unexpected_reply("IRC", text)
        if count == 0:
            session.result.greeting = printable(text)
        if _take(session, registration, message):
            return
    raise ProbeFailure("protocol", f"the server sent {MAX_LINES} lines without completing registration")


def _take(session: Session, registration: Registration, message: Message) -> bool:
    """Record one message; True when registration is over (welcomed and past 005, or refused)."""
    command = message.command
    if command == "PING":
        registration.pings += 1
        token = message.params[-1] if message.params else ""
        session.send(f"PONG :{token}".encode("utf-8", "replace")[:510] + b"\r\n")
        return False
    if command in WELCOME:
        registration.welcome.setdefault(command, message)
        if command == "005":
            _isupport(registration, message)
        return False
    if registration.welcome:
        return True  # 251 LUSERS, 375 MOTD, 422 no MOTD...: the burst is over
    if command == "ERROR" or command in REFUSALS:
        registration.refusal = message
        return True
    if command == "NOTICE":
        if len(registration.notices) < MAX_NOTICES:
            registration.notices.append(printable(message.params[-1] if message.params else ""))
    elif command.isdigit() and len(registration.other) < MAX_NOTICES:
        registration.other.append(printable(f"{command} {' '.join(message.params[1:])}"))
    return False


def _isupport(registration: Registration, message: Message) -> None:
    """ISUPPORT tokens: the parameters between the nick and the trailing text (``-TOKEN`` removes)."""
    for token in message.params[1:-1]:
        name, has_value, value = token.partition("=")
        if name.startswith("-"):
            registration.isupport.pop(name[1:], None)
        elif name and len(registration.isupport) < MAX_ISUPPORT:
            registration.isupport[printable(name, 40)] = printable(value, 120) if has_value else True


def _report(session: Session, registration: Registration) -> None:
    result = session.result
    details = result.details
    details["nick"] = registration.nick
    details["notices"] = registration.notices
    details["pings_answered"] = registration.pings
    if registration.refusal is not None:
        _report_refusal(session, registration.refusal)
        return
    welcome = registration.welcome
    details["registered"] = True
    details["refusal"] = None
    details["server_name"] = _server_name(welcome)
    details["welcome"] = printable(welcome["001"].params[-1]) if "001" in welcome and welcome["001"].params else None
    details["created"] = printable(welcome["003"].params[-1]) if "003" in welcome and welcome["003"].params else None
    if "004" in welcome and len(welcome["004"].params) >= 5:
        details["user_modes"], details["channel_modes"] = welcome["004"].params[3], welcome["004"].params[4]
    isupport = registration.isupport
    details["isupport"] = isupport
    network = isupport.get("NETWORK")
    details["network"] = network if isinstance(network, str) else None
    result.capabilities = [name if value is True else f"{name}={value}" for name, value in isupport.items()]
    _name_software(session, welcome)
    result.message = _summary(details, isupport)


def _report_refusal(session: Session, refusal: Message) -> None:
    """A refusal is the server's answer to this visitor: reported, and the verdict stays ok."""
    details = session.result.details
    details["registered"] = False
    text = printable(refusal.params[-1] if refusal.params else "")
    details["server_name"] = refusal.prefix if refusal.command != "ERROR" else None
    if refusal.command == "ERROR":
        details["refusal"] = {"numeric": None, "text": text}
        session.result.message = f"the server closed the link during registration: {text}"
    else:
        details["refusal"] = {"numeric": refusal.command, "text": text}
        session.result.message = f"registration refused: {REFUSALS[refusal.command]} ({refusal.command} {text})"
    details["password_required"] = refusal.command == "464" or "password" in text.lower()


def _server_name(welcome: dict[str, Message]) -> str | None:
    """The server's own name: 004's first parameter, else the prefix of the welcome."""
    if "004" in welcome and len(welcome["004"].params) >= 2:
        return printable(welcome["004"].params[1], 120)
    first = welcome.get("001")
    return printable(first.prefix, 120) if first is not None and first.prefix else None


def _name_software(session: Session, welcome: dict[str, Message]) -> None:
    """004's version parameter (``ngircd-26.1``, ``InspIRCd-3``), else 002's ``running version``."""
    result = session.result
    if "004" in welcome and len(welcome["004"].params) >= 3 and welcome["004"].params[2].strip():
        result.server_software, result.software_source = printable(welcome["004"].params[2], 120), "IRC 004"
        return
    yours = welcome.get("002")
    match = _RUNNING.search(yours.params[-1]) if yours is not None and yours.params else None
    if match:
        result.server_software, result.software_source = printable(match[1], 120), "IRC 002"


def _summary(details: dict[str, object], isupport: dict[str, str | bool]) -> str:
    where = f" on {details['network']}" if details.get("network") else ""
    server = f" (server {details['server_name']})" if details.get("server_name") else ""
    limits = ", ".join(f"{name} {isupport[name]}" for name in SHOWN_LIMITS if isinstance(isupport.get(name), str))
    return f"registered{where}{server}" + (f"; {limits}" if limits else "")


def _quit(session: Session) -> None:
    """QUIT, then read (briefly) until the server's ERROR or its hang-up."""
    session.send(b"QUIT :netref probe\r\n")
    until = time.monotonic() + QUIT_WAIT
    # never the deadline's failure: everything the probe asked is known by now
    while (wait := min(until - time.monotonic(), session.remaining() - 0.05)) > 0:
        chunk = session.read_some(4096, wait=wait)
        if not chunk or b"ERROR" in chunk:
            return
