"""Extract the deprecation tables of netref's peers into tests/peers/*.json (issue 20).

    python tools/extract_peer_tables.py --pylint GIT_DIR --pylint-tag v4.0.7 \
        --ruff GIT_DIR --ruff-tag 0.16.4 --lib2to3-python /root/.pyenv/versions/3.12.1/bin/python

- pylint: the literal tables of ``pylint/checkers/stdlib.py`` (DEPRECATED_ARGUMENTS, _DECORATORS,
  _METHODS, _CLASSES, _ATTRIBUTES) and ``pylint/checkers/imports.py`` (DEPRECATED_MODULES) at a
  release tag, read with ``git show`` and evaluated with ``ast.literal_eval`` (never imported).
- ruff: the pyupgrade rules that name deprecated standard-library names — UP023 (cElementTree),
  UP024 (OSError aliases), UP041 (TimeoutError aliases) — read from their Rust source at a release
  tag: the string literals of the ``matches!`` arms of each rule's ``is_alias`` (UP024, UP041) and
  the module name UP023 compares with.
- lib2to3: ``fix_imports.MAPPING`` and ``fix_urllib.MAPPING``, imported by a Python that still has
  lib2to3 (3.12; it is gone in 3.13).

Each output file records its peer, version, commit, source URLs and this command. Entries are
normalised to ``{"name", "kind", "since", "table"}`` (plus ``"params"`` for arguments,
``"new"`` for renames). The test (tests/test_peer_tables.py) decides which are network entries.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "tests" / "peers"


def git_show(git_dir: str, tag: str, path: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{tag}:{path}"], capture_output=True, text=True, check=True
    ).stdout


def git_commit(git_dir: str, tag: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", git_dir, "rev-list", "-n", "1", tag], capture_output=True, text=True, check=True
    ).stdout.strip()


def literal_tables(source: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The values of module-level ``NAME = {...}`` / ``NAME: T = {...}`` assignments, as literals."""
    found: dict[str, Any] = {}
    for node in ast.parse(source).body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        )
        if isinstance(target, ast.Name) and target.id in names and node.value is not None:
            found[target.id] = ast.literal_eval(node.value)
    missing = set(names) - set(found)
    if missing:
        raise SystemExit(f"pylint: tables not found: {sorted(missing)}")
    return found


def since(version: tuple[int, ...] | int) -> str:
    if isinstance(version, int):
        return str(version)
    major, minor = version[0], version[1]
    return f"{major}.{minor}" if version[2:3] in ((), (0,)) else f"{major}.{minor}.{version[2]}"


def pylint_entries(git_dir: str, tag: str) -> list[dict[str, Any]]:
    stdlib = literal_tables(
        git_show(git_dir, tag, "pylint/checkers/stdlib.py"),
        (
            "DEPRECATED_ARGUMENTS",
            "DEPRECATED_DECORATORS",
            "DEPRECATED_METHODS",
            "DEPRECATED_CLASSES",
            "DEPRECATED_ATTRIBUTES",
        ),
    )
    imports = literal_tables(git_show(git_dir, tag, "pylint/checkers/imports.py"), ("DEPRECATED_MODULES",))
    entries: list[dict[str, Any]] = []
    for version, modules in imports["DEPRECATED_MODULES"].items():
        entries += [
            {"name": m, "kind": "module", "since": since(version), "table": "DEPRECATED_MODULES"}
            for m in sorted(modules)
        ]
    for version, calls in stdlib["DEPRECATED_ARGUMENTS"].items():
        for name, arguments in sorted(calls.items()):
            entries.append(
                {
                    "name": name,
                    "kind": "argument",
                    "since": since(version),
                    "table": "DEPRECATED_ARGUMENTS",
                    "params": [param for _, param in arguments],
                }
            )
    for version, names in stdlib["DEPRECATED_DECORATORS"].items():
        entries += [
            {"name": n, "kind": "decorator", "since": since(version), "table": "DEPRECATED_DECORATORS"}
            for n in sorted(names)
        ]
    for _major, by_version in stdlib["DEPRECATED_METHODS"].items():
        for version, names in by_version.items():
            entries += [
                {"name": n, "kind": "method", "since": since(version), "table": "DEPRECATED_METHODS"}
                for n in sorted(names)
            ]
    for version, modules in stdlib["DEPRECATED_CLASSES"].items():
        for module, classes in sorted(modules.items()):
            entries += [
                {"name": f"{module}.{c}", "kind": "class", "since": since(version), "table": "DEPRECATED_CLASSES"}
                for c in sorted(classes)
            ]
    for version, names in stdlib["DEPRECATED_ATTRIBUTES"].items():
        entries += [
            {"name": n, "kind": "attribute", "since": since(version), "table": "DEPRECATED_ATTRIBUTES"}
            for n in sorted(names)
        ]
    return entries


_ARM = re.compile(r"\[\s*((?:\"[^\"]*\"\s*\|?\s*)+)\s*,\s*((?:\"[^\"]*\"\s*\|?\s*)+)\]")


