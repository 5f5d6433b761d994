"""Files drawn in other modelers become drafts: a collaboration of two pools becomes two
processes, all or nothing; the admin sees every draft, every id renamed and what else the
import changed, in Vietnamese (docs/languages.md)."""

from __future__ import annotations

import io
import re

import pytest
from factories import FIXTURES
from factories.web import csrf_token, signed_in, web_app
from sqlalchemy import func, select

from engine.errors import DefinitionRejected
from services.common.models import AuditEvent
from services.identity import user_by_username
from services.process_admin import _drafts as process_drafts
from services.process_admin._models import ProcessDraft

# Two pools drawn in Camunda Modeler, every id generated: «Bộ phận một cửa» receives the
# dossier, «Phòng Nội vụ» appraises it.
COLLABORATION = (FIXTURES / "camunda_collaboration.bpmn").read_text(encoding="utf-8")
# The same file whose second pool has no start event: that pool cannot run here, so neither
# pool is stored.
NO_START = re.sub(
    r'<bpmn:startEvent id="Event_1h2j3k4" (.*?)</bpmn:startEvent>',
    r'<bpmn:intermediateThrowEvent id="Event_1h2j3k4" \1</bpmn:intermediateThrowEvent>',
    COLLABORATION,
    flags=re.DOTALL,
)
FILENAME = "Tiếp nhận hồ sơ (bản vẽ).bpmn"


def _import(services, data: str):
    with services.db.transaction() as session:
        admin = user_by_username(session, "admin").id
        return process_drafts.import_file(
            session, services.runtime, admin, data.encode(), None, FILENAME, services.clock.now()
        )


def _drafts(services) -> dict:
    with services.db.read() as session:
        return {draft.key: draft.meta for draft in session.scalars(select(ProcessDraft))}


def test_a_collaboration_of_two_pools_becomes_two_drafts(commune):
    result = _import(commune, COLLABORATION)

    assert result.collaboration == "Tiếp nhận hồ sơ ứng viên"
    keys = [key for key, _title, _problems in result.drafts]
    assert [title for _key, title, _problems in result.drafts] == ["Bộ phận một cửa", "Phòng Nội vụ"]
    assert len(set(keys)) == 2
    drafts = _drafts(commune)
    assert set(drafts) == set(keys)
    for key, title, _problems in result.drafts:
        assert drafts[key]["title"] == title
        assert drafts[key]["collaboration"] == {"title": "Tiếp nhận hồ sơ ứng viên", "processes": keys}
    renamed = {renaming.old: renaming for renaming in result.renamed}
    assert renamed["Activity_0gnvuqr"].label == "Tiếp nhận hồ sơ"
    assert renamed["Activity_1m2n3o4"].label == "Thẩm định hồ sơ"
    with commune.db.read() as session:
        audited = session.execute(
            select(AuditEvent.subject, AuditEvent.details).where(AuditEvent.action == "process.imported")
        ).all()
    assert sorted(subject for subject, _details in audited) == sorted(f"process:{key}" for key in keys)
    assert {details["filename"] for _subject, details in audited} == {FILENAME}


def test_a_pool_that_cannot_run_refuses_the_whole_file(commune):
    with pytest.raises(DefinitionRejected) as refused:
        _import(commune, NO_START)

    assert refused.value.message.params == {"file": FILENAME}
    assert any("no start event" in problem for problem in refused.value.problems), refused.value.problems
    assert _drafts(commune) == {}  # not even the pool that could run
    with commune.db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_reimported_process_keeps_its_forms_and_leaves_its_collaboration(commune):
    """The second import of one pool (key given) keeps the forms the first draft was given."""
    first = _import(commune, COLLABORATION)
    key = first.drafts[0][0]
    with commune.db.transaction() as session:
        session.get(ProcessDraft, key).forms = {"tiep_nhan.schema.json": {"type": "object"}}
    alone = re.sub(r"<bpmn:collaboration .*?</bpmn:collaboration>", "", COLLABORATION, flags=re.DOTALL)
    alone = re.sub(r'<bpmn:process id="Process_0d2b7ye".*?</bpmn:process>', "", alone, flags=re.DOTALL)
    with commune.db.transaction() as session:
        admin = user_by_username(session, "admin").id
        again = process_drafts.import_file(
            session, commune.runtime, admin, alone.encode(), key, FILENAME, commune.clock.now()
        )

    assert [draft_key for draft_key, _title, _problems in again.drafts] == [key]
    assert again.collaboration is None
    with commune.db.read() as session:
        draft = session.get(ProcessDraft, key)
        assert draft.forms == {"tiep_nhan.schema.json": {"type": "object"}}
        assert "collaboration" not in draft.meta


# ----------------------------------------------------------- the admin upload page


@pytest.fixture
def admin_browser(commune):
    return signed_in(web_app(commune), "admin")


def _upload(browser, data: str):
    return browser.post(
        "/admin/upload",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(browser, "/admin/"),
            "key": "",
            "bpmn_file": (io.BytesIO(data.encode()), FILENAME),
        },
    )


def test_the_upload_page_shows_what_the_import_did_in_vietnamese(commune, admin_browser):
    response = _upload(admin_browser, COLLABORATION)

    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    result = page[page.index('id="import-result"') : page.index("</section>")]
    assert "Đã nhập tệp" in result and FILENAME in result
    assert "Sơ đồ phối hợp «Tiếp nhận hồ sơ ứng viên» có 2 bên tham gia (pool)" in result
    for key, title in _titles(commune).items():
        assert f'href="/admin/processes/{key}/edit" translate="no">{title}</a>' in result
    # Every id renamed, its element named by its label and its kind in words.
    row = re.search(r"<tr>\s*<td[^>]*>Thẩm định hồ sơ</td>(.*?)</tr>", result, re.DOTALL)
    assert row, result
    assert "công việc của người dùng" in row.group(1) and "Activity_1m2n3o4" in row.group(1)
    assert "Mã đã đổi tên" in result and "Vấn đề cần sửa" in result
    assert "Activity_1m2n3o4" not in _drafts_bpmn(commune)
    # Each process's page names the others of its collaboration.
    first, second = _titles(commune)
    page = admin_browser.get(f"/admin/processes/{first}").get_data(as_text=True)
    assert "Được nhập cùng các bên tham gia khác của sơ đồ phối hợp «Tiếp nhận hồ sơ ứng viên»" in page
    assert f'href="/admin/processes/{second}"' in page


def test_a_refused_upload_names_the_file_as_uploaded_and_stores_nothing(commune, admin_browser):
    response = _upload(admin_browser, NO_START)

    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    refusal = page[page.index('id="upload-refusal"') :]
    assert FILENAME in refusal and "Tệp bị từ chối" in refusal
    assert "chưa có sự kiện bắt đầu" in refusal and "no start event" not in refusal
    assert _drafts(commune) == {}


def _titles(services) -> dict:
    return {key: meta["title"] for key, meta in _drafts(services).items()}


def _drafts_bpmn(services) -> str:
    with services.db.read() as session:
        return "".join(session.scalars(select(ProcessDraft.bpmn_xml)))
