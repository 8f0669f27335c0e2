"""What the catalogue commands show: JSON objects and table rows built from catalogue objects.

The JSON objects here are netref's documented, stable schema (docs/json.md): add fields freely,
but never rename or remove one. Table rows are the same facts, flattened for reading. The
``*_view`` functions put both together as the :mod:`netref.render` view a command prints.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

from netref.catalog import (
    Api,
    ApiStatus,
    Catalog,
    Module,
    Port,
    PortMatch,
    Protocol,
    Status,
    legacy_modules,
    python_text,
    status_label,
    stdlib_clients,
)
from netref.render import Card, Grid, Records, Sections, Timeline
from netref.versions import Version, format_version

if TYPE_CHECKING:
    from netref.probes.values import ProbeResult

# -- views: one per catalogue command ----------------------------------------------------------


def protocols_view(catalog: Catalog, protocols: list[Protocol], target: Version) -> Records:
    """``netref list``: one row per protocol, its modules judged for ``target``."""
    version = format_version(target)
    return Records(
        document={"target": version, "protocols": [protocol_dict(catalog, protocol, target) for protocol in protocols]},
        rows=[protocol_row(catalog, protocol, target) for protocol in protocols],
        notes=(f"Status judged for Python {version} (change with --python X.Y).",),
        drop=("legacy", "function", "tls", "ports"),  # a narrow table keeps the name, key and modules
    )


def port_view(
    catalog: Catalog, number: int, transport: str | None, matches: list[PortMatch], target: Version
) -> Records:
    """``netref port``: what runs on a port and the module to speak it on ``target``, with the
    catalogue's notes and the tutorial's claim."""
    objects = [match_dict(match, catalog, target) for match in matches]
    return Records(
        document={"port": number, "transport": transport, "matches": objects, "target": format_version(target)},
        rows=[match_row(match, catalog, target) for match in matches],
        notes=[line for match in objects for line in _match_notes(match)],
    )


def protocol_view(catalog: Catalog, protocol: Protocol, target: Version) -> Card:
    """``netref show``: a protocol's card; the table ends with its modern example."""
    document = protocol_dict(catalog, protocol, target, example=True)
    example = ("example:\n" + protocol.example.rstrip("\n"),) if protocol.example else ()
    return Card(document, protocol_card(catalog, protocol, target), notes=example)


def module_view(catalog: Catalog, module: Module, target: Version) -> Card:
    """``netref module``: a module's life, judged for ``target``."""
    return Card(module_dict(catalog, module, target), module_card(catalog, module, target))


def api_view(catalog: Catalog, api: Api, target: Version) -> Card:
    """``netref module ssl.wrap_socket``: a function's, class's or parameter's life, judged for ``target``."""
    return Card(api_dict(catalog, api, target), api_card(catalog, api, target))


def module_or_api_view(catalog: Catalog, entry: Module | Api, target: Version) -> Card:
    """``netref module NAME``: NAME is a module, or one of a module's attributes (``urllib.urlencode``)."""
    return api_view(catalog, entry, target) if isinstance(entry, Api) else module_view(catalog, entry, target)


def probe_view(result: ProbeResult, waterfall: bool = True) -> Card:
    """``netref probe``: the result's card; with ``waterfall``, its timings are a :class:`Timeline`
    (the table draws it; every other format prints the numbers, as without)."""
    from netref.probes.report import card_pairs

    pairs = card_pairs(result)
    if waterfall:
        phases = [(name, ms) for name, ms in result.timings.items() if name != "total"]
        timeline = Timeline(phases, result.timings.get("total"))
        pairs = [(key, timeline if key == TIMINGS_KEY else value) for key, value in pairs]
    return Card(result.to_dict(), pairs)


TIMINGS_KEY = "timings (ms)"  # the probe card's row that holds the timings


def _match_notes(match: dict[str, Any]) -> list[str]:
    notes = [f"note: {match['note']}"] if match["note"] else []
    if match["tutorial_note"]:
        notes.append(f"tutorial: {match['tutorial_note']}")
    return notes


# -- JSON objects --------------------------------------------------------------------------------


