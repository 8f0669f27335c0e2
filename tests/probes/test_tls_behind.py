"""What a probe says when the port is not what its protocol expects (issue 18, item 2), replayed
with the bytes real servers sent (tests/probes/real_bytes.py): TLS behind a plaintext probe's
silence or bare 400, found on a second connection and identified inside; another protocol's first
line named at once, not at the deadline; software only where the server names it."""

from __future__ import annotations

import socket
import ssl
import time

import pytest
import real_bytes
import servers
from http_carried_servers import websocket_server, xmlrpc_server
from probing import probe


def _sniffing(context: ssl.SSLContext, plain: bytes, inside: bytes, greets: bool = False) -> servers.Handler:
    """A port as nginx and Apache run one with ``ssl``: a ClientHello gets TLS (and ``inside``,
    as a greeting or as the answer to a request), anything else gets ``plain`` (their complaint),
    both as the real server sent them. ``greets``: the service inside speaks first."""

    def handle(conn: socket.socket) -> None:
        conn.settimeout(5)
        first = conn.recv(1, socket.MSG_PEEK)
        if first != b"\x16":
            servers.receive_until(conn, lambda data: b"\r\n\r\n" in data)
            conn.sendall(plain)
            return
        wrapped = context.wrap_socket(conn, server_side=True)
        if not greets:
            servers.receive_until(wrapped, lambda data: b"\n" in data)
        wrapped.sendall(inside)
        servers.receive_until(wrapped, lambda data: False, wait=1)

    return handle


def _tls_only(context: ssl.SSLContext, greeting: bytes) -> servers.Handler:
    """An implicit-TLS server that speaks first inside (Dovecot's imaps): silent in plaintext."""

    def handle(conn: socket.socket) -> None:
        conn.settimeout(10)
        wrapped = context.wrap_socket(conn, server_side=True)
        wrapped.sendall(greeting)
        servers.receive_until(wrapped, lambda data: False, wait=2)

    return handle


def test_http_on_nginxs_https_port_names_https_not_ok_400(server_ssl_context):
    handler = _sniffing(server_ssl_context, real_bytes.NGINX_HTTPS_PORT_TO_HEAD, real_bytes.NGINX_200)
    with servers.serve(handler) as server:
        result = probe("http", server, timeout=5)
    assert (result.verdict, result.category) == ("failed", "tls")  # was "ok: HTTP 400 Bad Request"
    assert result.message == (
        "the server speaks TLS on this port (TLSv1.3; inside it, an HTTP server (nginx/1.22.1)), not plaintext: "
        f"try netref probe https 127.0.0.1:{server.port}"
    )
    assert (result.server_software, result.software_source) == ("nginx/1.22.1", "Server header")


def test_http_on_apaches_https_port_names_https_from_its_page(server_ssl_context):
    handler = _sniffing(server_ssl_context, real_bytes.APACHE_HTTPS_PORT_TO_HEAD, real_bytes.APACHE_TLS_404)
    with servers.serve(handler) as server:
        result = probe("http", server, timeout=5)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert f"try netref probe https 127.0.0.1:{server.port}" in result.message
    assert result.server_software == "Apache/2.4.71 (Debian) OpenSSL/3.0.19"


def test_http_on_lighttpds_https_port_which_closes_unanswered_names_https(server_ssl_context):
    handler = _sniffing(server_ssl_context, real_bytes.LIGHTTPD_HTTPS_PORT_TO_HEAD, real_bytes.LIGHTTPD_TLS_403)
    with servers.serve(handler) as server:
        result = probe("http", server, timeout=5)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message.endswith(
        f"the server speaks TLS on this port (TLSv1.3; inside it, an HTTP server (lighttpd/1.4.69)), not plaintext: "
        f"try netref probe https 127.0.0.1:{server.port}"
    )


def test_a_real_400_of_a_plaintext_server_stays_an_answer():
    """A plaintext server's own 400 is its answer: the second look finds no TLS."""
    bad = real_bytes.NGINX_HTTPS_PORT_TO_HEAD  # the same bytes, from a server without TLS
    with servers.serve(servers.banner(bad)) as server:
        result = probe("http", server, timeout=5)
    assert result.ok and result.message == "HTTP 400 Bad Request"


def test_imap_on_an_odd_port_with_implicit_tls_is_found_and_named_inside(server_ssl_context):
    with servers.serve(_tls_only(server_ssl_context, real_bytes.DOVECOT_IMAP)) as server:
        started = time.monotonic()
        result = probe("imap", server, timeout=10)
        wall = time.monotonic() - started
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.message == (
        "silent for 2 s: no greeting; the server speaks TLS on this port (TLSv1.3; inside it, an IMAP4 server "
        f"(Dovecot (Debian))), not plaintext: try netref probe imaps 127.0.0.1:{server.port}"
    )
    assert 2 <= wall < 3.5  # not the 10 s deadline


def test_smtp_meeting_dovecots_pop3s_names_pop3s(server_ssl_context):
    with servers.serve(_tls_only(server_ssl_context, real_bytes.DOVECOT_POP3)) as server:
        result = probe("smtp", server, timeout=10)
    assert result.category == "tls" and result.message.endswith(f"try netref probe pop3s 127.0.0.1:{server.port}")
    assert "a POP3 server (Dovecot (Debian))" in result.message


