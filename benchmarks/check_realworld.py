"""``netref check`` on real projects from PyPI: findings per code, precision and recall, against 2to3 and ruff.

Issue #11, and #20 for the second set. The source distributions of projects of different eras are
downloaded once into a cache (``pip download --no-binary :all:``; the second set from pinned URLs,
checked against their sha256), and ``netref check --python 3.13`` runs on each unpacked tree. The
first set is the projects the rules were written from; the second (:data:`UNSEEN`), projects with
network code chosen after the rules were, to measure them on code they never saw. Every finding was
reviewed by hand; ``check_realworld_review.toml`` (beside this script) records, per project, the
findings that are *not* real problems for the target (false positives) and the real problems
netref does not report (misses), each with the reason. Every other finding was judged real. For the Python-2-only code,
2to3's own network-module renames (lib2to3's fixers ``imports``, ``imports2`` and ``urllib``, run on
the newest local Python that still has lib2to3, ≤ 3.12) count as misses when netref has nothing on
the line they change nor about that module in that file. ``ruff check``'s wall time on the same tree
is the speed benchmark: both run as commands (best of --rounds), and netref's scan is also timed
in-process (``netref.check.check``, the same work without the interpreter's and Typer's start-up,
which is most of a small tree's time).

    python benchmarks/check_realworld.py [--cache DIR] [--python 3.13] [--rounds 3] [--set all|first|unseen] [--show]

Targets: no false positive on the compatibility libraries; every network-module rename 2to3 makes
on Python-2-only code found; netref at least as fast as ruff on every tree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.request
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netref.catalog import load_catalog
from netref.check import check
from netref.versions import parse_version

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "netref-realworld"


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    kind: str  # "python2", "compat" (2 and 3 at once) or "python3"
    about: str
    python2_dirs: tuple[str, ...] = ()  # Python-2-only code, relative to the tree ("" = all of it)
    url: str = ""  # the sdist on files.pythonhosted.org, pinned with its sha256 (the unseen set)
    sha256: str = ""
    unseen: bool = False  # chosen after the rules were written, to measure them on code they never saw

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


PROJECTS = (
    Project("mechanize", "0.2.5", "python2", "2011, Python 2 only: urllib2, httplib, mimetools", ("",)),
    Project("httplib2", "0.7.7", "python2", "2012, a Python 2 tree and a Python 3 tree", ("python2",)),
    Project("six", "1.16.0", "compat", "2021, the moves table itself: legacy names in strings"),
    Project("requests", "2.25.1", "compat", "2020, is_py2 / is_py3 flags, try/except imports"),
    Project("tornado", "4.5.3", "compat", "2017, PY3 flag imported from tornado.util"),
    Project("bottle", "0.12.25", "compat", "2023, one file, py3k = py >= (3, 0, 0), imports cgi"),
    Project("WebOb", "1.8.7", "compat", "2021, PY2/PY3 flags, imports cgi"),
    Project("pyftpdlib", "1.5.9", "compat", "2023, asyncore/asynchat behind version_info[:2] >= (3, 12)"),
    Project("CherryPy", "18.8.0", "python3", "2022, Python 3 only, imports cgi"),
)

# The second set (issue 20): projects with network code that the rules were not written from, chosen
# from PyPI's old releases after the rules were, pinned by URL and sha256 (as PyPI's simple index lists
# them). They are fetched directly: ``pip download`` of these sdists runs their setup.py to read the
# metadata, and Python-2-era setup scripts fail on Python 3 (feedparser 5.2.1: "use_2to3 is invalid").
_FILES = "https://files.pythonhosted.org/packages/"
UNSEEN = (
    Project("feedparser", "5.2.1", "python2", "2015, Python 2 source (2to3 at install): urllib2, cgi, rfc822 shim",
            ("",), _FILES + "ca/f4/91a056f11751701c24f86c692d92fee290b0ba3f99f657cdeb85ad3da402/"
            "feedparser-5.2.1.tar.gz",
            "bd030652c2d08532c034c27fcd7c85868e7fa3cb2b17f230a44a6bbc92519bf9", True),
    Project("python-twitter", "1.1", "python2", "2013, Python 2 only: urllib2, urlparse, cgi.parse_qsl",
            ("",), _FILES + "21/c5/0d5ae3ded6cf8e02a55e3690e08a0d0dc11ba43a6aff8fa55c88360d4339/"
            "python-twitter-1.1.tar.gz",
            "0fdc012894cda38735a48b55d4904d86b104515c1242c0c400ab350d62695c12", True),
    Project("suds", "0.4", "python2", "2010, SOAP client, Python 2 only: urllib2, cookielib, httplib",
            ("",), _FILES + "bc/d6/960acce47ee6f096345fe5a7d9be7708135fd1d0713571836f073efc7393/"
            "suds-0.4.tar.gz",
            "d5524ae523bb9e09c57bcdbd1efae2c287d20603688ea31f6020ed180a489af0", True),
    Project("supervisor", "3.4.0", "python2", "2019, Python 2 only: xmlrpclib, medusa on asyncore/asynchat",
            ("",), _FILES + "19/0a/7eef85a26f8dfb585f312e4c6b76b0b16fe800ffce8a4724a7bda6ef440d/"
            "supervisor-3.4.0.tar.gz",
            "31102eeb323fbe57384d6a3746beab8f9ae9db705cdbd04a0861d21e38907a45", True),
    Project("boto", "2.49.0", "compat", "2018, 2 and 3 through a vendored six; raw sockets, ssl.wrap_socket",
            (), _FILES + "c8/af/54a920ff4255664f5d238b5aebd8eedf7a07c7a5e71e27afcfe840b82f51/"
            "boto-2.49.0.tar.gz",
            "ea0d3b40a2d852767be77ca343b58a9e3a4b00d9db440efb8da74b4e58025e5a", True),
    Project("urllib3", "1.26.5", "compat", "2021, six.moves, try/except ssl imports, HTTPSConnection subclasses",
            (), _FILES + "94/40/c396b5b212533716949a4d295f91a4c100d51ba95ea9e2d96b6b0517e5a5/"
            "urllib3-1.26.5.tar.gz",
            "a7acd0977125325f516bda9735fa7142b909a8d01e8b2e4c8108d0984e6e0098", True),
    Project("websocket-client", "0.57.0", "compat", "2019, six, an ssl compat module, match_hostname backport",
            (), _FILES + "8b/0f/52de51b9b450ed52694208ab952d5af6ebbcbce7f166a48784095d930d8c/"
            "websocket_client-0.57.0.tar.gz",
            "d735b91d6d1692a6a181f2a8c9e0238e5f6373356f561bb9dc4c7af36f452010", True),
)


@dataclass(frozen=True)
class Review:
    """The hand review of one project's findings on Python 3.13: ``path:line:code`` keys."""

    false: frozenset[str] = field(default_factory=frozenset)  # reported, but no problem on the target
    missed: frozenset[str] = field(default_factory=frozenset)  # a real problem netref does not report
    notes: str = ""
    why: dict[str, str] = field(default_factory=dict)  # per false finding and miss: why it is one


# The hand review lives beside this script, as data: check_realworld_review.toml (see its header).
REVIEW_FILE = Path(__file__).with_name("check_realworld_review.toml")


def load_review(path: Path = REVIEW_FILE) -> dict[str, Review]:
    """Per project: the notes, and every false finding and miss with the reason it is one."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return {name: Review(false=frozenset(entry.get("false", {})), missed=frozenset(entry.get("missed", {})),
                         notes=entry.get("notes", ""), why={**entry.get("false", {}), **entry.get("missed", {})})
            for name, entry in data.items()}


REVIEW = load_review()


# -- fetching ------------------------------------------------------------------------------------------


def fetch(project: Project, cache: Path) -> Path:
    """The unpacked source tree of ``project``, downloaded into ``cache`` on first use."""
    archives, trees = cache / "sdists", cache / "trees"
    archives.mkdir(parents=True, exist_ok=True)
    trees.mkdir(parents=True, exist_ok=True)
    tree = trees / f"{project.name}-{project.version}"
    if tree.is_dir():
        return tree
    archive = _archive(project, archives)
    if archive is None and project.url:
        archive = _download(project, archives)
    if archive is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps",
                        "--dest", str(archives), project.requirement], check=True)
        archive = _archive(project, archives)
        if archive is None:
            raise SystemExit(f"pip downloaded no sdist for {project.requirement}")
    staging = trees / f".{tree.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as handle:
            handle.extractall(staging)
    else:
        with tarfile.open(archive) as handle:
            handle.extractall(staging, filter="data")
    (inner,) = list(staging.iterdir())  # an sdist holds one NAME-VERSION directory
    inner.rename(tree)
    staging.rmdir()
    return tree


def _archive(project: Project, archives: Path) -> Path | None:
    name = re.escape(project.name).replace("\\-", "[-_]")  # websocket_client-0.57.0.tar.gz
    stem = re.compile(rf"{name}-{re.escape(project.version)}\.(tar\.gz|zip)$", re.IGNORECASE)
    return next((path for path in sorted(archives.iterdir()) if stem.match(path.name)), None)


def _download(project: Project, archives: Path) -> Path:
    """The pinned sdist, checked against its sha256 before it is kept."""
    with urllib.request.urlopen(project.url, timeout=60) as response:
        data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != project.sha256:
        raise SystemExit(f"{project.requirement}: sha256 {digest} is not the pinned {project.sha256}")
    path = archives / project.url.rsplit("/", 1)[-1]
    path.write_bytes(data)
    return path


# -- running netref and ruff -----------------------------------------------------------------------------


def run_netref(tree: Path, python: str, rounds: int) -> tuple[float, list[dict[str, object]]]:
    command = [sys.executable, "-m", "netref", "check", ".", "--python", python, "--format", "json"]
    seconds, output = _best(command, tree, rounds)
    return seconds, json.loads(output or "[]")


def time_scan(tree: Path, python: str, rounds: int) -> float:
    """Seconds of the scan alone, in this process (best of ``rounds``)."""
    catalog, target, best = load_catalog(), parse_version(python), float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        check([str(tree)], catalog, target)
        best = min(best, time.perf_counter() - started)
    return best


def run_ruff(tree: Path, rounds: int) -> float | None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return None
    return _best([ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet", "."], tree, rounds)[0]


def _best(command: list[str], cwd: Path, rounds: int) -> tuple[float, str]:
    best, output = float("inf"), ""
    for _ in range(rounds):
        started = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - started)
        output = result.stdout
    return best, output


# -- 2to3 ---------------------------------------------------------------------------------------------------

TWO_TO_THREE = r"""
import difflib, json, os, sys, warnings
warnings.simplefilter("ignore")
from lib2to3.refactor import RefactoringTool
tool = RefactoringTool(["lib2to3.fixes.fix_imports", "lib2to3.fixes.fix_imports2", "lib2to3.fixes.fix_urllib"])
changes = []
for top in sys.argv[1:]:
    for directory, subdirs, files in os.walk(top):
        subdirs.sort()
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                text = handle.read().decode("latin-1")
            if not text.endswith("\n"):
                text += "\n"
            try:
                new = str(tool.refactor_string(text, path))
            except Exception:
                continue
            old_lines, new_lines = text.splitlines(), new.splitlines()
            matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                for line in range(i1, i2) if tag in ("replace", "delete") else ():
                    changes.append([path, line + 1, old_lines[line]])
print(json.dumps(changes))
"""


def python_with_lib2to3() -> str | None:
    """The newest local Python that still has lib2to3 (removed in 3.13): pyenv's, then PATH's."""
    candidates = sorted(Path.home().glob(".pyenv/versions/3.*/bin/python3"), key=_version_key, reverse=True)
    candidates += [Path(p) for n in ("python3.12", "python3.11", "python3.10") if (p := shutil.which(n))]
    for candidate in candidates:
        probe = subprocess.run([str(candidate), "-c", "import lib2to3"], capture_output=True, check=False)
        if probe.returncode == 0:
            return str(candidate)
    return None


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name)[:3])


def two_to_three(python: str, tree: Path, directories: tuple[str, ...]) -> list[tuple[str, int, str]]:
    """(relative path, line, old text) of every line 2to3's network fixers change."""
    tops = [str(tree / directory) for directory in directories]
    result = subprocess.run([python, "-c", TWO_TO_THREE, *tops], capture_output=True, text=True, check=True)
    return [(os.path.relpath(path, tree), line, text) for path, line, text in json.loads(result.stdout)]


# -- the comparison -------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    project: Project
    seconds: float
    scan: float
    ruff: float | None
    findings: list[str]  # path:line:code
    codes: Counter[str]
    false: set[str]
    missed: set[str]  # from the review and from 2to3
    renames: int = 0  # 2to3's network-module renames
    renames_found: int = 0
    stale: list[str] = field(default_factory=list)

    @property
    def real(self) -> int:
        return len(self.findings) - len(self.false)

    @property
    def precision(self) -> float:
        return self.real / len(self.findings) if self.findings else 1.0

    @property
    def recall(self) -> float:
        return self.real / (self.real + len(self.missed)) if self.real + len(self.missed) else 1.0


def network_modules() -> set[str]:
    """Python 2 module names of the catalogue (what a 2to3 rename must mention to be a network one)."""
    catalog = load_catalog()
    return {name for name, module in catalog.modules.items() if module.renamed_to or module.removed}


def compare(project: Project, tree: Path, args: argparse.Namespace, lib2to3_python: str | None,
            legacy: set[str]) -> Outcome:
    seconds, objects = run_netref(tree, args.python, args.rounds)
    keys = [f"{o['path']}:{o['line']}:{o['code']}".removeprefix("./") for o in objects]
    review = REVIEW.get(project.name, Review())
    false = set(review.false) & set(keys)
    missed = set(review.missed) - set(keys)
    scan, ruff = time_scan(tree, args.python, args.rounds), run_ruff(tree, args.rounds)
    outcome = Outcome(project, seconds, scan, ruff, keys, Counter(str(o["code"]) for o in objects), false, missed)
    outcome.stale = sorted((set(review.false) - set(keys)) | (set(review.missed) & set(keys)))
    if project.python2_dirs and lib2to3_python:
        lines = {(k.rsplit(":", 2)[0], int(k.rsplit(":", 2)[1])) for k in keys}
        modules_by_file: dict[str, set[str]] = {}
        for o in objects:
            modules_by_file.setdefault(str(o["path"]).removeprefix("./"), set()).add(str(o["module"]))
        for path, line, text in two_to_three(lib2to3_python, tree, project.python2_dirs):
            mentioned = set(re.findall(r"[A-Za-z_][\w.]*", text)) & legacy
            mentioned |= {word.split(".")[0] for word in re.findall(r"[A-Za-z_][\w.]*", text)} & legacy
            if not mentioned:
                continue  # StringIO, cPickle...: not a network module
            outcome.renames += 1
            if (path, line) in lines or mentioned & modules_by_file.get(path, set()):
                outcome.renames_found += 1
            else:
                outcome.missed.add(f"{path}:{line}:2to3 ({text.strip()[:60]})")
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--python", default="3.13", help="target Python (default 3.13)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--set", choices=("all", "first", "unseen"), default="all",
                        help="the projects the rules were written from (first), the unseen ones, or both")
    parser.add_argument("--show", action="store_true", help="print every finding, marked real or FALSE")
    args = parser.parse_args()

    lib2to3_python = python_with_lib2to3()
    legacy = network_modules()
    print(f"target: Python {args.python}; cache: {args.cache}; 2to3 from: {lib2to3_python or 'none found'}")
    projects = {"all": PROJECTS + UNSEEN, "first": PROJECTS, "unseen": UNSEEN}[args.set]
    outcomes = []
    for project in projects:
        tree = fetch(project, args.cache)
        outcome = compare(project, tree, args, lib2to3_python, legacy)
        outcomes.append(outcome)
        if args.show:
            for key in outcome.findings:
                print(f"    {'FALSE' if key in outcome.false else 'real '} {project.name}/{key}")

    for unseen in (False, True):
        group = [o for o in outcomes if o.project.unseen is unseen]
        if group:
            _table("projects the rules were not written from (issue 20)" if unseen
                   else "projects the rules were written from", group)
    stale = any(o.stale for o in outcomes)
    return 1 if stale else 0


