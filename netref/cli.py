"""The ``netref`` command. It parses arguments, calls the library, and renders; nothing else.

Exit codes (README.md, "Exit codes"; netref.exits): 0 success; 1 nothing found / findings / other
failure; 2 usage error (bad argument, unknown format, broken catalogue); 3 UNKNOWN in ``--format
nagios``; probe and scan: curl's codes for the cause of a failure (6, 7, 8, 28, 35, 60).
Every error is one line on stderr, ``netref: error: ...``. The options commands share are declared
once, in netref.options (with the one table of short letters, and the groups of options commands
take together); each command's own, in netref.command_options (a module a command, imported on demand): a
command's signature is one line a parameter.

Start-up time matters (``netref port 25`` is benchmarked against a bare Typer app), so the library
is imported inside the commands, and probe and check code only when their command runs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup, TyperOption

from netref import __version__
from netref.exits import EXIT_FAILED as EXIT_NOT_FOUND
from netref.exits import EXIT_INTERRUPTED, EXIT_OK, EXIT_UNKNOWN, EXIT_USAGE, first_failure
from netref.options import (
    AddressOptions,
    CheckFormatOption,
    ColorOption,
    DataOption,
    FormatOption,
    HostsArgument,
    InputOption,
    JobsOption,
    MarkPythonOption,
    ProbeFormatOption,
    PythonOption,
    ScanFormatOption,
    TargetsArgument,
    TrustOptions,
    ViewOptions,
    WideOption,
    composed,
)  # fmt: skip

if TYPE_CHECKING:
    # The click that Typer runs on: vendored as typer._click by the Typer netref is checked with.
    from typer._click import Command, Context, Parameter
    from typer._click.exceptions import ClickException as _ClickException
    from typer._click.exceptions import UsageError as _ClickUsageError

    from netref.catalog import Catalog
    from netref.command_options import catalogue, check, probe, scan
    from netref.render import Card, View
    from netref.versions import Version
else:
    # Typer re-exports click's BadParameter but not its base classes; these are what click raises
    # (whether click is its own package, as for older Typers, or vendored inside Typer).
    _ClickUsageError = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "UsageError")
    _ClickException = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")


class _OnDemand:
    """A module imported when one of its names is first read: a command's own options
    (netref.command_options), read only when Typer builds that command."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self.name), attribute)


_OWN_OPTIONS = ("catalogue", "check", "probe", "scan")  # netref.command_options' modules
if not TYPE_CHECKING:
    catalogue, check, probe, scan = (_OnDemand(f"netref.command_options.{name}") for name in _OWN_OPTIONS)


def _usage_exit_code(args: list[str]) -> int:
    """Monitoring systems read exit 3 as UNKNOWN: a usage error in nagios mode must say that."""
    joined = " ".join(args)
    nagios = ("--format nagios", "--format=nagios", "-f nagios", "-fnagios")
    return EXIT_UNKNOWN if any(flag in joined for flag in nagios) else EXIT_USAGE


