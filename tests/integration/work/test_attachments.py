"""Files attached to a case through a form's file field: stored with the case (not in the
workflow's data), listed on every task of the case, checked by their content, kept in
versions, read only through a task of the case; personal-data ones audited and purged
after the retention period."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from factories import REPO_ROOT
from factories.bpmn import stored_text
from factories.campaigns import line, open_campaign
from factories.dates import local
from factories.tasks import act, task_named
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app
from sqlalchemy import func, select

from engine import definitions
from engine.errors import FormInvalid
from engine.models import HumanTask, ProcessInstance
from services import attachments
from services.common.display import in_language
from services.common.errors import InvalidInput, PermissionDenied
from services.common.models import AuditEvent
from services.documents import StoredDocument
from services.identity import task_roles, user_by_username
from services.work import draft_of

FIELD = "signed_proposal"
TITLE = "Văn bản đề xuất có chữ ký, dấu của đơn vị (bản quét PDF)"
T0 = local(2026, 1, 12, 9, 0)


def pdf(body: bytes = b"", pad: int = 0) -> bytes:
    """A small PDF a reader opens: header, one empty page, trailer and %%EOF at the end."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        + body
        + b"%"
        + b"0" * pad
        + b"\n"
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
PROPOSAL = {
    "no_demand.present": "1",
    "lines[0].field": "ict",
    "lines[0].major": "Công nghệ thông tin",
    "lines[0].criteria": "Tốt nghiệp xuất sắc",
    "lines[0].target_group": "excellent_graduate",
    "lines[0].job_position": "Chuyên viên",
    "lines[0].quantity_year": "1",
    "lines[0].quantity_period": "2",
    "note": "Đề xuất có văn bản kèm theo",
}


@pytest.fixture
def app(commune):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(T0)
    return web_app(commune)


def _post_form(client, task_id: str, files: dict, action: str = "submit", **typed):
    form = {"csrf_token": csrf_token(client, f"/tasks/{task_id}"), "action": action, **PROPOSAL, **typed}
    form.update({name: (BytesIO(content), filename) for name, (filename, content) in files.items()})
    return client.post(
        f"/tasks/{task_id}", data=form, content_type="multipart/form-data", follow_redirects=True
    )


def _attach(services, username: str, task_name: str, content: bytes, filename: str = "de-xuat.pdf"):
    task_id = task_named(services, username, task_name).id
    with services.db.transaction() as session:
        user = user_by_username(session, username)
        task = session.get_one(HumanTask, task_id)
        return attachments.attach(
            session, services.runtime, user, task, FIELD, filename, content, services.clock.now()
        ).id


def _count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_pdf_attached_to_the_proposal_is_listed_on_the_heads_task_and_downloads_with_its_type(app, commune):
    content = pdf(pad=1_500_000)  # larger than the app's 1 MB for other posts
    officer = signed_in(app, "cg_vp.canbo")
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    done = _post_form(officer, draft.id, {FIELD: ("Đề xuất đã ký.PDF", content)})
    assert done.request.path == "/inbox", done.get_data(as_text=True)[:2000]

    with commune.db.read() as session:
        [row] = session.scalars(select(attachments.CaseAttachment)).all()
        instance = session.get_one(ProcessInstance, draft.instance_id)
        assert session.get_one(HumanTask, draft.id).completed_data[FIELD] == row.id
        assert "%PDF" not in stored_text(instance.serialization)  # the workflow holds the id only
    assert (row.version, row.filename, row.media_type, row.size_bytes) == (
        1,
        "Đề xuất đã ký.pdf",
        "application/pdf",
        len(content),
    )
    assert row.org_unit_id == draft.org_unit_id and not row.personal_data

    approval = task_named(commune, "cg_vp.truong", "approve_proposal")
    head = signed_in(app, "cg_vp.truong")
    page = head.get(f"/tasks/{approval.id}").get_data(as_text=True)
    listed = re.search(r'<section class="case-files".*?</section>', page, re.S)
    assert listed and "Đề xuất đã ký.pdf" in listed.group(0) and TITLE in listed.group(0)
    assert "phiên bản 1" in listed.group(0) and "1,4 MB" in listed.group(0)
    history = page.split('<section class="history">')[1]
    assert "đã đính kèm “Đề xuất đã ký.pdf” (phiên bản 1)" in history

    download = head.get(f"/tasks/{approval.id}/attachments/{row.id}")
    assert download.status_code == 200 and download.data == content
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert ".pdf" in download.headers["Content-Disposition"]