def _fields(value: Any, *names: str) -> dict[str, Any]:
    """The named attributes of ``value`` under their own names (tuples as lists): the fields a JSON
    object carries as they are, in the documented order (docs/json.md)."""
    fields = {name: getattr(value, name) for name in names}
    return {name: list(field) if isinstance(field, tuple) else field for name, field in fields.items()}


def _status_json(status: Status | ApiStatus, *names: str) -> dict[str, Any]:
    """A module's or an API's status on one Python: its kind and target, the ``names`` fields, and
    its one-line summary last."""
    target = format_version(status.target)
    return {"kind": status.kind, "target": target, **_fields(status, *names), "summary": status.summary()}


def status_dict(status: Status) -> dict[str, Any]:
    named = ("since", "replacement", "advice", "removal", "pep", "backport", "pypi", "warns_on_import")
    return _status_json(status, *named)


def module_dict(catalog: Catalog, module: Module, target: Version) -> dict[str, Any]:
    return {
        "name": module.name,
        "summary": module.summary,
        "status": status_dict(module.status(target)),
        **_fields(module, "added", "deprecated", "warns", "renamed", "renamed_to", "removed", "replacement", "pypi",
                  "backport", "pep"),
        "renamed_from": catalog.renamed_from(module.name),
        "protocols": [protocol.key for protocol in catalog.protocols_using(module.name)],
        "moved_attributes": dict(module.moved_attributes),
        "api": [api_dict(catalog, api, target) for api in catalog.module_apis(module.name)],
        "note": module.note,
        "sources": list(module.sources),
    }


def api_status_dict(status: ApiStatus) -> dict[str, Any]:
    return _status_json(status, "since", "removal", "warns", "replacement")


def api_dict(catalog: Catalog, api: Api, target: Version) -> dict[str, Any]:
    return {
        "name": api.qualname,
        "module": api.module,
        "kind": api.kind,
        "status": api_status_dict(catalog.api_status(api, target)),
        **_fields(api, "added", "deprecated", "warns", "removed", "replacement", "instead", "moved", "pep",
                  "documented_only", "note", "sources"),
    }


def port_dict(port: Port) -> dict[str, Any]:
    return {
        "number": port.number,
        "transport": port.transport,
        "service": port.service,
        "role": port.role,
        "tls": port.tls,
        "note": port.note,
    }


def protocol_dict(catalog: Catalog, protocol: Protocol, target: Version, example: bool = False) -> dict[str, Any]:
    tutorial = protocol.tutorial
    data = {
        "key": protocol.key,
        "name": protocol.name,
        "function": protocol.function,
        "aliases": list(protocol.aliases),
        "standards": list(protocol.standards),
        "tls": protocol.tls,
        "starttls": protocol.starttls,
        "plain": protocol.plain,
        "over": protocol.over,
        "default_port": protocol.default_port,
        "ports": [port_dict(port) for port in protocol.ports],
        "modules": [
            {"name": name, "role": _role(protocol, name), "status": status_dict(catalog.modules[name].status(target))}
            for name in protocol.modules
        ],
        "pypi": list(protocol.pypi),
        "probe_module": protocol.probe_module,
        "probe": bool(protocol.family),
        "tutorial": None if tutorial is None else {
            "name": tutorial.name, "function": tutorial.function, "port": tutorial.port,
            "modules": list(tutorial.modules), "note": tutorial.note,
        },
        "sources": list(protocol.sources),
    }
    if example:
        data["example"] = protocol.example
    return data


def match_dict(match: PortMatch, catalog: Catalog | None = None, target: Version | None = None) -> dict[str, Any]:
    """``modules`` (the standard-library clients current on ``target``) and ``pypi`` need the
    catalogue; without it they are empty."""
    protocol = match.protocol
    modules = stdlib_clients(catalog, protocol, target) if catalog and protocol and target else []
    return {
        "source": match.source,
        "protocol": protocol.key if protocol else None,
        "name": protocol.name if protocol else match.port.service,
        "function": protocol.function if protocol else None,
        **port_dict(match.port),
        "tutorial_note": _tutorial_note(protocol, match.port.number),
        "modules": modules,
        "pypi": list(protocol.pypi) if protocol else [],
        "legacy": legacy_modules(catalog, protocol, target) if catalog and protocol and target else [],
    }