class _OneLineErrors(TyperGroup):
    """Runs every command so that each error is one line on stderr with a documented exit code.

    Living in the command group (not only in ``main``) means CliRunner tests, ``python -m netref``
    and the console script all behave the same.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> int:
        args = list(sys.argv[1:] if args is None else args)
        if _COMPLETE_VAR in os.environ:  # a shell asks for completions: Typer's scripts, Typer's classes
            from typer._completion_classes import completion_init

            completion_init()
        try:
            code = super().main(
                args=args, prog_name=prog_name or "netref", complete_var=complete_var, standalone_mode=False,
                windows_expand_args=windows_expand_args, **extra,
            )  # fmt: skip
            if code == EXIT_INTERRUPTED:  # Typer's silent answer to Ctrl-C (no command exits so)
                code = _error_line("interrupted", EXIT_INTERRUPTED)
        except UsageProblem as error:
            code = _error_line(str(error), _usage_exit_code(args))
        except _ClickUsageError as error:
            code = _error_line(error.format_message(), _usage_exit_code(args))
        except _ClickException as error:
            code = _error_line(error.format_message(), error.exit_code)
        except typer.Exit as exit_:
            code = exit_.exit_code
        except (typer.Abort, KeyboardInterrupt):
            code = _error_line("interrupted", EXIT_INTERRUPTED)
        code = code if isinstance(code, int) else EXIT_OK
        if standalone_mode:
            sys.exit(code)
        return code

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Typer's --install-completion and --show-completion, made directly: Typer would build them
        # from a typed function's signature, inspected on every start (``netref port 25`` is
        # benchmarked), and act only when given.
        self.params += [
            TyperOption(
                param_decls=[flag], is_flag=True, default=False, expose_value=False, is_eager=True,
                callback=_completion, help=help,
            )
            for flag, help in _COMPLETION_OPTIONS
        ]

    # Typer would convert every command's signature (evaluating its annotations) on each start;
    # netref builds only the command that runs: ``netref port 25`` start-up is benchmarked
    # against a one-command app, and this halves what netref adds to it.
    def list_commands(self, ctx: Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: Context, name: str) -> Command | None:
        if name not in self.commands and name in _COMMANDS:
            single = typer.Typer(add_completion=False, rich_markup_mode=None)
            single.command(name)(_COMMANDS[name])
            self.commands[name] = typer.main.get_command(single)
        return self.commands.get(name)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        if args and args[0] not in _COMMANDS:  # a typo: Typer's "did you mean" needs every command
            for name in _COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


def _error_line(message: str, code: int) -> int:
    typer.echo(f"netref: error: {message}", err=True)
    return code


_COMMANDS: dict[str, Callable[..., None]] = {}


def command(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``@command("port")``: a subcommand of ``netref``, built (as a one-command Typer app) only
    when it runs or ``--help`` lists it."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        _COMMANDS[name] = composed(function)  # its option groups spliced (netref.options.OptionGroup)
        return function

    return register


app = typer.Typer(
    name="netref",
    cls=_OneLineErrors,
    help="Internet protocols, their ports, and the Python modules that speak them — judged for your Python.",
    add_completion=False,
    invoke_without_command=True,  # bare ``netref``: its help on stdout, exit 0 (README.md)
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

class UsageProblem(Exception):
    """Bad input from the user: one line on stderr, exit 2 (3 in nagios mode)."""


def usage_error(message: str) -> NoReturn:
    raise UsageProblem(message)


def fail(message: str, code: int = EXIT_NOT_FOUND) -> NoReturn:
    """Print one error line on stderr and leave with ``code``."""
    typer.echo(f"netref: error: {message}", err=True)
    raise typer.Exit(code)


def not_found(kind: str, name: str, suggestions: list[str]) -> NoReturn:
    hint = f"did you mean: {', '.join(suggestions)}?" if suggestions else "see `netref list` for the catalogue"
    fail(f"unknown {kind} {name!r} ({hint})")


def emit(text: str) -> None:
    typer.echo(text)


def print_view(view: View, fmt: str, color: str | None = None, wide: bool = False) -> None:
    """Print a command's result as ``--format`` asks: every format is drawn by netref.render, for
    the terminal stdout is (colour with ``--color``; tables fitted to its width unless ``wide``)."""
    from netref.render import Terminal, render

    terminal = Terminal.detect(color or "never", wide=wide)
    # click strips colour codes from output that is not a terminal: --color always keeps them.
    typer.echo(render(view, fmt, terminal), nl=False, color=terminal.color if terminal else None)


def open_catalog(data: Path | None) -> Catalog:
    from netref.catalog import CatalogError, load_catalog

    try:
        return load_catalog(data)
    except CatalogError as error:
        fail(str(error), EXIT_USAGE)


# -- shell completion: Typer's machinery is imported only when a shell asks for it ----------------

_COMPLETE_VAR = "_NETREF_COMPLETE"  # what the completion scripts set when the shell asks netref
_COMPLETION_OPTIONS = (
    ("--install-completion", "Install completion for the current shell (bash, zsh, fish)."),
    ("--show-completion", "Show the completion script for the current shell."),
)


def _shell_name() -> str:
    """The shell to write completion for: the one netref runs under (Typer's detection), else
    ``$SHELL``'s; a usage error when neither is one Typer completes."""
    from typer._completion_shared import Shells, _get_shell_name

    name = _get_shell_name() or os.path.basename(os.environ.get("SHELL", ""))
    if name not in {shell.value for shell in Shells}:
        usage_error(f"cannot complete for shell {name!r}: bash, zsh, fish, powershell and pwsh are supported")
    return name


def _completion(ctx: Context, param: Parameter, value: bool) -> None:
    """``--show-completion`` prints the script for the current shell; ``--install-completion``
    writes it where that shell reads it. Typer's machinery is imported only here."""
    if not value or ctx.resilient_parsing:
        return
    from typer._completion_classes import completion_init
    from typer._completion_shared import get_completion_script, install

    completion_init()
    shell = _shell_name()
    if param.name == "show_completion":  # the click name of --show-completion
        emit(get_completion_script(prog_name="netref", complete_var=_COMPLETE_VAR, shell=shell))
    else:
        shell, path = install(shell=shell, prog_name="netref", complete_var=_COMPLETE_VAR)
        emit(f"{shell} completion installed in {path}\nCompletion will take effect once you restart the terminal")
    raise typer.Exit()


def color_choice(color: str) -> str:
    from netref.render import COLOR_CHOICES

    if color not in COLOR_CHOICES:
        usage_error(f"--color: expected auto, always or never, not {color!r}")
    return color


def target_version(python: str | None, option: str = "--python") -> Version:
    """``python`` (given as ``option``) parsed, or the running Python when it is None."""
    from netref.versions import parse_version, running_version

    if python is None:
        return running_version()
    try:
        return parse_version(python)
    except ValueError as error:
        usage_error(f"{option}: {error}")


def output_format(fmt: str, extra: tuple[str, ...] = ()) -> str:
    from netref.render import check_format

    try:
        return check_format(fmt, extra)
    except ValueError as error:
        usage_error(f"--format: {error}")


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"netref {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version_callback, is_eager=True, help="Show netref's version and exit."
        ),
    ] = False,
) -> None:
    """Internet protocols, their ports, and the Python modules that speak them — judged for your Python.

    Example: netref port 25
    """
    if ctx.invoked_subcommand is None:  # bare ``netref``: the help, as asked for, and success
        emit(ctx.get_help())
        raise typer.Exit(EXIT_OK)


