"""XML-RPC over HTTP (xmlrpc) and HTTPS (xmlrpcs), through ``xmlrpc.client``: ``system.listMethods``.

One call, ``system.listMethods`` (the introspection method of the XML-RPC extensions most servers
enable: Python's xmlrpc.server, supervisord, Apache XML-RPC, rtorrent ...), POSTed to ``--path``
(default ``/RPC2``), then the connection is closed. It asks the server what it offers and changes
nothing: no other method name appears in this module. A Fault is an answer (a server without
introspection says ``Fault -32601 method not found``): the server speaks XML-RPC, and the fault
is reported. An HTTP answer that is not an XML-RPC one (a 404, a 401, an HTML page) fails and
says what answered: its status line and Server header.

The response is read whole through the session (its byte budget bounds it) before it is parsed,
so that a document type declaration (the entity expansion attacks) is refused before the parser
sees it; gzip is not asked for.
"""

from __future__ import annotations

import http.client
import xmlrpc.client  # this module is imported only when an XML-RPC probe runs
from typing import Any
from xml.parsers.expat import ExpatError

from netref.probes import replies
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, ProbeOptions, counted, printable

#: The options this family takes beyond the common ones (the core refuses them elsewhere).
TAKES = frozenset({"path"})

#: Where XML-RPC servers listen when nobody says otherwise (Python's xmlrpc.server, supervisord).
DEFAULT_PATH = "/RPC2"
#: How many method names the report lists (the count is always given).
SHOWN_METHODS = 500


def check_options(options: ProbeOptions) -> None:
    """``--path`` must be an absolute HTTP path (no spaces or control characters)."""
    request_path(options)


def request_path(options: ProbeOptions) -> str:
    """The HTTP path the call goes to; a usage error for one that is no path."""
    return replies.http_path(options.path, DEFAULT_PATH)


def probe(session: Session) -> None:
    """POST ``system.listMethods`` to the path and report the methods, or the Fault."""
    path = request_path(session.options)
    result = session.result
    result.details["path"] = path
    transport = _SessionTransport(session)
    proxy = xmlrpc.client.ServerProxy(f"http://{_authority(session)}{path}", transport=transport)
    try:
        methods = proxy.system.listMethods()
    except xmlrpc.client.Fault as fault:
        _report_fault(session, fault)
        return
    except xmlrpc.client.ProtocolError as error:  # an HTTP answer other than 200
        raise replies.not_served_here("XML-RPC", path, result.greeting or f"HTTP {error.errcode}",
                                      result.server_software) from None
    except (ExpatError, xmlrpc.client.ResponseError, ValueError, TypeError) as error:  # and bad values, bad faults
        raise _not_xml_rpc(session, f"its body is not XML-RPC ({printable(str(error), 80)})") from None
    except http.client.HTTPException as error:
        raise ProbeFailure("protocol", f"not an HTTP answer: {printable(str(error), 120) or 'empty'}") from None
    finally:
        transport.close()
    _report_methods(session, methods)


class _SessionConnection(http.client.HTTPConnection):
    """http.client on the session's guarded socket: it never opens a connection of its own, and
    it records the status line and Server header of the answer for the report."""

    def __init__(self, session: Session) -> None:
        super().__init__(session.host, session.port)
        self.sock = session.client_socket()  # a connection with a socket never connects
        self.session = session
        self._outgoing: list[bytes] = []

    def connect(self) -> None:
        """Never: a probe speaks on the one connection the core opened (under its deadline)."""
        raise ProbeFailure("protocol", "the server closed the connection")

    def send(self, data: Any) -> None:
        """Held until the request is whole: http.client writes the head and the body apart, and a
        body in a second small segment waits for the server's delayed ACK (Nagle's algorithm)."""
        self._outgoing.append(bytes(data))

    def getresponse(self) -> http.client.HTTPResponse:
        if self._outgoing:
            self.session.sendall(b"".join(self._outgoing))
            self._outgoing.clear()
        response = super().getresponse()
        replies.http_answer(self.session, response)
        return response


class _SessionTransport(xmlrpc.client.Transport):
    """xmlrpc.client's transport over :class:`_SessionConnection`: one request, no retry (the
    stdlib retries a dropped keep-alive connection on a new one), no gzip, our User-Agent."""

    user_agent = "netref-probe"
    accept_gzip_encoding = False

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = self._connection[1]
        if connection is None:
            connection = _SessionConnection(self.session)
            self._connection = host, connection
        return connection

    def request(self, host: Any, handler: str, request_body: Any, verbose: bool = False) -> Any:
        return self.single_request(host, handler, request_body, verbose)

    def parse_response(self, response: http.client.HTTPResponse) -> Any:
        """The body read whole (bounded by the session), a DTD refused, then parsed."""
        body = response.read()
        head = body[:4096].lower()
        kind = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "text/html" or head.lstrip().startswith((b"<html", b"<!doctype html")):
            raise _not_xml_rpc(self.session, "its body is a web page")
        if b"<!doctype" in head or b"<!entity" in head:
            raise _not_xml_rpc(self.session, "its body declares a document type (XML-RPC has none; entities refused)")
        if response.getheader("Content-Encoding", "identity").lower() not in ("identity", ""):
            raise _not_xml_rpc(self.session, "its body is encoded (netref asked for none)")
        parser, unmarshaller = self.getparser()
        parser.feed(body)
        parser.close()
        return unmarshaller.close()


def _authority(session: Session) -> str:
    """``host:port`` for the proxy's URL (only its path is used: the connection is the session's)."""
    return f"[{session.host}]:{session.port}" if ":" in session.host else f"{session.host}:{session.port}"


def _not_xml_rpc(session: Session, why: str) -> ProbeFailure:
    shown = session.result.greeting or "an HTTP answer"
    server = session.result.server_software
    return ProbeFailure("protocol", f"not an XML-RPC answer: '{shown}'{f' from {server}' if server else ''}, but {why}")


def _report_fault(session: Session, fault: xmlrpc.client.Fault) -> None:
    """A Fault proves XML-RPC: the server answered the call, refusing it."""
    code = fault.faultCode if isinstance(fault.faultCode, int) else printable(str(fault.faultCode), 40)
    text = printable(str(fault.faultString), 160)
    result = session.result
    result.details.update(fault_code=code, fault_string=text)
    result.message = f"XML-RPC Fault {code}: {text} (system.listMethods)"


def _report_methods(session: Session, methods: object) -> None:
    if not isinstance(methods, list) or not all(isinstance(name, str) for name in methods):
        kind = type(methods).__name__
        raise ProbeFailure("protocol", f"system.listMethods answered a {kind}, not a list of method names")
    names = [printable(name, 120) for name in methods[:SHOWN_METHODS]]
    result = session.result
    result.details.update(method_count=len(methods), methods=names)
    result.capabilities = [name for name in names if name.startswith("system.")]
    result.message = f"XML-RPC: {counted(len(methods), 'method')} (system.listMethods)"

