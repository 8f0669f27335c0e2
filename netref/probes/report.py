"""A probe result as the key/value card ``netref probe`` prints (table, csv, tabulate
formats); JSON is :meth:`ProbeResult.to_dict`, nagios is :mod:`netref.probes.monitoring`."""

from __future__ import annotations

from netref.probes.values import ProbeResult, TlsDetails


def verdict_text(result: ProbeResult) -> str:
    """``ok: HTTP 200 OK`` or ``failed (timeout): deadline of 10 s passed ...``."""
    if result.ok:
        return f"ok: {result.message}" if result.message else "ok"
    return f"failed ({result.category}): {result.message}"


def target_text(result: ProbeResult) -> str:
    host = f"[{result.host}]" if ":" in result.host else result.host
    return f"{host}:{result.port}" if result.port else host


def addresses_text(result: ProbeResult) -> str | None:
    if not result.addresses:
        return None
    used = f" (answered: {result.address_used})" if result.address_used and len(result.addresses) > 1 else ""
    return ", ".join(result.addresses) + used


def timings_text(result: ProbeResult) -> str:
    """``dns 0.1  connect 0.3  tls 4.2  first_byte 0.8  total 6.0`` (milliseconds)."""
    return "  ".join(f"{name} {ms:.1f}" for name, ms in result.timings.items())


def tls_check_text(tls: TlsDetails) -> str:
    """What verification made of the certificate, in words."""
    if tls.insecure:
        return "NOT verified (--insecure)"
    if tls.verify_error:
        return f"REFUSED: {tls.verify_error} (the certificate below was read without verification)"
    return "chain and host name verified"


def tls_lines(tls: TlsDetails) -> list[tuple[str, object]]:
    """The TLS part of the card, one row per fact a person checks: the server name sent
    (none for an address) apart from the name the certificate was checked against."""
    expiry = None
    days = tls.days_left
    if tls.not_after and days is not None:  # the certificate decoder sets both or neither
        expiry = f"{tls.not_after} ({'expired ' + str(-days) + ' days ago' if days < 0 else str(days) + ' days left'})"
    return [
        ("tls", f"{tls.version}, {tls.cipher}" + (" (STARTTLS)" if tls.starttls else "")),
        ("tls check", tls_check_text(tls)),
        ("sni sent", tls.sni or "none (an address is not sent as a server name)"),
        ("name checked", tls.checked_name or "none (--insecure)"),
        ("cert subject", tls.subject),
        ("cert issuer", tls.issuer),
        ("cert names", "\n".join(tls.sans) or None),
        ("cert expires", expiry),
    ]


def detail_lines(details: dict[str, object]) -> list[tuple[str, object]]:
    """The family's extras (``details``), a row each, so the table tells what the JSON does:
    a telnet probe's first screen, a gopher menu (an item per line, its fields as in the
    menu: type | display | selector | host | port), an FTP login's user | reply."""
    return [(name.replace("_", " "), _detail_text(value)) for name, value in details.items()]


def _detail_text(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        # Fields in order (their keys are in the JSON); a flag ("gopher+": "yes") shows its name.
        return " | ".join(str(key) if item is True or item == "yes" else str(item) for key, item in value.items())
    if isinstance(value, list):
        return "\n".join(_detail_text(item) for item in value) or "-"
    return str(value)


def card_pairs(result: ProbeResult) -> list[tuple[str, object]]:
    """Every fact of a probe, in the order a person reads it: verdict first."""
    pairs: list[tuple[str, object]] = [
        ("verdict", verdict_text(result)),
        *([("warnings", "\n".join(result.warnings))] if result.warnings else []),
        ("protocol", result.protocol),
        ("target", target_text(result)),
        ("addresses", addresses_text(result)),
        ("greeting", result.greeting),
        ("server", result.server_software),
        ("capabilities", "\n".join(result.capabilities) or None),
        *detail_lines(result.details),
    ]
    if result.tls is not None:
        pairs.extend(tls_lines(result.tls))
    pairs.append(("timings (ms)", timings_text(result)))
    module = result.module or "-"
    pairs.append(("module", f"{module} (instead of {result.substitution})" if result.substitution else module))
    return pairs
