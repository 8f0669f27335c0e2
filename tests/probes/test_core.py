"""The probe core: targets, resolution, connecting, deadlines, memory bounds, TLS, verdicts.

Every server is on loopback (tests/probes/servers.py); the DNS failure uses ``.invalid``.
Deadline checks assert wall time ≤ deadline × 1.1 plus a little slack for a loaded CI
machine: they prove the behaviour (the probe stops), the benchmarks measure it.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import time
import tracemalloc

import pytest
import servers

from netref.probes import ProbeOptions, ProbeUsageError, net, run_probe
from netref.probes.session import READ_BUDGET, Session
from netref.probes.tls import decode_certificate
from netref.probes.values import ProbeFailure, ProbeResult

SLACK = 0.15  # seconds on top of deadline × 1.1: thread start-up on a busy CI runner


def probe(protocol: str, port: int, host: str = "127.0.0.1", timeout: float = 2.0, **options) -> ProbeResult:
    return run_probe(protocol, ProbeOptions(host, port=port, timeout=timeout, **options))


def timed(protocol: str, port: int, timeout: float, **options) -> tuple[ProbeResult, float]:
    started = time.monotonic()
    result = probe(protocol, port, timeout=timeout, **options)
    return result, time.monotonic() - started


def ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not ipv6_available(), reason="no IPv6 loopback here")


# -- targets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "port", "host", "expected_port"),
    [
        ("mail.example.org", None, "mail.example.org", None),
        ("mail.example.org:2525", None, "mail.example.org", 2525),
        ("127.0.0.1:8080", None, "127.0.0.1", 8080),
        ("[::1]:8080", None, "::1", 8080),
        ("[::1]", None, "::1", None),
        ("::1", None, "::1", None),
        ("2001:db8::25", None, "2001:db8::25", None),
        ("[fe80::1%eth0]:22", None, "fe80::1%eth0", 22),
        ("example.org:25", 587, "example.org", 587),  # --port wins
    ],
)
def test_parse_target(text, port, host, expected_port):
    target = net.parse_target(text, port)
    assert (target.host, target.port) == (host, expected_port)


def test_idn_host_becomes_a_labels():
    target = net.parse_target("bücher.example:80")
    assert target.host == "bücher.example"
    assert target.ascii_host == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("host:http", "invalid port"),
        ("host:70000", "invalid port"),
        ("[::1", "missing ']'"),
        ("[::1]x", "[ADDRESS]:PORT"),
        ("2001:db8::zz", "[ADDRESS]:PORT"),
        ("http://example.org/", "not a URL"),
        ("", "no host"),
    ],
)
def test_bad_targets_are_one_line_usage_errors(text, fragment):
    with pytest.raises(ProbeUsageError) as caught:
        net.parse_target(text)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("protocol", "options", "fragment"),
    [
        ("tcp", {}, "no default port"),
        ("imaps", {"starttls": True}, "starts with TLS already"),
        ("http", {"starttls": True}, "no in-band TLS upgrade"),
        ("carrier-pigeon", {}, "unknown protocol"),
        ("xmlrpc", {"path": "RPC2"}, "--path: expected an absolute HTTP path"),
        ("http", {"timeout": 0}, "invalid timeout"),
        ("https", {"cafile": "/nonexistent/ca.pem"}, "--cafile /nonexistent/ca.pem: cannot load"),
        ("smtp", {"starttls": True, "cafile": __file__}, "cannot load CA certificates"),  # not PEM
        ("imaps", {"sni": ".example.org"}, "invalid TLS server name"),
        ("https", {"sni": "bad..name"}, "invalid TLS server name"),
        ("smtp", {"user": "alice"}, "--user does not apply to smtp"),
        ("socks", {"mqtt_version": "5"}, "--mqtt-version does not apply to socks"),
        ("mqtt", {"to": "a:1"}, "--to does not apply to mqtt"),
        ("http", {"path": "/RPC2"}, "--path does not apply to http"),
    ],
)
def test_wrong_requests_raise_usage_errors(protocol, options, fragment):
    """Found before any connection: port 9 of 127.0.0.1 (discard) is never tried."""
    with pytest.raises(ProbeUsageError, match=fragment):
        run_probe(protocol, ProbeOptions("127.0.0.1", port=9 if protocol != "tcp" else None, **options))


# -- resolution and connecting ---------------------------------------------------------------


def test_unresolvable_name_is_a_dns_verdict():
    result = run_probe("http", ProbeOptions("no-such-host.invalid", timeout=5))
    assert (result.verdict, result.category) == ("failed", "dns")
    assert "no-such-host.invalid" in result.message
    assert result.addresses == []


def test_hanging_resolver_is_bounded_by_the_deadline(monkeypatch):
    def slow_getaddrinfo(*args, **kwargs):
        time.sleep(3)
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    started = time.monotonic()
    result = run_probe("http", ProbeOptions("slow.example.invalid", timeout=0.5))
    wall = time.monotonic() - started
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.5 * 1.1 + SLACK


def test_refused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        result = probe("tcp", port)
    assert (result.verdict, result.category) == ("failed", "refused")
    assert result.addresses == ["127.0.0.1"]


def test_connect_moves_on_to_the_next_address_and_reports_it():
    with socket.socket() as closed, servers.serve(servers.banner()) as server:
        closed.bind(("127.0.0.1", 0))
        infos = [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", closed.getsockname()[1])),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", server.port)),
        ]
        sock, used = net.connect(infos, time.monotonic() + 2)
        sock.close()
    assert used == ("127.0.0.1", server.port)


def _black_hole() -> tuple[socket.socket, list[socket.socket]]:
    """A listener whose accept queue is full, so further SYNs go unanswered (Linux)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    time.sleep(0.05)
    return listener, fillers


