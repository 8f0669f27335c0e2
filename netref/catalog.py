"""The catalogue: protocols, their ports, and the Python modules that speak them.

The facts live in one TOML file (``data/catalog.toml``, shipped inside the package). This module
loads and validates it, and derives everything else — above all a module's status for a target
Python, which is computed from the module's dates and never stored.

No ``from __future__ import annotations`` here: NamedTuple turns string annotations into
ForwardRefs by compiling each one, which made importing this module cost more than a whole
``netref port 25`` besides (start-up is benchmarked).
"""

import marshal
import os
import sys
import zlib
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from netref.versions import Version, format_version, parse_version

STATUS_KINDS = ("current", "renamed", "deprecated", "removed", "not-yet")
TRANSPORTS = ("tcp", "udp")
TLS_MODES = ("none", "implicit")
ENV_VAR = "NETREF_DATA"


class CatalogError(Exception):
    """The catalogue file is missing or wrong; the message names the file and the entry."""


class Port(NamedTuple):
    number: int
    transport: str
    service: str
    role: str
    tls: bool
    note: str = ""


class TutorialRow(NamedTuple):
    """A row of the classic tutorial's table, as printed there (right or wrong)."""

    name: str
    function: str
    port: int
    modules: tuple[str, ...]
    note: str = ""


class Identify(NamedTuple):
    """How to recognise a protocol from what its server says (see :mod:`netref.identify`).

    Patterns are Python regular expressions matched, with ``re.MULTILINE``, against the first
    bytes the server sent, decoded as Latin-1 (one character per byte, so ``\\xff`` means byte
    255). A *pattern* match is certain; a *hint* (e.g. a bare ``220`` reply code, which SMTP
    and FTP share) is a guess that other protocols may share.
    """

    first: str  # who speaks first: "server" (a greeting) or "client" (send `hello`)
    hello: str | None
    patterns: tuple[str, ...]
    hints: tuple[str, ...]
    software: tuple[str, ...]  # each with one group: the server software's name and version
    software_source: str = "greeting"  # where the software patterns read the name (JSON software_source)
    tokens: tuple[str, ...] = ()  # the protocol's own words (ESMTP, IMAP4rev1): never a software name
    order: int = 100  # where the hello comes in the list tried on a port of unknown protocol
    blind: bool = True  # whether the hello is sent on a port of unknown protocol at all
    tls_suspect: tuple[str, ...] = ()  # answers a TLS port may give plaintext without saying so (nginx's bare 400)


class Protocol(NamedTuple):
    key: str
    name: str
    function: str
    aliases: tuple[str, ...]
    standards: tuple[str, ...]
    tls: str
    starttls: str | None
    plain: str | None
    default_port: int | None
    ports: tuple[Port, ...]
    clients: tuple[str, ...]
    servers: tuple[str, ...]
    probe_module: str
    family: str | None
    over: str | None
    tutorial: TutorialRow | None
    example: str | None
    sources: tuple[str, ...]
    identify: Identify | None = None
    pypi: tuple[str, ...] = ()  # PyPI projects that speak it (where the stdlib does not, or not fully)
    identify_udp: Identify | None = None  # the same over UDP: hello is the datagram sent, patterns match the reply

    @property
    def modules(self) -> tuple[str, ...]:
        """Clients then servers, each name once."""
        return tuple(dict.fromkeys(self.clients + self.servers))

    @property
    def tls_label(self) -> str:
        """How TLS is had: "implicit", the upgrade command (e.g. "STARTTLS"), or "-"."""
        if self.tls == "implicit":
            return "implicit"
        return self.starttls or "-"


class Status(NamedTuple):
    """What a module is on one target Python. Computed by :meth:`Module.status`."""

    module: str
    target: Version
    kind: str
    since: str | None = None
    replacement: str | None = None
    removal: str | None = None
    pep: int | None = None
    backport: str | None = None
    pypi: tuple[str, ...] = ()
    warns_on_import: bool = False
    warns_from: str | None = None

    @property
    def advice(self) -> str | None:
        """What to use instead: the stdlib successor, else the first PyPI project the docs name.

        None while the module is current (or not yet born) on the target: nothing to replace.
        """
        if self.kind in ("current", "not-yet"):
            return None
        if self.replacement:
            return self.replacement
        return f"{self.pypi[0]} (PyPI)" if self.pypi else None

    def summary(self) -> str:
        """One line without the module's name, e.g. ``removed in 3.13 (PEP 594) → socket``."""
        pep = f" (PEP {self.pep})" if self.pep else ""
        arrow = f" → {self.advice}" if self.advice else ""
        if self.kind == "renamed":
            return f"renamed in {self.since}{pep} → {self.replacement}"
        if self.kind == "removed":
            return f"removed in {self.since}{pep}{arrow}"
        if self.kind == "deprecated":
            warning = "" if self.warns_on_import else self._warning_note()
            removal = f", removed in {self.removal}" if self.removal else ""
            return f"deprecated in {self.since}{warning}{removal}{pep}{arrow}"
        if self.kind == "not-yet":
            return f"not yet: new in {self.since}"
        return "current"

    def _warning_note(self) -> str:
        if self.warns_from:
            return f" (import warns from {self.warns_from})"
        return " (import does not warn)"


