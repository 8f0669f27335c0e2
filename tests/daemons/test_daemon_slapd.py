"""OpenLDAP slapd (Debian package slapd) on 127.0.0.1: the ldap probe in plaintext and with
StartTLS, ldaps, a refused search (``require authc``), and the scan naming both on free ports.

slapd runs as an ordinary process from a minimal slapd.conf (core schema, one mdb database, the
test CA's certificate), in the foreground (``-d 0``), listening on ``ldap://`` and ``ldaps://``.
"""

from __future__ import annotations

from pathlib import Path

from realdaemon import free_port, need, running

from netref.probes import ProbeOptions, ldap, run_probe
from netref.scan import ScanOptions, scan

SUFFIX = "dc=example,dc=org"


def config(directory: Path, cert: Path, key: Path, extra: str = "") -> Path:
    """A slapd.conf for one empty mdb database, TLS from ``cert``/``key``."""
    (directory / "db").mkdir(parents=True, exist_ok=True)
    path = directory / "slapd.conf"
    path.write_text(
        "include /etc/ldap/schema/core.schema\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        f"pidfile {directory / 'slapd.pid'}\nargsfile {directory / 'slapd.args'}\n{extra}"
        f"TLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\n"
        f'database mdb\nmaxsize 10485760\nsuffix "{SUFFIX}"\nrootdn "cn=admin,{SUFFIX}"\n'
        f"directory {directory / 'db'}\n"
    )
    return path


def test_slapd(tmp_path: Path, pem_files: tuple[Path, Path], ca_file: Path) -> None:
    program = need("slapd", "slapd")
    plain, tls = free_port(), free_port()
    urls = f"ldap://127.0.0.1:{plain}/ ldaps://127.0.0.1:{tls}/"
    with running([program, "-d", "0", "-f", config(tmp_path, *pem_files), "-h", urls], plain):
        read = run_probe("ldap", ProbeOptions("127.0.0.1", port=plain, timeout=5))
        assert read.ok, read.message
        assert read.details["naming_contexts"] == [SUFFIX] and read.details["ldap_versions"] == [3]
        assert ldap.STARTTLS_OID in read.details["extensions"] and read.details["starttls_offered"] is True
        assert read.server_software is None  # slapd publishes no vendorName

        upgraded = run_probe("ldap", ProbeOptions("127.0.0.1", port=plain, timeout=5, starttls=True,
                                                  cafile=str(ca_file), sni="localhost"))  # fmt: skip
        assert upgraded.ok, upgraded.message
        assert upgraded.tls is not None and upgraded.tls.starttls and upgraded.tls.chain_verified
        assert "SASL PLAIN" in upgraded.capabilities  # slapd offers PLAIN only over TLS

        implicit = run_probe("ldaps", ProbeOptions("127.0.0.1", port=tls, timeout=5, cafile=str(ca_file)))
        assert implicit.ok, implicit.message
        assert implicit.tls is not None and not implicit.tls.starttls
        assert implicit.details["naming_contexts"] == [SUFFIX]

        found = {entry.port: entry for entry in scan(["127.0.0.1"], ScanOptions(ports=[plain, tls], timeout=3,
                                                                                 cafile=str(ca_file)))}  # fmt: skip
        assert (found[plain].protocol, found[tls].protocol) == ("ldap", "ldaps")
        assert found[plain].verdict == "ok" and found[tls].verdict == "ok", (found[plain], found[tls])


def test_slapd_refusing_anonymous_search(tmp_path: Path, pem_files: tuple[Path, Path]) -> None:
    program = need("slapd", "slapd")
    port = free_port()
    path = config(tmp_path, *pem_files, extra="require authc\n")
    with running([program, "-d", "0", "-f", path, "-h", f"ldap://127.0.0.1:{port}/"], port):
        result = run_probe("ldap", ProbeOptions("127.0.0.1", port=port, timeout=5))
    assert result.ok, result.message
    assert (result.details["result_code"], result.details["result_name"]) == (53, "unwillingToPerform")
    assert result.message.startswith("the server refused the anonymous RootDSE search: unwillingToPerform (53)")
