"""The hand review behind benchmarks/check_realworld.py is complete data: every project reviewed, every
false finding and miss with its reason, the unseen projects pinned (the benchmark downloads; tests never do)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).parent.parent / "benchmarks" / "check_realworld.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("check_realworld", BENCHMARK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_realworld"] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["check_realworld"]
    return module


def test_every_project_is_reviewed_and_every_false_finding_and_miss_says_why(bench):
    projects = [*bench.PROJECTS, *bench.UNSEEN]
    assert {p.name for p in projects} == set(bench.REVIEW)
    for project in projects:
        review = bench.REVIEW[project.name]
        assert review.notes.strip(), project.name
        for key in review.false | review.missed:
            assert re.fullmatch(r"[^:]+:\d+:NR\d{3}", key), key
            assert len(review.why[key]) > 40, key


def test_the_unseen_set_is_pinned_and_not_the_set_the_rules_were_written_from(bench):
    first = {p.name for p in bench.PROJECTS}
    assert len(bench.UNSEEN) >= 5
    for project in bench.UNSEEN:
        assert project.unseen and project.name not in first
        assert project.url.startswith("https://files.pythonhosted.org/packages/")
        assert project.url.endswith((f"-{project.version}.tar.gz", f"-{project.version}.zip"))
        assert re.fullmatch(r"[0-9a-f]{64}", project.sha256)


def test_a_download_that_does_not_match_its_pin_is_refused(bench, tmp_path, monkeypatch):
    project = bench.UNSEEN[0]

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b"not the sdist"

    monkeypatch.setattr(bench.urllib.request, "urlopen", lambda url, timeout: Response())
    with pytest.raises(SystemExit, match="is not the pinned"):
        bench._download(project, tmp_path)
    assert not list(tmp_path.iterdir())