class Module(NamedTuple):
    name: str
    summary: str
    added: str | None = None
    deprecated: str | None = None
    warns: str | None = None
    renamed: str | None = None
    removed: str | None = None
    renamed_to: str | None = None
    replacement: str | None = None
    pypi: tuple[str, ...] = ()
    backport: str | None = None
    pep: int | None = None
    moved_attributes: Mapping[str, str] = {}  # a shared default, never mutated
    note: str = ""
    sources: tuple[str, ...] = ()

    def status(self, target: Version) -> Status:
        """The module's status on ``target``; the order of the checks is the order of a life."""
        v = _dates(self)
        current = Status(
            module=self.name, target=target, kind="current", pep=self.pep, backport=self.backport, pypi=self.pypi
        )
        if v["added"] and target < v["added"]:
            return current._replace(kind="not-yet", since=self.added)
        if v["removed"] and target >= v["removed"]:
            return current._replace(kind="removed", since=self.removed, replacement=self.replacement)
        if v["renamed"] and target >= v["renamed"]:
            return current._replace(kind="renamed", since=self.renamed, replacement=self.renamed_to)
        deprecated_from = min(d for d in (v["deprecated"], v["warns"], (99, 0)) if d)
        if target >= deprecated_from:
            return current._replace(
                kind="deprecated",
                since=self.deprecated or self.warns,
                replacement=self.replacement,
                removal=self.removed,
                warns_on_import=bool(v["warns"] and target >= v["warns"]),
                warns_from=self.warns,
            )
        return current


def _dates(module: Module) -> dict[str, Version | None]:
    dates = ("added", "deprecated", "warns", "renamed", "removed")
    return {name: _version(getattr(module, name)) for name in dates}


@cache
def _version(text: str | None) -> Version | None:
    return parse_version(text) if text else None


API_KINDS = ("function", "class", "constant", "method", "attribute", "parameter", "behaviour")
API_STATUS_KINDS = ("current", "deprecated", "removed", "not-yet")
# The newest Python the catalogue's API facts are held against (tests/test_api_interpreters.py runs
# every local interpreter up to it); a date after it is documented only, from its source.
VERIFIED_THROUGH: Version = (3, 13)


class ApiStatus(NamedTuple):
    """What a function, class, constant, method or parameter is on one target Python.

    Computed by :meth:`Api.status`; ``replacement`` is what to use instead, never a name that is
    itself deprecated (the catalogue follows the chain, see :meth:`Catalog.api_advice`).
    """

    api: str  # the qualified spelling: ssl.wrap_socket, smtplib.SMTP.starttls(keyfile, certfile)
    target: Version
    kind: str  # one of API_STATUS_KINDS
    since: str | None = None
    removal: str | None = None  # for deprecated: when it goes (if decided)
    warns: bool = False  # using it emits a DeprecationWarning on the target
    warns_from: str | None = None
    replacement: str | None = None
    moved: bool = False  # a Python 2 attribute that moved, unchanged, to another module (PEP 3108)
    pep: int | None = None

    def summary(self) -> str:
        """One line without the API's name, e.g. ``removed in 3.12 → ssl.SSLContext.wrap_socket``."""
        pep = f" (PEP {self.pep})" if self.pep else ""
        arrow = f" → {self.replacement}" if self.replacement else ""
        if self.kind == "removed":
            verb = "moved" if self.moved else "removed"
            return f"{verb} in {self.since}{pep}{arrow}"
        if self.kind == "deprecated":
            if self.warns:
                warning = ", warns"
            else:
                warning = f" (warns from {self.warns_from})" if self.warns_from else " (does not warn)"
            removal = f", removed in {self.removal}" if self.removal else ""
            return f"deprecated in {self.since}{warning}{removal}{pep}{arrow}"
        if self.kind == "not-yet":
            return f"not yet: new in {self.since}"
        return "current"