def _tutorial_note(protocol: Protocol | None, number: int) -> str | None:
    """The tutorial's own claim about this port, where it differs from the truth."""
    tutorial = protocol.tutorial if protocol else None
    if protocol is None or tutorial is None or tutorial.port != number or tutorial.port == protocol.default_port:
        return None
    return tutorial.note


def _role(protocol: Protocol, name: str) -> str:
    roles = [role for role, names in (("client", protocol.clients), ("server", protocol.servers)) if name in names]
    return "/".join(roles)


# -- filtering and table rows ------------------------------------------------------------------


def select_protocols(
    catalog: Catalog, target: Version, status: str | None = None, tls: bool = False, tutorial: bool = False
) -> list[Protocol]:
    """Protocols for ``netref list``: with ``status``, those with a module of that status on ``target``;
    with ``tls``, those that can run over TLS (implicit, or upgraded with a STARTTLS-like command);
    with ``tutorial``, only the rows of the classic tutorial's table."""
    chosen = []
    for protocol in catalog.protocols.values():
        if tutorial and protocol.tutorial is None:
            continue
        if tls and protocol.tls_label == "-":
            continue
        if status and not any(catalog.modules[name].status(target).kind == status for name in protocol.modules):
            continue
        chosen.append(protocol)
    return chosen


def ports_text(protocol: Protocol) -> str:
    if not protocol.ports and protocol.over:
        return f"over {protocol.over}"
    return ", ".join(f"{port.number}/{port.transport}" for port in protocol.ports) or "any"


def protocol_row(catalog: Catalog, protocol: Protocol, target: Version) -> dict[str, Any]:
    statuses = [catalog.modules[name].status(target) for name in protocol.modules]
    return {
        "protocol": protocol.name,
        "key": protocol.key,
        "ports": ports_text(protocol).split(", "),
        "tls": protocol.tls_label,
        "function": protocol.function,
        "modules": [s.module for s in statuses if s.kind == "current"] + [f"{name} (PyPI)" for name in protocol.pypi],
        "legacy": [f"{s.module}: {_legacy_label(s)}" for s in statuses if s.kind not in ("current", "not-yet")],
    }


def _legacy_label(status: Status) -> str:
    arrow = f" → {status.advice}" if status.advice else ""
    return f"{status_label(status)}{arrow}"


def match_row(match: PortMatch, catalog: Catalog | None = None, target: Version | None = None) -> dict[str, Any]:
    """With the catalogue, a ``python`` column says what to import (or install) to speak it."""
    row: dict[str, Any] = {
        "port": f"{match.port.number}/{match.port.transport}",
        "protocol": match.protocol.name if match.protocol else "-",
        "service": match.port.service,
        "role": match.port.role,
        "tls": match.port.tls,
        "source": match.source,
    }
    if catalog is not None and target is not None:
        row["python"] = python_text(catalog, match.protocol, target) if match.protocol else "-"
        legacy = legacy_modules(catalog, match.protocol, target) if match.protocol else []
        if legacy:
            row["python"] += f" (legacy: {'; '.join(legacy)})"
    return row


def module_status_row(catalog: Catalog, name: str, protocol: Protocol, target: Version) -> str:
    status = catalog.modules[name].status(target)
    role = _role(protocol, name)
    return f"{name} [{role}]: {status.summary()}"


def protocol_card(catalog: Catalog, protocol: Protocol, target: Version) -> list[tuple[str, Any]]:
    tutorial = protocol.tutorial
    pairs: list[tuple[str, Any]] = [
        ("protocol", f"{protocol.name} ({protocol.key})"),
        ("function", protocol.function),
        ("aliases", list(protocol.aliases)),
        ("ports", "\n".join(_port_line(port) for port in protocol.ports) or ports_text(protocol)),
        ("default port", protocol.default_port),
        ("tls", protocol.tls_label),
        ("standards", list(protocol.standards)),
        (f"modules on {format_version(target)}", "\n".join(
            [module_status_row(catalog, name, protocol, target) for name in protocol.modules]
            + [f"{name} (PyPI)" for name in protocol.pypi]
        )),
        ("probe", _probe_text(protocol)),
    ]
    if tutorial:
        said = f"{tutorial.name}, port {tutorial.port}, {', '.join(tutorial.modules)}"
        pairs.append(("tutorial said", said + (f"\n{tutorial.note}" if tutorial.note else "")))
    pairs.append(("sources", "\n".join(protocol.sources)))
    return pairs