def test_happy_eyeballs_does_not_wait_for_a_silent_first_address():
    listener, fillers = _black_hole()
    probe_sock = socket.socket()
    probe_sock.settimeout(0.3)
    if probe_sock.connect_ex(listener.getsockname()) == 0:
        pytest.skip("this kernel answers SYNs beyond a full backlog")
    probe_sock.close()
    with servers.serve(servers.banner()) as server:
        infos = [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", listener.getsockname()),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", server.port)),
        ]
        started = time.monotonic()
        sock, used = net.connect(infos, started + 5)
        elapsed = time.monotonic() - started
        sock.close()
    for sock in [*fillers, listener]:
        sock.close()
    assert used == ("127.0.0.1", server.port)
    assert elapsed < 1.0  # one head start (0.25 s), not the 5 s deadline


def test_interleave_alternates_families():
    v6 = [(socket.AF_INET6, 1, 6, "", (f"::{n}", 1, 0, 0)) for n in (1, 2)]
    v4 = [(socket.AF_INET, 1, 6, "", (f"10.0.0.{n}", 1)) for n in (1, 2)]
    order = [info[4][0] for info in net.interleave(v6 + v4)]
    assert order == ["::1", "10.0.0.1", "::2", "10.0.0.2"]


@needs_ipv6
def test_ipv6_loopback_and_address_family_choice():
    with servers.serve(servers.banner(), host="::1") as server:
        result = probe("tcp", server.port, host="::1")
        assert result.verdict == "ok", result.message
        assert result.address_used == "::1"
    with pytest.raises(ProbeUsageError, match="-4 does not apply to ::1: it is an IPv6 address"):
        probe("tcp", server.port, host="::1", family=4)  # asks the impossible: not a DNS failure


# -- deadlines against hostile servers -------------------------------------------------------


@pytest.mark.parametrize("protocol", ["http", "telnet", "gopher"])
def test_silent_server_gets_a_timeout_within_the_deadline(protocol):
    with servers.serve(servers.silent) as server:
        result, wall = timed(protocol, server.port, timeout=0.6)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.6 * 1.1 + SLACK


