"""Minimal configurations of Debian's real daemons, written under a test's ``tmp_path``.

Shared by the scan test (tests/daemons/test_daemon_scan.py) and the scan benchmark
(benchmarks/scan_catalogue.py): each function writes what its daemon needs and returns the
argv that runs it in the foreground as an ordinary process, listening on 127.0.0.1 only. No
daemon drops privileges to a user a fresh Debian lacks: the login processes run as ``nobody``.
"""

from __future__ import annotations

from pathlib import Path


def nginx(directory: Path, program: str, plain: int, tls: int, cert: Path, key: Path) -> list[str]:
    """nginx serving a tiny page on ``plain`` and over TLS on ``tls`` (any port: implicit TLS)."""
    directory.mkdir(parents=True, exist_ok=True)
    temp = " ".join(
        f"{kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (directory / "nginx.conf").write_text(
        "daemon off; master_process off; worker_processes 1;\n"
        f"pid {directory / 'nginx.pid'}; error_log {directory / 'error.log'};\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; {temp}\n"
        f'  server {{ listen 127.0.0.1:{plain}; location / {{ return 200 "netref\\n"; }} }}\n'
        f"  server {{ listen 127.0.0.1:{tls} ssl; ssl_certificate {cert}; ssl_certificate_key {key};\n"
        '    location / { return 200 "netref\\n"; } }\n}\n'
    )
    return [program, "-c", str(directory / "nginx.conf"), "-p", str(directory)]


def dovecot(directory: Path, program: str, ports: dict[str, int], cert: Path, key: Path) -> list[str]:
    """Dovecot with the listeners named in ``ports`` (imap, imaps, pop3, pop3s), on any ports."""
    directory.mkdir(parents=True, exist_ok=True)
    services = {"imap": "imap-login", "imaps": "imap-login", "pop3": "pop3-login", "pop3s": "pop3-login"}
    blocks: dict[str, list[str]] = {}
    for name, port in ports.items():
        ssl = "\n    ssl = yes" if name.endswith("s") else ""
        blocks.setdefault(services[name], []).append(f"  inet_listener {name} {{\n    port = {port}{ssl}\n  }}")
    listeners = "".join(f"service {service} {{\n  chroot =\n" + "\n".join(parts) + "\n}\n"
                        for service, parts in blocks.items())  # fmt: skip
    protocols = " ".join(sorted({name.rstrip("s") for name in ports}))
    (directory / "dovecot.conf").write_text(
        f"protocols = {protocols}\nlisten = 127.0.0.1\n"
        f"base_dir = {directory / 'run'}\nstate_dir = {directory / 'state'}\nlog_path = {directory / 'log'}\n"
        f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n"
        "default_internal_user = nobody\ndefault_login_user = nobody\ndefault_internal_group = nogroup\n"
        "passdb {\n  driver = static\n  args = password=none\n}\n"
        f"userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={directory / 'home'}\n}}\n"
        f"{listeners}service anvil {{\n  chroot =\n}}\n"
    )
    (directory / "state").mkdir(exist_ok=True)
    return [program, "-F", "-c", str(directory / "dovecot.conf")]


def lighttpd(directory: Path, program: str, port: int) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text("netref\n")
    (directory / "lighttpd.conf").write_text(
        f'server.document-root = "{directory}"\nserver.port = {port}\nserver.bind = "127.0.0.1"\n'
        f'index-file.names = ("index.html")\nserver.pid-file = "{directory / "lighttpd.pid"}"\n'
    )
    return [program, "-D", "-f", str(directory / "lighttpd.conf")]


def vsftpd(directory: Path, program: str, port: int) -> list[str]:
    empty = directory / "empty"
    empty.mkdir(parents=True, exist_ok=True)
    (directory / "vsftpd.conf").write_text(
        f"listen=YES\nlisten_address=127.0.0.1\nlisten_port={port}\nanonymous_enable=YES\nanon_root={empty}\n"
        f"no_anon_password=YES\nlocal_enable=NO\nsecure_chroot_dir={empty}\nbackground=NO\n"
        "run_as_launching_user=YES\n"
    )
    return [program, str(directory / "vsftpd.conf")]


def dropbear(directory: Path, program: str, keygen: str, port: int) -> tuple[list[str], list[str]]:
    """(the key generation, the daemon): Dropbear's SSH server in the foreground."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / "host_ed25519"
    return (
        [keygen, "-t", "ed25519", "-f", str(key)],
        [program, "-F", "-E", "-p", f"127.0.0.1:{port}", "-r", str(key), "-P", str(directory / "dropbear.pid")],
    )