def test_a_new_version_keeps_the_old_one_and_the_history_tells_both(commune):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    first = _attach(commune, "cg_vp.canbo", "draft_proposal", pdf(b"% first\n"), "ban-1.pdf")
    commune.clock.advance(minutes=5)
    second = _attach(commune, "cg_vp.canbo", "draft_proposal", pdf(b"% second\n"), "ban-2.pdf")
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    with commune.db.read() as session:
        [files] = attachments.of_case(session, commune.runtime, draft.instance_id)
        assert files.title == TITLE
        assert (files.current.id, files.current.version, files.current.filename) == (second, 2, "ban-2.pdf")
        assert [(old.id, old.version) for old in files.earlier] == [(first, 1)]
        reader = user_by_username(session, "cg_vp.canbo")
        steps = attachments.history_steps(session, draft.instance_id, reader)
    assert [(step["what"], step["filename"], step["version"]) for step in steps] == [
        ("attachment", "ban-1.pdf", 1),
        ("attachment", "ban-2.pdf", 2),
    ]
    assert all(step["who"] for step in steps)
    with commune.db.transaction() as session:
        reader = user_by_username(session, "cg_vp.canbo")
        old, media_type, _ = attachments.content_for(
            session, reader, draft.instance_id, first, commune.clock.now()
        )
    assert b"% first" in old and media_type == "application/pdf"


def test_an_html_file_named_pdf_is_refused_by_its_field_nothing_stored_and_nothing_typed_lost(app, commune):
    officer = signed_in(app, "cg_vp.canbo")
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    response = _post_form(officer, draft.id, {FIELD: ("x.pdf", HTML_AS_PDF)})
    text = shown_after_refusal(response, f"/tasks/{draft.id}")
    error = re.search(rf'data-field="{FIELD}">.*?<p class="field-error"[^>]*>([^<]+)</p>', text, re.S)
    assert error and f"«{TITLE}»" in error.group(1) and "không phải tệp PDF hợp lệ" in error.group(1)
    assert "Đề xuất có văn bản kèm theo" in text and "Công nghệ thông tin" in text
    assert _count(commune, attachments.CaseAttachment) == 0 and _count(commune, StoredDocument) == 0
    with commune.db.read() as session:
        assert session.get_one(HumanTask, draft.id).status == "ready"
        kept = draft_of(session, user_by_username(session, "cg_vp.canbo"), draft.id)
        assert kept is not None and kept.data["note"] == "Đề xuất có văn bản kèm theo"


def test_a_file_kept_by_a_refused_form_is_not_uploaded_again(app, commune):
    officer = signed_in(app, "cg_vp.canbo")
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    refused = _post_form(officer, draft.id, {FIELD: ("scan.pdf", pdf())}, **{"lines[0].quantity_year": "ba"})
    text = shown_after_refusal(refused, f"/tasks/{draft.id}")
    [row_id] = _ids(commune)
    assert f'name="{FIELD}" value="{row_id}"' in text and "scan.pdf (phiên bản 1)" in text
    done = _post_form(officer, draft.id, {}, **{FIELD: str(row_id)})
    assert done.request.path == "/inbox"
    assert _ids(commune) == [row_id]


def _ids(services) -> list[int]:
    with services.db.read() as session:
        return list(
            session.scalars(select(attachments.CaseAttachment.id).order_by(attachments.CaseAttachment.id))
        )


def test_a_file_over_the_cap_is_refused_naming_the_cap(commune):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    with pytest.raises(InvalidInput) as refused:
        _attach(commune, "cg_vp.canbo", "draft_proposal", pdf(pad=10 * 1024 * 1024))
    assert refused.value.field == FIELD and "không được lớn hơn 10 MB" in in_language(
        refused.value.message, "vi"
    )
    assert f"«{TITLE}»" in refused.value.message
    assert _count(commune, attachments.CaseAttachment) == 0 and _count(commune, StoredDocument) == 0


def test_an_attachment_of_another_case_or_none_is_refused_at_completion(commune):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    theirs = _attach(commune, "cg_tyt.canbo", "draft_proposal", pdf())
    data = {"no_demand": False, "lines": [line()], FIELD: theirs}
    for value in (theirs, 999_999):
        with pytest.raises(FormInvalid) as refused:
            act(commune, "cg_vp.canbo", "draft_proposal", {**data, FIELD: value})
        [error] = refused.value.errors
        assert error.field == FIELD and f"«{TITLE}»" in error.message
    with pytest.raises(FormInvalid) as mistyped:
        act(commune, "cg_vp.canbo", "draft_proposal", {**data, FIELD: "abc"})
    assert mistyped.value.errors[0].field == FIELD
    assert task_named(commune, "cg_vp.canbo", "draft_proposal").status == "ready"
    mine = _attach(commune, "cg_vp.canbo", "draft_proposal", pdf())
    act(commune, "cg_vp.canbo", "draft_proposal", {**data, FIELD: mine})