@pytest.mark.parametrize("protocol", ["http", "telnet", "gopher"])
def test_drip_feed_cannot_stretch_the_deadline(protocol):
    with servers.serve(servers.drip(interval=0.1)) as server:
        result, wall = timed(protocol, server.port, timeout=0.8)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.8 * 1.1 + SLACK


def test_watchdog_unblocks_a_read_outside_the_guarded_socket():
    """A client blocked in a raw recv with no timeout of its own is woken at the deadline."""
    from netref.probes import _WATCHDOG

    with servers.serve(servers.silent) as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        session = _session(sock, timeout=0.4)
        _WATCHDOG.watch(session)
        started = time.monotonic()
        sock.settimeout(None)
        assert sock.recv(10) == b""  # woken by the shutdown, not by a timeout
        wall = time.monotonic() - started
        _WATCHDOG.forget(session)
        session.close()
    assert session.expired
    assert wall <= 0.4 * 1.1 + SLACK


# -- bounded memory ---------------------------------------------------------------------------


def _session(sock: socket.socket, timeout: float = 2.0) -> Session:
    from netref.catalog import load_catalog

    options = ProbeOptions("127.0.0.1", timeout=timeout)
    result = ProbeResult(protocol="tcp", host="127.0.0.1")
    protocol = load_catalog().protocol("tcp")
    return Session(options, protocol, result, sock, time.monotonic() + timeout, "127.0.0.1", 0, "socket")


def test_endless_line_is_cut_at_the_line_limit():
    with servers.serve(servers.endless_line) as server:
        session = _session(socket.create_connection(("127.0.0.1", server.port)))
        with pytest.raises(ProbeFailure) as caught:
            session.readline(4096)
        session.close()
    assert caught.value.category == "protocol"
    assert "longer than 4096" in caught.value.message


def test_a_flood_stops_at_the_byte_budget_with_bounded_memory():
    with servers.serve(servers.garbage) as server:
        session = _session(socket.create_connection(("127.0.0.1", server.port)), timeout=10)
        tracemalloc.start()
        with pytest.raises(ProbeFailure) as caught:
            while True:
                session.read_some(65536)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        session.close()
    assert caught.value.category == "protocol"
    assert session._received == READ_BUDGET
    assert peak < 1024 * 1024  # read and dropped: nothing accumulates


def test_a_stdlib_reader_cannot_allocate_an_announced_giant_literal():
    with servers.serve(servers.garbage) as server:
        session = _session(socket.create_connection(("127.0.0.1", server.port)))
        reader = session.client_socket().makefile("rb")
        tracemalloc.start()
        with pytest.raises(ProbeFailure, match="announced"):
            reader.read(10**10)  # what imaplib does with {10000000000}
        assert len(reader.read(100)) == 100  # ordinary reads still work
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        session.close()
    assert peak < 1024 * 1024


def test_a_stdlib_client_reading_a_drip_stops_at_the_deadline():
    """The guarded socket bounds reads inside a stdlib client's own readline loop."""
    with servers.serve(servers.drip(text=b"x" * 1000, interval=0.05)) as server:
        session = _session(socket.create_connection(("127.0.0.1", server.port)), timeout=0.5)
        reader = session.client_socket().makefile("rb")
        started = time.monotonic()
        with pytest.raises(ProbeFailure) as caught:
            reader.readline(65536)
        wall = time.monotonic() - started
        session.close()
    assert caught.value.category == "timeout"
    assert wall <= 0.5 * 1.1 + SLACK


# -- misbehaving servers ----------------------------------------------------------------------


def test_connection_reset_is_a_protocol_failure():
    with servers.serve(servers.reset_after_request) as server:
        result = probe("http", server.port)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "reset" in result.message or "closed" in result.message


def test_wrong_protocol_on_the_port_http_probe_meets_smtp():
    with servers.serve(servers.smtp_greeting) as server:
        result = probe("http", server.port)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert "220 mail.example.test" in result.message


def test_wrong_protocol_smtp_probe_meets_http():
    """An HTTP server never speaks first, so an SMTP probe hears silence: a timeout,
    reached within the deadline (needs the smtp family)."""
    pytest.importorskip("netref.probes.smtp")
    with servers.HttpServer() as server:
        result, wall = timed("smtp", server.port, timeout=0.6)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.6 * 1.1 + SLACK


