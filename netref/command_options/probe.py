"""probe's own options and arguments (its options for some families only: netref.options.FAMILY_OPTIONS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from netref.options import OptionGroup, argument, complete_protocols, option, seconds_option

if TYPE_CHECKING:
    from netref.probes.monitoring import Thresholds

ProtocolArgument = Annotated[
    str, argument("PROTOCOL", "http, https, smtp, imaps, telnet, gopher, tcp, ...", complete_protocols)
]
PortOption = Annotated[
    str | None, option("--port", metavar="PORT", help="Port (overrides HOST:PORT and the protocol's default).")
]
StarttlsOption = Annotated[
    bool, option("--starttls", help="Upgrade to TLS in band (STARTTLS, STLS, AUTH TLS); fail if not offered.")
]
TimeoutOption = Annotated[
    float, seconds_option("--timeout", "Deadline for the whole probe, name resolution included.")
]
SniOption = Annotated[
    str | None, option("--sni", metavar="NAME", help="TLS server name to send and verify (when HOST is an address).")
]
UserOption = Annotated[
    str | None, option("--user", metavar="NAME", help="ftp, ftps: log in as NAME (password: $NETREF_PASSWORD or a"
                       " prompt); no other protocol logs in."),
]  # fmt: skip
PlaintextAuthOption = Annotated[bool, option("--allow-plaintext-auth", help="Allow sending the password without TLS.")]
WarningOption = Annotated[float | None, seconds_option("--warning", "nagios: WARNING above this response time.")]
CriticalOption = Annotated[float | None, seconds_option("--critical", "nagios: CRITICAL above this response time.")]
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