def test_another_units_officer_cannot_download_or_attach(app, commune):
    mine = _attach(commune, "cg_vp.canbo", "draft_proposal", pdf())
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    theirs = task_named(commune, "cg_tyt.canbo", "draft_proposal")
    other = signed_in(app, "cg_tyt.canbo")
    assert other.get(f"/tasks/{draft.id}/attachments/{mine}").status_code == 404
    assert other.get(f"/tasks/{theirs.id}/attachments/{mine}").status_code == 404  # not of their case
    assert signed_in(app, "cg_vp.canbo").get(f"/tasks/{draft.id}/attachments/{mine}").status_code == 200
    with pytest.raises(PermissionDenied):
        with commune.db.transaction() as session:
            task = session.get_one(HumanTask, draft.id)
            attachments.attach(
                session,
                commune.runtime,
                user_by_username(session, "cg_tyt.canbo"),
                task,
                FIELD,
                "x.pdf",
                pdf(),
                commune.clock.now(),
            )
    assert _ids(commune) == [mine]


def _publish_personal_data_version(services) -> None:
    """The proposal's file field marked as holding personal data (a new version)."""
    bundle = definitions.read_bundle(REPO_ROOT / "bpmn" / "unit_proposal")
    forms = {name: dict(form) for name, form in bundle.forms.items()}
    draft = forms["draft_proposal.schema.json"]
    draft["properties"] = {
        **draft["properties"],
        FIELD: {**draft["properties"][FIELD], "x-personal-data": True},
    }
    with services.db.transaction() as session:
        definitions.publish(
            session,
            definitions.Bundle(bundle.key, bundle.bpmn, forms, bundle.meta),
            services.clock.now(),
            services.runtime.helpers,
            set(task_roles()),
            services.runtime.contracts,
        )


def test_a_personal_data_attachment_is_audited_when_read_and_purged_after_retention(commune):
    _publish_personal_data_version(commune)
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(T0)
    app = web_app(commune)
    row_id = _attach(commune, "cg_vp.canbo", "draft_proposal", pdf(), "cccd.pdf")
    act(commune, "cg_vp.canbo", "draft_proposal", {"no_demand": False, "lines": [line()], FIELD: row_id})
    approval = task_named(commune, "cg_vp.truong", "approve_proposal")
    head = signed_in(app, "cg_vp.truong")
    page = head.get(f"/tasks/{approval.id}").get_data(as_text=True)
    assert "cccd.pdf" in page and "Dữ liệu cá nhân" in page
    assert head.get(f"/tasks/{approval.id}/attachments/{row_id}").status_code == 200
    with commune.db.read() as session:
        [read] = session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment.downloaded")).all()
        head_id = user_by_username(session, "cg_vp.truong").id
        assert (read.actor_id, read.subject) == (head_id, f"case_attachment:{row_id}")
        assert "cccd" not in str(read.details)  # ids only

    act(commune, "cg_vp.truong", "approve_proposal", {"head_decision": "submit"})
    commune.fire_timers(local(2026, 1, 14, 12, 0))  # received on time, the case closes at the cutoff
    with commune.db.read() as session:
        instance = session.get_one(ProcessInstance, approval.instance_id)
        assert instance.status == "completed"
        ended = instance.completed_at
    retention = commune.config.retention_days
    assert commune.purge_personal_data(ended + timedelta(days=retention) - timedelta(minutes=1)) == 0
    assert _count(commune, StoredDocument) == 1
    commune.clock.set(ended + timedelta(days=retention, minutes=1))
    commune.purge_personal_data(commune.clock.now())
    with commune.db.read() as session:
        row = session.get_one(attachments.CaseAttachment, row_id)
        assert row.document_id is None and row.purged_at is not None
        assert session.scalar(select(func.count()).select_from(StoredDocument)) == 0
    head = signed_in(app, "cg_vp.truong")  # months later: a new session
    assert head.get(f"/tasks/{approval.id}/attachments/{row_id}").status_code == 404
    page = head.get(f"/tasks/{approval.id}").get_data(as_text=True)
    assert "cccd.pdf" in page and "đã xoá theo thời hạn lưu trữ" in page


def test_a_file_that_is_not_personal_data_stays_after_retention(commune):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(T0)
    row_id = _attach(commune, "cg_vp.canbo", "draft_proposal", pdf())
    act(commune, "cg_vp.canbo", "draft_proposal", {"no_demand": False, "lines": [line()], FIELD: row_id})
    act(commune, "cg_vp.truong", "approve_proposal", {"head_decision": "submit"})
    commune.purge_personal_data(commune.clock.now() + timedelta(days=commune.config.retention_days + 30))
    with commune.db.read() as session:
        assert session.get_one(attachments.CaseAttachment, row_id).document_id is not None
