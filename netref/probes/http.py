"""HTTP and HTTPS through ``http.client``: ``HEAD /`` and the status line.

HEAD asks for nothing but headers, so the probe stays read-only and cheap; any HTTP
answer, 4xx and 5xx included, proves the service speaks HTTP (the status is reported).
"""

from __future__ import annotations

import http.client  # the family module itself is imported only when an HTTP probe runs

from netref.probes.session import Session
from netref.probes.values import ProbeFailure, printable

#: Response headers worth reporting as what the server offers.
_FEATURE_HEADERS = ("allow", "alt-svc", "strict-transport-security", "accept-ranges")


def probe(session: Session) -> None:
    """Send ``HEAD /`` and read the status line and headers (http.client bounds both)."""
    connection = http.client.HTTPConnection(session.host, session.port)
    connection.sock = session.client_socket()  # a connection with a socket never connects
    try:
        connection.request("HEAD", "/", headers={"User-Agent": "netref-probe", "Accept": "*/*"})
        response = connection.getresponse()
    except (http.client.BadStatusLine, http.client.LineTooLong) as exc:
        raise ProbeFailure("protocol", f"not an HTTP answer: {printable(str(exc), 120) or 'empty'}") from None
    version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(response.version, "HTTP/0.9")
    result = session.result
    headers = _headers(response)
    result.greeting = printable(f"{version} {response.status} {response.reason}")
    result.server_software = printable(headers.get("server", "")) or None
    result.software_source = "Server header" if result.server_software else None
    result.capabilities = [version] + [
        f"{name}: {printable(headers[name], 100)}" for name in _FEATURE_HEADERS if headers.get(name)
    ]
    result.details["status"] = response.status
    result.message = f"HTTP {response.status} {printable(response.reason, 60)}".rstrip()
    connection.close()


def _headers(response: http.client.HTTPResponse) -> dict[str, str]:
    """The headers by lower-case name, repeated ones joined as ``getheader`` joins them: one pass
    over the list, where each ``getheader`` walks (and lower-cases) all of it again."""
    headers: dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers
