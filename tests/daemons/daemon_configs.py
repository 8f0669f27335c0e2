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


# The daemons below serve the scan benchmark's ports of the later families (benchmarks/scan_catalogue.py);
# their own tests (test_daemon_<name>.py) hold the configurations these follow. ``address`` is where
# they listen (the benchmark's host is 127.0.0.42).


def slapd(directory: Path, program: str, plain: int, tls: int, cert: Path, key: Path,
          address: str = "127.0.0.1") -> list[str]:  # fmt: skip
    """OpenLDAP's slapd with one empty mdb database: ldap:// on ``plain``, ldaps:// on ``tls``."""
    (directory / "db").mkdir(parents=True, exist_ok=True)
    suffix = "dc=example,dc=org"
    (directory / "slapd.conf").write_text(
        "include /etc/ldap/schema/core.schema\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        f"pidfile {directory / 'slapd.pid'}\nargsfile {directory / 'slapd.args'}\n"
        f"TLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\n"
        f'database mdb\nmaxsize 10485760\nsuffix "{suffix}"\nrootdn "cn=admin,{suffix}"\n'
        f"directory {directory / 'db'}\n"
    )
    urls = f"ldap://{address}:{plain}/ ldaps://{address}:{tls}/"
    return [program, "-d", "0", "-f", str(directory / "slapd.conf"), "-h", urls]


def ngircd(directory: Path, program: str, ports: list[int], tls: int, cert: Path, key: Path,
           address: str = "127.0.0.1") -> list[str]:  # fmt: skip
    """ngIRCd on ``ports`` in plaintext and on ``tls`` over TLS (its [SSL] section)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ngircd.conf").write_text(
        f"[Global]\nName = irc.netref.test\nInfo = netref benchmark\nListen = {address}\n"
        f'Ports = {", ".join(map(str, ports))}\nNetwork = NetrefNet\nMotdPhrase = "netref benchmark"\n'
        f"PidFile = {directory / 'ngircd.pid'}\n[Options]\nPAM = no\nIdent = no\nDNS = no\n"
        f"[SSL]\nCertFile = {cert}\nKeyFile = {key}\nPorts = {tls}\n"
    )
    return [program, "-n", "-f", str(directory / "ngircd.conf")]


def prosody(directory: Path, program: str, c2s: int, direct: int, s2s: int, cert: Path, key: Path,
            address: str = "127.0.0.1") -> list[str]:  # fmt: skip
    """Prosody for the domains localhost and ``address`` (what a probe of the address names as its
    domain): client streams on ``c2s`` (STARTTLS) and ``direct`` (TLS first), server streams on
    ``s2s``. Run it with HOME set to ``directory``."""
    (directory / "data").mkdir(parents=True, exist_ok=True)
    (directory / "prosody.cfg.lua").write_text(f"""pidfile = "{directory}/prosody.pid"
daemonize = false
run_as_root = true
data_path = "{directory}/data"
interfaces = {{ "{address}" }}
c2s_ports = {{ {c2s} }}
c2s_direct_tls_ports = {{ {direct} }}
s2s_ports = {{ {s2s} }}
http_ports = {{ }}
https_ports = {{ }}
log = {{ error = "*console" }}
modules_enabled = {{ "roster"; "saslauth"; "tls"; "disco"; "ping"; "dialback" }}
authentication = "internal_hashed"
ssl = {{ key = "{key}"; certificate = "{cert}" }}
VirtualHost "localhost"
VirtualHost "{address}"
""")
    return [program, "--config", str(directory / "prosody.cfg.lua"), "-F"]


def mosquitto(directory: Path, program: str, plain: int, tls: int, cert: Path, key: Path,
              address: str = "127.0.0.1") -> list[str]:  # fmt: skip
    """mosquitto accepting anonymous clients on ``plain`` and over TLS on ``tls``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "mosquitto.conf").write_text(
        f"persistence false\nuser root\nlistener {plain} {address}\nallow_anonymous true\n"
        f"listener {tls} {address}\nallow_anonymous true\ncertfile {cert}\nkeyfile {key}\n"
    )
    return [program, "-c", str(directory / "mosquitto.conf")]


def danted(directory: Path, program: str, port: int, address: str = "127.0.0.1") -> list[str]:
    """Dante's SOCKS server, no authentication, CONNECT to loopback only."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "danted.conf").write_text(
        f"logoutput: stderr\ninternal: {address} port = {port}\nexternal: 127.0.0.1\nsocksmethod: none\n"
        "clientmethod: none\nuser.unprivileged: nobody\nclient pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n"
        "socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }\n"
        "socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 }\n"
    )
    return [program, "-f", str(directory / "danted.conf"), "-p", str(directory / "danted.pid")]


def rsyslog_tls(directory: Path, program: str, port: int, cert: Path, key: Path, address: str = "127.0.0.1",
                *, ca: Path | None = None, authmode: str = "anon") -> tuple[list[str], Path]:  # fmt: skip
    """(the daemon, the file it logs to): rsyslogd receiving RFC 5425 over TLS (GnuTLS; clients as
    ``authmode`` says: anonymous by default, ``x509/certvalid`` wants a certificate signed by ``ca``)
    on ``port``, writing every message it receives as one RFC 5424 line."""
    directory.mkdir(parents=True, exist_ok=True)
    log, conf = directory / "messages", directory / "rsyslog.conf"
    conf.write_text(f"""global(workDirectory="{directory}" DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="{ca or cert}" DefaultNetstreamDriverCertFile="{cert}"
       DefaultNetstreamDriverKeyFile="{key}")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.Authmode="{authmode}")
input(type="imtcp" address="{address}" port="{port}")
*.* action(type="omfile" file="{log}" template="RSYSLOG_SyslogProtocol23Format")
""")
    return [program, "-n", "-f", str(conf), "-i", str(directory / "rsyslogd.pid")], log


def unbound(directory: Path, program: str, plain: int, tls: int, cert: Path, key: Path,
            address: str = "127.0.0.1") -> list[str]:  # fmt: skip
    """unbound answering a local root zone over UDP and TCP on ``plain`` and over TLS on ``tls``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "unbound.conf").write_text(f"""server:
  interface: {address}@{plain}
  interface: {address}@{tls}
  tls-port: {tls}
  tls-service-key: "{key}"
  tls-service-pem: "{cert}"
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{directory}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  do-ip6: no
  local-zone: "." static
  local-data: ". 86400 IN SOA a.root.test. nstld.test. 2026120400 1800 900 604800 86400"
remote-control:
  control-enable: no
""")
    return [program, "-d", "-c", str(directory / "unbound.conf")]


def inspircd(directory: Path, program: str, port: int, root: bool, address: str = "127.0.0.1") -> list[str]:
    """InspIRCd on ``port`` (it binds before leaving root, so a port below 1024 works: ngIRCd's
    does not, it drops to nobody first); ``root``: the process runs as root (``--runasroot``)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "motd.txt").write_text("netref benchmark\n")
    conf = directory / "inspircd.conf"
    conf.write_text(f"""<server name="irc.netref.test" description="netref" network="NetrefNet">
<admin name="netref" nick="netref" email="netref@localhost">
<bind address="{address}" port="{port}" type="clients">
<connect name="open" allow="*" port="{port}" useident="no" localmax="10" globalmax="10">
<files motd="{directory}/motd.txt">
<pid file="{directory}/inspircd.pid">
<dns timeout="1">
<options>
""")
    return [program, "--nofork", f"--config={conf}", *(["--runasroot"] if root else [])]