@pytest.mark.parametrize("protocol", ["http", "gopher"])
def test_binary_garbage_is_a_protocol_failure(protocol):
    with servers.serve(servers.garbage) as server:
        result = probe(protocol, server.port)
    assert (result.verdict, result.category) == ("failed", "protocol")
    assert result.message.isprintable()


# -- TLS ---------------------------------------------------------------------------------------


def test_https_with_private_ca(server_ssl_context, ca_file):
    with servers.HttpServer(server_ssl_context) as server:
        result = probe("https", server.port, cafile=str(ca_file))
    assert result.verdict == "ok", result.message
    tls = result.tls
    assert tls.version in ("TLSv1.2", "TLSv1.3") and tls.cipher
    assert tls.chain_verified is True and tls.hostname_verified is True and tls.insecure is False
    assert {"DNS:localhost", "IP:127.0.0.1"} <= set(tls.sans)
    assert "trustme" in tls.issuer
    assert tls.days_left > 300 * 365  # trustme's leaf certificates run to the year 3000
    assert "tls" in result.timings and result.timings["tls"] > 0


def test_untrusted_certificate(server_ssl_context):
    with servers.HttpServer(server_ssl_context) as server:
        result = probe("https", server.port)  # system trust store: trustme's CA is unknown
    assert (result.verdict, result.category) == ("failed", "certificate")
    assert "unable to get local issuer certificate" in result.message


@pytest.fixture(scope="module")
def expired_context(tls_ca):
    now = dt.datetime.now(dt.UTC)
    cert = tls_ca.issue_cert(
        "localhost", "127.0.0.1", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=2)
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


def test_expired_certificate(expired_context, ca_file):
    with servers.HttpServer(expired_context) as server:
        result = probe("https", server.port, cafile=str(ca_file))
    assert (result.verdict, result.category) == ("failed", "certificate")
    assert "expired" in result.message


def test_insecure_still_reports_the_certificate(expired_context):
    with servers.HttpServer(expired_context) as server:
        result = probe("https", server.port, insecure=True)
    assert result.verdict == "ok", result.message
    tls = result.tls
    assert tls.insecure is True
    assert tls.chain_verified is None and tls.hostname_verified is None  # not checked
    assert tls.days_left in (-2, -3)
    assert tls.not_after and "trustme" in tls.subject and "DNS:localhost" in tls.sans


def test_wrong_name_is_a_certificate_failure(server_ssl_context, ca_file):
    with servers.HttpServer(server_ssl_context) as server:
        result = probe("https", server.port, cafile=str(ca_file), sni="mail.example.test")
    assert (result.verdict, result.category) == ("failed", "certificate")
    assert "mail.example.test" in result.message


def test_sni_verifies_a_name_while_connecting_to_an_address(server_ssl_context, ca_file):
    with servers.HttpServer(server_ssl_context) as server:
        result = probe("https", server.port, cafile=str(ca_file), sni="localhost")
    assert result.verdict == "ok", result.message
    assert result.tls.sni == "localhost" and result.address_used == "127.0.0.1"


def test_tls_against_a_plaintext_server_is_a_tls_failure():
    with servers.serve(servers.smtp_greeting) as server:
        result = probe("https", server.port)
    assert (result.verdict, result.category) == ("failed", "tls")


def test_tls_handshake_against_a_silent_server_times_out():
    with servers.serve(servers.silent) as server:
        result, wall = timed("https", server.port, timeout=0.6)
    assert (result.verdict, result.category) == ("failed", "timeout")
    assert wall <= 0.6 * 1.1 + SLACK


