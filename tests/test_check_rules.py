"""Check rules as registered objects: a new code is one new module under netref/check/rules/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netref.check import CODES
from netref.check.registry import Code, Rule, register, registered

ROOT = Path(__file__).resolve().parent.parent

# A whole rule family, written as a newcomer would add one: nothing else in netref changes.
TODO_RULE = '''
"""NR999: a TODO comment left in the code (a rule written for the tests)."""

import re

from netref.check.registry import Code, Rule, register

TODO = re.compile(r"#[ \\t]*TODO")


@register
class Todo(Rule):
    codes = (Code("NR999", "todo", "a TODO comment"),)

    def might_find(self, data):
        return b"TODO" in data

    def visit(self, scan):
        for match in TODO.finditer(scan.source.text):
            scan.add(match.start(), "NR999", "a TODO is left", replacement="do it")
'''


def netref_with_rule(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([sys.executable, "-m", "netref", "check", *args],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_a_new_rule_module_is_a_new_code_end_to_end(tmp_path):
    """A copy of netref plus one module in netref/check/rules/: the code is checked, selected, ignored, rendered."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "netref", tree / "netref", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data", tree / "data")
    (tree / "netref" / "check" / "rules" / "todo.py").write_text(TODO_RULE)
    source = tmp_path / "server.py"
    source.write_text("import httplib  # TODO port\nx = 1\n")
    clean = tmp_path / "clean.py"
    clean.write_text("x = 1\n")

    every = netref_with_rule(tree, str(source), str(clean), "--python", "3.13")
    assert every.returncode == 1, every.stderr
    assert [line.split(": ", 1)[1].split()[0] for line in every.stdout.splitlines()] == ["NR101", "NR999"]
    assert f"{source}:1:17: NR999 a TODO is left" in every.stdout.splitlines()

    selected = netref_with_rule(tree, str(source), "--select", "NR9", "-f", "json")
    (finding,) = json.loads(selected.stdout)
    assert (finding["code"], finding["kind"], finding["replacement"]) == ("NR999", "todo", "do it")

    ignored = netref_with_rule(tree, str(source), "--ignore", "NR999")
    assert [line.split(": ", 1)[1].split()[0] for line in ignored.stdout.splitlines()] == ["NR101"]


def test_every_code_but_the_scanners_own_is_declared_by_exactly_one_rule():
    declared = [code.code for rule in registered() for code in rule.codes]
    assert len(declared) == len(set(declared))
    assert sorted([*declared, "NR900", "NR901", "NR902"]) == list(CODES)


def test_a_code_cannot_be_declared_twice():
    class Again(Rule):
        codes = (Code("NR101", "renamed", "again"),)

    with pytest.raises(ValueError, match="NR101 is already declared"):
        register(Again)
    assert Again not in registered()


def test_the_python2_rule_runs_after_the_rules_whose_findings_it_weighs():
    assert registered()[-1].codes[0].code == "NR301"
