"""The peers' tables as a floor (issue 20): every deprecated or removed network module, class,
function, attribute and parameter that pylint's stdlib checker, ruff's pyupgrade rules and
lib2to3's fixers know is known to netref — in the catalogue, and found by ``check``.

The tables are vendored in tests/peers/ (extracted from the peers' released sources by
tools/extract_peer_tables.py; each file records its version, commit and command). Which entries
are network entries is data too: tests/peers/scope.json, the modules of four chapters of the
Library Reference. A peer entry netref lacks fails here, with the list of what is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netref.catalog import load_catalog
from netref.check import check
from netref.versions import parse_version

PEERS = Path(__file__).parent / "peers"
CATALOG = load_catalog()
SCOPE = json.loads((PEERS / "scope.json").read_text(encoding="utf-8"))
NETWORK = frozenset(name for table in ("chapters", "formerly") for names in SCOPE[table].values() for name in names)

# Where a peer names an implementation module or a private class, the public name netref catalogues
# (the one a user writes). Each is the same object: asyncio re-exports asyncio.tasks' functions, ssl
# re-exports _ssl's, nntplib.NNTP is the public subclass of _NNTPBase.
PUBLIC_NAMES = {
    "asyncio.tasks.": "asyncio.",
    "asyncio.subprocess.create_subprocess_": "asyncio.create_subprocess_",
    "_ssl.": "ssl.",
    "nntplib._NNTPBase.": "nntplib.NNTP.",
}
# Names in a peer's table that no Python ever had, and the name the peer meant.
ERRATA = {
    "asyncio.Task.all_task": "asyncio.Task.all_tasks",  # pylint's typo: Task.all_tasks (3.7 deprecation)
    # XMLParser never had getiterator; ElementTree.getiterator is the third method bpo-36543 removed in 3.9.
    "xml.etree.ElementTree.XMLParser.getiterator": "xml.etree.ElementTree.ElementTree.getiterator",
}
# Peer entries that are not deprecations netref can report, each with the reason (tested below).
NOT_DEPRECATED = {
    # UP024 rewrites every OSError alias of PEP 3151; CPython's docs call socket.error and select.error
    # "a deprecated alias", but not mmap.error, and PEP 3151 keeps the aliases ("for the time being").
    "mmap.error": "an alias of OSError that CPython does not deprecate",
}
# In the catalogue (``netref module asyncio`` tells it), but beyond what ``check`` can find, and why.
UNFINDABLE = {
    # `asyncio.async(...)` is a syntax error from 3.7 on (async is a keyword), so the API rule, which
    # parses statements with the running Python (3.11+), cannot read code that uses it.
    "asyncio.async": "a keyword since 3.7: code using it does not parse on the Pythons netref runs on",
}
# 2to3's fix_urllib moves these from urllib2, which never had them: Python 2.7's urllib2 imports only some
# of urllib's names (checked against Python 2.7 below).
NEVER_IN_URLLIB2 = ("quote_plus", "unquote_plus", "urlencode", "splitnport", "splitquery")


def peer(name: str) -> dict:
    return json.loads((PEERS / f"{name}.json").read_text(encoding="utf-8"))


def public(name: str) -> str:
    name = ERRATA.get(name, name)
    for private, public_name in PUBLIC_NAMES.items():
        if name.startswith(private):
            return public_name + name[len(private) :]
    return name


def in_scope(name: str) -> bool:
    parts = name.split(".")
    return any(".".join(parts[:n]) in NETWORK for n in range(1, len(parts) + 1))


def split(name: str) -> tuple[str, str] | None:
    """(catalogue module, name below it) by the longest module the catalogue has, else None."""
    parts = name.split(".")
    for n in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:n])
        if module in CATALOG.modules:
            return module, ".".join(parts[n:])
    return None


def network_entries() -> list[tuple[str, dict]]:
    entries = []
    for source in ("pylint_stdlib", "ruff_pyupgrade", "lib2to3_fixers"):
        for entry in peer(source)["entries"]:
            name = public(entry["name"])
            home = entry.get("new") if entry["table"] == "fix_imports.MAPPING" else name
            if in_scope(name) or in_scope(home or ""):
                entries.append((source, {**entry, "name": name}))
    return entries


def api_name(entry: dict) -> str | None:
    """The catalogue's qualified name for a peer's API entry (``mod.Class.method(param)``)."""
    found = split(entry["name"])
    if found is None:
        return None
    module, name = found
    if entry["kind"] == "argument":
        name = f"{name}({', '.join(entry['params'])})"
    return f"{module}.{name}"


def known(entry: dict) -> str | None:
    """Why netref knows ``entry``, or None when it does not."""
    name, kind = entry["name"], entry["kind"]
    if kind == "module":
        module = CATALOG.modules.get(name)
        if module is not None and (module.deprecated or module.removed or module.renamed):
            return f"module {name}"
        return None
    if kind == "moved":
        module, attribute = name.rsplit(".", 1)
        if module == "urllib2" and attribute in NEVER_IN_URLLIB2:
            return f"never in Python 2.7's urllib2: {name}"
        return f"moved {name}" if attribute in CATALOG.module(module).moved_attributes else None
    if name in NOT_DEPRECATED:
        return f"not deprecated: {NOT_DEPRECATED[name]}"
    qualified = api_name(entry)
    if qualified is None:
        return None
    if qualified in CATALOG.apis:
        return f"api {qualified}"
    if entry["kind"] == "argument":  # one entry may cover several parameters of the call
        callee, params = qualified.split("(")[0], set(entry["params"])
        covering = [
            api for api in CATALOG.apis.values() if f"{api.module}.{api.callee}" == callee and params <= set(api.params)
        ]
        return f"api {covering[0].qualname}" if covering else None
    return None


def test_the_vendored_tables_say_where_they_come_from():
    for name in ("pylint_stdlib", "ruff_pyupgrade", "lib2to3_fixers"):
        table = peer(name)
        assert table["version"] and table["sources"] and table["extracted_by"].startswith("python tools/")
        assert table["entries"], name
    assert len(network_entries()) >= 100


def test_every_network_entry_of_the_peers_is_in_the_catalogue():
    missing = sorted(
        {f"{source}: {entry['kind']} {entry['name']}" for source, entry in network_entries() if known(entry) is None}
    )
    assert not missing, "netref lacks:\n" + "\n".join(missing)


def test_the_names_2to3_moves_from_urllib2_that_python_2_never_had():
    import subprocess

    from pythons import INTERPRETERS

    python2 = [python for python in INTERPRETERS if "2.7" in python]
    if not python2:
        pytest.skip("no Python 2.7 on this machine")
    names = ",".join(NEVER_IN_URLLIB2)
    run = subprocess.run(
        [python2[0], "-c", f"import urllib2; print([hasattr(urllib2, n) for n in '{names}'.split(',')])"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert run.stdout.strip() == str([False] * len(NEVER_IN_URLLIB2))


def test_the_aliases_left_out_are_aliases():
    import mmap

    assert mmap.error is OSError


def snippet(entry: dict) -> tuple[str, str]:
    """(source, target Python) of a small file using ``entry``, for the target where it is gone or deprecated."""
    name, kind = entry["name"], entry["kind"]
    if kind == "module":
        module = CATALOG.modules[name]
        return f"import {name}\n", module.removed or module.renamed or module.deprecated or "3.13"
    if kind == "moved":
        module, attribute = name.rsplit(".", 1)
        return f"import {module}\nvalue = {module}.{attribute}\n", "3.13"
    api = CATALOG.apis[known(entry).split(" ", 1)[1]]
    target = api.removed or api.deprecated or api.warns
    owner, _, last = api.callee.rpartition(".")
    call = f"{api.module}.{api.callee}" if not owner else None
    if api.kind == "parameter":
        keywords = ", ".join(f"{param}=None" for param in api.params)
        if owner:
            return f"import {api.module}\nobj = {api.module}.{owner}()\nobj.{last}({keywords})\n", target
        return f"import {api.module}\n{call}({keywords})\n", target
    if owner and api.kind == "method":
        return f"import {api.module}\nobj = {api.module}.{owner}()\nobj.{last}()\n", target
    return f"import {api.module}\nvalue = {api.module}.{api.callee}\n", target


@pytest.mark.parametrize(
    ("source", "entry"),
    network_entries(),
    ids=lambda value: value if isinstance(value, str) else f"{value['kind']}:{value['name']}",
)
def test_check_finds_each_network_entry_for_a_target(tmp_path, source, entry):
    why = known(entry)
    if why is None:
        pytest.fail(f"not in the catalogue: {entry['name']}")
    if why.startswith(("never in", "not deprecated")):
        return  # nothing to find: see NOT_DEPRECATED and NEVER_IN_URLLIB2
    if entry["name"] in UNFINDABLE:
        assert entry["name"] in CATALOG.apis
        return
    if why.startswith("api ") and CATALOG.apis[why[4:]].kind == "behaviour":
        return  # a behaviour (truth-testing an Element) is not checked statically: docs/check.md says so
    text, target = snippet(entry)
    path = tmp_path / "uses.py"
    path.write_text(text, encoding="utf-8")
    findings = check([str(path)], CATALOG, parse_version(target)).findings
    assert any(f.code.startswith("NR1") for f in findings), (text, target, findings)