# -- catalogue commands ------------------------------------------------------------------------


@command("list")
def list_command(
    status: catalogue.StatusOption = None,
    tls: catalogue.TlsOption = False,
    tutorial: catalogue.TutorialOption = False,
    *,
    view: ViewOptions,
) -> None:
    """One row per protocol: ports, function, modern modules, and legacy names with their status.

    Example: netref list --status removed --python 3.13
    """
    from netref import views
    from netref.catalog import STATUS_KINDS

    fmt, target = output_format(view.fmt), target_version(view.python)
    if status is not None and status not in STATUS_KINDS:
        usage_error(f"--status: unknown status {status!r} (choose from {', '.join(STATUS_KINDS)})")
    catalog = open_catalog(view.data)
    protocols = views.select_protocols(catalog, target, status, tls, tutorial)
    print_view(views.protocols_view(catalog, protocols, target), fmt, wide=view.wide)


@command("port")
def port_command(
    port: catalogue.PortArgument,
    transport: catalogue.TransportOption = None,
    old_transport: catalogue.OldTransportOption = None,
    *,
    view: ViewOptions,
) -> None:
    """Which protocol runs on PORT, and the Python module to speak it (judged for --python X.Y).
    Ports the catalogue lacks fall back to the system's services database. A service name
    (smtp, imaps, domain) stands for its port: the catalogue's, else the services database's.

    Example: netref port 20
    """
    from netref import views
    from netref.catalog import lookup_service

    fmt, target = output_format(view.fmt), target_version(view.python)
    transport = transport if transport is not None else old_transport
    catalog = open_catalog(view.data)
    number, given = parse_port(port, catalog, transport)
    if transport is not None and transport not in ("tcp", "udp"):
        usage_error(f"--transport: expected tcp or udp, not {transport!r}")
    if given and transport and given != transport:
        usage_error(f"{port} is a {given.upper()} port, but --transport says {transport}")
    transport = transport or given
    kinds = (transport,) if transport else ("tcp", "udp")
    matches = [match for kind in kinds for match in catalog.by_port(number, kind)]
    if not matches:  # the services database only where the catalogue knows nothing of the number
        matches = [found for kind in kinds if (found := lookup_service(number, kind)) is not None]
    if not matches:
        shown = f"{number}/{transport}" if transport else f"{number}/tcp or {number}/udp"
        fail(f"nothing known on port {shown} (neither the catalogue nor the system services database)")
    print_view(views.port_view(catalog, number, transport, matches, target), fmt, wide=view.wide)


