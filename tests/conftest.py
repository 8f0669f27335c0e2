"""Fixtures shared by the whole suite.

TLS material is made locally with trustme, once per test session: nothing in the suite
touches the internet, and every server a test needs listens on 127.0.0.1 or ::1.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tls_ca():
    """A private certificate authority that no system trust store knows."""
    import trustme  # the test extra; a missing one must fail, not skip
    return trustme.CA()


@pytest.fixture(scope="session")
def server_cert(tls_ca):
    """A leaf certificate for localhost, 127.0.0.1 and ::1, signed by ``tls_ca``."""
    return tls_ca.issue_cert("localhost", "127.0.0.1", "::1")


@pytest.fixture(scope="session")
def server_ssl_context(server_cert) -> ssl.SSLContext:
    """A server-side context presenting ``server_cert``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    return context


@pytest.fixture(scope="session")
def ca_file(tls_ca, tmp_path_factory) -> Path:
    """``tls_ca``'s certificate as a PEM file, for ``--cafile``."""
    path = tmp_path_factory.mktemp("tls") / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory):
    """netref caches the parsed catalogue under $XDG_CACHE_HOME: keep the suite's copy private."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    mp.delenv("NETREF_DATA", raising=False)
    yield
    mp.undo()


@pytest.fixture()
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 bound but not listening: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
