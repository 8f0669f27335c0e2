"""websocketd (Debian package websocketd) on 127.0.0.1, alone and behind nginx (nginx-light) as ws
and wss: the websocket probe's Upgrade, the verified accept key, the Close handshake; nginx's own
page where no WebSocket is, named as what answered."""

from __future__ import annotations

from pathlib import Path

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, run_probe


def nginx_proxy(directory: Path, program: str, ports: tuple[int, int, int], pem: tuple[Path, Path]) -> list[str]:
    """nginx proxying ``/ws`` to websocketd (``ports``: plaintext, TLS, websocketd's); ``/`` is a page."""
    plain, tls, upstream = ports
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = " ".join(f"{kind}_temp_path {directory / kind};" for kind in kinds)
    proxy = (f"location /ws {{ proxy_pass http://127.0.0.1:{upstream}/; proxy_http_version 1.1; "
             "proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; }"
             ' location / { return 200 "netref\\n"; }')  # fmt: skip
    (directory / "nginx.conf").write_text(
        "daemon off; master_process off; worker_processes 1;\n"
        f"pid {directory / 'nginx.pid'}; error_log {directory / 'error.log'};\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; {temp}\n"
        f"  server {{ listen 127.0.0.1:{plain}; {proxy} }}\n"
        f"  server {{ listen 127.0.0.1:{tls} ssl; ssl_certificate {pem[0]};\n"
        f"    ssl_certificate_key {pem[1]}; {proxy} }}\n}}\n"
    )
    return [program, "-c", str(directory / "nginx.conf"), "-p", str(directory)]


def test_websocketd_alone_and_behind_nginx(tmp_path, pem_files, ca_file):
    websocketd = need("websocketd", "websocketd")
    nginx = need("nginx", "nginx-light")
    port, plain, tls = free_port(), free_port(), free_port()
    with running([websocketd, "--address=127.0.0.1", f"--port={port}", "cat"], port), \
            running(nginx_proxy(tmp_path, nginx, (plain, tls, port), pem_files), plain):  # fmt: skip
        alone = run_probe("websocket", ProbeOptions("127.0.0.1", port=port, timeout=5))
        assert alone.ok, alone.message
        assert alone.details["accept_verified"] is True and alone.details["close_code"] == 1000
        assert alone.greeting == "HTTP/1.1 101 Switching Protocols" and alone.warnings == []

        proxied = run_probe("websocket", ProbeOptions("127.0.0.1", port=plain, timeout=5, path="/ws"))
        assert proxied.ok, proxied.message
        assert proxied.server_software.startswith("nginx/") and proxied.details["close_code"] == 1000

        secure = run_probe("wss", ProbeOptions("127.0.0.1", port=tls, timeout=5, path="/ws", cafile=str(ca_file)))
        assert secure.ok, secure.message
        assert secure.tls is not None and secure.tls.chain_verified and secure.details["accept_verified"]

        page = run_probe("websocket", ProbeOptions("127.0.0.1", port=plain, timeout=5))
        assert (page.verdict, page.category) == ("failed", "protocol")
        assert page.message.startswith("no WebSocket at /: the server answered 'HTTP/1.1 200 OK' from nginx/")

        plaintext = run_probe("websocket", ProbeOptions("127.0.0.1", port=tls, timeout=5, path="/ws"))
        assert (plaintext.verdict, plaintext.category) == ("failed", "tls")
        assert "netref probe wss 127.0.0.1:" in plaintext.message, plaintext.message
