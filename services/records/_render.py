"""A document's .docx from its template, and its PDF from the .docx (docs/records.md).

Templates are Word files with docxtpl (Jinja) tags. A template is untrusted input: it is
rendered in Jinja's sandbox with autoescaping (a value is text, never Word XML), from a
.docx of bounded size. The PDF is the .docx converted by LibreOffice headless, so that
one template gives both and they show the same thing."""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pypdf import PdfReader

from engine.messages import Message
from services.common.errors import InvalidInput

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # a zip bomb stops here
CONVERSION_TIMEOUT_S = 120


def render_docx(template: bytes, context: dict) -> bytes:
    """The template filled with ``context``. Raises InvalidInput("template") for a file that
    is not a Word document or a template that does not render, with the reason."""
    _check_package(template)
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(context, jinja_env=ImmutableSandboxedEnvironment(autoescape=True))
    except (TemplateError, OverflowError) as error:  # the sandbox refuses a range over 100 000
        raise InvalidInput(
            "template", Message("The template does not render: %(detail)s", detail=str(error))
        ) from error
    except Exception as error:  # noqa: BLE001 - docxtpl and python-docx raise many kinds for a bad file
        raise InvalidInput(
            "template", Message("The template is not a Word document (.docx): %(detail)s", detail=str(error))
        ) from error
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _check_package(template: bytes) -> None:
    if len(template) > MAX_TEMPLATE_BYTES:
        raise InvalidInput("template", Message("The template is larger than 5 MB."))
    try:
        with zipfile.ZipFile(io.BytesIO(template)) as package:
            unzipped = sum(member.file_size for member in package.infolist())
            names = set(package.namelist())
    except zipfile.BadZipFile as error:
        raise InvalidInput("template", Message("The template is not a Word document (.docx).")) from error
    if unzipped > MAX_UNZIPPED_BYTES:
        raise InvalidInput("template", Message("The template unpacks to more than 50 MB."))
    if "word/document.xml" not in names:
        raise InvalidInput("template", Message("The template is not a Word document (.docx)."))


def date_words(place: str, day: date | None, year: int) -> str:
    """ "Cẩm Giang, ngày 05 tháng 01 năm 2026": a day below 10 and the months January and
    February take a leading zero (Decree 30); a draft leaves the day and month blank; without
    a place, "Ngày 05 tháng 01 năm 2026"."""
    if day is None:
        words = f"ngày      tháng      năm {year}"
    else:
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
        words = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {words}" if place else words.capitalize()


# -- PDF ----------------------------------------------------------------------------------


class ConversionFailed(RuntimeError):
    pass


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx_bytes: bytes) -> bytes:
    """The .docx converted by LibreOffice headless. Raises ConversionFailed when LibreOffice
    is missing (``make`` installs it), fails or takes longer than two minutes."""
    program = soffice()
    if program is None:
        raise ConversionFailed("LibreOffice (soffice) is not installed; `make install` installs it")
    # One LibreOffice profile per user of the machine, used by one conversion at a time (a
    # profile in use is locked by LibreOffice): the web server's threads and the scheduler
    # queue on the lock file.
    profile = Path(tempfile.gettempdir()) / f"talentflow-soffice-{os.getuid()}"
    with _one_at_a_time(profile), tempfile.TemporaryDirectory(prefix="talentflow-pdf-") as work:
        source = Path(work) / "document.docx"
        source.write_bytes(docx_bytes)
        command = [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            work,
            str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=CONVERSION_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as error:
            raise ConversionFailed("LibreOffice took longer than two minutes") from error
        target = Path(work) / "document.pdf"
        if done.returncode != 0 or not target.exists():
            raise ConversionFailed(f"LibreOffice failed: {done.stderr.decode(errors='replace')[-500:]}")
        return target.read_bytes()


@contextmanager
def _one_at_a_time(profile: Path) -> Iterator[None]:
    with open(f"{profile}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