def parse_port(text: str, catalog: Catalog | None = None, transport: str | None = None) -> tuple[int, str | None]:
    """``25``, ``53/udp`` or ``U:53`` (see netref.ports): the number, and the transport when written;
    a service name (``smtp``) is its port (:func:`service_port`)."""
    from netref.ports import PortSpecError, explicit_transport
    from netref.ports import parse_port as parse_one

    name = text.strip()
    if catalog is not None and name[:1].isalpha() and not (len(name) > 1 and name[1] == ":"):
        return service_port(name, catalog, transport)
    if text.strip() == "0":  # the catalogue and the services database know port 0 (reserved)
        return 0, None
    if text.strip().isdigit() and int(text) > 65535:
        usage_error(f"port {int(text)} is out of range (0-65535)")
    try:
        return parse_one(text).number, explicit_transport(text)
    except PortSpecError:
        usage_error(f"port must be a number from 0 to 65535 (or 53/udp, U:53) or a service name, not {text!r}")


def service_port(name: str, catalog: Catalog, transport: str | None) -> tuple[int, str | None]:
    """A service name's port, as ``getent services NAME``: ``smtp/udp`` is one transport; the
    catalogue's protocol of that key or alias (its first port), else the system's services
    database (``getservbyname``), else a usage error."""
    import socket

    name, _, written = name.partition("/")
    kind = written.lower() or None
    if kind is not None and kind not in ("tcp", "udp"):
        usage_error(f"{name}/{written}: the transport after '/' is tcp or udp")
    wanted = kind or transport
    protocol = catalog.protocol(name)
    if protocol is not None:
        ports = [port for port in protocol.ports if wanted in (None, port.transport)]
        if ports:
            return ports[0].number, kind
    for proto in (wanted,) if wanted else ("tcp", "udp"):
        try:
            return socket.getservbyname(name.lower(), proto), kind
        except OSError:
            continue
    usage_error(f"unknown service {name!r}: neither a catalogue protocol nor in the system services database")


@command("show")
def show_command(
    protocol: catalogue.ProtocolArgument,
    view: ViewOptions,
) -> None:
    """A protocol's full card: ports, standards, modules with their status, and a modern example.

    Example: netref show smtp --python 3.13
    """
    from netref.catalog import Catalog
    from netref.views import protocol_view

    find, suggest = Catalog.protocol, Catalog.suggest_protocols
    print_entry("protocol", protocol, find, suggest, protocol_view, view)


@command("module")
def module_command(
    name: catalogue.ModuleArgument,
    view: ViewOptions,
) -> None:
    """A module's life: added, deprecated, renamed or removed, why (PEP), and what replaces it.

    The same for a module's functions, classes, constants and parameters (ssl.wrap_socket,
    urllib.urlencode, smtplib.SMTP.starttls(keyfile)).

    Example: netref module telnetlib --python 3.13
    """
    from netref.catalog import Api, Catalog, Module
    from netref.views import module_or_api_view

    find: Callable[[Catalog, str], Module | Api | None] = Catalog.module_or_api
    card: Callable[[Catalog, Any, Version], Card] = module_or_api_view  # mypy cannot solve a NamedTuple union
    kind = "module or API" if "." in name else "module"
    print_entry(kind, name, find, Catalog.suggest_modules_or_apis, card, view)


@command("matrix")
def matrix_command(
    names: catalogue.MatrixArgument = None,
    everything: catalogue.AllOption = False,
    first: catalogue.FromOption = None,
    last: catalogue.ToOption = None,
    python: MarkPythonOption = None,
    color: ColorOption = "auto",
    fmt: FormatOption = "table",
    wide: WideOption = False,
    data: DataOption = None,
) -> None:
    """Which modules work on which Python: a module × version grid of computed statuses, with a legend.

    Example: netref matrix telnetlib httplib
    """
    from netref import views

    fmt, target, color = output_format(fmt), target_version(python), color_choice(color)
    bounds = [target_version(text, option) if text else None for text, option in ((first, "--from"), (last, "--to"))]
    if everything and names:
        usage_error("--all takes no MODULE|PROTOCOL arguments")
    catalog = open_catalog(data)
    try:
        versions = views.matrix_versions(catalog, bounds[0], bounds[1], target)
    except ValueError as error:
        usage_error(str(error))
    if everything:
        modules = list(catalog.modules.values())
    elif names:
        modules = []
        for name in names:
            found = views.modules_named(catalog, name)
            if found is None:
                not_found("module or protocol", name, catalog.suggest_modules(name) + catalog.suggest_protocols(name))
            modules += found
    else:
        modules = views.tutorial_modules(catalog)
    print_view(views.matrix_view(modules, versions, target, running=python is None), fmt, color, wide)


