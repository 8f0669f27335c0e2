"""Each command's own options and arguments, one group per command: what only that command takes.

netref.options holds what several commands share; this module, the rest, so that a command's
signature in netref/cli.py is one line a parameter (``sni: own.SniOption = None``). It is imported
only when a command is built (cli.py reads it through ``own``, on demand): ``netref port 25`` is
benchmarked, and constructing these few dozen options on every start would cost more than netref
adds to a bare Typer app. Every option goes through :func:`netref.options.option` (the short
letter of :data:`netref.options.SHORT_LETTERS`), every argument through
:func:`netref.options.argument`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from netref.options import (
    OptionGroup,
    argument,
    complete_modules,
    complete_modules_and_protocols,
    complete_protocols,
    complete_statuses,
    complete_transports,
    deprecated,
    option,
    version_option,
)

if TYPE_CHECKING:
    from netref.probes.monitoring import Thresholds


def _seconds(flag: str, help: str) -> Any:
    """An option of a duration in seconds (--timeout, probe's nagios limits)."""
    return option(flag, metavar="SECONDS", help=help)


# -- list -------------------------------------------------------------------------------------------

StatusOption = Annotated[
    str | None, option("--status", metavar="STATUS", autocompletion=complete_statuses,
                       help="Only protocols with a module of this status: current, renamed, deprecated, removed,"
                       " not-yet."),
]  # fmt: skip
TlsOption = Annotated[bool, option("--tls", help="Only protocols that can run over TLS (implicit or upgraded).")]
TutorialOption = Annotated[bool, option("--tutorial", help="Only the tutorial table's own rows.")]

# -- port, show, module -----------------------------------------------------------------------------

PortArgument = Annotated[
    str, argument("PORT", "A port, 0-65535 (53/udp, U:53: one transport), or a service name (smtp, as getent"
                  " services).", complete_protocols),
]  # fmt: skip
TransportOption = Annotated[
    str | None, option("--transport", metavar="tcp|udp", autocompletion=complete_transports,
                       help="Transport protocol (default: both)."),
]  # fmt: skip
OldTransportOption = Annotated[str | None, deprecated("port", "-t")]
ProtocolArgument = Annotated[
    str, argument("PROTOCOL", "A protocol key or alias: smtp, imap4, https, socket, ...", complete_protocols)
]
ModuleArgument = Annotated[
    str, argument("MODULE", "A module name, Python 2 or 3, any case: httplib, telnetlib, http.client ...; or one of"
                  " its functions, classes, constants or parameters: ssl.wrap_socket, urllib.urlencode,"
                  " smtplib.SMTP.starttls(keyfile)", complete_modules),
]  # fmt: skip

# -- matrix -----------------------------------------------------------------------------------------

MatrixArgument = Annotated[
    list[str] | None, argument("[MODULE|PROTOCOL]...", "Modules, or protocol keys for their modules (default: the"
                               " tutorial's modules and their successors).", complete_modules_and_protocols),
]  # fmt: skip
AllOption = Annotated[bool, option("--all", help="Every module in the catalogue.")]
FromOption = Annotated[str | None, version_option("--from", "First Python version shown (default 2.7).")]
ToOption = Annotated[
    str | None, version_option("--to", "Last Python version shown (default: the newest one catalogued).")
]

# -- probe (its options for some families only: netref.options.FAMILY_OPTIONS) ----------------------

ProbeProtocolArgument = Annotated[
    str, argument("PROTOCOL", "http, https, smtp, imaps, telnet, gopher, tcp, ...", complete_protocols)
]
ProbePortOption = Annotated[
    str | None, option("--port", metavar="PORT", help="Port (overrides HOST:PORT and the protocol's default).")
]
StarttlsOption = Annotated[
    bool, option("--starttls", help="Upgrade to TLS in band (STARTTLS, STLS, AUTH TLS); fail if not offered.")
]
ProbeTimeoutOption = Annotated[
    float, _seconds("--timeout", "Deadline for the whole probe, name resolution included.")
]
SniOption = Annotated[
    str | None, option("--sni", metavar="NAME", help="TLS server name to send and verify (when HOST is an address).")
]
UserOption = Annotated[
    str | None, option("--user", metavar="NAME", help="ftp, ftps: log in as NAME (password: $NETREF_PASSWORD or a"
                       " prompt); no other protocol logs in."),
]  # fmt: skip
PlaintextAuthOption = Annotated[bool, option("--allow-plaintext-auth", help="Allow sending the password without TLS.")]
WarningOption = Annotated[float | None, _seconds("--warning", "nagios: WARNING above this response time.")]
CriticalOption = Annotated[float | None, _seconds("--critical", "nagios: CRITICAL above this response time.")]
CertDaysOption = Annotated[
    str | None, option("--cert-days", metavar="WARN[,CRIT]",
                       help="nagios: WARNING/CRITICAL when the certificate has fewer days left."),
]  # fmt: skip


class NagiosOptions(OptionGroup):
    """probe's --warning, --critical and --cert-days: the limits --format nagios judges by."""

    __slots__ = ("cert_days", "critical", "warning")

    def __init__(
        self, warning: WarningOption = None, critical: CriticalOption = None, cert_days: CertDaysOption = None
    ) -> None:
        self.warning, self.critical, self.cert_days = warning, critical, cert_days

    def thresholds(self, nagios: bool) -> Thresholds:
        """The validated limits; any of them without --format nagios is a usage error."""
        from netref.probes import ProbeUsageError
        from netref.probes.monitoring import make_thresholds

        if not nagios and (self.warning, self.critical, self.cert_days) != (None, None, None):
            raise ProbeUsageError("--warning, --critical and --cert-days apply to --format nagios")
        return make_thresholds(self.warning, self.critical, self.cert_days)

NoWaterfallOption = Annotated[bool, option("--no-waterfall", help="Timings as numbers only, without the table's bars.")]

# -- scan -------------------------------------------------------------------------------------------

PortsOption = Annotated[
    str | None, option("--ports", metavar="LIST", help="Ports: 25,80,8000-8100, 80- (to 65535), -1024 (from 1),"
                       " - (all), U:53,161,T:80 (default: the catalogue's)."),
]  # fmt: skip
OpenOption = Annotated[bool, option("--open", help="Show only open ports (and how many others there were).")]
UdpOption = Annotated[
    bool, option("--udp", help="Scan UDP: the catalogue's UDP ports, or --ports without T:/U: as UDP.")
]
ScanTimeoutOption = Annotated[float, _seconds("--timeout", "Per connection attempt and per probe.")]
OldConcurrencyOption = Annotated[int | None, deprecated("scan", "-c")]
MaxHostsOption = Annotated[int, option("--max-hosts", metavar="N", help="Refuse to scan more hosts than this.")]
StreamOption = Annotated[bool, option("--stream", help="Write one JSON object a line as each port finishes.")]
ExcludeTargetsOption = Annotated[
    list[str] | None, option("--exclude", metavar="TARGETS", help="Do not scan these (comma-separated; repeatable).")
]
ExcludeFileOption = Annotated[
    str | None, option("--exclude-file", metavar="FILE", help="Do not scan the targets in FILE.")
]
RateOption = Annotated[float | None, option("--rate", metavar="N", help="New connections a second at most.")]
ShardOption = Annotated[str | None, option("--shard", metavar="K/N", help="Scan only the K-th of N disjoint slices.")]
ResumeOption = Annotated[
    str | None, option("--resume", metavar="FILE", help="Skip the ports a previous run's -f jsonl output FILE holds.")
]

# -- check ------------------------------------------------------------------------------------------

def _codes(flag: str, help: str) -> Any:
    """A repeatable option of rule codes or code prefixes (``check --select NR1``), as ruff's."""
    return option(flag, metavar="CODE", help=help)


SelectOption = Annotated[
    list[str] | None, _codes("--select", "Report only these codes or prefixes (NR1, NR201, ...); repeatable.")
]
IgnoreOption = Annotated[list[str] | None, _codes("--ignore", "Do not report these codes or prefixes; repeatable.")]
ExtendSelectOption = Annotated[
    list[str] | None, _codes("--extend-select", "Report these codes too (NR401); repeatable.")
]
ExtendIgnoreOption = Annotated[
    list[str] | None, _codes("--extend-ignore", "Also do not report these codes (as --ignore).")
]



class RuleOptions(OptionGroup):
    """check's --select, --ignore, --extend-select and --extend-ignore: which rule codes it reports,
    as ruff's (--extend-ignore adds to --ignore)."""

    __slots__ = ("extend_select", "ignore", "select")

    def __init__(
        self, select: SelectOption = None, ignore: IgnoreOption = None, extend_select: ExtendSelectOption = None,
        extend_ignore: ExtendIgnoreOption = None,
    ) -> None:  # fmt: skip
        self.select, self.extend_select = tuple(select or ()), tuple(extend_select or ())
        self.ignore = (*(ignore or ()), *(extend_ignore or ()))


PathsArgument = Annotated[
    list[str] | None, argument("PATH...", "Python files, or directories to search for *.py; - reads stdin.")
]
ExitZeroOption = Annotated[
    bool, option("--exit-zero", help="Exit 0 even when there are findings (usage errors still exit 2).")
]
ExplainOption = Annotated[
    str | None, option("--explain", metavar="CODE", help="Say what CODE finds, why, an example and its fix; no PATH.")
]
ExcludeGlobOption = Annotated[
    list[str] | None, option("--exclude", metavar="GLOB", help="Skip files and directories whose name or path"
                             " matches; repeatable."),
]  # fmt: skip
GitignoreOption = Annotated[
    bool | None, option("--respect-gitignore/--no-respect-gitignore", show_default=False,
                        help="Skip files that .gitignore ignores below a directory (default: yes, or [tool.netref])."),
]  # fmt: skip
IsolatedOption = Annotated[bool, option("--isolated", help="Ignore [tool.netref] tables in pyproject.toml files.")]
StdinFilenameOption = Annotated[
    str | None, option("--stdin-filename", metavar="PATH", help="The name of the file read from stdin (PATH -).")
]
FixOption = Annotated[bool, option("--fix", help="Rewrite renamed imports in place (only what is mechanically safe).")]
DiffOption = Annotated[bool, option("--diff", help="Show the fixes as a unified diff; write nothing.")]
StatisticsOption = Annotated[bool, option("--statistics", help="Count the findings per code instead of listing them.")]
WorkersOption = Annotated[
    int, option("--jobs", metavar="N", min=0, help="Worker processes for large trees (0: one per core).")
]
