"""SOCKS at the socket level: SOCKS5 method negotiation (RFC 1928, 1929, 1961), SOCKS4 replies.

The probe offers the three standard methods in one greeting — no authentication, username/
password, GSSAPI — on its one connection, and reports the one the proxy selects (RFC 1928 §3:
the server picks one of those offered, by its own preference) or that it accepts none of them.
One greeting rather than one per method: a probe has one connection, and the proxy's choice is
what a client offering everything would get. A proxy that selects "no authentication" relays
for anyone who reaches it, which the report says.

Without ``--to`` nothing else is sent: no CONNECT, no credentials. With ``--to HOST:PORT`` and
"no authentication" selected, one CONNECT to that destination, its reply code in words
(succeeded, connection refused, not allowed by ruleset, ...), and the connection is closed right
after the reply: nothing travels through the tunnel. netref never logs in, so a proxy that wants
credentials is not asked to CONNECT.

A SOCKS4 server (which has no greeting) that answers the SOCKS5 greeting with a SOCKS4 reply
(version 0, code 90-93) is reported as speaking SOCKS4 and not 5.
"""

from __future__ import annotations

import ipaddress
import struct

from netref.probes import net
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, ProbeOptions, ProbeUsageError, is_ip_address, printable

#: The options this family takes beyond the common ones (the core refuses them elsewhere).
TAKES = frozenset({"to"})

#: RFC 1928 §3 method numbers, in the order the greeting offers them.
METHODS = {0x00: "no authentication", 0x02: "username/password", 0x01: "GSSAPI"}
NO_ACCEPTABLE = 0xFF

#: The greeting: version 5, three methods.
GREETING = bytes([5, len(METHODS), *METHODS])

#: RFC 1928 §6 reply codes.
REPLIES = {
    0: "succeeded",
    1: "general SOCKS server failure",
    2: "connection not allowed by ruleset",
    3: "network unreachable",
    4: "host unreachable",
    5: "connection refused",
    6: "TTL expired",
    7: "command not supported",
    8: "address type not supported",
}

#: SOCKS4 reply codes (the SOCKS4 protocol note; 4A is the same).
SOCKS4_REPLIES = {
    0x5A: "request granted",
    0x5B: "request rejected or failed",
    0x5C: "request rejected: the server cannot reach the client's identd",
    0x5D: "request rejected: identd reports another user id",
}

#: RFC 1928 §5 address types, with the fixed address sizes.
IPV4, DOMAIN, IPV6 = 1, 3, 4


def check_options(options: ProbeOptions) -> None:
    """``--to`` must be HOST:PORT (``[v6]:PORT`` for an IPv6 address), the host at most 255 bytes."""
    if options.to is not None:
        destination(options.to)


def destination(text: str) -> tuple[str, int]:
    """(host, port) of a ``--to`` value, or a usage error."""
    host, colon, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        if not is_ip_address(host) or ":" not in host:
            raise ProbeUsageError(f"--to: {text!r}: between brackets goes an IPv6 address")
    elif ":" in host:
        raise ProbeUsageError(f"--to: {text!r}: write an IPv6 address in brackets, [ADDRESS]:PORT")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ProbeUsageError(f"--to: expected HOST:PORT (a port from 1 to 65535), not {text!r}")
    if is_ip_address(host):
        return host, int(port)
    try:
        name = net.ascii_host(host)
    except ProbeUsageError as error:
        raise ProbeUsageError(f"--to: {error}") from None
    if len(name) > 255 or not all(c.isalnum() or c in "-._" for c in name):
        raise ProbeUsageError(f"--to: {host!r} is not a host name")
    return name, int(port)


def probe(session: Session) -> None:
    """Offer the methods; with ``--to`` and no authentication selected, CONNECT once."""
    result = session.result
    result.details["methods_offered"] = list(METHODS.values())
    session.sendall(GREETING)
    answer = session.read_exactly(2)
    if len(answer) < 2:
        raise ProbeFailure("protocol", "the server closed the connection without answering the SOCKS5 greeting")
    if answer[0] == 0 and answer[1] in SOCKS4_REPLIES:
        return _socks4(session, answer)
    if answer[0] != 5:
        raise ProbeFailure("protocol", f"not a SOCKS5 answer: version byte {answer[0]} (expected 5)")
    method = answer[1]
    _report_method(session, method)
    if session.options.to is not None:
        _connect(session, method, session.options.to)


def _connect(session: Session, method: int, target: str) -> None:
    """CONNECT to ``target`` when no authentication was selected; the reply in words; nothing more."""
    result = session.result
    host, port = destination(target)
    if method != 0x00:
        why = "it accepts none of the methods offered" if method == NO_ACCEPTABLE else f"it wants {_method(method)}"
        raise ProbeFailure("protocol", f"CONNECT to {target} not tried: {why}, and netref does not log in")
    session.sendall(connect_request(host, port))
    code, bound = read_reply(session)
    details = result.details
    details["connect_to"] = target
    details["reply_code"] = code
    details["reply"] = REPLIES.get(code, "an unknown code")
    details["bound_address"] = bound
    if code != 0:
        raise ProbeFailure("protocol", f"SOCKS5 CONNECT to {target}: {details['reply']} (reply {code})")
    result.message = f"SOCKS5, no authentication: CONNECT to {target} succeeded (bound {bound}); closed at once"