def _alias_arms(rust: str) -> list[str]:
    """Qualified names matched by the ``matches!`` arms of a rule's ``is_alias``: ``["a" | "b", "error"]``."""
    body = rust[rust.index("fn is_alias") :]
    body = body[: body.index("\n}\n")]
    names = []
    for first, second in _ARM.findall(body):
        for module in re.findall(r"\"([^\"]*)\"", first):
            for attribute in re.findall(r"\"([^\"]*)\"", second):
                names.append(f"{module}.{attribute}" if module not in ("", "builtins") else attribute)
    return names


def ruff_entries(git_dir: str, tag: str) -> list[dict[str, Any]]:
    rules = "crates/ruff_linter/src/rules/pyupgrade/rules"
    entries: list[dict[str, Any]] = []
    for code, rule, replacement in (
        ("UP024", "os_error_alias", "OSError"),
        ("UP041", "timeout_error_alias", "TimeoutError"),
    ):
        for name in dict.fromkeys(_alias_arms(git_show(git_dir, tag, f"{rules}/{rule}.rs"))):
            entries.append(
                {"name": name, "kind": "alias", "since": None, "table": f"{code} {rule}", "new": replacement}
            )
    c_element_tree = git_show(git_dir, tag, f"{rules}/deprecated_c_element_tree.rs")
    for module in sorted(set(re.findall(r"== \"(xml\.etree\.cElementTree)\"", c_element_tree))):
        entries.append(
            {
                "name": module,
                "kind": "module",
                "since": "3.3",
                "table": "UP023 deprecated_c_element_tree",
                "new": "xml.etree.ElementTree",
            }
        )
    return entries


TWO_TO_THREE = r"""
import json, warnings
warnings.simplefilter("ignore")
from lib2to3.fixes import fix_imports, fix_urllib
print(json.dumps({"imports": fix_imports.MAPPING, "urllib": fix_urllib.MAPPING}))
"""


def lib2to3_entries(python: str) -> tuple[str, list[dict[str, Any]]]:
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    tables = json.loads(
        subprocess.run([python, "-I", "-c", TWO_TO_THREE], capture_output=True, text=True, check=True).stdout
    )
    entries = [
        {"name": old, "kind": "module", "since": "3.0", "table": "fix_imports.MAPPING", "new": new}
        for old, new in sorted(tables["imports"].items())
    ]
    for old, moves in sorted(tables["urllib"].items()):
        for new, attributes in moves:
            entries += [
                {
                    "name": f"{old}.{attribute}",
                    "kind": "moved",
                    "since": "3.0",
                    "table": "fix_urllib.MAPPING",
                    "new": new,
                }
                for attribute in attributes
            ]
    return version, entries


def write(name: str, header: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    OUT.mkdir(exist_ok=True)
    document = {**header, "extracted_by": " ".join(["python", *sys.argv]), "entries": entries}
    (OUT / name).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT / name}: {len(entries)} entries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pylint", required=True, help="a git directory of github.com/pylint-dev/pylint")
    parser.add_argument("--pylint-tag", required=True)
    parser.add_argument("--ruff", required=True, help="a git directory of github.com/astral-sh/ruff")
    parser.add_argument("--ruff-tag", required=True)
    parser.add_argument("--lib2to3-python", required=True, help="a Python 3.0-3.12 (lib2to3 is gone in 3.13)")
    args = parser.parse_args()
    tag = args.pylint_tag
    write(
        "pylint_stdlib.json",
        {
            "peer": "pylint",
            "version": tag.lstrip("v"),
            "commit": git_commit(args.pylint, tag),
            "sources": [
                f"https://github.com/pylint-dev/pylint/blob/{tag}/pylint/checkers/stdlib.py",
                f"https://github.com/pylint-dev/pylint/blob/{tag}/pylint/checkers/imports.py",
            ],
        },
        pylint_entries(args.pylint, tag),
    )
    tag = args.ruff_tag
    rules = f"https://github.com/astral-sh/ruff/blob/{tag}/crates/ruff_linter/src/rules/pyupgrade/rules"
    write(
        "ruff_pyupgrade.json",
        {
            "peer": "ruff",
            "version": tag,
            "commit": git_commit(args.ruff, tag),
            "sources": [
                f"{rules}/os_error_alias.rs",
                f"{rules}/timeout_error_alias.rs",
                f"{rules}/deprecated_c_element_tree.rs",
            ],
        },
        ruff_entries(args.ruff, tag),
    )
    version, entries = lib2to3_entries(args.lib2to3_python)
    write(
        "lib2to3_fixers.json",
        {
            "peer": "lib2to3",
            "version": version,
            "commit": None,
            "sources": [
                f"https://github.com/python/cpython/blob/v{version}/Lib/lib2to3/fixes/fix_imports.py",
                f"https://github.com/python/cpython/blob/v{version}/Lib/lib2to3/fixes/fix_urllib.py",
            ],
        },
        entries,
    )


if __name__ == "__main__":
    main()