class Api(NamedTuple):
    """One function, class, constant, method, parameter or behaviour of a module, with its life.

    ``name`` is relative to the module: ``wrap_socket``, ``SSLContext.set_npn_protocols``,
    ``SMTP.starttls(keyfile, certfile)`` (parameters of a callable, in parentheses) or
    ``SSLContext()`` (a behaviour of a call). Entries come from a module's ``[api]`` table, and
    from its ``moved_attributes`` (Python 2 attributes moved in 3.0: ``moved`` is set, and the
    replacement is the same name in its new module).
    """

    module: str
    name: str
    kind: str
    added: str | None = None
    deprecated: str | None = None
    warns: str | None = None
    removed: str | None = None
    replacement: tuple[str, ...] = ()
    instead: str | None = None  # what to write when no API replaces it ("async def")
    pep: int | None = None
    moved: bool = False
    note: str = ""
    sources: tuple[str, ...] = ()

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def callee(self) -> str:
        """``SMTP.starttls`` for ``SMTP.starttls(keyfile, certfile)``; the name itself otherwise."""
        return self.name.split("(", 1)[0]

    @property
    def params(self) -> tuple[str, ...]:
        if self.kind != "parameter":
            return ()
        inside = self.name.split("(", 1)[1].rstrip(")")
        return tuple(part.strip() for part in inside.split(",") if part.strip())

    def status(self, target: Version, replacement: str | None = None) -> ApiStatus:
        """The API's status on ``target``. ``replacement`` overrides the catalogue's own text
        (the catalogue passes the end of the chain: see :meth:`Catalog.api_status`)."""
        dates = (self.added, self.deprecated, self.warns, self.removed)
        added, deprecated, warns, removed = (_version(date) for date in dates)
        advice = replacement if replacement is not None else self.advice
        current = ApiStatus(api=self.qualname, target=target, kind="current", replacement=advice, moved=self.moved,
                            pep=self.pep, warns_from=self.warns)
        if added and target < added:
            return current._replace(kind="not-yet", since=self.added, replacement=None)
        if removed and target >= removed:
            return current._replace(kind="removed", since=self.removed)
        deprecated_from = min(d for d in (deprecated, warns, (99, 0)) if d)
        if target >= deprecated_from:
            return current._replace(kind="deprecated", since=self.deprecated or self.warns, removal=self.removed,
                                    warns=bool(warns and target >= warns))
        return current

    @property
    def advice(self) -> str | None:
        """The catalogue's own text: the replacement APIs (used together), or what to write instead."""
        return " with ".join(self.replacement) or self.instead

    @property
    def documented_only(self) -> tuple[str, ...]:
        """The dates of its life that no local interpreter can confirm (after :data:`VERIFIED_THROUGH`)."""
        dates = (self.added, self.deprecated, self.warns, self.removed)
        return tuple(date for date in dates if date and parse_version(date) > VERIFIED_THROUGH)


class Substitution(NamedTuple):
    """A probe's module is gone (or going) on the running Python; the probe uses ``used`` instead."""

    legacy: str
    status: Status
    used: str

    @property
    def message(self) -> str:
        return f"{self.legacy}: {self.status.summary()}"


class PortMatch(NamedTuple):
    """An answer to "what is on this port": a catalogue protocol, or the system services database."""

    port: Port
    protocol: Protocol | None
    source: str  # "catalogue" or "system services database"


