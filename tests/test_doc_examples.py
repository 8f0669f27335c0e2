"""Every console example of the README and of docs/*.md is what netref prints.

Conventions (docs/index.md, "Examples are tested"): ``...`` stands for cut lines, ``$ echo $?``
shows the exit code, ``NAME=value`` sets the environment. Each example runs in a directory holding
the files the docs name (``ca.pem``, ``broken.toml``; the Python files of tests/check_corpus), and a
probe of ``127.0.0.1:PORT`` reaches the local test server that :data:`DOC_SERVERS` maps that port to.
Figures that change from run to run are masked on both sides by :data:`VARYING` (and a probe's
timing waterfall, by :data:`WATERFALL`).
"""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import captures_ssh
import pytest
from captures_ssh import Replay
from doc_examples import Example, all_examples, matches
from ftp_server import FtpServer
from http_carried_servers import websocket_server, xmlrpc_server
from line_servers import imap_server, nntp_server
from probing import IdleHttpServer
from servers import HttpServer, banner, gopher_menu, serve, silent, telnet_login
from smtp_server import SmtpServer
from typer.testing import CliRunner
from udp_replay import DnsReplay

from netref.cli import app

CORPUS = Path(__file__).parent / "check_corpus"
REPOSITORY = Path(__file__).parent.parent
CATALOG = REPOSITORY / "data" / "catalog.toml"
HOME = "/home/me"  # what the docs show for the directory an example runs in
runner = CliRunner()

#: The port a page shows → the local server that example probes (given the test TLS context
#: and a scratch directory). Servers answer as the docs say: see the examples themselves.
DOC_SERVERS: dict[int, Callable[[Any, Path], contextlib.AbstractContextManager[Any]]] = {
    42327: lambda tls, _: HttpServer(tls),  # https, certificate from the test CA
    37791: lambda tls, _: HttpServer(tls),  # https, for --format nagios
    37665: lambda tls, _: serve(telnet_login()),
    36407: lambda tls, _: serve(gopher_menu()),
    34337: lambda tls, _: serve(banner()),  # the tutorial's server.py
    42991: lambda tls, _: serve(silent),  # accepts, never speaks
    38080: lambda tls, _: IdleHttpServer(),  # a web server: 408 to a client that says nothing
    39255: lambda tls, _: SmtpServer(starttls_context=tls),
    33161: lambda tls, _: SmtpServer(),  # no STARTTLS
    44059: lambda tls, _: nntp_server(ssl_context=tls, capabilities_error=True),
    33141: lambda tls, _: imap_server(ssl_context=tls),
    46825: lambda tls, scratch: FtpServer(scratch),  # plain FTP, no AUTH TLS
    40025: lambda tls, _: SmtpServer(),  # an SMTP server, probed as something else
    40143: lambda tls, _: imap_server(),  # plaintext IMAP, probed as imaps
    40993: lambda tls, _: imap_server(ssl_context=tls, implicit_tls=True),  # TLS-only IMAP, probed as imap
    40022: lambda tls, _: serve(Replay(captures_ssh.DROPBEAR, wait_for_client=False)),  # Dropbear's exact bytes
    46514: lambda tls, _: serve(silent, ssl_context=tls),  # a syslog collector over TLS: reads, never answers
    35353: lambda tls, _: DnsReplay(),  # UDP: unbound's recorded answers (tests/probes/udp_captures/dns.json)
    38001: lambda tls, _: xmlrpc_server(),  # Python's SimpleXMLRPCServer
    38002: lambda tls, _: websocket_server(),
}
CLOSED_PORTS = {1}  # nothing listens there: a scan example shows a closed port
TARGET_PORT = re.compile(r"(?:127\.0\.0\.1|localhost):(\d+)|--port (\d+)|--ports (?:[TU]:)?([\d,]+)")

#: (pattern, placeholder): what changes from run to run, masked in the shown and the printed lines.
VARYING = [
    (re.compile(r"\d+(?:\.\d+)?(?=  |$)"), "N"),  # the figures of a "timings (ms):" line (see _mask)
    (re.compile(r"(Testing (?:cert|CA) #)[\w-]+"), r"\1X"),  # trustme's serial numbers
    (re.compile(r"trustme v[\d.]+"), "trustme vX"),
    (re.compile(r"\d+ days left"), "N days left"),
    (re.compile(r"cert_days=\d+"), "cert_days=N"),
    (re.compile(r"=\d+\.\d+s;"), "=Ns;"),  # Nagios perfdata
    (re.compile(r"( - |, )\d+ ms, "), r"\1N ms, "),  # Nagios total time (after the problems, if any)
    (re.compile(r"Python/[\d.]+"), "Python/X"),  # http.server's Server header
    (re.compile(r'("elapsed_ms": ?)[\d.]+'), r"\1N"),  # a scanned port's duration
]


#: A line of a probe's timing waterfall: the phase's figure and its bar change from run to run.
WATERFALL = re.compile(r"^(timings \(ms\):)?( +)([a-z_]+) +\d+\.\d+(?: +[█▏─]+)?$")


def _mask(line: str) -> str:
    line = WATERFALL.sub(r"\1\2\3 N BAR", line)
    timings = line.split("timings (ms):", 1)
    if len(timings) == 2:
        line = timings[0] + "timings (ms):" + VARYING[0][0].sub(VARYING[0][1], timings[1])
    for pattern, placeholder in VARYING[1:]:
        line = pattern.sub(placeholder, line)
    return line