Entry = TypeVar("Entry")


def print_entry(
    kind: str,
    name: str,
    find: Callable[[Catalog, str], Entry | None],
    suggest: Callable[[Catalog, str], list[str]],
    card: Callable[[Catalog, Entry, Version], Card],
    view: ViewOptions,
) -> None:
    """``show`` and ``module``: find ``name`` in the catalogue (or fail, suggesting close names)
    and print its card, judged for ``--python``."""
    fmt, target = output_format(view.fmt), target_version(view.python)
    catalog = open_catalog(view.data)
    found = find(catalog, name)
    if found is None:
        not_found(kind, name, suggest(catalog, name))
    print_view(card(catalog, found, target), fmt, wide=view.wide)


# -- probe (live servers; netref.probes is imported only when this command runs) ----------------


@command("probe")
def probe_command(
    protocol: probe.ProtocolArgument,
    targets: HostsArgument = None,
    input_file: InputOption = None,
    concurrency: JobsOption = 100,
    port: probe.PortOption = None,
    starttls: probe.StarttlsOption = False,
    timeout: probe.TimeoutOption = 10.0,
    *,
    address: AddressOptions,
    sni: probe.SniOption = None,
    trust: TrustOptions,
    user: probe.UserOption = None,
    allow_plaintext_auth: probe.PlaintextAuthOption = False,
    family_options: dict[str, Any] | None = None,  # --query, --type, ...: netref.options.FAMILY_OPTIONS
    nagios: probe.NagiosOptions,
    fmt: ProbeFormatOption = "table",
    wide: WideOption = False,
    no_waterfall: probe.NoWaterfallOption = False,
    color: ColorOption = "auto",
    data: DataOption = None,
) -> None:
    """Greet a live server, ask its capabilities, quit; report timings, TLS and a verdict.

    Exit codes, as curl's: 0 ok, 1 other failure, 2 usage error, 6 name resolution, 7 connection
    refused or unreachable, 8 protocol (the server answered wrongly), 28 timeout, 35 TLS handshake,
    60 certificate verification; with several hosts, the code of the first that failed, in input
    order. With --format nagios (one host) 0/1/2/3 (OK/WARNING/CRITICAL/UNKNOWN).

    Example: netref probe smtp mail.example.org --starttls
    """
    from netref import render
    from netref.probes import ProbeOptions, ProbeUsageError, password_needed, run_probe
    from netref.probes.monitoring import judge
    from netref.probes.net import parse_port_spec as probe_port
    from netref.probes.net import parse_target
    from netref.views import probe_view

    fmt, color = output_format(fmt, ("nagios",)), color_choice(color)
    given = dict(family_options or {})
    tcp, community = bool(given.pop("tcp", False)), given.pop("community", None)
    try:
        limits, family = nagios.thresholds(fmt == "nagios"), address.family()
        hosts = list(targets or []) + (_target_lines(input_file) if input_file is not None else [])
        if not hosts:
            raise ProbeUsageError("missing HOST (give one or more, or -i FILE)")
        if len(hosts) > 1 and fmt == "nagios":
            raise ProbeUsageError("--format nagios judges one HOST")
        requests = []
        number, transport = probe_port(port) if port is not None else (None, None)
        if tcp and transport == "udp":
            raise ProbeUsageError(f"--tcp and --port {port} exclude each other")
        for host in hosts:
            parsed = parse_target(host, number)
            requests.append(ProbeOptions(
                host=parsed.host, port=parsed.port, timeout=timeout, starttls=starttls,
                family=family, sni=sni, cafile=trust.cafile, insecure=trust.insecure, user=user,
                allow_plaintext_auth=allow_plaintext_auth,
                transport="tcp" if tcp else transport, **given, **_community(protocol, community),
            ))  # fmt: skip
        catalog = open_catalog(data)
        password = _probe_password(user, password_needed(protocol, requests[0], catalog))
        for request in requests:
            request.password = password
        if len(requests) > 1:
            from netref.scan import probe_each
            from netref.views import probes_view

            results = probe_each(protocol, requests, catalog, concurrency)
            print_view(probes_view(results), fmt, wide=wide)
            raise typer.Exit(first_failure((result.ok, result.category) for result in results))
        result = run_probe(protocol, requests[0], catalog)
    except ProbeUsageError as error:
        if fmt == "nagios":
            emit(render.nagios_line(protocol, "UNKNOWN", str(error), []))
            raise typer.Exit(EXIT_UNKNOWN) from None
        usage_error(str(error))
    if fmt == "nagios":
        verdict = judge(result, limits)
        emit(render.nagios_line(result.protocol, verdict.state, verdict.summary, verdict.perfdata))
        raise typer.Exit(verdict.code)
    print_view(probe_view(result, waterfall=not no_waterfall), fmt, color, wide)
    raise typer.Exit(first_failure([(result.ok, result.category)]))