class Catalog:
    """The loaded, validated catalogue. Build one with :func:`load_catalog`."""

    def __init__(self, path: Path, protocols: dict[str, Protocol], modules: dict[str, Module],
                 apis: dict[str, Api] | None = None):
        self.path = path
        self.protocols = protocols
        self.modules = modules
        self.apis = dict(apis or {})  # qualname -> Api, from the modules' [api] tables
        for module in modules.values():
            for api in _moved_apis(module):
                self.apis.setdefault(api.qualname, api)
        self._protocol_names = {key: key for key in protocols}
        for protocol in protocols.values():
            self._protocol_names.update({alias.lower(): protocol.key for alias in protocol.aliases})
        self._module_names = {name.lower(): name for name in modules}

    def protocol(self, name: str) -> Protocol | None:
        key = self._protocol_names.get(name.strip().lower())
        return self.protocols[key] if key else None

    def module(self, name: str) -> Module | None:
        """By exact name first (SocketServer and socketserver are different modules), then any case."""
        name = name.strip()
        if name in self.modules:
            return self.modules[name]
        canonical = self._module_names.get(name.lower())
        return self.modules[canonical] if canonical else None

    def api(self, name: str) -> Api | None:
        """An API by its qualified spelling: ``ssl.wrap_socket``, ``urllib.urlencode``,
        ``smtplib.SMTP.starttls(keyfile)`` (an entry naming that parameter) or
        ``smtplib.SMTP.starttls`` (its parameter entry, when the callable itself has none)."""
        name = "".join(name.split())
        if name in self.apis:
            return self.apis[name]
        callee, _, rest = name.partition("(")
        wanted = {part for part in rest.rstrip(")").split(",") if part}
        for api in self.apis_of_callee(callee):
            if not wanted or wanted <= set(api.params):
                return api
        lowered = name.lower()
        return next((api for key, api in self.apis.items() if key.lower() == lowered), None)

    def module_or_api(self, name: str) -> Module | Api | None:
        """What ``netref module NAME`` shows: the module, else one of a module's attributes."""
        return self.module(name) or (self.api(name) if "." in name else None)

    def suggest_modules_or_apis(self, name: str) -> list[str]:
        import difflib

        close = self.suggest_modules(name)
        if "." in name:
            apis = {key.lower(): key for key in self.apis}
            close = [apis[key] for key in difflib.get_close_matches(name.lower(), apis, n=3, cutoff=0.75)] + close
        return close[:3]

    def apis_of_callee(self, callee: str) -> list[Api]:
        """The parameter entries of a callable (``smtplib.SMTP.starttls``)."""
        return [api for api in self.apis.values() if api.params and f"{api.module}.{api.callee}" == callee]

    def module_apis(self, name: str) -> list[Api]:
        """A module's own API entries (its ``[api]`` table, not the moved Python 2 attributes)."""
        return [api for api in self.apis.values() if api.module == name and not api.moved]

    def api_advice(self, api: Api) -> str | None:
        """What to use instead of ``api``, never a deprecated name: when the replacement is itself
        an API entry with a deprecation (``urllib.splitport`` moved to ``urllib.parse.splitport``,
        deprecated in 3.8), its own replacement is named instead."""
        seen = {api.qualname}
        while len(api.replacement) == 1 and api.replacement[0] in self.apis and api.replacement[0] not in seen:
            following = self.apis[api.replacement[0]]
            if not (following.deprecated or following.warns or following.removed):
                break
            seen.add(following.qualname)
            api = following
        return api.advice

    def api_status(self, api: Api, target: Version) -> ApiStatus:
        return api.status(target, self.api_advice(api))

    def suggest_modules(self, name: str) -> list[str]:
        import difflib

        close = difflib.get_close_matches(name.lower(), self._module_names, n=3, cutoff=0.6)
        return [self._module_names[lowered] for lowered in close]

    def suggest_protocols(self, name: str) -> list[str]:
        import difflib

        return difflib.get_close_matches(name.lower(), self._protocol_names, n=3, cutoff=0.6)

    def by_port(self, number: int, transport: str = "tcp") -> list[PortMatch]:
        return [
            PortMatch(port, protocol, "catalogue")
            for protocol in self.protocols.values()
            for port in protocol.ports
            if port.number == number and port.transport == transport
        ]

    def renamed_from(self, name: str) -> list[str]:
        """The old names that became ``name`` (e.g. http.server <- BaseHTTPServer, ...)."""
        return [module.name for module in self.modules.values() if module.renamed_to == name]

    def protocols_using(self, name: str) -> list[Protocol]:
        return [protocol for protocol in self.protocols.values() if name in protocol.modules]

    def substitution(self, protocol_key: str, running: Version) -> Substitution | None:
        """Which module a probe must use instead of ``probe_module`` on ``running``, if any.

        A probe never imports a module that is deprecated or removed on the running Python: a
        deprecated one warns today and breaks tomorrow, and the same probe must run on every
        supported Python.
        """
        protocol = self.protocols[protocol_key]
        status = self.modules[protocol.probe_module].status(running)
        if status.kind == "current":
            return None
        return Substitution(protocol.probe_module, status, status.replacement or "socket")


def lookup_service(number: int, transport: str) -> PortMatch | None:
    """The system services database (/etc/services) for a port the catalogue does not know."""
    import socket

    try:
        service = socket.getservbyport(number, transport)
    except OSError:
        return None
    port = Port(number=number, transport=transport, service=service, role="", tls=False)
    return PortMatch(port, None, "system services database")


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------


def default_catalog_path() -> Path:
    """The catalogue shipped in the wheel, or ``data/catalog.toml`` in a source checkout."""
    package_dir = os.path.dirname(os.path.abspath(__file__))
    shipped = os.path.join(package_dir, "_data", "catalog.toml")
    if os.path.isfile(shipped):
        return Path(shipped)
    return Path(os.path.dirname(package_dir), "data", "catalog.toml")


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Load and validate a catalogue: ``path``, else ``$NETREF_DATA``, else the shipped one."""
    chosen = path or os.environ.get(ENV_VAR) or default_catalog_path()
    return _load(os.path.abspath(os.path.expanduser(chosen)))


@lru_cache(maxsize=8)
def _load(path: str) -> Catalog:
    """Read, parse and validate ``path`` — or take the validated catalogue from the cache.

    Importing tomllib, parsing and validating cost more than all the rest of ``netref port
    25``, so the validated result is cached: marshal (built in, nothing to import) of the
    catalogue as plain tuples, under a name made of the file's CRC-32 and length, the marshal
    format, the Python version and this module's own file (a new netref validates afresh). A
    file is validated once per content; any trouble with the cache (read-only home, a corrupt
    entry) just means validating again.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise CatalogError(f"{path}: no such catalogue file") from None
    except OSError as error:
        raise CatalogError(f"{path}: cannot read the catalogue: {error.strerror}") from None
    cache = _cache_dir() / f"catalog-{_cache_key(raw)}.marshal"
    try:
        return _from_plain(path, marshal.loads(cache.read_bytes()))
    except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
        pass
    catalog = _Validator(path).catalog(_parse_toml(path, raw))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps(_to_plain(catalog)))
        os.replace(partial, cache)
    except (OSError, ValueError):
        pass
    return catalog