def _table(title: str, outcomes: list[Outcome]) -> None:
    print(f"\n{title}:\n{'project':<24} {'kind':<8} {'findings by code':<44} {'false':>5} {'missed':>6} {'prec.':>6} "
          f"{'recall':>6} {'2to3':>7} {'netref s':>8} {'scan s':>6} {'ruff s':>6} {'ruff/netref':>11} {'ruff/scan':>9}")
    for o in outcomes:
        codes = ", ".join(f"{code} {count}" for code, count in sorted(o.codes.items())) or "-"
        renames = f"{o.renames_found}/{o.renames}" if o.project.python2_dirs else "-"
        ruff = f"{o.ruff:6.3f}" if o.ruff is not None else "     -"
        ratio = f"{o.ruff / o.seconds:10.2f}x" if o.ruff is not None else "          -"
        ratio += f" {o.ruff / o.scan:8.2f}x" if o.ruff is not None else "         -"
        print(f"{o.project.name + ' ' + o.project.version:<24} {o.project.kind:<8} {codes:<44} {len(o.false):>5} "
              f"{len(o.missed):>6} {o.precision:6.0%} {o.recall:6.0%} {renames:>7} {o.seconds:8.3f} {o.scan:6.3f} "
              f"{ruff} {ratio}")
        why = REVIEW.get(o.project.name, Review()).why
        for key in sorted(o.false):
            print(f"    false:  {key}: {why.get(key, '(no reason recorded)')}")
        for key in sorted(o.missed):
            reason = why.get(key) or ("2to3's fixers rename it; netref says nothing there" if ":2to3 (" in key
                                      else "(no reason recorded)")
            print(f"    missed: {key}: {reason}")
        for key in o.stale:
            print(f"    review record is stale: {key}")

    total = sum(len(o.findings) for o in outcomes)
    real = sum(o.real for o in outcomes)
    missed = sum(len(o.missed) for o in outcomes)
    print(f"all {len(outcomes)} projects: {total} findings, {total - real} false, {missed} missed: "
          f"precision {real / total if total else 1:.0%}, recall {real / (real + missed) if real + missed else 1:.0%}")
    compat_false = sum(len(o.false) for o in outcomes if o.project.kind == "compat")
    renames = sum(o.renames for o in outcomes)
    found = sum(o.renames_found for o in outcomes)
    slower = [o.project.name for o in outcomes if o.ruff is not None and o.seconds > o.ruff]
    scan_slower = [o.project.name for o in outcomes if o.ruff is not None and o.scan > o.ruff]
    print(f"target: no false positive on the compatibility libraries: {'met' if not compat_false else 'MISSED'} "
          f"({compat_false} false)")
    print(f"target: every 2to3 network rename on Python-2-only code found: "
          f"{'met' if found == renames else 'MISSED'} ({found}/{renames})")
    print(f"target: at least as fast as ruff on every tree (commands): "
          f"{'met' if not slower else 'MISSED on ' + ', '.join(slower)}")
    print(f"        the scan alone, in-process: {'met' if not scan_slower else 'MISSED on ' + ', '.join(scan_slower)}")


if __name__ == "__main__":
    raise SystemExit(main())