def _probe_text(protocol: Protocol) -> str:
    return f"netref probe {protocol.key} HOST" if protocol.family else f"none: netref has no probe for {protocol.key}"


def _port_line(port: Port) -> str:
    line = f"{port.number}/{port.transport} {port.service} ({port.role})"
    return line + (f": {port.note}" if port.note else "")


def _status_text(status: Status) -> str:
    """``removed: removed in 3.13 (PEP 594) → socket``; plain ``current`` when nothing more is to say."""
    summary = status.summary()
    return status.kind if summary == status.kind else f"{status.kind}: {summary}"


def module_card(catalog: Catalog, module: Module, target: Version) -> list[tuple[str, Any]]:
    status = module.status(target)
    pairs: list[tuple[str, Any]] = [
        ("module", module.name),
        ("summary", module.summary),
        (f"status on {format_version(target)}", _status_text(status)),
        ("import warns", status.warns_on_import),
        ("added", module.added or "-"),
        ("deprecated", module.deprecated),
        ("import warns from", module.warns),
        ("renamed", f"{module.renamed} → {module.renamed_to}" if module.renamed else None),
        ("removed", module.removed),
        ("replacement", status.advice if status.kind != "current" else None),
        ("pypi", list(module.pypi)),
        ("backport", module.backport),
        ("pep", f"PEP {module.pep}" if module.pep else None),
        ("formerly", catalog.renamed_from(module.name)),
        ("protocols", [protocol.key for protocol in catalog.protocols_using(module.name)]),
    ]
    apis = catalog.module_apis(module.name)
    if apis:  # the module's own section: its functions, classes, parameters ... on the target
        lines = [f"{api.name}: {catalog.api_status(api, target).summary()}" for api in apis]
        pairs.append((f"api on {format_version(target)}", "\n".join(lines)))
    pairs += [("note", module.note), ("sources", "\n".join(module.sources))]
    return pairs


def api_card(catalog: Catalog, api: Api, target: Version) -> list[tuple[str, Any]]:
    status = catalog.api_status(api, target)
    summary = status.summary()
    documented = f"{', '.join(api.documented_only)}: from the sources only (no local interpreter to confirm)"
    return [
        ("api", api.qualname),
        ("kind", api.kind),
        ("module", f"{api.module}: {_status_text(catalog.modules[api.module].status(target))}"),
        (f"status on {format_version(target)}", status.kind if summary == status.kind else f"{status.kind}: {summary}"),
        ("use warns", status.warns),
        ("added", api.added or "-"),
        ("deprecated", api.deprecated),
        ("warns from", api.warns),
        ("removed", api.removed),
        ("replacement", status.replacement),
        ("pep", f"PEP {api.pep}" if api.pep else None),
        ("documented only", documented if api.documented_only else None),
        ("note", api.note),
        ("sources", "\n".join(api.sources)),
    ]


# -- the module × Python-version matrix (netref matrix) ------------------------------------------

#: A matrix cell's state: the module's status kind on that Python, a deprecation split by whether
#: importing warns. Each with its symbol, colour and legend: the grid reads without colour too.
MATRIX_STATES: dict[str, tuple[str, str, str]] = {
    "current": ("✓", "green", "current"),
    "renamed": ("→", "cyan", "renamed (to the name that ends the row)"),
    "deprecated": ("~", "yellow", "deprecated, import silent"),
    "deprecated-warns": ("!", "bold yellow", "deprecated, import warns"),
    "removed": ("✗", "red", "removed"),
    "not-yet": ("·", "dim", "not yet added"),
}

FIRST_MATRIX_VERSION: Version = (2, 7)
_MARK_WHY = {True: ": the one running netref (another: --python X.Y)", False: ": the one --python names"}


def cell_state(status: Status) -> str:
    """The matrix state of a computed status (a key of :data:`MATRIX_STATES`)."""
    return "deprecated-warns" if status.kind == "deprecated" and status.warns_on_import else status.kind