def _community(protocol: str, given: str | None) -> dict[str, str]:
    """``--community``, else ``$NETREF_COMMUNITY`` for snmp only (the variable may be set for a whole
    session of probes; a secret in the environment stays out of the process list)."""
    import os

    if given is not None:
        return {"community": given}
    from_env = os.environ.get("NETREF_COMMUNITY")
    return {"community": from_env} if from_env and protocol.lower() == "snmp" else {}


def _probe_password(user: str | None, needed: bool) -> str | None:
    """The password for ``--user``: $NETREF_PASSWORD, else (when the login takes a secret;
    an anonymous FTP login does not) a prompt that does not echo."""
    import os

    if user is None:
        return None
    password = os.environ.get("NETREF_PASSWORD")
    if password is not None or not needed:
        return password
    if not sys.stdin.isatty():
        from netref.probes import ProbeUsageError

        raise ProbeUsageError("--user needs a password: set NETREF_PASSWORD or run in a terminal")
    import getpass

    return getpass.getpass(f"password for {user}: ")


# -- scan (what a host answers on; netref.scan is imported only when this command runs) ------------


@command("scan")
def scan_command(
    targets: TargetsArgument = None,
    input_file: InputOption = None,
    ports: scan.PortsOption = None,
    only_open: scan.OpenOption = False,
    udp: scan.UdpOption = False,
    timeout: scan.TimeoutOption = 5.0,
    concurrency: JobsOption = 100,
    old_concurrency: scan.OldConcurrencyOption = None,
    max_hosts: scan.MaxHostsOption = 4096,
    *,
    address: AddressOptions,
    trust: TrustOptions,
    stream: scan.StreamOption = False,
    python: PythonOption = None,
    fmt: ScanFormatOption = "table",
    wide: WideOption = False,
    data: DataOption = None,
    exclude: scan.ExcludeOption = None,
    exclude_file: scan.ExcludeFileOption = None,
    rate: scan.RateOption = None,
    shard: scan.ShardOption = None,
    resume: scan.ResumeOption = None,
) -> None:
    """What each host answers on, what the server really is, and the Python module to speak it.

    Exit codes: 0 the scan ran (whatever it found: closed ports are results), 2 usage error,
    6 a target's name does not resolve (the first such in input order decides, as probe's curl-like
    codes), 130 interrupted (what finished is printed).

    Example: netref scan 127.0.0.1 --ports 25,80,443
    """
    from netref import jobs, views
    from netref import scan as scanner
    from netref import targets as target_lists
    from netref.probes import ProbeUsageError

    fmt, target = output_format(fmt, ("jsonl",)), target_version(python)
    concurrency = concurrency if old_concurrency is None else old_concurrency
    stream = stream or fmt == "jsonl"
    catalog = open_catalog(data)
    try:
        family = address.family()
        texts = list(targets or []) + (_target_lines(input_file) if input_file is not None else [])
        excluded = target_lists.split_excludes(exclude or []) + (
            _target_lines(exclude_file, "--exclude-file") if exclude_file is not None else [])  # fmt: skip
        tcp_ports, udp_ports = scanner.parse_port_list(ports, udp, catalog)
        options = scanner.ScanOptions(
            ports=tcp_ports, udp_ports=udp_ports, timeout=timeout,
            concurrency=concurrency, target=target, family=family,
            insecure=trust.insecure, cafile=trust.cafile, max_hosts=max_hosts, exclude=excluded,
            rate=rate, shard=jobs.parse_shard(shard) if shard is not None else None,
        )  # fmt: skip
        with _resume_lines(resume) as done:
            options.resume = jobs.read_resume(resume or "", done)
            running = scanner.scan(texts, options, catalog)
    except ProbeUsageError as error:  # ScanUsageError included
        usage_error(str(error))
    if running.note:
        typer.echo(f"netref: {running.note}", err=True)
    finished, interrupted, failures = _collect(running, stream, only_open)
    if not stream:
        finished.sort(key=lambda result: result.order)
        shown = views.scan_view([result.to_dict() for result in finished], target, only_open=only_open)
        print_view(shown, fmt, wide=wide)
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    failures.sort()
    raise typer.Exit(first_failure((False, category) for _, category in failures))


