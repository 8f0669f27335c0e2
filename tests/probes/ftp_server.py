"""A real FTP server (pyftpdlib) on loopback for the probe tests: plain, AUTH TLS, implicit FTPS.

pyftpdlib speaks explicit TLS (RFC 4217, ``AUTH TLS``) through pyOpenSSL; implicit FTPS
(port 990 style: TLS from the first byte) is the same handler with the handshake started
before the greeting. Each server gets its own IO loop and handler subclass so that parallel
servers share nothing. Every command is recorded with whether the control channel was TLS
at the time, so that tests prove no password crossed the wire in the clear.
"""

from __future__ import annotations

import socket
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Self

with warnings.catch_warnings():
    # pyftpdlib imports asyncore/asynchat, which warn on 3.11 (3.12+ use the PyPI copies).
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.ioloop import IOLoop
    from pyftpdlib.servers import FTPServer

USER = "alice"
PASSWORD = "s3cret-ftp-pw"


@dataclass(frozen=True)
class FtpCommand:
    line: str  # as received, PASS included: the tests look for the password in it
    secure: bool


def _tls_handler_class():
    try:
        from pyftpdlib.handlers import TLS_FTPHandler
    except ImportError as error:  # pragma: no cover - pyOpenSSL is in the test extra
        raise RuntimeError("FTPS test servers need pyOpenSSL (pyftpdlib[ssl])") from error
    return TLS_FTPHandler


class FtpServer:
    """pyftpdlib on 127.0.0.1 (or ``host``), port 0, in its own thread; a context manager.

    ``tls`` is None (plain FTP, no AUTH TLS), "explicit" (AUTH TLS offered) or "implicit".
    ``certfile``/``keyfile`` are PEM paths, needed for either TLS mode.
    """

    def __init__(self, root: Path, *, host: str = "127.0.0.1", tls: str | None = None,
                 certfile: Path | None = None, keyfile: Path | None = None,
                 banner: str = "netref-test FTP server (pyftpdlib) ready.") -> None:
        self.host = host
        self.log: list[FtpCommand] = []
        self.logins: list[str] = []
        authorizer = DummyAuthorizer()
        authorizer.add_user(USER, PASSWORD, str(root), perm="elr")
        self._stop = threading.Event()
        base = FTPHandler if tls is None else _tls_handler_class()
        # auth_failed_timeout: pyftpdlib waits 3 s before a 530; tests have shorter deadlines.
        attributes = {"authorizer": authorizer, "banner": banner, "timeout": 10, "auth_failed_timeout": 0.05}
        if tls is not None:
            attributes.update(certfile=str(certfile), keyfile=str(keyfile), ssl_context=None)
        self.handler = type("NetrefTestFTPHandler", (base,), attributes)
        self.handler.pre_process_command = _recording_pre_process(self.log, base)
        self.handler.on_login = lambda handler, username: self.logins.append(username)
        if tls == "implicit":
            self.handler.handle = _implicit_tls_handle(base)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, 0))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._server = FTPServer(listener, self.handler, ioloop=IOLoop())
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def verbs(self) -> list[str]:
        return [command.line.split(" ")[0].upper() for command in self.log]

    def _serve(self) -> None:
        # One loop step at a time so that stopping never races the IO loop from another thread.
        while not self._stop.is_set():
            self._server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)
        self._server.close_all()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(5)


def _recording_pre_process(log: list[FtpCommand], base: type):
    def pre_process_command(handler, line, cmd, arg):
        log.append(FtpCommand(line, bool(getattr(handler, "_ssl_established", False))))
        return base.pre_process_command(handler, line, cmd, arg)

    return pre_process_command


def _implicit_tls_handle(base: type):
    def handle(handler):
        # Implicit FTPS: the handshake comes first; the greeting then travels inside TLS.
        handler.secure_connection(handler.ssl_context)
        return base.handle(handler)

    return handle


def write_cert_files(server_cert, directory: Path) -> tuple[Path, Path]:
    """trustme's leaf certificate and key as PEM files, which pyOpenSSL needs as paths."""
    certfile, keyfile = directory / "ftp-cert.pem", directory / "ftp-key.pem"
    server_cert.cert_chain_pems[0].write_to_path(str(certfile))
    for extra in server_cert.cert_chain_pems[1:]:
        with certfile.open("ab") as chain:
            chain.write(extra.bytes())
    server_cert.private_key_pem.write_to_path(str(keyfile))
    return certfile, keyfile