def newest_version(catalog: Catalog) -> Version:
    """The newest Python any module's dates name: the matrix's last column by default."""
    from netref.versions import parse_version

    dates = ("added", "deprecated", "warns", "renamed", "removed")
    named = [getattr(module, date) for module in catalog.modules.values() for date in dates]
    return max((parse_version(text) for text in named if text), default=(3, 0))


def matrix_versions(catalog: Catalog, first: Version | None, last: Version | None, target: Version) -> list[Version]:
    """The feature releases from ``first`` (default 2.7) to ``last`` (default the newest the catalogue
    knows, or ``target`` if newer). Raises ValueError with a one-line message for an empty range."""
    first = first or FIRST_MATRIX_VERSION
    last = last or max(newest_version(catalog), target if target[0] == 3 else (3, 0))
    if first[0] not in (2, 3) or last[0] not in (2, 3):
        raise ValueError("netref knows Python 2 and 3 only")
    if first > last:
        raise ValueError(f"--from {format_version(first)} is after --to {format_version(last)}")
    known = [(2, minor) for minor in range(8)] + [(3, minor) for minor in range(max(last[1], 0) + 1)]
    return [version for version in known if first <= version <= last]


def tutorial_modules(catalog: Catalog) -> list[Module]:
    """The modules the tutorial's table names, each followed by what replaces it (its new name, its
    successor, the modules its functions moved to): the matrix's default rows."""
    chosen: dict[str, Module] = {}
    for protocol in catalog.protocols.values():
        for name in protocol.tutorial.modules if protocol.tutorial else ():
            module = catalog.modules[name]
            successors = (module.renamed_to, module.replacement, *module.moved_attributes.values())
            for each in (name, *successors):
                if each and each not in chosen:
                    chosen[each] = catalog.modules[each]
    return list(chosen.values())


def modules_named(catalog: Catalog, name: str) -> list[Module] | None:
    """A module by name, else a protocol's modules (clients then servers); None if neither."""
    module = catalog.module(name)
    if module is not None:
        return [module]
    protocol = catalog.protocol(name)
    return [catalog.modules[each] for each in protocol.modules] if protocol else None


def matrix_view(modules: list[Module], versions: list[Version], target: Version, running: bool = True) -> Grid:
    """``netref matrix``: a row per module (each once), a column per Python version, a cell per
    computed status; the row ends with what to use instead on the last version shown. The target's
    column is marked (``running``: it is the Python netref runs on)."""
    modules = list({module.name: module for module in modules}.values())
    labels = [format_version(version) for version in versions]
    cells = [[cell_state(module.status(version)) for version in versions] for module in modules]
    tails = [module.status(versions[-1]).advice or "" for module in modules]
    rows = [
        {"module": module.name, **dict(zip(labels, states, strict=True)), "use_instead": tail or None}
        for module, states, tail in zip(modules, cells, tails, strict=True)
    ]
    document = {
        "target": format_version(target),
        "versions": labels,
        "modules": [
            {"name": row["module"], "use_instead": row["use_instead"], "cells": dict(zip(labels, states, strict=True))}
            for row, states in zip(rows, cells, strict=True)
        ],
    }
    marked = versions.index(target) if target in versions else None
    return Grid(
        document,
        rows,
        headings=[(f"{version[0]}.", str(version[1])) for version in versions],
        labels=[module.name for module in modules],
        cells=cells,
        tails=tails,
        states=MATRIX_STATES,
        label_heading="MODULE",
        tail_heading="USE INSTEAD",
        marked=marked,
        mark_legend="" if marked is None else f"^ Python {format_version(target)}{_MARK_WHY[running]}",
    )


# -- netref scan ----------------------------------------------------------------------------------

SCAN_COLUMNS = ("port", "state", "protocol", "software", "tls", "python", "verdict", "note")


