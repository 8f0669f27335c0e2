"""``netref check`` on real projects from PyPI: findings per code, precision and recall, against 2to3 and ruff.

Issue #11. The source distributions of projects of different eras are downloaded once with
``pip download --no-binary :all:`` into a cache, and ``netref check --python 3.13`` runs on each
unpacked tree. Every finding was reviewed by hand; :data:`REVIEW` records, per project, the
findings that are *not* real problems for the target (false positives) and the real problems
netref does not report (misses). Every other finding was judged real. For the Python-2-only code,
2to3's own network-module renames (lib2to3's fixers ``imports``, ``imports2`` and ``urllib``, run on
the newest local Python that still has lib2to3, ≤ 3.12) count as misses when netref has nothing on
the line they change nor about that module in that file. ``ruff check``'s wall time on the same tree
is the speed benchmark: both run as commands (best of --rounds), and netref's scan is also timed
in-process (``netref.check.check``, the same work without the interpreter's and Typer's start-up,
which is most of a small tree's time).

    python benchmarks/check_realworld.py [--cache DIR] [--python 3.13] [--rounds 3] [--show]

Targets: no false positive on the compatibility libraries; every network-module rename 2to3 makes
on Python-2-only code found; netref at least as fast as ruff on every tree.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
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


@dataclass(frozen=True)
class Review:
    """The hand review of one project's findings on Python 3.13: ``path:line:code`` keys."""

    false: frozenset[str] = field(default_factory=frozenset)  # reported, but no problem on the target
    missed: frozenset[str] = field(default_factory=frozenset)  # a real problem netref does not report
    notes: str = ""


# Reviewed on netref's findings for --python 3.13 (see each note). A key of ``false`` that netref
# no longer reports, or a ``missed`` one it now reports, is printed, so the record cannot go stale
# silently.
REVIEW: dict[str, Review] = {
    "mechanize": Review(notes="Python 2 code throughout: every import of urllib2/httplib/mimetools/sgmllib/"
                        "htmlentitydefs/robotparser is a real failure on 3.13; the NR301 files are Python 2. "
                        "urllib.proxy_bypass and urllib.addinfourl (NR104, not in 2to3's table) are real too."),
    "httplib2": Review(notes="python2/ is Python 2 code (real findings); python3/ imports http.client and "
                       "urllib.parse, but binds `_ssl_wrap_socket = ssl.wrap_socket` at module level (NR112: "
                       "an AttributeError on import from 3.12) and passes ssl.PROTOCOL_TLSv1 (NR111): real."),
    "six": Review(notes="legacy names appear only as strings of the moves table: nothing to report."),
    "requests": Review(notes="compat.py's is_py2 branch is dead on 3.13; 2.25.1 no longer imports cgi."),
    "tornado": Review(notes="the library is clean on 3.13; demos/s3server/s3server.py does import urllib "
                      "and calls urllib.unquote three times (Python 2 demo code): real. Its tests call "
                      "ssl.wrap_socket (NR112) and pass ssl.PROTOCOL_SSLv23/TLSv1 (NR111), unguarded: real."),
    "bottle": Review(notes="`import cgi` at line 38 is real on 3.13; the py3k branches are judged."),
    "WebOb": Review(notes="cgi is imported at module level, in `if PY3:` branches and in tests: all real on 3.13; "
                    "docs/*-example-code are Python 2 examples (NR301, urllib.quote): real."),
    "pyftpdlib": Review(notes="asyncore/asynchat are imported only below 3.12 (vendored copies above): clean; "
                        "scripts/internal/winmake.py imports urllib2 only in the else of `if PY3:` (dead). "
                        "Its TLS tests call ssl.wrap_socket (guarded by hasattr on the FTP client class, not on "
                        "ssl: NR112) and use ssl.PROTOCOL_SSLv23 (NR111): real."),
    "CherryPy": Review(notes="two `import cgi` (lib/covercp.py, lib/httputil.py): real on 3.13."),
}


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
    stem = re.compile(rf"{re.escape(project.name)}-{re.escape(project.version)}\.(tar\.gz|zip)$", re.IGNORECASE)
    return next((path for path in sorted(archives.iterdir()) if stem.match(path.name)), None)


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
    parser.add_argument("--show", action="store_true", help="print every finding, marked real or FALSE")
    args = parser.parse_args()

    lib2to3_python = python_with_lib2to3()
    legacy = network_modules()
    print(f"target: Python {args.python}; cache: {args.cache}; 2to3 from: {lib2to3_python or 'none found'}")
    outcomes = []
    for project in PROJECTS:
        tree = fetch(project, args.cache)
        outcome = compare(project, tree, args, lib2to3_python, legacy)
        outcomes.append(outcome)
        if args.show:
            for key in outcome.findings:
                print(f"    {'FALSE' if key in outcome.false else 'real '} {project.name}/{key}")

    print(f"\n{'project':<20} {'kind':<8} {'findings by code':<38} {'false':>5} {'missed':>6} {'prec.':>6} "
          f"{'recall':>6} {'2to3':>7} {'netref s':>8} {'scan s':>6} {'ruff s':>6} {'ruff/netref':>11} {'ruff/scan':>9}")
    for o in outcomes:
        codes = ", ".join(f"{code} {count}" for code, count in sorted(o.codes.items())) or "-"
        renames = f"{o.renames_found}/{o.renames}" if o.project.python2_dirs else "-"
        ruff = f"{o.ruff:6.3f}" if o.ruff is not None else "     -"
        ratio = f"{o.ruff / o.seconds:10.2f}x" if o.ruff is not None else "          -"
        ratio += f" {o.ruff / o.scan:8.2f}x" if o.ruff is not None else "         -"
        print(f"{o.project.name + ' ' + o.project.version:<20} {o.project.kind:<8} {codes:<38} {len(o.false):>5} "
              f"{len(o.missed):>6} {o.precision:6.0%} {o.recall:6.0%} {renames:>7} {o.seconds:8.3f} {o.scan:6.3f} "
              f"{ruff} {ratio}")
        for key in sorted(o.missed):
            print(f"    missed: {key}")
        for key in o.stale:
            print(f"    review record is stale: {key}")

    total = sum(len(o.findings) for o in outcomes)
    real = sum(o.real for o in outcomes)
    missed = sum(len(o.missed) for o in outcomes)
    print(f"\nall projects: {total} findings, {total - real} false, {missed} missed: "
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
    stale = any(o.stale for o in outcomes)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