def test_tls_handshake_dripped_by_the_server_stops_at_the_deadline(server_ssl_context, ca_file):
    """A real handshake whose server flight arrives a byte at a time: the deadline bounds the
    whole handshake, not each read inside it."""
    with servers.HttpServer(server_ssl_context) as web, servers.serve(servers.drip_proxy(web.port)) as proxy:
        result, wall = timed("https", proxy.port, timeout=0.6, cafile=str(ca_file))
    assert (result.verdict, result.category) == ("failed", "timeout"), result.message
    assert result.tls is None and "TLS handshake" in result.message
    assert wall <= 0.6 * 1.1 + SLACK


def test_certificate_decoder_agrees_with_openssl(server_cert, tmp_path):
    pem = server_cert.cert_chain_pems[0].bytes()
    path = tmp_path / "leaf.pem"
    path.write_bytes(pem)
    reference = ssl._ssl._test_decode_cert(str(path))  # OpenSSL's own decoding, for comparison
    decoded = decode_certificate(ssl.PEM_cert_to_DER_cert(pem.decode()))
    assert decoded["not_after"] == dt.datetime.fromtimestamp(
        ssl.cert_time_to_seconds(reference["notAfter"]), dt.UTC
    )
    assert [value for (_, value) in decoded["subject"]] == [rdn[0][1] for rdn in reference["subject"]]
    assert [value for (_, value) in decoded["issuer"]] == [rdn[0][1] for rdn in reference["issuer"]]
    assert [name.split(":", 1)[1] for name in decoded["sans"]][:2] == [v for _, v in reference["subjectAltName"]][:2]


# -- result and options ------------------------------------------------------------------------


def test_password_never_appears_in_repr_or_json():
    options = ProbeOptions("h", user="alice", password="s3cret-pw")
    assert "s3cret-pw" not in repr(options)
    assert "s3cret-pw" not in str(options.to_dict())
    assert "password" not in options.to_dict()


def test_timings_and_json_fields_of_a_successful_probe():
    with servers.serve(servers.banner()) as server:
        result = probe("tcp", server.port)
    data = result.to_dict()
    assert data["verdict"] == "ok" and data["category"] is None
    assert list(data["timings_ms"])[:2] == ["dns", "connect"] and "total" in data["timings_ms"]
    assert data["timings_ms"]["total"] >= data["timings_ms"]["connect"]
    assert set(data) == {
        "protocol", "host", "port", "addresses", "address_used", "timings_ms", "greeting",
        "server_software", "software_source", "capabilities", "details", "tls", "warnings", "module", "substitution",
        "verdict", "category", "message",
    }  # fmt: skip


def test_a_name_with_several_addresses_reports_the_one_that_answered(monkeypatch):
    """The resolver (stubbed: nothing may leave the machine) gives two loopback addresses;
    the server listens on the second only, so the first refuses and the second answers."""
    real_getaddrinfo = socket.getaddrinfo

    def two_addresses(host, port, *args, **kwargs):
        if host != "multi.example.invalid":
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in ("127.0.0.2", "127.0.0.1")]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    with servers.serve(servers.banner(), host="127.0.0.1") as server:
        result = probe("tcp", server.port, host="multi.example.invalid")
    assert result.verdict == "ok", result.message
    assert result.addresses == ["127.0.0.2", "127.0.0.1"]
    assert result.address_used == "127.0.0.1"


def test_tls_context_for_insecure_loads_no_trust_store():
    from netref.probes.tls import client_context

    insecure = client_context(ProbeOptions("h", insecure=True))
    assert insecure.verify_mode == ssl.CERT_NONE and not insecure.check_hostname
    assert insecure.cert_store_stats()["x509_ca"] == 0
    assert client_context(ProbeOptions("h", insecure=True)) is insecure  # reused


def test_starttls_that_never_happened_is_a_tls_failure(monkeypatch):
    """The core's own check: a family that returns without upgrading cannot turn
    ``--starttls`` into a plaintext success."""
    import netref.probes.smtp as smtp_family

    monkeypatch.setattr(smtp_family, "probe", lambda session: None)
    with servers.serve(servers.banner(b"220 hello\r\n")) as server:
        result = probe("smtp", server.port, starttls=True)
    assert (result.verdict, result.category) == ("failed", "tls")
    assert result.tls is None
