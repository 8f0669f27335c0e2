"""The catalogue's API entries as data: validation names the file and the entry, the cache keeps them,
the status is computed from their dates, and the advice never names a deprecated API."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from netref.catalog import CatalogError, default_catalog_path, load_catalog

WRAP_SOCKET = 'wrap_socket = { kind = "function", deprecated = "3.7", warns = "3.10", removed = "3.12"'


@pytest.fixture
def catalogue_copy(tmp_path) -> Path:
    path = tmp_path / "catalog.toml"
    shutil.copy(default_catalog_path(), path)
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new", "message"), [
    (WRAP_SOCKET, WRAP_SOCKET.replace('"function"', '"funktion"'),
     r"modules\.ssl\.api\.wrap_socket: 'kind' must be one of function, class"),
    (WRAP_SOCKET, WRAP_SOCKET.replace('removed = "3.12"', 'removed = "3.5"'),
     r"modules\.ssl\.api\.wrap_socket: dates out of order"),
    (WRAP_SOCKET, WRAP_SOCKET.replace('kind = "function"', 'kind = "function", removd = "3.12"'),
     r"modules\.ssl\.api\.wrap_socket: unknown field 'removd'"),
    ('replacement = "ssl.SSLContext.wrap_socket"', 'replacement = "SSLContext.wrap_socket()"',
     r"modules\.ssl\.api\.wrap_socket: 'replacement' must name APIs"),
    ('"SMTP.starttls(keyfile, certfile)" = { deprecated', '"SMTP.starttls(keyfile, certfile)" = { kind = "method", '
     'deprecated', r"modules\.smtplib\.api\.SMTP\.starttls\(keyfile, certfile\): a parameter entry names"),
    (', sources = ["https://docs.python.org/3/whatsnew/3.12.html#ssl", "https://docs.python.org/3/whatsnew/3.7.html#ssl",'
     ' "https://docs.python.org/3/whatsnew/3.10.html#ssl"] }', " }",
     r"modules\.ssl\.api\.wrap_socket: needs at least one source"),
])
def test_a_broken_api_entry_names_the_file_and_the_entry(catalogue_copy, old, new, message):
    edit(catalogue_copy, old, new)
    with pytest.raises(CatalogError, match=re.escape(str(catalogue_copy)) + ": " + message):
        load_catalog(catalogue_copy)


def test_the_cache_keeps_the_api_entries_and_derives_the_moved_ones(catalogue_copy, tmp_path, monkeypatch):
    from netref.catalog import _load

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    validated = load_catalog(catalogue_copy)
    _load.cache_clear()
    cached = load_catalog(catalogue_copy)
    assert cached is not validated and cached.apis == validated.apis
    assert cached.apis["urllib.urlencode"].moved and cached.apis["ssl.wrap_socket"].removed == "3.12"


def test_status_is_computed_from_the_dates():
    catalog = load_catalog()
    api = catalog.apis["ssl.wrap_socket"]
    kinds = {minor: api.status((3, minor)).kind for minor in (6, 7, 9, 10, 11, 12)}
    assert kinds == {6: "current", 7: "deprecated", 9: "deprecated", 10: "deprecated", 11: "deprecated",
                     12: "removed"}
    assert not api.status((3, 9)).warns and api.status((3, 10)).warns
    assert catalog.apis["email.utils.localtime(isdst)"].status((3, 2)).kind == "not-yet"


def test_the_advice_never_names_a_deprecated_api():
    catalog = load_catalog()
    assert catalog.api_advice(catalog.apis["urllib.splitport"]) == "urllib.parse.urlsplit"
    assert catalog.api_advice(catalog.apis["urllib.urlencode"]) == "urllib.parse.urlencode"
    for api in catalog.apis.values():
        named = catalog.apis.get(catalog.api_advice(api) or "")
        assert named is None or not (named.deprecated or named.warns or named.removed), api.qualname


def test_lookup_by_spelling():
    catalog = load_catalog()
    assert catalog.api("smtplib.SMTP.starttls(certfile)").qualname == "smtplib.SMTP.starttls(keyfile, certfile)"
    assert catalog.api("smtplib.SMTP.starttls").qualname == "smtplib.SMTP.starttls(keyfile, certfile)"
    assert catalog.api("smtplib.SMTP.starttls(context)") is None
    assert catalog.api("SSL.WRAP_SOCKET").qualname == "ssl.wrap_socket"
    assert catalog.module_or_api("ssl").name == "ssl" and catalog.module_or_api("nothing") is None
