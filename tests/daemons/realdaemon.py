"""Real servers from Debian's packages, started by a test as ordinary processes on 127.0.0.1.

The real-daemon suite (``tests/daemons/test_*.py``) checks netref against the programs people
run, not only against servers the tests wrote. ``.ci/run`` installs the packages listed in
``tests/daemons/packages.txt`` (``tools/install_test_daemons.sh``); on a machine without them
each test skips with a reason that names the missing program and the package that brings it,
so the README's plain ``pytest`` still passes (``-ra`` prints every skip reason).

A test writes the daemon's configuration under its ``tmp_path``, on a free port, starts it with
:func:`running` and probes it; the daemon is stopped (and killed if it lingers) afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

#: How long a daemon may take to listen before the test fails (package start-up is slow under load).
READY_TIMEOUT = 20.0


def need(program: str, package: str) -> str:
    """The path of ``program`` (searching the sbin directories too), or skip naming ``package``."""
    path = shutil.which(program, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if path is None:
        pytest.skip(f"{program} is not installed (Debian package {package}; .ci/run installs it)")
    return path


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port free on 127.0.0.1 now (TCP by default, ``socket.SOCK_DGRAM`` for UDP)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])



def write_pem_files(server_cert: Any, directory: Path) -> tuple[Path, Path]:
    """``server_cert`` (trustme's leaf) as ``cert.pem`` (the whole chain) and ``key.pem`` in
    ``directory``: the files a daemon's TLS settings name."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    server_cert.private_key_pem.write_to_path(str(key))
    cert.write_bytes(b"".join(blob.bytes() for blob in server_cert.cert_chain_pems))
    return cert, key


def wait_for_text(path: Path, text: str, timeout: float = 10.0) -> None:
    """Wait until ``text`` stands in ``path``, a file a daemon writes when it gets round to it;
    the test's own assertions then say what is missing, if anything."""
    deadline = time.monotonic() + timeout
    while not (path.exists() and text in path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)


def wait_listening(port: int, process: subprocess.Popen[bytes] | None = None, timeout: float = READY_TIMEOUT) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:``port``; fail with the daemon's
    own output when it exits first or never listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"the daemon exited with {process.returncode} before listening on {port}:\n{_output(process)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    pytest.fail(f"nothing listened on 127.0.0.1:{port} within {timeout:g} s:\n{_output(process)}")


@contextlib.contextmanager
def running(
    argv: Sequence[str | os.PathLike[str]],
    port: int | None = None,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    ready: float = READY_TIMEOUT,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` in its own process group until the block ends; with ``port``, wait first until
    it listens there (TCP). UDP daemons pass no port and check readiness themselves."""
    process = subprocess.Popen(
        [os.fspath(arg) for arg in argv],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if port is not None:
            wait_listening(port, process, ready)
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(wait)
    if process.stdout is not None:
        process.stdout.close()


def _output(process: subprocess.Popen[bytes] | None) -> str:
    """What a dead daemon printed (a live one's pipe is not read: it would block)."""
    if process is None or process.poll() is None or process.stdout is None:
        return ""
    return process.stdout.read(8192).decode("utf-8", "replace")