def _resume_lines(name: str | None) -> Any:
    """The lines of a ``--resume`` file (none without one), open for the scan to read once."""
    import contextlib

    if name is None:
        return contextlib.nullcontext(iter(()))
    try:
        return open(name, encoding="utf-8", errors="replace")
    except OSError as error:
        usage_error(f"--resume: cannot read {name}: {error.strerror or error}")


def _target_lines(name: str, option: str = "--input") -> list[str]:
    from netref.scan import read_targets

    if name == "-":
        return read_targets(sys.stdin)
    try:
        with open(name, encoding="utf-8") as handle:
            return read_targets(handle)
    except (OSError, UnicodeDecodeError) as error:
        usage_error(f"{option}: cannot read {name}: {getattr(error, 'strerror', None) or error}")


def _collect(running: Any, stream: bool, only_open: bool = False) -> tuple[list[Any], bool, list[Any]]:
    """The scan's results as they finish: kept for the table, or streamed as JSON lines (each
    flushed, none kept: a killed run keeps what it wrote), with a progress bar on a terminal's
    stderr (not over streamed lines on the same terminal); Ctrl-C stops the scan and keeps what
    finished. Also whether it was interrupted, and the (input order, category) of each host that
    could not be scanned (its name does not resolve: category "dns"). With ``only_open`` the stream
    carries open ports only."""
    import time

    from netref import render
    from netref.scan import until_sigint

    finished: list[Any] = []
    progress = sys.stderr.isatty() and not (stream and sys.stdout.isatty())
    started, shown = time.monotonic(), 0.0
    done = opened = 0
    failures: list[tuple[Any, str]] = []
    try:
        for result in until_sigint(running):
            done += 1
            opened += result.state == "open"
            if result.port is None:
                failures.append((result.order, result.category or "dns"))
            hidden = only_open and result.state != "open" and result.port is not None
            if not stream:
                finished.append(result)
            elif not hidden:
                typer.echo(render.json_line(result.to_dict()), nl=False)
            if progress and time.monotonic() - shown >= 0.1:
                shown = time.monotonic()
                sys.stderr.write("\r" + render.progress_line(done, running.total, opened, shown - started))
                sys.stderr.flush()
    except KeyboardInterrupt:
        running.stop()
        return finished, True, failures
    finally:
        if progress:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
    return finished, running.interrupted, failures


# -- check (legacy imports in source; netref.check is imported only when this command runs) -----

_CHECK_COLUMNS = ("path", "line", "col", "code", "message")
_FINDING_FORMATS = ("github-actions", "sarif")  # formats that place findings in files (netref.render.Findings)
_CHECK_FORMATS = ("text", *_FINDING_FORMATS)


