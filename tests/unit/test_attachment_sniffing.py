"""What an uploaded file is, by its content (services.documents.media_type_of), and what a
form may declare as a file field (engine.forms)."""

from __future__ import annotations

import copy

import pytest

from engine.forms import (
    DEFAULT_ATTACHMENT_BYTES,
    attachment_fields,
    check_form_schema,
    validate_form_data,
)
from services import documents

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20 + b"IEND\xaeB`\x82"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20 + b"\xff\xd9"
FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["scan"],
    "properties": {
        "scan": {"title": "Bản quét", "type": "integer", "format": "attachment"},
        "photo": {
            "title": "Ảnh chân dung",
            "type": "integer",
            "format": "attachment",
            "x-media-types": ["image/png", "image/jpeg"],
            "x-max-bytes": 2 * 1024 * 1024,
            "x-personal-data": True,
        },
        "note": {"type": "string"},
    },
}


@pytest.mark.parametrize(
    "content, expected", [(PDF, documents.PDF), (PNG, documents.PNG), (JPEG, documents.JPEG)]
)
def test_each_type_is_recognised_by_its_start_and_end(content, expected):
    assert documents.media_type_of(content) == expected
    assert documents.media_type_of(content, (expected,)) == expected


def test_a_type_the_field_does_not_take_is_not_recognised():
    assert documents.media_type_of(PNG, (documents.PDF,)) is None
    assert documents.media_type_of(PDF[:-7]) is None  # cut before its %%EOF: not a whole PDF


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body>hi</body></html>",
        PDF.replace(b"trailer", b"<script>alert(1)</script>trailer"),  # a PDF header on a web page
        PDF.replace(b"trailer", b"< SVG onload=x>trailer"),
    ],
)
def test_markup_is_refused_whatever_the_file_starts_with(content):
    assert documents.holds_markup(content)
    assert documents.media_type_of(content) is None


def test_a_file_name_loses_its_folders_and_control_characters_and_gets_its_types_extension():
    assert documents.clean_filename("C:\\Users\\x\\đề xuất\x07.html", documents.PDF, "f") == "đề xuất.pdf"
    assert documents.clean_filename("../../", documents.PNG, "anh") == "anh.png"


def test_file_fields_are_read_with_their_defaults():
    scan, photo = attachment_fields(FORM)
    assert (scan.name, scan.required, scan.max_bytes, scan.personal_data) == (
        "scan",
        True,
        DEFAULT_ATTACHMENT_BYTES,
        False,
    )
    assert scan.media_types == ("application/pdf", "image/png", "image/jpeg")
    assert (photo.media_types, photo.personal_data) == (("image/png", "image/jpeg"), True)
    assert check_form_schema(FORM) == []


def test_a_file_field_holds_an_attachment_id():
    assert validate_form_data(FORM, {"scan": 3}) == []
    [error] = validate_form_data(FORM, {"scan": "x.pdf"})
    assert error.field == "scan" and "«Bản quét»" in error.message


@pytest.mark.parametrize(
    "change, words",
    [
        ({"x-media-types": ["text/html"]}, "x-media-types"),
        ({"x-media-types": []}, "x-media-types"),
        ({"x-max-bytes": 21 * 1024 * 1024}, "x-max-bytes"),
        ({"x-max-bytes": "10MB"}, "x-max-bytes"),
        ({"x-personal-data": "yes"}, "x-personal-data"),
        ({"type": "string"}, "type: integer"),
    ],
)
def test_a_file_field_declared_wrongly_is_refused_at_publish_naming_it(change, words):
    schema = copy.deepcopy(FORM)
    schema["properties"]["photo"].update(change)
    [problem] = check_form_schema(schema)
    assert problem.startswith("#/properties/photo:") and words in problem


def test_a_file_field_inside_a_table_row_is_refused():
    schema = copy.deepcopy(FORM)
    schema["properties"]["rows"] = {
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"file": {"type": "integer", "format": "attachment"}},
        },
    }
    [problem] = check_form_schema(schema)
    assert "rows/items/properties/file" in problem and "property of the form itself" in problem