def _cache_key(raw: bytes) -> str:
    code = os.stat(__file__)
    return (
        f"{zlib.crc32(raw):08x}-{len(raw)}-m{marshal.version}-py{sys.version_info[0]}{sys.version_info[1]}"
        f"-c{code.st_size:x}{code.st_mtime_ns & 0xFFFFFFFF:08x}"
    )


def _parse_toml(path: str, raw: bytes) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CatalogError(f"{path}: not valid TOML: {error}") from None


def _to_plain(catalog: Catalog) -> dict[str, Any]:
    """The validated catalogue as tuples, dicts and strings only (what marshal holds)."""
    protocols = {key: _plain_protocol(protocol) for key, protocol in catalog.protocols.items()}
    modules = {name: tuple(module) for name, module in catalog.modules.items()}
    apis = {key: tuple(api) for key, api in catalog.apis.items() if not api.moved}  # moved ones are derived
    return {"protocols": protocols, "modules": modules, "apis": apis}


def _plain_protocol(protocol: Protocol) -> tuple[Any, ...]:
    fields = protocol._asdict()
    fields["ports"] = tuple(tuple(port) for port in protocol.ports)
    fields["tutorial"] = tuple(protocol.tutorial) if protocol.tutorial else None
    fields["identify"] = tuple(protocol.identify) if protocol.identify else None
    fields["identify_udp"] = tuple(protocol.identify_udp) if protocol.identify_udp else None
    return tuple(fields.values())


def _from_plain(path: str, plain: dict[str, Any]) -> Catalog:
    protocols = {}
    for key, fields in plain["protocols"].items():
        protocol = Protocol._make(fields)
        protocols[key] = protocol._replace(
            ports=tuple(Port._make(port) for port in protocol.ports),
            tutorial=TutorialRow._make(protocol.tutorial) if protocol.tutorial else None,
            identify=Identify._make(protocol.identify) if protocol.identify else None,
            identify_udp=Identify._make(protocol.identify_udp) if protocol.identify_udp else None,
        )
    modules = {name: Module._make(fields) for name, fields in plain["modules"].items()}
    apis = {key: Api._make(fields) for key, fields in plain["apis"].items()}
    return Catalog(Path(path), protocols, modules, apis)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "netref"


_PROTOCOL_KEYS = {
    "name", "function", "aliases", "standards", "tls", "starttls", "plain", "default_port", "ports",
    "clients", "servers", "probe_module", "family", "over", "tutorial", "example", "sources", "identify", "pypi",
    "identify_udp",
}
_IDENTIFY_KEYS = {"first", "hello", "patterns", "hints", "software", "software_source", "tokens", "order", "blind",
                  "tls_suspect"}
SPEAKERS = ("server", "client")
_PORT_KEYS = {"number", "transport", "service", "role", "note"}
_TUTORIAL_KEYS = {"name", "function", "port", "modules", "note"}
_MODULE_KEYS = {
    "summary", "added", "deprecated", "warns", "renamed", "removed", "renamed_to", "replacement",
    "pypi", "backport", "pep", "moved_attributes", "api", "note", "sources",
}
_API_KEYS = {"kind", "added", "deprecated", "warns", "removed", "replacement", "instead", "note", "sources"}
_API_NAME = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\((?:[A-Za-z_]\w*(?:, [A-Za-z_]\w*)*)?\))?"
_API_SPELLING = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\([A-Za-z_]\w*\))?"  # ssl.SSLContext, smtplib.SMTP(context)


