"""The xmlrpc family (xmlrpc, xmlrpcs): real servers' bytes replayed (supervisord, Python's
SimpleXMLRPCServer, websocketd), a Fault as an answer, and hostile servers."""

from __future__ import annotations

import socket
import time

import captures_http_carried as real
import pytest
import real_bytes
import servers
from http_carried_servers import read_request
from probing import probe

from netref.identify import identify
from netref.probes import ProbeOptions, ProbeUsageError, run_probe
from netref.probes.mismatch import TLS_CHECK_BUDGET

SLACK = 0.15  # seconds on top of deadline × 1.1, as in test_core


def replay(answer: bytes, requests: list[bytes] | None = None) -> servers.Handler:
    """Answer the request with the captured bytes, then close (recording what was asked)."""

    def handle(conn: socket.socket) -> None:
        request = read_request(conn)
        if requests is not None:
            requests.append(request)
        if request.startswith((b"POST ", b"GET ")):
            conn.sendall(answer)

    return handle


def test_supervisord_lists_its_methods_and_names_its_http_server():
    requests: list[bytes] = []
    with servers.serve(replay(real.SUPERVISORD, requests)) as server:
        result = probe("xmlrpc", server)
    assert result.ok, result.message
    assert result.message == "XML-RPC: 41 methods (system.listMethods)"
    assert (result.greeting, result.server_software, result.software_source) == (
        "HTTP/1.1 200 OK", "Medusa/1.12", "Server header")
    assert result.details["method_count"] == 41 and result.details["path"] == "/RPC2"
    assert "supervisor.getState" in result.details["methods"] and "fault_code" not in result.details
    assert result.capabilities == ["system.listMethods", "system.methodHelp", "system.methodSignature",
                                   "system.multicall"]  # the XML-RPC extensions it speaks
    assert result.module == "xmlrpc.client" and result.details["status"] == 200
    [request] = requests
    assert request.startswith(b"POST /RPC2 HTTP/1.1\r\n") and b"User-Agent: netref-probe\r\n" in request
    assert request.count(b"<methodName>") == 1 and b"<methodName>system.listMethods</methodName>" in request


def test_pythons_own_server_lists_its_methods():
    with servers.serve(replay(real.PYTHON_XMLRPC)) as server:
        result = probe("xmlrpc", server)
    assert result.ok, result.message
    assert result.details["methods"] == ["pow", "system.listMethods", "system.methodHelp", "system.methodSignature"]
    assert result.server_software == "BaseHTTP/0.6 Python/3.11.2" and result.greeting == "HTTP/1.0 200 OK"


def test_a_fault_is_an_answer_and_is_reported():
    with servers.serve(replay(real.PYTHON_XMLRPC_FAULT)) as server:
        result = probe("xmlrpc", server)
    assert result.ok, result.message
    assert result.details["fault_code"] == 1
    assert result.details["fault_string"] == "<class 'Exception'>:method \"system.listMethods\" is not supported"
    assert "methods" not in result.details and result.capabilities == []
    assert result.message.startswith("XML-RPC Fault 1: <class 'Exception'>:method")


