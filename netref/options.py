"""netref's command-line vocabulary: every option that more than one command takes, declared once.

A command composes these (``fmt: FormatOption = "table"``), and options taken together as one
:class:`OptionGroup` parameter (``view: ViewOptions``, spliced for Typer by :func:`composed`); what
is a command's own is declared in netref.command_options, read only when that command is built.
Either way a command's signature is one line a parameter. :data:`SHORT_LETTERS` is the one table
of short letters: :func:`option` gives a long option its letter from it, so a letter cannot mean
two things (``tests/test_cli_options.py`` checks every command against the table, and
docs/options.md documents it). Spellings that changed meaning keep
working for a while, hidden from ``--help``, with a note on stderr: :data:`DEPRECATED`.

Shell completion of option values (formats, statuses, Python versions, ...) is here too; the
functions run only when a shell asks, and never print an error.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from netref.catalog import Catalog

#: Short letter → the long option it stands for, in every command that has that option.
SHORT_LETTERS: dict[str, str] = {
    "-f": "--format",
    "-p": "--python",
    "-t": "--timeout",
    "-j": "--jobs",
    "-c": "--critical",
    "-w": "--warning",
    "-i": "--input",
    "-k": "--insecure",
    "-s": "--status",
    "-4": "--ipv4",
    "-6": "--ipv6",
    "-h": "--help",
    "-V": "--version",
}
_LETTER = {long: short for short, long in SHORT_LETTERS.items()}

#: (command, old spelling) → what to write instead: still accepted, with a note on stderr.
DEPRECATED: dict[tuple[str, str], str] = {
    ("port", "-t"): "--transport",  # -t is --timeout everywhere
    ("scan", "-c"): "--jobs",  # -c is --critical (probe --format nagios); -j is the concurrency everywhere
}


def option(long: str, *aliases: str, metavar: str | None = None, help: str, **settings: Any) -> Any:
    """A ``typer.Option`` for ``long`` (and long ``aliases``), with its short letter from
    :data:`SHORT_LETTERS` when it has one."""
    names = [long, *aliases, *([_LETTER[long]] if long in _LETTER else [])]
    return typer.Option(*names, metavar=metavar, help=help, **settings)


def argument(metavar: str, help: str, complete: Callable[[str], list[tuple[str, str]]] | None = None) -> Any:
    """A ``typer.Argument`` as every command's are: named ``metavar`` in the usage line, no default
    shown, its values completed by ``complete`` (when the shell can)."""
    return typer.Argument(metavar=metavar, help=help, show_default=False, autocompletion=complete)


def deprecated(command: str, short: str) -> Any:
    """The hidden old spelling ``short`` of ``command`` (see :data:`DEPRECATED`): it still works,
    and says once on stderr what to write instead."""
    instead = DEPRECATED[(command, short)]
    meaning = SHORT_LETTERS.get(short)

    def note(value: Any) -> Any:
        if value is not None:
            now = f" ({short} is {meaning} elsewhere)" if meaning else ""
            typer.echo(f"netref: warning: {short} is deprecated here{now}: write {instead}", err=True)
        return value

    return typer.Option(short, hidden=True, callback=note, show_default=False)


# -- completion of option values: imported catalogue only when a shell asks ----------------------


def _completion_catalog() -> Catalog | None:
    """The catalogue for completing (``NETREF_DATA`` or the shipped one); None if it cannot load."""
    from netref.catalog import CatalogError, load_catalog

    try:
        return load_catalog()
    except CatalogError:
        return None


def _starting(choices: list[tuple[str, str]], incomplete: str) -> list[tuple[str, str]]:
    return [(value, about) for value, about in choices if value.lower().startswith(incomplete.lower())]


def complete_protocols(incomplete: str) -> list[tuple[str, str]]:
    """Protocol keys, each with its name (zsh and fish show it)."""
    catalog = _completion_catalog()
    return _starting([(p.key, p.name) for p in catalog.protocols.values()] if catalog else [], incomplete)


def complete_modules(incomplete: str) -> list[tuple[str, str]]:
    """Module names (Python 2 and 3), each with its summary."""
    catalog = _completion_catalog()
    return _starting([(m.name, m.summary) for m in catalog.modules.values()] if catalog else [], incomplete)


def complete_modules_and_protocols(incomplete: str) -> list[tuple[str, str]]:
    return complete_modules(incomplete) + complete_protocols(incomplete)


def complete_pythons(incomplete: str) -> list[tuple[str, str]]:
    """The Python versions netref judges for: 2.7 and 3.0 to the newest the catalogue names."""
    from netref.versions import format_version, running_version

    catalog = _completion_catalog()
    if catalog is None:
        return []
    from netref.views import matrix_versions

    running = running_version()
    versions = [format_version(v) for v in matrix_versions(catalog, (2, 7), None, running)]
    now = format_version(running)
    return _starting([(v, "the running Python" if v == now else "") for v in versions], incomplete)


def complete_statuses(incomplete: str) -> list[tuple[str, str]]:
    from netref.catalog import STATUS_KINDS

    return _starting([(kind, "") for kind in STATUS_KINDS], incomplete)


def _formats(*extra: str) -> Callable[[str], list[tuple[str, str]]]:
    def complete(incomplete: str) -> list[tuple[str, str]]:
        from netref.render import TABULATE_FORMATS

        named = [("table", "the default"), ("json", "docs/json.md"), ("csv", "every field")]
        return _starting(named + [(f, "") for f in extra] + [(f, "tabulate") for f in TABULATE_FORMATS], incomplete)

    return complete


complete_formats = _formats()
complete_probe_formats = _formats("nagios")
complete_scan_formats = _formats("jsonl")
complete_check_formats = _formats("text", "github-actions", "sarif")


def complete_colors(incomplete: str) -> list[tuple[str, str]]:
    return _starting([("auto", "a terminal, unless NO_COLOR"), ("always", ""), ("never", "")], incomplete)


def complete_transports(incomplete: str) -> list[tuple[str, str]]:
    return _starting([("tcp", ""), ("udp", "")], incomplete)


# -- the shared options ----------------------------------------------------------------------------

_TABULATE = "or a tabulate format (github, grid, plain, ...)"
FormatOption = Annotated[
    str, option("--format", metavar="FORMAT", help=f"table (default), json, csv, {_TABULATE}.",
                autocompletion=complete_formats),
]  # fmt: skip
ProbeFormatOption = Annotated[
    str, option("--format", metavar="FORMAT", help=f"table (default), json, csv, nagios, {_TABULATE}.",
                autocompletion=complete_probe_formats),
]  # fmt: skip
ScanFormatOption = Annotated[
    str, option("--format", metavar="FORMAT", help=f"table (default), json, jsonl (one port a line), csv, {_TABULATE}.",
                autocompletion=complete_scan_formats),
]  # fmt: skip
CheckFormatOption = Annotated[
    str, option("--format", metavar="FORMAT", autocompletion=complete_check_formats,
                help="text (default: path:line:col: CODE message), json, csv, table, github-actions, sarif,"
                " or a tabulate format."),
]  # fmt: skip


def version_option(flag: str, help: str) -> Any:
    """An option naming a Python version, X.Y, completed from the catalogue (--python; matrix's
    --from and --to)."""
    return option(flag, metavar="X.Y", autocompletion=complete_pythons, help=help)


def seconds_option(flag: str, help: str) -> Any:
    """An option of a duration in seconds (probe's and scan's --timeout, probe's nagios limits)."""
    return option(flag, metavar="SECONDS", help=help)


PythonOption = Annotated[
    str | None, version_option("--python", "Judge modules for this Python version (default: the running one).")
]
MarkPythonOption = Annotated[
    str | None, version_option("--python", "Mark this version's column (default: the running one).")
]
ColorOption = Annotated[
    str, option("--color", metavar="WHEN", autocompletion=complete_colors,
                help="Colour the drawing: auto (a terminal, unless NO_COLOR is set), always or never."),
]  # fmt: skip
DataOption = Annotated[
    Path | None, option("--data", metavar="PATH", envvar="NETREF_DATA",
                        help="Use this catalogue file instead of the shipped one."),
]  # fmt: skip
WideOption = Annotated[
    bool, option("--wide", help="Full table rows, however wide (the default fits a terminal; piped output is full)."),
]
HostsArgument = Annotated[
    list[str] | None,
    argument("HOST...", "HOST, HOST:PORT, [IPv6]:PORT or a bare IPv6 address; several are probed concurrently."),
]
TargetsArgument = Annotated[
    list[str] | None, argument("TARGET...", "Host names, addresses, [v6] or CIDR blocks (127.0.0.0/29).")
]
InputOption = Annotated[
    str | None,
    option("--input", metavar="FILE", help="Read more hosts from FILE (- for stdin): one a line, # comments."),
]
JobsOption = Annotated[
    int, option("--jobs", "--concurrency", metavar="N", help="Connections at once, with several hosts or ports."),
]
Ipv4Option = Annotated[bool, option("--ipv4", help="IPv4 addresses only.")]
Ipv6Option = Annotated[bool, option("--ipv6", help="IPv6 addresses only.")]
CafileOption = Annotated[
    Path | None, option("--cafile", metavar="PEM", help="Trust this CA bundle instead of the system store.")
]
InsecureOption = Annotated[bool, option("--insecure", help="Do not verify certificates (still reported).")]


# -- probe's options for some families only: one table ----------------------------------------------


class FamilyOption:
    """An option of ``probe`` that only some protocol families take (a family lists the ones it
    takes in its ``TAKES``): the parameter (a :class:`netref.probes.ProbeOptions` field, but for
    ``tcp`` and ``community``, which the command turns into one), the flag, the value's name
    (None: a flag without a value) and the help. A plain class: this module is read on every
    start, and a NamedTuple costs many times as much to define."""

    __slots__ = ("flag", "help", "metavar", "name")

    def __init__(self, name: str, flag: str, metavar: str | None, help: str) -> None:
        self.name, self.flag, self.metavar, self.help = name, flag, metavar, help


#: probe's family options, in the order ``--help`` lists them: a new one is a row here.
FAMILY_OPTIONS: tuple[FamilyOption, ...] = (
    FamilyOption("query", "--query", "NAME", "dns/dot: the name to ask about (default: the root)."),
    FamilyOption("qtype", "--type", "TYPE", "dns/dot: the record type (A, AAAA, MX, TXT, ...; default SOA)."),
    FamilyOption("tcp", "--tcp", None, "dns: ask over TCP instead of UDP."),
    FamilyOption(
        "community", "--community", "NAME",
        "snmp: the v2c community (default public, or $NETREF_COMMUNITY); never printed.",
    ),
    FamilyOption("path", "--path", "PATH", "xmlrpc, websocket: the HTTP path (default /RPC2, /)."),
    FamilyOption("to", "--to", "HOST:PORT", "socks: ask the proxy to CONNECT there (default: none)."),
    FamilyOption("mqtt_version", "--mqtt-version", "VERSION", "mqtt: protocol version, 3.1.1 (default) or 5."),
    FamilyOption("domain", "--domain", "NAME", "xmpp: the domain to open a stream to (default: HOST)."),
)  # fmt: skip


# -- options that commands take together: one parameter in the command, spliced for Typer ---------


class OptionGroup:
    """Options a command takes together (several commands, often), declared once: a subclass's ``__init__``
    parameters are the options (``--help`` lists them in that order), and its instance holds their
    values. A command takes the group as one parameter (``view: ViewOptions``); :func:`composed`
    gives Typer the options in its place and the command one object."""

    __slots__ = ()


class ViewOptions(OptionGroup):
    """How a catalogue command answers (list, port, show, module): for which Python, in which format,
    how wide, from which catalogue."""

    __slots__ = ("data", "fmt", "python", "wide")

    def __init__(
        self, python: PythonOption = None, fmt: FormatOption = "table", wide: WideOption = False,
        data: DataOption = None,
    ) -> None:  # fmt: skip
        self.python, self.fmt, self.wide, self.data = python, fmt, wide, data


class AddressOptions(OptionGroup):
    """-4 and -6 (probe, scan): which of a name's addresses to connect to."""

    __slots__ = ("ipv4", "ipv6")

    def __init__(self, ipv4: Ipv4Option = False, ipv6: Ipv6Option = False) -> None:
        self.ipv4, self.ipv6 = ipv4, ipv6

    def family(self) -> int:
        """4, 6, or 0 for either (the ``family`` of a probe's or a scan's options); -4 with -6 is a
        usage error."""
        if self.ipv4 and self.ipv6:
            from netref.probes import ProbeUsageError

            raise ProbeUsageError("-4 and -6 exclude each other")
        return 4 if self.ipv4 else 6 if self.ipv6 else 0


class TrustOptions(OptionGroup):
    """--cafile and --insecure (probe, scan): what a TLS handshake trusts."""

    __slots__ = ("cafile", "insecure")

    def __init__(self, cafile: CafileOption = None, insecure: InsecureOption = False) -> None:
        self.cafile, self.insecure = str(cafile) if cafile else None, insecure


_Command = TypeVar("_Command", bound=Callable[..., Any])
_Gather = Callable[[dict[str, Any]], Any]


def composed(command: _Command) -> _Command:
    """``command`` as Typer should read it: each :class:`OptionGroup` parameter replaced by the
    group's options, and the ``family_options`` parameter (probe's) by one option per
    :data:`FAMILY_OPTIONS` row; ``command`` receives each group as one object and the family
    options as one dict (name → value)."""
    return _Composed(command)  # type: ignore[return-value]


class _Composed:
    """The command of :func:`composed`. Its signature is spliced when Typer first reads it, which
    is when the command runs or is listed: reading a signature evaluates every annotation (a few
    milliseconds), and the CLI's start-up is benchmarked."""

    def __init__(self, command: Callable[..., Any]) -> None:
        self.command = command
        self.__name__, self.__qualname__ = command.__name__, command.__qualname__
        self.__doc__, self.__module__ = command.__doc__, command.__module__

    def __call__(self, **values: Any) -> Any:
        for name, gather in self._spliced[1].items():
            values[name] = gather(values)
        return self.command(**values)

    @functools.cached_property
    def _spliced(self) -> tuple[inspect.Signature, dict[str, _Gather]]:
        """Typer's signature, and for each spliced parameter how its value is gathered from theirs."""
        signature = inspect.signature(self.command, eval_str=True)
        parameters: list[inspect.Parameter] = []
        gathers: dict[str, _Gather] = {}
        for parameter in signature.parameters.values():
            splice = _splice(parameter)
            if splice is None:
                parameters.append(parameter)
            else:
                parameters += [member.replace(kind=parameter.kind) for member in splice[0]]  # keyword-only after *
                gathers[parameter.name] = splice[1]
        return signature.replace(parameters=parameters), gathers

    @property
    def __signature__(self) -> inspect.Signature:
        return self._spliced[0]

    @functools.cached_property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        return {parameter.name: parameter.annotation for parameter in self.__signature__.parameters.values()}


def _splice(parameter: inspect.Parameter) -> tuple[list[inspect.Parameter], _Gather] | None:
    """What stands in Typer's signature for ``parameter``, and how its value is gathered from those
    options' values; None for a parameter Typer reads as it is."""
    if parameter.name == "family_options":
        return _family_parameters(), lambda values: {row.name: values.pop(row.name) for row in FAMILY_OPTIONS}
    group = parameter.annotation
    if not (isinstance(group, type) and issubclass(group, OptionGroup)):
        return None
    members = list(inspect.signature(group, eval_str=True).parameters.values())
    return members, lambda values: group(**{member.name: values.pop(member.name) for member in members})


def _family_parameters() -> list[inspect.Parameter]:
    """The :data:`FAMILY_OPTIONS` as Typer reads parameters: ``Annotated[type, typer.Option(...)]``."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters: list[inspect.Parameter] = []
    for row in FAMILY_OPTIONS:
        if row.metavar is None:  # a flag
            annotation: Any = Annotated[bool, typer.Option(row.flag, help=row.help)]
        else:
            annotation = Annotated[str | None, typer.Option(row.flag, metavar=row.metavar, help=row.help)]
        default = None if row.metavar else False
        parameters.append(inspect.Parameter(row.name, kind, default=default, annotation=annotation))
    return parameters