@command("check")
def check_command(
    paths: check.PathsArgument = None,
    python: PythonOption = None,
    *,
    rules: check.RuleOptions,
    exit_zero: check.ExitZeroOption = False,
    explain: check.ExplainOption = None,
    exclude: check.ExcludeOption = None,
    respect_gitignore: check.GitignoreOption = None,
    isolated: check.IsolatedOption = False,
    stdin_filename: check.StdinFilenameOption = None,
    fix: check.FixOption = False,
    diff: check.DiffOption = False,
    statistics: check.StatisticsOption = False,
    jobs: check.WorkersOption = 0,
    fmt: CheckFormatOption = "text",
    wide: WideOption = False,
    data: DataOption = None,
) -> None:
    """Find imports of renamed, deprecated and removed network modules, judged for the target Python.

    Settings come from [tool.netref] in the nearest pyproject.toml; flags win.
    Exit codes: 0 clean, 1 findings (or fixes --diff would make), 2 usage error.

    Example: netref check server.py client.py src/ --python 3.13
    """
    import functools

    from netref import check as checker
    from netref import render
    from netref.check.config import ConfigError

    if explain is not None:
        _explain(explain)
    if not paths:
        usage_error("give a PATH (a file, a directory, or - for stdin), or --explain CODE")
    fmt = output_format(fmt, _CHECK_FORMATS)
    target = target_version(python) if python is not None else None
    stdin = _check_stdin(paths, stdin_filename)
    found = EXIT_OK if exit_zero else EXIT_NOT_FOUND  # the exit code for findings
    if statistics and fmt in _FINDING_FORMATS:
        usage_error(f"--statistics: counts cannot be shown as {fmt} (use text, json, csv or a table)")
    catalog = open_catalog(data)
    run_check = functools.partial(
        checker.check, [stdin_filename or "-"] if stdin is not None else paths, catalog, target,
        select=rules.select, ignore=rules.ignore, extend_select=rules.extend_select,
        exclude=exclude or (), jobs=jobs or None,
        config=not isolated, respect_gitignore=True if isolated and respect_gitignore is None else respect_gitignore,
        stdin=stdin,
    )  # fmt: skip
    try:
        report = run_check()
    except ConfigError as error:
        usage_error(str(error))
    except ValueError as error:
        usage_error(f"--select/--ignore: {error}")
    if diff or fix:
        fixed = checker.fixes(report, stdin)
        count = sum(item.fixed for item in fixed)
        if diff:
            if fixed:
                emit("".join(item.diff() for item in fixed).rstrip("\n"))
            typer.echo(f"netref: would fix {count} finding(s) in {len(fixed)} file(s)", err=True)
            raise typer.Exit(found if fixed or report.findings else EXIT_OK)
        if stdin is not None:
            _fix_stdin(stdin, fixed, run_check, count, found)
        checker.write_fixes(fixed)
        typer.echo(f"netref: fixed {count} finding(s) in {len(fixed)} file(s)", err=True)
        report = run_check()
    findings = report.findings
    if statistics:
        counts = checker.statistics(report)
        width = max((len(str(row["count"])) for row in counts), default=1)
        lines = [f"{row['count']:>{width}}  {row['code']}  {row['title']}" for row in counts]
        print_view(render.Records(counts, counts, lines=lines), fmt, wide=wide)
        raise typer.Exit(found if findings else EXIT_OK)
    objects = [checker.finding_dict(finding, report.target_for(finding.path)) for finding in findings]
    lines = [finding.text() for finding in findings]
    print_view(
        render.Findings(objects, objects, rules=checker.code_descriptions(), tool="netref", version=__version__,
                        columns=_CHECK_COLUMNS, lines=lines),
        fmt, wide=wide,
    )  # fmt: skip
    raise typer.Exit(found if findings else EXIT_OK)


def _explain(code: str) -> NoReturn:
    from netref.check.explain import explain

    try:
        emit(explain(code))
    except ValueError as error:
        usage_error(f"--explain: {error}")
    raise typer.Exit(EXIT_OK)


def _fix_stdin(source: bytes, fixed: list[Any], run_check: Any, count: int, found: int) -> NoReturn:
    """``netref check - --fix``, as ``ruff check --fix -``: the fixed source on stdout (the input
    unchanged when there is nothing safe to fix), the findings that remain on stderr."""
    after = source
    if fixed:
        from tokenize import detect_encoding

        encoding, _ = detect_encoding(iter(source.splitlines(keepends=True)).__next__)
        after = fixed[0].after.encode(encoding)
    out = typer.get_binary_stream("stdout")
    out.write(after)
    out.flush()
    typer.echo(f"netref: fixed {count} finding(s)", err=True)
    remaining = run_check(stdin=after).findings
    for finding in remaining:
        typer.echo(finding.text(), err=True)
    raise typer.Exit(found if remaining else EXIT_OK)


def _check_stdin(paths: list[str], stdin_filename: str | None) -> bytes | None:
    """The source to check from stdin (``netref check -``), or None when files are named."""
    if "-" not in paths:
        if stdin_filename is not None:
            usage_error("--stdin-filename names the file read from stdin: give - as the PATH")
        return None
    if len(paths) > 1:
        usage_error("- (stdin) cannot be combined with other paths")
    return typer.get_binary_stream("stdin").read()


# -- entry point -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Run netref (the console script and ``python -m netref``)."""
    app(args=argv, prog_name="netref")


if __name__ == "__main__":
    main()