def scan_view(results: list[dict[str, Any]], target: Version, only_open: bool = False) -> Sections:
    """``netref scan``: the ports of each host (``results``: :meth:`netref.scan.PortResult.to_dict`,
    in the order to show), JSON as hosts → ports; the legacy modules named once, after the table.

    With more than one host every row names its host (a ``host`` column in the flat formats; the
    table's sections are titled by host). ``only_open`` (``--open``) keeps the open ports only:
    each host says how many it hides (``not_shown`` in JSON), and a note counts them by state."""
    hosts: dict[str, list[dict[str, Any]]] = {}
    errors: dict[str, str] = {}
    hidden: dict[str, collections.Counter[str]] = {}
    for result in results:
        hosts.setdefault(result["host"], [])
        hidden.setdefault(result["host"], collections.Counter())
        if result["port"] is None:
            errors[result["host"]] = result["message"]
        elif only_open and result["state"] != "open":
            hidden[result["host"]][result["state"]] += 1
        else:
            hosts[result["host"]].append(result)
    document = {
        "target": format_version(target),
        "hosts": [
            {"host": host, "address": ports[0]["address"] if ports else None, "error": errors.get(host), "ports": ports}
            | ({"not_shown": sum(hidden[host].values())} if only_open else {})
            for host, ports in hosts.items()
        ],
    }
    sections = [(_host_title(host, ports, errors.get(host), hidden[host]), [scan_row(port) for port in ports])
                for host, ports in hosts.items()]  # fmt: skip
    legacy = {f"{r['protocol']}: {r['legacy']}": None for r in results if r.get("legacy")}
    notes = [f"Python {format_version(target)} (change with --python X.Y); legacy modules:", *legacy] if legacy else []
    total = sum((counts for counts in hidden.values()), collections.Counter())
    if total:
        notes.insert(0, ", ".join(f"{count:,} {state}" for state, count in total.most_common()) + " ports not shown")
    columns = ("host", *SCAN_COLUMNS) if len(hosts) > 1 else SCAN_COLUMNS
    return Sections(document, sections, columns=columns, notes=notes, titled=("host",))


def _host_title(host: str, ports: list[dict[str, Any]], error: str | None, hidden: collections.Counter[str]) -> str:
    if error:
        return f"{host}: not scanned: {error}"
    address = ports[0]["address"] if ports else None
    opened = sum(port["state"] == "open" for port in ports)
    named = f"{host} ({address})" if address and address != host else host
    return f"{named}: {opened} open of {len(ports) + sum(hidden.values())}"


def scan_row(result: dict[str, Any]) -> dict[str, Any]:
    """A port as a table row (CSV: every key)."""
    tls = result["tls"]
    if tls and result["cert_days"] is not None:
        tls = f"{tls} ({result['cert_days']} days)"
    verdict = result["verdict"]
    if verdict == "failed" and result["category"]:
        verdict = f"failed ({result['category']})"
    note = result["banner"] if result["protocol"] == "unknown" and result["banner"] else None
    if note is None and (result["verdict"] == "failed" or result["state"] in ("filtered", "open|filtered")):
        note = result["message"]
    warnings = result.get("warnings") or []
    if note is None and warnings:  # an answer worth a look: the first warning, and how many more
        note = warnings[0] + (f" (+{len(warnings) - 1} more)" if len(warnings) > 1 else "")
    return {
        "host": result["host"],
        "address": result["address"],
        "port": f"{result['port']}/{result.get('transport', 'tcp')}",
        "state": result["state"],
        "protocol": result["protocol"],
        "software": result["software"],
        "tls": tls if result["state"] == "open" else None,
        "python": result["python"],
        "legacy": result["legacy"],
        "verdict": verdict,
        "note": note,
    }


# -- netref probe with several hosts ----------------------------------------------------------------

PROBES_COLUMNS = ("target", "verdict", "server", "tls", "message")  # CSV: every row key, total_ms too


def probes_view(results: list[Any]) -> Records:
    """``netref probe PROTOCOL HOST HOST...``: one row per host (``results``: ProbeResults in input
    order); JSON is the list of the probes' documents."""
    from netref.probes.report import target_text

    rows = [
        {
            "target": target_text(result),
            "protocol": result.protocol,
            "address": result.address_used,
            "verdict": result.verdict if result.ok else f"failed ({result.category})",
            "server": result.server_software,
            "tls": f"{result.tls.version}, {result.tls.days_left} days" if result.tls and result.tls.version else None,
            "total_ms": f"{result.timings.get('total', 0):.1f}",
            "message": result.message,
        }
        for result in results
    ]
    documents = [result.to_dict() for result in results]
    return Records(documents, rows, columns=PROBES_COLUMNS, drop=("tls", "server", "message"))
