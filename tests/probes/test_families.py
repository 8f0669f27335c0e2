"""The http, tcp, telnet and gopher families against faithful loopback servers, and the
substitution of modules that are deprecated or gone (telnetlib, nntplib, gopherlib)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import servers

from netref.probes import ProbeOptions, run_probe
from netref.probes.gopher import parse_item
from netref.probes.telnet import DO, DONT, IAC, WILL, WONT, Negotiator


def probe(protocol: str, port: int, **options):
    return run_probe(protocol, ProbeOptions("127.0.0.1", port=port, timeout=options.pop("timeout", 3.0), **options))


# -- http ---------------------------------------------------------------------------------------


def test_http_sends_head_and_reports_status_and_server():
    with servers.HttpServer() as server:
        result = probe("http", server.port)
    assert result.verdict == "ok", result.message
    assert server.methods == ["HEAD"]  # read-only: no GET, no body
    assert result.greeting == "HTTP/1.1 200 OK"
    assert result.server_software.startswith("netref-test/1.0")
    assert "allow: GET, HEAD" in result.capabilities
    assert result.details["status"] == 200
    assert result.module == "http.client" and result.substitution is None
    assert result.tls is None


def test_https_reports_tls_and_status(server_ssl_context, ca_file):
    with servers.HttpServer(server_ssl_context) as server:
        result = probe("https", server.port, cafile=str(ca_file))
    assert result.verdict == "ok", result.message
    assert result.greeting == "HTTP/1.1 200 OK" and server.methods == ["HEAD"]
    assert result.tls.starttls is False and result.tls.chain_verified is True


def test_http_error_status_is_still_an_answer():
    def not_found(conn):
        conn.recv(4096)
        conn.sendall(b"HTTP/1.0 404 Not Found\r\nServer: tiny\r\n\r\n")

    with servers.serve(not_found) as server:
        result = probe("http", server.port)
    assert result.verdict == "ok" and result.details["status"] == 404
    assert result.greeting == "HTTP/1.0 404 Not Found" and result.server_software == "tiny"


# -- tcp ----------------------------------------------------------------------------------------


def test_tcp_reads_the_tutorials_banner():
    with servers.serve(servers.banner()) as server:
        result = probe("tcp", server.port)
    assert result.verdict == "ok"
    assert result.greeting == "Thank you for connecting"
    assert result.module == "socket"


def test_tcp_silent_service_is_open_without_banner():
    with servers.serve(servers.silent) as server:
        result = probe("tcp", server.port, timeout=1.0)
    assert result.verdict == "ok"
    assert result.greeting is None and "no banner" in result.message


def test_tcp_binary_banner_is_escaped():
    with servers.serve(servers.banner(b"\x1b[2J\x00\xffhello\r\n")) as server:
        result = probe("tcp", server.port)
    assert result.verdict == "ok"
    assert result.greeting.isprintable() and "hello" in result.greeting and "\x1b" not in result.greeting


def test_tcp_reset_is_a_protocol_failure():
    with servers.serve(servers.reset) as server:
        result = probe("tcp", server.port)
    assert (result.verdict, result.category) == ("failed", "protocol")


# -- telnet -------------------------------------------------------------------------------------


def test_telnet_refuses_every_option_and_reads_the_login_screen():
    received: list[bytes] = []
    with servers.serve(servers.telnet_login(received)) as server:
        result = probe("telnet", server.port)
    assert result.verdict == "ok", result.message
    assert received == [bytes([IAC, WONT, 24, IAC, WONT, 31, IAC, DONT, 1, IAC, DONT, 3])]
    assert result.greeting == "Ubuntu 22.04 LTS"
    assert result.details["screen"][-1] == "netref-test login:"
    assert result.capabilities == [
        "DO TERMINAL-TYPE → WONT", "DO NAWS → WONT", "WILL ECHO → DONT", "WILL SUPPRESS-GO-AHEAD → DONT",
    ]  # fmt: skip
    assert result.module == "socket" and result.substitution.startswith("telnetlib: ")


def test_negotiator_handles_sequences_split_across_reads():
    negotiator = Negotiator()
    text1, replies1 = negotiator.feed(b"hi" + bytes([IAC]))
    text2, replies2 = negotiator.feed(bytes([DO, 24]) + b" there" + bytes([IAC, IAC]))
    text3, replies3 = negotiator.feed(
        bytes([IAC, 250, 24, 1, IAC]) + bytes([240]) + b"!" + bytes([IAC, WILL, 1, IAC, WILL, 1])
    )
    assert (text1 + text2 + text3) == b"hi there\xff!"
    assert replies1 == b"" and replies2 == bytes([IAC, WONT, 24])
    assert replies3 == bytes([IAC, DONT, 1])  # asked twice, refused once


def test_telnet_server_that_hangs_up_without_a_word():
    with servers.serve(servers.banner(b"")) as server:
        result = probe("telnet", server.port)
    assert (result.verdict, result.category) == ("failed", "protocol")


# -- gopher -------------------------------------------------------------------------------------


def test_gopher_sends_the_empty_selector_and_lists_the_menu():
    selectors: list[bytes] = []
    with servers.serve(servers.gopher_menu(selectors)) as server:
        result = probe("gopher", server.port)
    assert result.verdict == "ok", result.message
    assert selectors == [b"\r\n"]
    assert result.greeting == "Welcome to the netref test hole"
    assert result.capabilities == ["info", "menu", "search", "text", "gopher+"]
    items = result.details["items"]
    assert items[2] == {
        "type": "menu", "display": "About this server", "selector": "/about", "host": "localhost", "port": "70"
    }  # fmt: skip
    assert result.message == "root menu: 5 items"
    assert result.substitution.startswith("gopherlib: removed in 2.6")


def test_gopher_item_parser_rejects_prose():
    assert parse_item(b"HTTP/1.1 400 Bad Request\r\n") is None
    assert parse_item(b"1Docs\t/docs\thost\t70\r\n")["type"] == "menu"


def test_gopher_endless_line_is_a_protocol_failure():
    with servers.serve(servers.endless_line) as server:
        result = probe("gopher", server.port)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "longer than" in result.message


# -- substitution -------------------------------------------------------------------------------


def test_substitution_needs_none_of_the_legacy_modules(monkeypatch):
    """With telnetlib, nntplib and gopherlib unimportable (as on 3.13), and deprecation
    warnings as errors, the telnet and gopher probes still work and say what they used."""
    for name in ("telnetlib", "nntplib", "gopherlib"):
        monkeypatch.setitem(sys.modules, name, None)  # import now raises ImportError
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with servers.serve(servers.telnet_login()) as telnet, servers.serve(servers.gopher_menu()) as gopher:
            telnet_result = probe("telnet", telnet.port)
            gopher_result = probe("gopher", gopher.port)
    assert telnet_result.verdict == "ok" and gopher_result.verdict == "ok"
    assert telnet_result.module == gopher_result.module == "socket"
    assert "removed in 3.13 (PEP 594) → socket" in telnet_result.substitution


def test_probes_import_no_legacy_module_in_a_fresh_interpreter():
    """A clean interpreter that probes telnet and gopher never loads telnetlib or nntplib."""
    with servers.serve(servers.telnet_login()) as telnet, servers.serve(servers.gopher_menu()) as gopher:
        code = (
            "import sys, warnings\n"
            "warnings.simplefilter('error', DeprecationWarning)\n"
            "from netref.probes import run_probe, ProbeOptions\n"
            f"a = run_probe('telnet', ProbeOptions('127.0.0.1', port={telnet.port}, timeout=3))\n"
            f"b = run_probe('gopher', ProbeOptions('127.0.0.1', port={gopher.port}, timeout=3))\n"
            "legacy = ('telnetlib', 'nntplib', 'gopherlib')\n"
            "print(a.verdict, b.verdict, sorted(m for m in legacy if m in sys.modules))\n"
        )
        output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    assert output.returncode == 0, output.stderr
    assert output.stdout.split() == ["ok", "ok", "[]"]


def test_gopher_item_parser_rejects_binary_noise():
    """Random bytes often hold three tabs in a line; they never hold a port number there."""
    import random

    noise = random.Random(3)
    lines = [
        bytes(noise.getrandbits(8) for _ in range(40)).replace(b"\n", b"").replace(b"\t", b"") for _ in range(2000)
    ]
    tabbed = [b"\t".join(line[i : i + 10] for i in range(0, 40, 10)) for line in lines]
    assert not any(parse_item(line) for line in tabbed)
