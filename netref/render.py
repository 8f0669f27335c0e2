"""Every output format netref prints, in one place.

Commands hand over plain data — a list of row dicts for tables, key/value pairs for a single
object, or a JSON-ready object — and this module turns it into text. ``table`` is the default;
``json`` and ``csv`` are for programs; any other name is one of tabulate's formats (github, grid,
plain, ...). The default table is drawn here without tabulate: importing tabulate (and wcwidth)
costs more than the rest of ``netref port 25`` put together, so it is imported only for its own
formats.
"""

from __future__ import annotations

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
    import json

    return json.dumps(obj, indent=2, ensure_ascii=False)


def rows(items: Sequence[dict[str, Any]], fmt: str = "table", columns: Sequence[str] | None = None) -> str:
    """A list of records as a table, CSV or JSON. ``columns`` picks and orders the keys."""
    columns = list(columns or (items[0].keys() if items else []))
    if fmt == "json":
        return json_text([{column: item.get(column) for column in columns} for item in items])
    if fmt == "csv":
        return _csv([columns] + [[_cell(item.get(column), "; ") for column in columns] for item in items])
    if fmt == "table":
        body = [[_cell(item.get(column), "\n") for column in columns] for item in items]
        return _plain_table([column.upper() for column in columns], body)
    # One line per cell: markdown, TSV and most of tabulate's formats cannot hold a line break.
    return _tabulate([[_cell(item.get(column)) for column in columns] for item in items], list(columns), fmt)


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
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue().rstrip("\n")


def _plain_table(headers: list[str], body: list[list[str]]) -> str:
    """Columns padded to their widest line, a dashed rule under the headers; multi-line cells."""
    split = [[cell.splitlines() or [""] for cell in row] for row in body]
    widths = [max([len(header)] + [len(line) for row in split for line in row[i]]) for i, header in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    out = [line(headers), line(["-" * width for width in widths])]
    for row in split:
        height = max(len(cell) for cell in row)
        out.extend(line([cell[i] if i < len(cell) else "" for cell in row]) for i in range(height))
    return "\n".join(out)


def _tabulate(body: list[list[str]], headers: list[str], fmt: str) -> str:
    from tabulate import tabulate

    return tabulate(body, headers=headers, tablefmt="simple" if fmt == "table" else fmt, disable_numparse=True)


# -- monitoring (netref probe --format nagios) ---------------------------------------------------


def nagios_line(service: str, state: str, summary: str, perfdata: Sequence[tuple[str, str]]) -> str:
    """The monitoring-plugins output line: ``SMTP OK - 12 ms | time=0.012000s;1;2;0 dns=...``.

    ``perfdata`` pairs are (label, ``value[UOM];warn;crit;min;max``). A ``|`` would start the
    perfdata early, so the summary cannot keep one; labels with odd characters are quoted.
    """
    text = " ".join(summary.replace("|", "/").split())
    perf = " ".join(f"{label if label.isidentifier() else repr(label)}={value}" for label, value in perfdata)
    return f"{service.upper()} {state} - {text}" + (f" | {perf}" if perf else "")