def test_a_credential_demand_says_what_answered():
    with servers.serve(replay(real.SUPERVISORD_401)) as server:
        result = probe("xmlrpc", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message == "no XML-RPC at /RPC2: the server answered 'HTTP/1.1 401 Unauthorized' from Medusa/1.12"
    assert result.server_software == "Medusa/1.12" and result.details["status"] == 401


def test_path_is_asked_for_and_a_400_there_is_no_endpoint():
    requests: list[bytes] = []
    with servers.serve(replay(real.SUPERVISORD_OTHER_PATH, requests)) as server:
        started = time.monotonic()
        result = probe("xmlrpc", server, path="/nope")
        wall = time.monotonic() - started
    assert requests[0].startswith(b"POST /nope HTTP/1.1\r\n")
    assert result.message == "no XML-RPC at /nope: the server answered 'HTTP/1.1 400 Bad Request' from Medusa/1.12"
    assert wall < TLS_CHECK_BUDGET  # a 400 may be a TLS port's: one quick look, refused at once here


def test_a_websocket_server_is_not_an_xml_rpc_endpoint():
    with servers.serve(replay(real.WEBSOCKETD_TO_XMLRPC)) as server:
        result = probe("xmlrpc", server)
    assert result.message == "no XML-RPC at /RPC2: the server answered 'HTTP/1.1 404 Not Found'"
    assert result.server_software is None


def test_the_answers_identify_xml_rpc_over_http():
    found = identify(real.SUPERVISORD_TO_HELLO, __import__("netref.probes").probes.default_catalog())
    assert found is not None and (found.protocol, found.certain, found.software) == ("xmlrpc", True, "Medusa/1.12")
    assert found.software_source == "Server header"


@pytest.mark.parametrize("path", ["RPC2", "/a b", "/\x00", "/" + "x" * 3000])
def test_a_path_that_is_no_path_is_a_usage_error(path):
    with pytest.raises(ProbeUsageError, match="--path: expected an absolute HTTP path"):
        run_probe("xmlrpc", ProbeOptions("127.0.0.1", port=1, path=path))


def test_xmlrpcs_over_tls(server_ssl_context, ca_file):
    with servers.serve(replay(real.PYTHON_XMLRPC), ssl_context=server_ssl_context) as server:
        result = probe("xmlrpcs", server, ca_file=ca_file)
    assert result.ok, result.message
    assert result.tls is not None and result.tls.chain_verified and not result.tls.starttls
    assert result.details["method_count"] == 4


def test_xmlrpcs_defaults_to_443_and_xmlrpc_to_80():
    from netref.probes import default_catalog

    catalog = default_catalog()
    assert (catalog.protocols["xmlrpcs"].default_port, catalog.protocols["xmlrpc"].default_port) == (443, 80)
    assert catalog.protocols["xmlrpcs"].family == catalog.protocols["xmlrpc"].family == "xmlrpc"


# -- hostile servers -----------------------------------------------------------------------------


def answer(body: bytes, head: bytes = b"HTTP/1.1 200 OK\r\nServer: hostile\r\nContent-Type: text/xml\r\n") -> bytes:
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"<?xml version='1.0'?><methodResponse><params><param>", "its body is not XML-RPC"),
        (b"<html><body>hello</body></html>", "its body is a web page"),
        (b"<?xml version='1.0'?><methodResponse><params><param><value><array><data>"
         b"<value><string>a</string></value>", "its body is not XML-RPC (no element found"),
        (b"<?xml version='1.0'?><methodResponse><params><param><value><int>many</int></value></param></params>"
         b"</methodResponse>", "its body is not XML-RPC (invalid literal"),
        (b"<?xml version='1.0'?><methodResponse><fault><value><struct></struct></value></fault></methodResponse>",
         "its body is not XML-RPC"),
        (b"<?xml version='1.0'?><!DOCTYPE lol [<!ENTITY a 'aaaa'>]><methodResponse/>", "declares a document type"),
        (b"<?xml version='1.0'?><methodResponse><params><param><value><int>7</int></value></param></params>"
         b"</methodResponse>", "answered a int, not a list of method names"),
    ],
)
def test_malformed_answers_are_protocol_failures(body, fragment):
    with servers.serve(replay(answer(body))) as server:
        result = probe("xmlrpc", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert fragment in result.message, result.message
    assert result.message.isprintable() and len(result.message) < 300


def test_a_huge_announced_body_is_refused_unread():
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 99999999999\r\n\r\n<?xml"
    with servers.serve(replay(head)) as server:
        result = probe("xmlrpc", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "more than a probe reads" in result.message


def test_an_oversized_header_is_a_protocol_failure():
    with servers.serve(replay(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")) as server:
        result = probe("xmlrpc", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "not an HTTP answer" in result.message and len(result.message) < 300


def test_an_ssh_server_is_named():
    def sshd(conn: socket.socket) -> None:  # greets at once and stays, as OpenSSH does
        conn.sendall(real_bytes.OPENSSH)
        servers._until_closed(conn, 3)

    with servers.serve(sshd) as server:
        result = probe("xmlrpc", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "SSH server" in result.message and "netref probe ssh" in result.message


def test_the_xml_rpc_hello_goes_only_where_xml_rpc_is_expected():
    from netref.identify import hello_plan
    from netref.probes import default_catalog

    catalog = default_catalog()
    hello = catalog.protocols["xmlrpc"].identify.hello.encode("latin-1")
    assert hello_plan(catalog, "xmlrpc")[0] == hello and hello_plan(catalog, "xmlrpcs")[0] == hello
    assert hello not in hello_plan(catalog) and hello.startswith(b"POST /RPC2 HTTP/1.0\r\n")
    head, _, body = hello.partition(b"\r\n\r\n")
    assert b"Content-Length: %d" % len(body) in head and body.count(b"<methodName>") == 1


def test_an_endless_body_stops_at_the_byte_budget():
    def flood(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<?xml version='1.0'?><methodResponse>")
        chunk = b"<!-- " + b"x" * 65536 + b" -->"
        while True:
            conn.sendall(chunk)

    with servers.serve(flood) as server:
        result = probe("xmlrpc", server)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "more than 4 MiB" in result.message
