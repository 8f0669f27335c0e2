"""netref.render: one formatter per format, each drawing the views the commands hand over."""

from __future__ import annotations

import csv
import io
import json

import pytest

from netref.render import FORMATS, FORMATTERS, Card, Records, check_format, render

RECORDS = Records(
    {"items": [{"name": "smtp", "ports": [25, 587]}]},
    [{"name": "smtp", "ports": ["25/tcp", "587/tcp"], "tls": True, "note": None}],
    columns=("name", "ports"),
    lines=["smtp: 25/tcp, 587/tcp"],
    notes=["note: port 25 is often blocked"],
)
CARD = Card(
    {"name": "smtp"}, [("name", "smtp"), ("ports", ["25/tcp", "587/tcp"]), ("tls", False)], notes=["example:", "x"]
)


def test_every_format_a_command_accepts_has_its_formatter():
    assert set(FORMATS) | {"text", "github-actions", "sarif"} == set(FORMATTERS)
    assert check_format("text", ("text",)) == "text"
    with pytest.raises(ValueError, match="unknown format 'text'"):
        check_format("text")
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render(RECORDS, "yaml")


def test_table_shows_the_chosen_columns_one_line_per_list_item_then_the_notes():
    assert render(RECORDS, "table") == (
        "NAME  PORTS\n"
        "----  -------\n"
        "smtp  25/tcp\n"
        "      587/tcp\n"
        "\n"
        "note: port 25 is often blocked\n"
    )


def test_tabulate_formats_show_the_chosen_columns_and_no_notes():
    lines = render(RECORDS, "github").splitlines()
    assert lines[0].split("|")[1:-1] == [" name   ", " ports           "]
    assert lines[2] == "| smtp   | 25/tcp, 587/tcp |"
    assert len(lines) == 3


def test_csv_carries_every_field_and_json_the_document():
    [row] = csv.DictReader(io.StringIO(render(RECORDS, "csv")))
    assert row == {"name": "smtp", "ports": "25/tcp; 587/tcp", "tls": "yes", "note": "-"}
    assert json.loads(render(RECORDS, "json")) == RECORDS.document
    assert json.loads(render(CARD, "json")) == {"name": "smtp"}


def test_text_is_the_lines_and_nothing_at_all_when_there_are_none():
    assert render(RECORDS, "text") == "smtp: 25/tcp, 587/tcp\n"
    assert render(Records([], []), "text") == ""
    assert render(Records([], []), "csv") == "\n"
    with pytest.raises(ValueError, match="single object"):
        render(CARD, "text")


def test_card_as_aligned_lines_with_notes_and_as_field_value_pairs():
    assert render(CARD, "table") == "name:  smtp\nports: 25/tcp, 587/tcp\ntls:   no\n\nexample:\nx\n"
    assert render(CARD, "csv") == 'field,value\nname,smtp\nports,"25/tcp, 587/tcp"\ntls,no\n'
    assert "example" not in render(CARD, "grid")
