"""The probe package's structure: layers that import downward only, and the family contract
checked when a family is loaded."""

from __future__ import annotations

import ast
import socket
import ssl
import time
import types
from pathlib import Path

import pytest

from netref.probes import ProbeOptions, ProbeUsageError, password_needed, replies, tls
from netref.probes.family import load_family

PACKAGE = Path(tls.__file__).parent


def _imports(path: Path) -> set[str]:
    """The netref.probes modules a module imports, anywhere in it (functions included)."""
    found: set[str] = set()
    submodules = {file.stem for file in PACKAGE.glob("*.py")}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("netref"):
            if node.module == "netref.probes":
                found |= {alias.name for alias in node.names if alias.name in submodules}
                found |= {"__init__" for alias in node.names if alias.name not in submodules}
            elif node.module.startswith("netref.probes."):
                found.add(node.module.rpartition(".")[2])
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("netref")}
    return found


def test_no_import_cycle_in_the_probe_package():
    graph = {path.stem: _imports(path) - {path.stem} for path in PACKAGE.glob("*.py")}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        assert name not in visiting, f"import cycle: {' -> '.join([*visiting, name])}"
        if name in done or name not in graph:
            return
        visiting.append(name)
        for imported in graph[name]:
            visit(imported)
        visiting.pop()
        done.add(name)

    for name in graph:
        visit(name)


def test_value_types_import_nothing_of_netref_and_tls_knows_no_session():
    assert _imports(PACKAGE / "values.py") == set()
    assert _imports(PACKAGE / "tls.py") == {"values"}


def test_handshake_is_a_function_of_socket_context_name_and_deadline():
    """A silent peer: the handshake gives up at the deadline with a TimeoutError (the
    session words it), without a session anywhere."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            tls.handshake(ours, ssl.create_default_context(), "localhost", started + 0.2)
        assert 0.15 < time.monotonic() - started < 2


def test_a_module_without_probe_is_not_a_family(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "netref.probes.nothing_here", types.ModuleType("nothing_here"))
    with pytest.raises(TypeError, match=r"netref\.probes\.nothing_here is not a probe family"):
        load_family("nothing_here")


def test_the_login_hook_is_found_when_the_family_is_loaded():
    assert load_family("ftp").logs_in and not load_family("smtp").logs_in
    assert password_needed("ftp", ProbeOptions("h", user="alice"))
    assert not password_needed("ftp", ProbeOptions("h", user="anonymous"))
    with pytest.raises(ProbeUsageError, match="--user does not apply to smtp"):
        password_needed("smtp", ProbeOptions("h", user="alice"))


def test_one_identification_function_from_catalogue_data():
    """What answered is named by netref.identify from the catalogue (the scan uses the same),
    not by a table of the probes' own."""
    assert not hasattr(replies, "identify") and not hasattr(replies, "SIGNATURES")
    assert "from netref import identify" in (PACKAGE / "mismatch.py").read_text(encoding="utf-8")


def test_client_error_text_reads_bytes_as_the_protocols_do():
    assert replies.client_error_text(ValueError(b"* NO not today")) == "* NO not today"
    assert replies.client_error_text(ValueError("-ERR EOF")) == "-ERR EOF"
    assert replies.client_error_text(ValueError()) == "ValueError"