def test_a_silent_plaintext_server_still_gets_its_deadline_and_the_hint():
    with servers.serve(servers.silent) as server:
        started = time.monotonic()
        result = probe("imap", server, timeout=5)
        wall = time.monotonic() - started
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert result.message.startswith("deadline of 5 s passed while waiting for the server: no greeting")
    assert 4.9 <= wall < 5.5  # the TLS look (at 2 s, at most 2 s) stays inside the deadline


@pytest.mark.parametrize(
    ("protocol", "line", "named"),
    [
        ("ftp", real_bytes.OPENSSH, "an SSH server (OpenSSH_9.2p1)"),  # ftplib reads "SSH-" as a multi-line reply
        ("smtp", real_bytes.DROPBEAR, "an SSH server (dropbear_2022.83)"),
        ("pop3", real_bytes.DOVECOT_IMAP, "an IMAP4 server (Dovecot (Debian))"),
        ("imap", real_bytes.VSFTPD, "an FTP server (vsFTPd 3.0.3)"),
        ("http", real_bytes.OPENSSH, "an SSH server (OpenSSH_9.2p1)"),
    ],
)
def test_another_protocols_first_line_is_named_at_once(protocol, line, named):
    def greet_and_wait(conn: socket.socket) -> None:
        conn.sendall(line)
        servers.receive_until(conn, lambda data: False, wait=8)

    with servers.serve(greet_and_wait) as server:
        started = time.monotonic()
        result = probe(protocol, server, timeout=8)
        wall = time.monotonic() - started
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith(f"{named} answered")
    assert wall < 1.5  # not the deadline


@pytest.mark.parametrize(
    ("protocol", "greeting", "software", "source"),
    [
        ("imap", real_bytes.DOVECOT_IMAP, "Dovecot (Debian)", "greeting"),
        ("pop3", real_bytes.DOVECOT_POP3, "Dovecot (Debian)", "greeting"),
        ("imap", b"* OK IMAP4rev1 Service Ready\r\n", None, None),  # RFC 9051's example names no program
        ("pop3", b"+OK POP3 Ready\r\n", None, None),
        ("ssh", real_bytes.OPENSSH, "OpenSSH_9.2p1", "SSH version line"),
    ],
)
def test_software_only_where_the_server_names_it(protocol, greeting, software, source):
    def greet(conn: socket.socket) -> None:
        conn.sendall(greeting)
        while asked := servers.receive_until(conn, lambda data: b"\n" in data, wait=2):
            tag = asked.split(b" ", 1)[0]
            imap_answer = b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n"
            conn.sendall(b"-ERR no\r\n" if protocol == "pop3" else imap_answer)

    with servers.serve(greet) as server:
        result = probe(protocol, server, timeout=3)
    assert (result.server_software, result.software_source) == (software, source)


@pytest.fixture
def stand_in_catalog(tmp_path):
    """The catalogue with a probe for mqtt, whose family lands from another branch: the gopher
    family stands in (its client speaks first, as MQTT's does), with identification facts of its
    own, so that which protocol answered is the core's verdict, for any family."""
    from netref.catalog import default_catalog_path, load_catalog

    text = default_catalog_path().read_text(encoding="utf-8")
    shipped = load_catalog()
    mqtt_connect = "\\u0010\\u000c\\u0000\\u0004MQTT\\u0004\\u0002\\u0000<\\u0000\\u0000"  # MQTT 3.1.1 CONNECT
    for key, family, facts in (
        ("mqtt", "gopher", f"first = \"client\", hello = \"{mqtt_connect}\", patterns = ['^\\x20\\x02']"),
    ):  # fmt: skip
        if shipped.protocols[key].family:  # its own family has landed: nothing to stand in for
            continue
        head = f"[protocols.{key}]\n"
        assert head in text
        text = text.replace(head, f'{head}family = "{family}"\nidentify = {{ {facts} }}\n', 1)
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    return load_catalog(path)


def test_mqtt_on_an_ssh_port_says_ssh(stand_in_catalog):
    def greet_and_wait(conn: socket.socket) -> None:
        conn.sendall(real_bytes.OPENSSH)
        servers.receive_until(conn, lambda data: False, wait=5)

    with servers.serve(greet_and_wait) as server:
        result = probe("mqtt", server, timeout=5, catalog=stand_in_catalog)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith(
        "an SSH server (OpenSSH_9.2p1) answered ('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10')"
    )
    assert result.message.endswith(f"not MQTT: try netref probe ssh 127.0.0.1:{server.port}")


def test_ldap_on_a_web_server_says_http():
    def answer(conn: socket.socket) -> None:
        servers.receive_until(conn, lambda data: b"\n" in data)
        conn.sendall(real_bytes.LIGHTTPD_403)  # lighttpd's head (its answer to GET; its page is left out)

    with servers.serve(answer) as server:
        result = probe("ldap", server, timeout=5)  # the ldap family itself
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.startswith("an HTTP server (lighttpd/1.4.69) answered ('HTTP/1.0 403 Forbidden'), not LDAP")


@pytest.mark.parametrize(("protocol", "twin", "live_server"),
                         [("websocket", "wss", websocket_server), ("xmlrpc", "xmlrpcs", xmlrpc_server)],
                         ids=["websocket", "xmlrpc"])
def test_a_tls_port_probed_in_plaintext_suggests_the_tls_twin(protocol, twin, live_server, server_ssl_context):
    """A live server of the protocol behind TLS (http_carried_servers): the hint names the TLS twin."""
    with live_server(server_ssl_context) as server:
        result = probe(protocol, server)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert f"try netref probe {twin} 127.0.0.1:{server.port}" in result.message, result.message
