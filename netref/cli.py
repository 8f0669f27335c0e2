"""The ``netref`` command. It parses arguments, calls the library, and renders; nothing else.

Exit codes (README, "Exit codes"): 0 success; 1 nothing found / probe failed / findings;
2 usage error (bad argument, unknown format, broken catalogue); 3 UNKNOWN in ``--format nagios``.
Every error is one line on stderr, ``netref: error: ...``.

Start-up time matters (``netref port 25`` is benchmarked against a bare Typer app), so the library
is imported inside the commands, and probe and check code only when their command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer
from typer.core import TyperGroup

from netref import __version__

if TYPE_CHECKING:
    from netref.catalog import Catalog
    from netref.versions import Version

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3


# Typer re-exports click's BadParameter but not its base classes; these are what click raises.
_ClickUsageError = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "UsageError")
_ClickException = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")


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

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        args = list(sys.argv[1:] if args is None else args)
        try:
            code = super().main(args=args, prog_name=prog_name or "netref", complete_var=complete_var, standalone_mode=False, **extra)
        except UsageProblem as error:
            code = _error_line(str(error), _usage_exit_code(args))
        except _ClickUsageError as error:
            code = _error_line(error.format_message(), _usage_exit_code(args))
        except _ClickException as error:
            code = _error_line(error.format_message(), error.exit_code)
        except typer.Exit as exit_:
            code = exit_.exit_code
        except (typer.Abort, KeyboardInterrupt):
            code = _error_line("interrupted", 130)
        code = code if isinstance(code, int) else EXIT_OK
        if standalone_mode:
            sys.exit(code)
        return code


def _error_line(message: str, code: int) -> int:
    typer.echo(f"netref: error: {message}", err=True)
    return code


app = typer.Typer(
    name="netref",
    cls=_OneLineErrors,
    help="Internet protocols, their ports, and the Python modules that speak them — judged for your Python.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FormatOption = Annotated[
    str,
    typer.Option("--format", "-f", metavar="FORMAT", help="table (default), json, csv, or a tabulate format (github, grid, plain, ...)."),
]
PythonOption = Annotated[
    Optional[str],
    typer.Option("--python", "-p", metavar="X.Y", help="Judge modules for this Python version (default: the running one)."),
]
DataOption = Annotated[
    Optional[Path],
    typer.Option("--data", metavar="PATH", envvar="NETREF_DATA", help="Use this catalogue file instead of the shipped one."),
]


class UsageProblem(Exception):
    """Bad input from the user: one line on stderr, exit 2 (3 in nagios mode)."""


def usage_error(message: str) -> NoReturn:
    raise UsageProblem(message)


def fail(message: str, code: int = EXIT_NOT_FOUND) -> NoReturn:
    """Print one error line on stderr and leave with ``code``."""
    typer.echo(f"netref: error: {message}", err=True)
    raise typer.Exit(code)


def emit(text: str) -> None:
    typer.echo(text)


def open_catalog(data: Path | None) -> Catalog:
    from netref.catalog import CatalogError, load_catalog

    try:
        return load_catalog(data)
    except CatalogError as error:
        fail(str(error), EXIT_USAGE)


def target_version(python: str | None) -> Version:
    from netref.versions import parse_version, running_version

    if python is None:
        return running_version()
    try:
        return parse_version(python)
    except ValueError as error:
        usage_error(f"--python: {error}")


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
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version_callback, is_eager=True, help="Show netref's version and exit.")
    ] = False,
) -> None:
    """Internet protocols, their ports, and the Python modules that speak them — judged for your Python.

    Example: netref port 25
    """


# -- catalogue commands ------------------------------------------------------------------------


@app.command("list")
def list_command(
    status: Annotated[
        Optional[str],
        typer.Option("--status", "-s", metavar="STATUS", help="Only protocols with a module of this status: current, renamed, deprecated, removed, not-yet."),
    ] = None,
    tls: Annotated[bool, typer.Option("--tls", help="Only protocols that can run over TLS (implicit or upgraded).")] = False,
    python: PythonOption = None,
    fmt: FormatOption = "table",
    data: DataOption = None,
) -> None:
    """One row per protocol: ports, function, modern modules, and legacy names with their status.

    Example: netref list --status removed --python 3.13
    """
    from netref import render, views
    from netref.catalog import STATUS_KINDS
    from netref.versions import format_version

    fmt, target = output_format(fmt), target_version(python)
    if status is not None and status not in STATUS_KINDS:
        usage_error(f"--status: unknown status {status!r} (choose from {', '.join(STATUS_KINDS)})")
    catalog = open_catalog(data)
    protocols = views.select_protocols(catalog, target, status, tls)
    if fmt == "json":
        objects = [views.protocol_dict(catalog, protocol, target) for protocol in protocols]
        emit(render.json_text({"target": format_version(target), "protocols": objects}))
        return
    emit(render.rows([views.protocol_row(catalog, protocol, target) for protocol in protocols], fmt))
    if fmt == "table":
        emit(f"\nStatus judged for Python {format_version(target)} (change with --python X.Y).")


@app.command("port")
def port_command(
    port: Annotated[str, typer.Argument(metavar="PORT", help="A port number, 0-65535.", show_default=False)],
    transport: Annotated[str, typer.Option("--transport", "-t", metavar="tcp|udp", help="Transport protocol.")] = "tcp",
    fmt: FormatOption = "table",
    data: DataOption = None,
) -> None:
    """Which protocol runs on PORT. Ports the catalogue lacks fall back to the system's services database.

    Example: netref port 20
    """
    from netref import render, views
    from netref.catalog import lookup_service

    fmt = output_format(fmt)
    number = parse_port(port)
    if transport not in ("tcp", "udp"):
        usage_error(f"--transport: expected tcp or udp, not {transport!r}")
    matches = open_catalog(data).by_port(number, transport)
    if not matches:
        fallback = lookup_service(number, transport)
        matches = [fallback] if fallback else []
    if not matches:
        fail(f"nothing known on port {number}/{transport} (neither the catalogue nor the system services database)")
    if fmt == "json":
        emit(render.json_text({"port": number, "transport": transport, "matches": [views.match_dict(m) for m in matches]}))
        return
    emit(render.rows([views.match_row(match) for match in matches], fmt))
    if fmt == "table":
        notes = [line for m in matches for line in _match_notes(views.match_dict(m))]
        if notes:
            emit("\n".join(["", *notes]))


def _match_notes(match: dict) -> list[str]:
    notes = [f"note: {match['note']}"] if match["note"] else []
    if match["tutorial_note"]:
        notes.append(f"tutorial: {match['tutorial_note']}")
    return notes


def parse_port(text: str) -> int:
    if not text.strip().isdigit():
        usage_error(f"port must be a number from 0 to 65535, not {text!r}")
    number = int(text)
    if not 0 <= number <= 65535:
        usage_error(f"port {number} is out of range (0-65535)")
    return number


@app.command("show")
def show_command(
    protocol: Annotated[str, typer.Argument(help="A protocol key or alias: smtp, imap4, https, socket, ...", show_default=False)],
    python: PythonOption = None,
    fmt: FormatOption = "table",
    data: DataOption = None,
) -> None:
    """A protocol's full card: ports, standards, modules with their status, and a modern example.

    Example: netref show smtp --python 3.13
    """
    from netref import render, views

    fmt, target = output_format(fmt), target_version(python)
    catalog = open_catalog(data)
    found = catalog.protocol(protocol)
    if found is None:
        hint = ", ".join(catalog.suggest_protocols(protocol)) or ", ".join(catalog.protocols)
        fail(f"unknown protocol {protocol!r} (did you mean: {hint}?)")
    if fmt == "json":
        emit(render.json_text(views.protocol_dict(catalog, found, target, example=True)))
        return
    emit(render.card(views.protocol_card(catalog, found, target), fmt))
    if fmt == "table" and found.example:
        emit("\nexample:\n" + found.example.rstrip("\n"))


@app.command("module")
def module_command(
    name: Annotated[str, typer.Argument(help="A module name, Python 2 or 3, any case: httplib, telnetlib, http.client ...", show_default=False)],
    python: PythonOption = None,
    fmt: FormatOption = "table",
    data: DataOption = None,
) -> None:
    """A module's life: added, deprecated, renamed or removed, why (PEP), and what replaces it.

    Example: netref module telnetlib --python 3.13
    """
    from netref import render, views

    fmt, target = output_format(fmt), target_version(python)
    catalog = open_catalog(data)
    module = catalog.module(name)
    if module is None:
        suggestions = catalog.suggest_modules(name)
        hint = f" (did you mean: {', '.join(suggestions)}?)" if suggestions else " (see `netref list` for the catalogue)"
        fail(f"unknown module {name!r}{hint}")
    if fmt == "json":
        emit(render.json_text(views.module_dict(catalog, module, target)))
        return
    emit(render.card(views.module_card(catalog, module, target), fmt))


# -- entry point -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Run netref (the console script and ``python -m netref``)."""
    app(args=argv, prog_name="netref")


if __name__ == "__main__":
    main()