@pytest.fixture
def workdir(tmp_path: Path, ca_file: Path) -> Path:
    """The directory an example runs in, with the files the docs name."""
    shutil.copy(ca_file, tmp_path / "ca.pem")
    catalogue = CATALOG.read_text(encoding="utf-8")
    broken = catalogue.replace("{ number = 25, transport", "{ number = 70000, transport", 1)
    assert broken != catalogue
    (tmp_path / "broken.toml").write_text(broken, encoding="utf-8")
    (tmp_path / "ftp-root").mkdir()
    return tmp_path


@contextlib.contextmanager
def doc_server(args: list[str], tls: Any, scratch: Path) -> Iterator[dict[int, int]]:
    """The server the example's ``127.0.0.1:PORT`` stands for, as {shown port: real port}."""
    known = _shown_ports(" ".join(args)) & DOC_SERVERS.keys()
    with contextlib.ExitStack() as stack:  # a scan example names several servers
        yield {port: stack.enter_context(DOC_SERVERS[port](tls, scratch)).port for port in sorted(known)}


def _shown_ports(command: str) -> set[int]:
    """The ports an example names: ``127.0.0.1:PORT``, ``--port PORT``, ``--ports A,B,...``."""
    return {int(n) for match in TARGET_PORT.finditer(command) for group in match.groups() if group
            for n in group.split(",")}  # fmt: skip


def _run_in(directory: Path, example: Example, monkeypatch: pytest.MonkeyPatch, server_ssl_context: Any) -> list[str]:
    env, args = example.argv()
    assert args[0] == "netref", example.command
    monkeypatch.chdir(directory)
    with doc_server(args, server_ssl_context, directory / "ftp-root") as ports:
        line = " ".join(args[1:])
        for shown, real in ports.items():
            line = re.sub(rf"\b{shown}\b", str(real), line)
        # The width is 80 columns unless the example sets COLUMNS (the drawn views follow it).
        result = runner.invoke(app, shlex.split(line), env={"COLUMNS": None, **env})
    printed = (result.stdout + result.stderr).replace(str(directory), HOME)
    for shown, real in ports.items():
        printed = re.sub(rf"\b{real}\b", str(shown), printed)
    if example.exit_code is not None:
        assert result.exit_code == example.exit_code, result.output
    lines = printed.splitlines()
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _directory_for(example: Example, workdir: Path) -> Path:
    """The check corpus directory holding the Python files an example names, else ``workdir``."""
    files = [arg for arg in example.argv()[1] if arg.endswith(".py")]
    if not files:
        return workdir
    if all((REPOSITORY / name).is_file() for name in files):  # the README names them from a fresh clone
        return REPOSITORY
    homes = {path.parent for name in files for path in CORPUS.rglob(name)}
    assert len(homes) == 1, files
    return homes.pop()


@pytest.mark.parametrize("example", all_examples(), ids=lambda example: example.id)
def test_doc_example_is_what_netref_prints(example: Example, workdir, monkeypatch, server_ssl_context):
    printed = _run_in(_directory_for(example, workdir), example, monkeypatch, server_ssl_context)
    assert matches([_mask(line) for line in printed], [_mask(line) for line in example.shown]), "\n".join(printed)


def test_every_page_has_tested_examples():
    pages = {example.page for example in all_examples()}
    assert {"README.md", "docs/catalogue.md", "docs/queries.md", "docs/probes.md", "docs/check.md",
            "docs/json.md"} <= pages


def test_every_documented_probe_port_has_a_server():
    for example in all_examples():
        shown = _shown_ports(example.command) - CLOSED_PORTS
        assert shown <= DOC_SERVERS.keys(), (example.id, shown - DOC_SERVERS.keys())


# -- a JSON field is a promise: every one is documented in docs/json.md ------------------------------

FREE_FORM = {"moved_attributes", "timings_ms", "cells"}  # their keys are data (attribute names, phases, versions)


def _keys(value: Any) -> set[str]:
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    if not isinstance(value, dict):
        return set()
    return {key for key, item in value.items() for key in {key} | (set() if key in FREE_FORM else _keys(item))}


def test_every_json_field_is_documented(ca_file, server_ssl_context):
    import json

    tutorial = CORPUS / "tutorial"
    outputs = [runner.invoke(app, [*command, "-f", "json"]) for command in (
        ["list"], ["show", "smtp"], ["module", "urllib2"], ["module", "ssl"], ["module", "ssl.wrap_socket"],
        ["port", "20"], ["matrix"],
        ["check", str(tutorial / "server.py"), str(tutorial / "client.py"), "--python", "3.13"],
        ["check", str(tutorial / "server.py"), "--python", "3.13", "--statistics"])]
    with HttpServer(server_ssl_context) as https, serve(banner()) as tcp:
        outputs.append(runner.invoke(app, ["probe", "https", f"127.0.0.1:{https.port}", "--cafile", str(ca_file),
                                           "-f", "json"]))
        outputs.append(runner.invoke(app, ["probe", "tcp", f"127.0.0.1:{tcp.port}", "-f", "json"]))
        outputs.append(runner.invoke(app, ["scan", "127.0.0.1", "nothing.invalid", "--ports", str(tcp.port),
                                           "-f", "json"]))
    fields = {key for output in outputs for key in _keys(json.loads(output.stdout))}
    page = (Path(__file__).parent.parent / "docs" / "json.md").read_text(encoding="utf-8")
    undocumented = {key for key in fields if not re.search(rf"[`\"{{ ]{re.escape(key)}[`\",}}]", page)}
    assert {"tls", "days_left", "banner_bytes", "fixable", "tutorial_note", "warns_on_import"} <= fields
    assert not undocumented, sorted(undocumented)
