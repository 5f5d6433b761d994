"""Documents from templates (docs/records.md#templates): a template is untrusted (the
sandbox, escaping, a bounded package), and the PDF checks of the records tests can fail."""

import io
import zipfile
from datetime import UTC, datetime

import docx
import pytest
from factories.pdf_text import font_names, missing_glyphs, text_of

from services import records
from services.common.errors import InvalidInput


def _context(**content) -> dict:
    return records.context_of(
        records.OutgoingDocument(
            doc_type="cong_van",
            kind=records.ADMINISTRATIVE,
            symbol="UBND-VHXH",
            subject="thử",
            place_name="Cẩm Giang",
            content=content,
            created_at=datetime(2026, 1, 10, tzinfo=UTC),
        )
    )


def _template_saying(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _paragraphs(word: bytes) -> list[str]:
    return [paragraph.text for paragraph in docx.Document(io.BytesIO(word)).paragraphs]


def test_a_value_is_text_never_word_markup():
    hostile = '</w:t></w:r><w:r><w:t>injected & "quoted"'
    word = records.render_docx(records.default_template(), _context(paragraphs=[hostile]))
    assert hostile in _paragraphs(word)


@pytest.mark.parametrize(
    "tag",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ signer.__class__.__init__.__globals__ }}",
        "{% for x in range(10**9) %}{% endfor %}",
    ],
)
def test_a_template_cannot_reach_python(tag):
    with pytest.raises(InvalidInput) as refused:
        records.render_docx(_template_saying(tag), _context())
    assert refused.value.field == "template" and "does not render" in refused.value.message


def test_a_broken_template_is_refused_with_its_reason():
    with pytest.raises(InvalidInput) as refused:
        records.render_docx(_template_saying("{% if %}"), _context())
    assert "does not render" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        records.render_docx(b"%PDF-1.7 not a word file", _context())
    assert "not a Word document" in refused.value.message


def test_a_package_that_unpacks_too_large_is_refused_before_it_is_read():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"<" + b" " * (60 * 1024 * 1024))
    with pytest.raises(InvalidInput) as refused:
        records.render_docx(out.getvalue(), _context())
    assert "50 MB" in refused.value.message


def test_the_glyph_check_sees_a_fallback_font_and_an_empty_glyph():
    """The PDF checks of the records tests can fail: a snowman is drawn in a fallback font,
    a Chinese character (no installed font has it) with an empty glyph."""
    context = _context(paragraphs=["Người tuyết ☃ và chữ 漢"])
    pdf = records.to_pdf(records.render_docx(records.default_template(), context))
    assert {"☃", "漢"} <= set(text_of(pdf))
    assert "DejaVuSans" in font_names(pdf)
    assert missing_glyphs(pdf) == {"LiberationSerif": {"漢"}}
