"""Every output format netref prints, in one place.

Commands hand over plain data — a list of row dicts for tables, key/value pairs for a single
object, or a JSON-ready object — and this module turns it into text. ``table`` is the default;
``json`` and ``csv`` are for programs; any other name is one of tabulate's formats (github, grid,
plain, ...). tabulate is imported only when a table is actually drawn, to keep start-up fast.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

# tabulate's format names, listed here so that validating --format needs no import of tabulate.
TABULATE_FORMATS = (
    "plain", "simple", "github", "grid", "simple_grid", "rounded_grid", "heavy_grid", "mixed_grid",
    "double_grid", "fancy_grid", "outline", "simple_outline", "rounded_outline", "heavy_outline",
    "mixed_outline", "double_outline", "fancy_outline", "pipe", "orgtbl", "asciidoc", "jira",
    "presto", "pretty", "psql", "rst", "mediawiki", "moinmoin", "youtrack", "html", "unsafehtml",
    "latex", "latex_raw", "latex_booktabs", "latex_longtable", "textile", "tsv",
)
FORMATS = ("table", "json", "csv") + TABULATE_FORMATS


def check_format(fmt: str, extra: Sequence[str] = ()) -> str:
    """Return ``fmt`` if netref can render it, else raise ValueError with a one-line message."""
    if fmt in FORMATS or fmt in extra:
        return fmt
    choices = ", ".join(("table", "json", "csv", *extra, "github", "grid", "plain", "..."))
    raise ValueError(f"unknown format {fmt!r} (choose from {choices})")


def json_text(obj: Any) -> str:
    """Stable JSON: keys in the order the code builds them, two-space indent, UTF-8 kept."""
    return json.dumps(obj, indent=2, ensure_ascii=False)


def rows(items: Sequence[dict[str, Any]], fmt: str = "table", columns: Sequence[str] | None = None) -> str:
    """A list of records as a table, CSV or JSON. ``columns`` picks and orders the keys."""
    columns = list(columns or (items[0].keys() if items else []))
    if fmt == "json":
        return json_text([{column: item.get(column) for column in columns} for item in items])
    if fmt == "csv":
        return _csv([columns] + [[_cell(item.get(column), "; ") for column in columns] for item in items])
    body = [[_cell(item.get(column), "\n") for column in columns] for item in items]
    headers = [column.upper() if fmt == "table" else column for column in columns]
    return _tabulate(body, headers, fmt)


def card(pairs: Sequence[tuple[str, Any]], fmt: str = "table") -> str:
    """One object as ``key: value`` lines (table), two-column CSV, or a JSON object."""
    if fmt == "json":
        return json_text({key: value for key, value in pairs})
    if fmt == "csv":
        return _csv([["field", "value"]] + [[key, _cell(value)] for key, value in pairs])
    if fmt == "table":
        width = max((len(key) for key, _ in pairs), default=0)
        return "\n".join(_card_line(key, _cell(value), width) for key, value in pairs)
    return _tabulate([[key, _cell(value)] for key, value in pairs], ["field", "value"], fmt)


def _card_line(key: str, value: str, width: int) -> str:
    indent = "\n" + " " * (width + 2)
    return f"{key + ':':<{width + 1}} {indent.join(value.splitlines()) or '-'}"


def _cell(value: Any, joiner: str = ", ") -> str:
    """A value as table text; lists become one line each in tables (``joiner``)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return joiner.join(_cell(item) for item in value) or "-"
    return str(value)


def _csv(table: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue().rstrip("\n")


def _tabulate(body: list[list[str]], headers: list[str], fmt: str) -> str:
    from tabulate import tabulate

    return tabulate(body, headers=headers, tablefmt="simple" if fmt == "table" else fmt, disable_numparse=True)