class _Validator:
    """Turns the parsed TOML into a :class:`Catalog`, or raises a CatalogError naming the entry."""

    def __init__(self, path: str):
        self.path = path

    def fail(self, entry: str, problem: str) -> CatalogError:
        return CatalogError(f"{self.path}: {entry}: {problem}")

    def catalog(self, data: dict[str, Any]) -> Catalog:
        if data.get("schema") != 1:
            raise self.fail("schema", "expected `schema = 1`")
        raw_modules = self.table(data, "modules", "modules")
        modules = {name: self.module(name, raw) for name, raw in raw_modules.items()}
        apis = {api.qualname: api for name, raw in raw_modules.items() for api in self.apis(modules[name], raw)}
        protocols = {key: self.protocol(key, raw) for key, raw in self.table(data, "protocols", "protocols").items()}
        self.cross_check(protocols, modules)
        return Catalog(Path(self.path), protocols, modules, apis)

    # -- small typed accessors ------------------------------------------------------------

    def table(self, raw: dict[str, Any], key: str, entry: str) -> dict[str, Any]:
        value = raw.get(key)
        if not isinstance(value, dict) or not value:
            raise self.fail(entry, f"needs a non-empty [{key}] table")
        return value

    def check_keys(self, raw: dict[str, Any], allowed: set[str], entry: str) -> None:
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise self.fail(entry, f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")

    def text(self, raw: dict[str, Any], key: str, entry: str, required: bool = False) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                raise self.fail(entry, f"missing required field {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(entry, f"{key!r} must be a non-empty string")
        return value

    def texts(self, raw: dict[str, Any], key: str, entry: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise self.fail(entry, f"{key!r} must be a list of strings")
        return tuple(value)

    def port_number(self, value: Any, entry: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535:
            raise self.fail(entry, f"port {value!r} is not a number from 0 to 65535")
        return value

    def version(self, raw: dict[str, Any], key: str, entry: str) -> str | None:
        value = self.text(raw, key, entry)
        if value is not None:
            try:
                parse_version(value)
            except ValueError as error:
                raise self.fail(entry, f"{key}: {error}") from None
        return value

    # -- entries --------------------------------------------------------------------------

    def module(self, name: str, raw: Any) -> Module:
        entry = f"modules.{name}"
        if not isinstance(raw, dict):
            raise self.fail(entry, "must be a table")
        self.check_keys(raw, _MODULE_KEYS, entry)
        dates = {key: self.version(raw, key, entry) for key in ("added", "deprecated", "warns", "renamed", "removed")}
        pep = raw.get("pep")
        if pep is not None and (not isinstance(pep, int) or pep <= 0):
            raise self.fail(entry, "'pep' must be a PEP number")
        moved = raw.get("moved_attributes", {})
        if not isinstance(moved, dict) or not all(isinstance(v, str) for v in moved.values()):
            raise self.fail(entry, "'moved_attributes' must map attribute names to module names")
        module = Module(
            name=name,
            summary=self.text(raw, "summary", entry, required=True) or "",
            renamed_to=self.text(raw, "renamed_to", entry),
            replacement=self.text(raw, "replacement", entry),
            pypi=self.texts(raw, "pypi", entry),
            backport=self.text(raw, "backport", entry),
            pep=pep,
            moved_attributes=dict(moved),
            note=self.text(raw, "note", entry) or "",
            sources=self.texts(raw, "sources", entry),
            **dates,
        )
        self.check_life(module, entry)
        return module

    def apis(self, module: Module, raw: dict[str, Any]) -> list[Api]:
        """A module's ``[modules.NAME.api]`` table: one entry per function, class, parameter ..."""
        table = raw.get("api", {})
        if not isinstance(table, dict):
            raise self.fail(f"modules.{module.name}.api", "must be a table")
        return [self.api(module, name, value) for name, value in table.items()]

    def api(self, module: Module, name: str, raw: Any) -> Api:
        entry = f"modules.{module.name}.api.{name}"
        if not isinstance(raw, dict):
            raise self.fail(entry, "must be a table")
        self.check_keys(raw, _API_KEYS, entry)
        import re

        if not re.fullmatch(_API_NAME, name):
            raise self.fail(entry, "the name is dotted attributes, parameters in parentheses: SMTP.starttls(keyfile)")
        names_parameters = name.endswith(")") and not name.endswith("()")
        kind = self.text(raw, "kind", entry) or ("parameter" if names_parameters else None)
        if kind not in API_KINDS:
            raise self.fail(entry, f"'kind' must be one of {', '.join(API_KINDS)}")
        if (kind == "parameter") != names_parameters:
            raise self.fail(entry, "a parameter entry names its parameters in parentheses, and only it does")
        replacement = raw.get("replacement", [])
        replacement = [replacement] if isinstance(replacement, str) else replacement
        spellings = isinstance(replacement, list) and all(isinstance(r, str) and re.fullmatch(_API_SPELLING, r)
                                                          for r in replacement)
        if not spellings:
            raise self.fail(entry, "'replacement' must name APIs as module.attribute (a parameter as f(param))")
        dates = {key: self.version(raw, key, entry) for key in ("added", "deprecated", "warns", "removed")}
        api = Api(module=module.name, name=name, kind=kind, replacement=tuple(replacement),
                  instead=self.text(raw, "instead", entry), pep=None, moved=False,
                  note=self.text(raw, "note", entry) or "", sources=self.texts(raw, "sources", entry), **dates)
        if not api.sources:
            raise self.fail(entry, "needs at least one source (the What's New of its version)")
        if not (api.deprecated or api.warns or api.removed):
            raise self.fail(entry, "needs a 'deprecated', 'warns' or 'removed' version")
        began = api.deprecated or api.warns
        life = [version for date in (api.added, began, api.removed) if (version := _version(date))]
        if life != sorted(life):
            raise self.fail(entry, "dates out of order (added <= deprecated <= removed)")
        return api

    def check_life(self, module: Module, entry: str) -> None:
        if bool(module.renamed) != bool(module.renamed_to):
            raise self.fail(entry, "'renamed' and 'renamed_to' go together")
        if module.renamed and module.removed:
            raise self.fail(entry, "a module is either renamed or removed, not both")
        if not module.sources:
            raise self.fail(entry, "needs at least one source")
        dates = _dates(module)
        life = [date for key in ("added", "deprecated", "removed") if (date := dates[key])]
        if life != sorted(life):
            raise self.fail(entry, "dates out of order (added <= deprecated <= removed)")

    def protocol(self, key: str, raw: Any) -> Protocol:
        entry = f"protocols.{key}"
        if not isinstance(raw, dict):
            raise self.fail(entry, "must be a table")
        self.check_keys(raw, _PROTOCOL_KEYS, entry)
        tls = self.text(raw, "tls", entry) or "none"
        if tls not in TLS_MODES:
            raise self.fail(entry, f"'tls' must be one of {', '.join(TLS_MODES)}")
        default_port = raw.get("default_port")
        if default_port is not None:
            default_port = self.port_number(default_port, entry)
        raw_ports = enumerate(raw.get("ports", []))
        ports = tuple(self.port(port, f"{entry}.ports[{i}]", tls == "implicit") for i, port in raw_ports)
        if default_port is not None and default_port not in {port.number for port in ports}:
            raise self.fail(entry, f"default_port {default_port} is not among its ports")
        example = raw.get("example")
        return Protocol(
            key=key,
            name=self.text(raw, "name", entry, required=True) or key,
            function=self.text(raw, "function", entry, required=True) or "",
            aliases=self.texts(raw, "aliases", entry),
            standards=self.texts(raw, "standards", entry),
            tls=tls,
            starttls=self.text(raw, "starttls", entry),
            plain=self.text(raw, "plain", entry),
            default_port=default_port,
            ports=ports,
            clients=self.texts(raw, "clients", entry),
            servers=self.texts(raw, "servers", entry),
            probe_module=self.text(raw, "probe_module", entry, required=True) or "",
            family=self.text(raw, "family", entry),
            over=self.text(raw, "over", entry),
            tutorial=self.tutorial(raw.get("tutorial"), f"{entry}.tutorial"),
            example=example.strip("\n") + "\n" if isinstance(example, str) else None,
            sources=self.texts(raw, "sources", entry),
            identify=self.identify(raw.get("identify"), f"{entry}.identify"),
            pypi=self.texts(raw, "pypi", entry),
            identify_udp=self.identify_udp(raw.get("identify_udp"), f"{entry}.identify_udp"),
        )

    def identify_udp(self, raw: Any, entry: str) -> Identify | None:
        """An ``identify`` table for UDP: the client always speaks first (``hello`` is the datagram)."""
        identify = self.identify(raw, entry)
        if identify is not None and identify.first != "client":
            raise self.fail(entry, "over UDP the client speaks first: first = \"client\" with a hello datagram")
        return identify

    def identify(self, raw: Any, entry: str) -> Identify | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise self.fail(entry, "must be a table")
        self.check_keys(raw, _IDENTIFY_KEYS, entry)
        first = self.text(raw, "first", entry, required=True)
        if first not in SPEAKERS:
            raise self.fail(entry, f"'first' must be one of {', '.join(SPEAKERS)}")
        hello = raw.get("hello")
        if (first == "client") != isinstance(hello, str) or hello == "":
            raise self.fail(entry, "'hello' (what the client sends first) goes with first = \"client\", and only there")
        if isinstance(hello, str) and max(map(ord, hello)) > 0xFF:
            raise self.fail(entry, "'hello' is bytes: write each byte above 0x7f as \\u00XX (0x00-0xff only)")
        order, blind = raw.get("order", 100), raw.get("blind", True)
        if isinstance(order, bool) or not isinstance(order, int) or order < 0:
            raise self.fail(entry, "'order' must be a whole number, 0 or more")
        if not isinstance(blind, bool):
            raise self.fail(entry, "'blind' must be true or false")
        source = self.text(raw, "software_source", entry) or ("greeting" if first == "server" else "answer")
        identify = Identify(
            first=first,
            hello=hello,
            patterns=self.texts(raw, "patterns", entry),
            hints=self.texts(raw, "hints", entry),
            software=self.texts(raw, "software", entry),
            software_source=source,
            tokens=self.texts(raw, "tokens", entry),
            order=order,
            blind=blind,
            tls_suspect=self.texts(raw, "tls_suspect", entry),
        )
        if not identify.patterns:
            raise self.fail(entry, "needs at least one pattern")
        for key in ("patterns", "hints", "software", "tls_suspect"):
            for pattern in getattr(identify, key):
                self.regex(pattern, key, entry)
        return identify

    def regex(self, pattern: str, key: str, entry: str) -> None:
        import re

        try:
            groups = re.compile(pattern).groups
        except re.error as error:
            raise self.fail(entry, f"{key}: bad regular expression {pattern!r}: {error}") from None
        if key == "software" and groups != 1:
            raise self.fail(entry, f"software: {pattern!r} needs exactly one group (the software's name)")

    def port(self, raw: Any, entry: str, tls: bool) -> Port:
        if not isinstance(raw, dict):
            raise self.fail(entry, "must be a table")
        self.check_keys(raw, _PORT_KEYS, entry)
        transport = self.text(raw, "transport", entry, required=True)
        if transport not in TRANSPORTS:
            raise self.fail(entry, f"transport must be one of {', '.join(TRANSPORTS)}")
        return Port(
            number=self.port_number(raw.get("number"), entry),
            transport=transport,
            service=self.text(raw, "service", entry, required=True) or "",
            role=self.text(raw, "role", entry, required=True) or "",
            tls=tls,
            note=self.text(raw, "note", entry) or "",
        )

    def tutorial(self, raw: Any, entry: str) -> TutorialRow | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise self.fail(entry, "must be a table")
        self.check_keys(raw, _TUTORIAL_KEYS, entry)
        return TutorialRow(
            name=self.text(raw, "name", entry, required=True) or "",
            function=self.text(raw, "function", entry, required=True) or "",
            port=self.port_number(raw.get("port"), entry),
            modules=self.texts(raw, "modules", entry),
            note=self.text(raw, "note", entry) or "",
        )

    def cross_check(self, protocols: dict[str, Protocol], modules: dict[str, Module]) -> None:
        """Every name a protocol or module refers to must exist in the catalogue."""
        seen: dict[str, str] = {}
        for protocol in protocols.values():
            entry = f"protocols.{protocol.key}"
            tutorial_modules = protocol.tutorial.modules if protocol.tutorial else ()
            names = (*protocol.modules, protocol.probe_module, *tutorial_modules)
            for name in names:
                if name not in modules:
                    raise self.fail(entry, f"names module {name!r}, which has no [modules] entry")
            for other in (protocol.plain, protocol.over):
                if other and other not in protocols:
                    raise self.fail(entry, f"refers to protocol {other!r}, which has no [protocols] entry")
            for name in (protocol.key, *protocol.aliases):
                if name.lower() in seen:
                    raise self.fail(entry, f"name {name!r} is already used by protocols.{seen[name.lower()]}")
                seen[name.lower()] = protocol.key
        for module in modules.values():
            for target in (module.renamed_to, module.replacement, *module.moved_attributes.values()):
                if target and target not in modules:
                    problem = f"refers to module {target!r}, which has no [modules] entry"
                    raise self.fail(f"modules.{module.name}", problem)


def _moved_apis(module: Module) -> list[Api]:
    """``urllib.urlencode`` and the like: Python 2 attributes that moved, unchanged, in 3.0."""
    return [
        Api(module=module.name, name=attribute, kind="attribute", removed="3.0", replacement=(f"{home}.{attribute}",),
            pep=module.pep or 3108, moved=True, note=f"Moved to {home} in Python 3 (2to3's fix_urllib).",
            sources=module.sources)
        for attribute, home in module.moved_attributes.items()
    ]


# -- what to use for a protocol on a target Python (the queries' PYTHON column, the scan's module) --


def stdlib_clients(catalog: Catalog, protocol: Protocol, target: Version) -> list[str]:
    """The protocol's standard-library clients that are current on ``target`` (servers if it has no
    client): what to import today."""
    current = [name for name in protocol.clients if catalog.modules[name].status(target).kind == "current"]
    return current or [name for name in protocol.servers if catalog.modules[name].status(target).kind == "current"]


def python_text(catalog: Catalog, protocol: Protocol, target: Version) -> str:
    """``ftplib, urllib.request``; ``socket; dnspython (PyPI)``; ``no stdlib client: paramiko or asyncssh (PyPI)``."""
    stdlib = ", ".join(stdlib_clients(catalog, protocol, target))
    pypi = f"{' or '.join(protocol.pypi)} (PyPI)" if protocol.pypi else ""
    if stdlib:
        return f"{stdlib}; {pypi}" if pypi else stdlib
    return f"no stdlib client: {pypi}" if pypi else "-"


def legacy_modules(catalog: Catalog, protocol: Protocol, target: Version) -> list[str]:
    """The protocol's client modules that are deprecated or removed on ``target`` (names renamed
    in Python 3.0 are for ``netref check``), each with its status: ``telnetlib: removed in 3.13
    (PEP 594) → socket``."""
    names = [*protocol.clients, protocol.probe_module]
    legacy = []
    for name in dict.fromkeys(names):
        module = catalog.module(name)
        status = module.status(target) if module else None
        if module and status and status.kind in ("deprecated", "removed"):
            legacy.append(f"{module.name}: {status.summary()}")
    return legacy


def status_label(status: Status) -> str:
    """Short form for tables: ``removed 3.13``, ``renamed 3.0``, ``current``."""
    if status.kind == "current":
        return "current"
    return f"{status.kind} {status.since}" if status.since else status.kind


__all__ = [
    "Api", "ApiStatus", "Catalog", "CatalogError", "Module", "Port", "PortMatch", "Protocol", "Status", "Substitution",
    "TutorialRow", "format_version", "load_catalog", "lookup_service", "status_label",
]