def _method(number: int) -> str:
    if number in METHODS:
        return METHODS[number]
    if number == NO_ACCEPTABLE:
        return "no acceptable method"
    return f"method {number:#04x} ({'IANA-assigned' if number < 0x80 else 'private'}, not offered)"


def _report_method(session: Session, method: int) -> None:
    result = session.result
    details = result.details
    details["socks_version"] = 5
    details["method_code"] = method
    details["method"] = _method(method)
    details["no_authentication"] = method == 0x00
    result.greeting = f"SOCKS5 method {method:#04x}: {_method(method)}"
    if method == NO_ACCEPTABLE:
        result.capabilities = []
        result.message = "SOCKS5: the proxy accepts none of no authentication, username/password, GSSAPI"
        return
    result.capabilities = [_method(method)]
    if method == 0x00:
        result.warnings.append("the proxy relays without authentication: anyone who can reach it can use it")
        result.message = "SOCKS5: the proxy selected no authentication (an open proxy to whoever reaches it)"
    elif method in METHODS:
        result.message = f"SOCKS5: the proxy selected {_method(method)} (it wants credentials)"
    else:
        raise ProbeFailure("protocol", f"SOCKS5: the proxy selected {_method(method)}")


def _socks4(session: Session, answer: bytes) -> None:
    """A SOCKS4 reply (VN 0, CD, DSTPORT, DSTIP) to the SOCKS5 greeting: SOCKS4, not 5."""
    rest = session.read_exactly(6)
    if len(rest) < 6:
        raise ProbeFailure("protocol", "the server closed the connection inside a SOCKS4 reply")
    result = session.result
    words = SOCKS4_REPLIES[answer[1]]
    result.details["socks_version"] = 4
    result.details["reply_code"] = answer[1]
    result.details["reply"] = words
    result.greeting = f"SOCKS4 reply {answer[1]}: {words}"
    result.message = f"SOCKS4, not SOCKS5: it answered the SOCKS5 greeting with a SOCKS4 reply ({words})"


def connect_request(host: str, port: int) -> bytes:
    """RFC 1928 §4: VER 5, CMD 1 (CONNECT), RSV, the address (IPv4, IPv6 or a domain name), the port."""
    if is_ip_address(host):
        address = ipaddress.ip_address(host.split("%", 1)[0])
        kind = IPV4 if address.version == 4 else IPV6
        encoded = bytes([kind]) + address.packed
    else:
        name = host.encode("ascii")  # destination() made it an A-label name of at most 255 bytes
        encoded = bytes([DOMAIN, len(name)]) + name
    return b"\x05\x01\x00" + encoded + struct.pack("!H", port)


def read_reply(session: Session) -> tuple[int, str]:
    """The CONNECT reply: (REP, the bound address as HOST:PORT), strictly (version 5, reserved 0,
    a known address type, every byte there)."""
    head = session.read_exactly(4)
    if not head:  # OpenSSH's ssh -D answers a CONNECT it cannot make so
        raise ProbeFailure(
            "protocol", "the proxy closed the connection without answering CONNECT (it could not connect?)"
        )
    if len(head) < 4:
        raise ProbeFailure("protocol", "the server closed the connection inside the SOCKS5 reply")
    if head[0] != 5:
        raise ProbeFailure("protocol", f"malformed SOCKS5 reply: version byte {head[0]} (expected 5)")
    if head[2] != 0:
        raise ProbeFailure("protocol", f"malformed SOCKS5 reply: reserved byte {head[2]} (expected 0)")
    kind = head[3]
    if kind == IPV4:
        address = str(ipaddress.IPv4Address(_exactly(session, 4, "bound address")))
    elif kind == IPV6:
        address = f"[{ipaddress.IPv6Address(_exactly(session, 16, 'bound address'))}]"
    elif kind == DOMAIN:
        size = _exactly(session, 1, "bound address")[0]
        address = printable(_exactly(session, size, "bound address"), 255)
    else:
        raise ProbeFailure("protocol", f"malformed SOCKS5 reply: address type {kind} (expected 1, 3 or 4)")
    (port,) = struct.unpack("!H", _exactly(session, 2, "bound port"))
    return head[1], f"{address}:{port}"


def _exactly(session: Session, size: int, what: str) -> bytes:
    data = session.read_exactly(size)
    if len(data) < size:
        raise ProbeFailure("protocol", f"the server closed the connection inside the SOCKS5 {what}")
    return data
