"""``--format nagios``: a probe result judged as a monitoring-plugins check.

The state follows the plugin guidelines: a failed probe is CRITICAL; a response time over
``--critical``/``--warning`` seconds is CRITICAL/WARNING; a certificate with fewer days
left than ``--cert-days WARN[,CRIT]`` is WARNING/CRITICAL; a submission server offering
STARTTLS that the probe did not use is WARNING; a usage error is UNKNOWN.
Perfdata carries every timed phase in seconds and the certificate's days left.
"""

from __future__ import annotations

from dataclasses import dataclass

from netref.probes.values import ProbeResult, ProbeUsageError

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")

#: Protocols where a probe's warnings (an upgrade offered but not used) are a WARNING state:
#: message submission carries credentials, and RFC 8314 deprecates cleartext for it; an SSH
#: server's warnings are the algorithms current OpenSSH no longer offers (as ssh-audit warns).
WARN_ON_WARNINGS = ("submission", "ssh")


@dataclass(frozen=True)
class Thresholds:
    """Response-time thresholds in seconds and certificate-days thresholds; None is unset."""

    warning: float | None = None
    critical: float | None = None
    cert_warning: int | None = None
    cert_critical: int | None = None


@dataclass(frozen=True)
class Check:
    """A judged probe: the exit code, its name, the one-line summary and the perfdata."""

    code: int
    summary: str
    perfdata: list[tuple[str, str]]

    @property
    def state(self) -> str:
        return STATE_NAMES[self.code]


def parse_cert_days(text: str | None) -> tuple[int | None, int | None]:
    """``30`` or ``30,14`` → (warn, crit); a critical above the warning is a usage error."""
    if text is None:
        return None, None
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > 2 or not all(part.isdigit() for part in parts):
        raise ProbeUsageError(f"--cert-days: expected DAYS or WARN,CRIT (whole days), not {text!r}")
    warn = int(parts[0])
    crit = int(parts[1]) if len(parts) == 2 else None
    if crit is not None and crit > warn:
        raise ProbeUsageError(f"--cert-days: the critical limit ({crit}) must not exceed the warning limit ({warn})")
    return warn, crit


def make_thresholds(warning: float | None, critical: float | None, cert_days: str | None) -> Thresholds:
    """Validated thresholds from the command-line values."""
    for name, value in (("--warning", warning), ("--critical", critical)):
        if value is not None and value <= 0:
            raise ProbeUsageError(f"{name}: expected seconds above 0, not {value:g}")
    if warning is not None and critical is not None and warning > critical:
        raise ProbeUsageError(f"--warning ({warning:g} s) must not exceed --critical ({critical:g} s)")
    return Thresholds(warning, critical, *parse_cert_days(cert_days))


def _limit(value: float | None, seconds: bool = True) -> str:
    if value is None:
        return ""
    return f"{value:g}" if seconds else str(value)


def perfdata(result: ProbeResult, limits: Thresholds) -> list[tuple[str, str]]:
    """``time`` (total, with thresholds), each phase, and ``cert_days`` when TLS was up."""
    total = result.timings.get("total", 0.0) / 1000
    data = [("time", f"{total:.6f}s;{_limit(limits.warning)};{_limit(limits.critical)};0")]
    for name, ms in result.timings.items():
        if name != "total":
            data.append((name, f"{ms / 1000:.6f}s;;;0"))
    if result.tls is not None and result.tls.days_left is not None:
        warn, crit = _limit(limits.cert_warning, False), _limit(limits.cert_critical, False)
        data.append(("cert_days", f"{result.tls.days_left};{warn};{crit}"))
    return data


def judge(result: ProbeResult, limits: Thresholds) -> Check:
    """The monitoring state of one probe."""
    data = perfdata(result, limits)
    total = result.timings.get("total", 0.0) / 1000
    if not result.ok:
        return Check(CRITICAL, f"{result.category}: {result.message}", data)
    problems: list[tuple[int, str]] = []
    if limits.critical is not None and total > limits.critical:
        problems.append((CRITICAL, f"response time {total:.3f} s over {limits.critical:g} s"))
    elif limits.warning is not None and total > limits.warning:
        problems.append((WARNING, f"response time {total:.3f} s over {limits.warning:g} s"))
    if result.protocol in WARN_ON_WARNINGS:
        problems.extend((WARNING, warning) for warning in result.warnings)
    days = result.tls.days_left if result.tls else None
    if limits.cert_warning is not None:
        if days is None:
            return Check(UNKNOWN, "--cert-days given, but the connection had no certificate", data)
        if limits.cert_critical is not None and days < limits.cert_critical:
            problems.append((CRITICAL, f"certificate expires in {days} days"))
        elif days < limits.cert_warning:
            problems.append((WARNING, f"certificate expires in {days} days"))
    facts = [f"{total * 1000:.0f} ms"]
    if result.tls is not None:
        facts.append(result.tls.version or "TLS")
        if result.tls.insecure:
            facts.append("certificate NOT verified (--insecure)")
        if days is not None and not any(text.startswith("certificate expires") for _, text in problems):
            facts.append(f"certificate {days} days left")  # once: a problem above says it already
    if result.greeting:
        facts.append(result.greeting)
    code = max((level for level, _ in problems), default=OK)
    summary = ", ".join([text for _, text in problems] + facts)
    return Check(code, summary, data)
