"""Comments (ý kiến) on a case: who reads them follows the case's visibility (a unit's
internal remark stays in the unit, one marked for the reviewing office is read by Phòng
VH-XH too), they are never edited, only withdrawn by their author with a reason, and bad
input is refused by its field with nothing written."""

from __future__ import annotations

import html

import pytest
from factories.campaigns import line, open_campaign
from factories.dates import local
from factories.tasks import act, task_named
from factories.web import csrf_token, signed_in, web_app
from sqlalchemy import func, select

from engine.errors import NotFound
from services import comments, work
from services.comments._models import CaseComment
from services.common.display import in_language
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.common.models import AuditEvent
from services.identity import _api_tokens as api_tokens, user_by_username

INTERNAL = "Đề nghị bổ sung tiêu chí kinh nghiệm công tác tại xã"
FOR_OFFICE = "Đơn vị đã rà soát kỹ chỉ tiêu, kính đề nghị Phòng VH-XH xem xét"


@pytest.fixture
def campaign(commune) -> int:
    return open_campaign(commune, at=local(2026, 1, 10, 9, 0))


def _post(services, username: str, task_id: str, body: str, audience: str = "unit"):
    with services.db.transaction() as session:
        user = user_by_username(session, username)
        task = work.visible_task(session, user, task_id)
        return comments.post(session, user, task, body, audience, services.clock.now()).id


def _read(services, username: str, instance_id: int) -> list[str]:
    """The bodies (or None once withdrawn) of the case's comments the user reads."""
    with services.db.read() as session:
        return [
            view.body for view in comments.readable(session, instance_id, user_by_username(session, username))
        ]


def _history(services, username: str, instance_id: int) -> list[dict]:
    with services.db.read() as session:
        steps = work.history(session, instance_id, user_by_username(session, username))
    return [step for step in steps if step["what"] == "comment"]


def _count(services) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(CaseComment))


def _drafted(services) -> tuple[str, int]:
    """The officer of cg_vp comments on their draft (one internal remark, one marked for the
    reviewing office), then sends it to their head."""
    services.clock.set(local(2026, 1, 12, 9, 0))
    draft = task_named(services, "cg_vp.canbo", "draft_proposal")
    _post(services, "cg_vp.canbo", draft.id, f"  {INTERNAL}  ")
    services.clock.set(local(2026, 1, 12, 9, 5))
    _post(services, "cg_vp.canbo", draft.id, FOR_OFFICE, "case")
    act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": False, "lines": [line()], "note": ""})
    return draft.id, draft.instance_id


def test_the_head_reads_the_internal_remark_phong_vhxh_only_the_one_marked_for_it(commune, campaign):
    draft_id, instance_id = _drafted(commune)
    assert _read(commune, "cg_vp.canbo", instance_id) == [INTERNAL, FOR_OFFICE]  # stripped
    assert _read(commune, "cg_vp.truong", instance_id) == [INTERNAL, FOR_OFFICE]
    assert _read(commune, "vhxh.canbo", instance_id) == [FOR_OFFICE]
    assert _read(commune, "cg_thcs.truong", instance_id) == [FOR_OFFICE]  # only reached through a board

    steps = _history(commune, "cg_vp.truong", instance_id)
    assert [step["body"] for step in steps] == [INTERNAL, FOR_OFFICE]
    assert [step["audience"] for step in steps] == ["unit", "case"]
    assert steps[0]["at"] == local(2026, 1, 12, 9, 0) and steps[0]["withdrawn_at"] is None
    assert (
        in_language(steps[0]["who"], "vi")
        == "Cán bộ Văn phòng HĐND và UBND xã Cẩm Giang (Cán bộ đơn vị — Văn phòng HĐND và UBND xã Cẩm Giang)"
    )

    app = web_app(commune)
    head = signed_in(app, "cg_vp.truong")
    approval = task_named(commune, "cg_vp.truong", "approve_proposal")
    page = html.unescape(head.get(f"/tasks/{approval.id}").get_data(as_text=True))
    assert INTERNAL in page and FOR_OFFICE in page
    board = html.unescape(
        signed_in(app, "vhxh.canbo").get(f"/campaigns/{campaign}/units/cg_vp").get_data(as_text=True)
    )
    assert FOR_OFFICE in board and INTERNAL not in board
    assert "gửi cả cơ quan thẩm định" in board  # the history marks it so


def test_another_units_officer_can_neither_read_nor_write_through_the_task(commune, campaign):
    draft_id, instance_id = _drafted(commune)
    app = web_app(commune)
    stranger = signed_in(app, "cg_thcs.canbo")
    assert stranger.get(f"/tasks/{draft_id}").status_code == 404
    posted = stranger.post(
        f"/tasks/{draft_id}/comments",
        data={"body": "Ý kiến từ đơn vị khác", "csrf_token": csrf_token(stranger, "/inbox")},
    )
    assert posted.status_code == 404
    with commune.db.read() as session, pytest.raises(NotFound):
        work.visible_task(session, user_by_username(session, "cg_thcs.canbo"), draft_id)
    assert _count(commune) == 2


def test_the_officer_comments_from_the_page_and_a_refusal_keeps_what_was_typed(commune, campaign):
    commune.clock.set(local(2026, 1, 12, 9, 0))
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    officer = signed_in(web_app(commune), "cg_vp.canbo")
    token = csrf_token(officer, f"/tasks/{draft.id}")

    refused = officer.post(
        f"/tasks/{draft.id}/comments", data={"body": "   ", "csrf_token": token}, follow_redirects=True
    )
    assert [step.status_code for step in refused.history] == [302]
    assert "Ý kiến không được để trống." in refused.get_data(as_text=True)
    too_long = "ý" * (comments.MAX_BODY + 1)
    refused = officer.post(
        f"/tasks/{draft.id}/comments",
        data={"body": too_long, "audience": "case", "csrf_token": token},
        follow_redirects=True,
    )
    page = refused.get_data(as_text=True)
    assert "Ý kiến không được dài quá 2000 ký tự." in page
    assert too_long in page and 'value="case" checked' in page  # what was typed is kept
    again = officer.get(f"/tasks/{draft.id}").get_data(as_text=True)
    assert "không được dài quá" not in again and too_long not in again  # once
    assert _count(commune) == 0

    posted = officer.post(
        f"/tasks/{draft.id}/comments",
        data={"body": INTERNAL, "csrf_token": token},
        follow_redirects=True,
    )
    page = html.unescape(posted.get_data(as_text=True))
    assert posted.request.path == f"/tasks/{draft.id}" and "Đã gửi ý kiến của bạn." in page
    assert INTERNAL in page and "nội bộ đơn vị" in page
    assert _read(commune, "cg_vp.canbo", draft.instance_id) == [INTERNAL]


def test_only_the_author_withdraws_once_with_a_reason_and_the_history_keeps_a_trace(commune, campaign):
    _draft_id, instance_id = _drafted(commune)
    with commune.db.read() as session:
        internal = session.scalars(select(CaseComment).where(CaseComment.audience == "unit")).one()
    at = local(2026, 1, 12, 10, 0)

    def withdraw(username: str, reason: str, comment_id: int = internal.id, case: int = instance_id):
        with commune.db.transaction() as session:
            comments.withdraw(session, user_by_username(session, username), case, comment_id, reason, at)

    with pytest.raises(PermissionDenied):
        withdraw("cg_vp.truong", "Không phù hợp")  # the head reads it but did not write it
    with pytest.raises(NotFound):
        withdraw("vhxh.canbo", "Không phù hợp")  # cannot even read it
    with pytest.raises(NotFound):
        withdraw("cg_vp.canbo", "Nhầm hồ sơ", case=instance_id + 1000)  # not this case's
    with pytest.raises(InvalidInput) as missing:
        withdraw("cg_vp.canbo", "   ")
    assert missing.value.field == "reason" and "Lý do rút ý kiến" in in_language(missing.value.message, "vi")
    with pytest.raises(InvalidInput) as long_reason:
        withdraw("cg_vp.canbo", "x" * 501)
    assert long_reason.value.field == "reason"
    with commune.db.read() as session:
        assert session.get(CaseComment, internal.id).withdrawn_at is None  # nothing half-written

    withdraw("cg_vp.canbo", "Nhầm nội dung")
    with pytest.raises(Conflict):
        withdraw("cg_vp.canbo", "Lần nữa")  # once

    with commune.db.read() as session:
        row = session.get(CaseComment, internal.id)
        assert (row.body, row.withdrawn_at, row.withdrawn_reason) == (INTERNAL, at, "Nhầm nội dung")
    step = _history(commune, "cg_vp.truong", instance_id)[0]
    assert (step["body"], step["withdrawn_at"], step["reason"]) == (None, at, "Nhầm nội dung")
    assert _read(commune, "cg_vp.truong", instance_id) == [None, FOR_OFFICE]

    app = web_app(commune)
    approval = task_named(commune, "cg_vp.truong", "approve_proposal")
    page = html.unescape(signed_in(app, "cg_vp.truong").get(f"/tasks/{approval.id}").get_data(as_text=True))
    assert INTERNAL not in page and "Nhầm nội dung" in page and "Đã rút lúc" in page
    with commune.db.read() as session:
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(("comment.post", "comment.withdraw")))
        ).all()
    assert sorted(event.action for event in audited) == ["comment.post", "comment.post", "comment.withdraw"]
    assert all(
        INTERNAL not in str(event.details) and FOR_OFFICE not in str(event.details) for event in audited
    )


def test_withdrawing_from_the_page_needs_a_reason_and_is_the_authors_only(commune, campaign):
    commune.clock.set(local(2026, 1, 12, 9, 0))
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    comment_id = _post(commune, "cg_vp.canbo", draft.id, INTERNAL)
    app = web_app(commune)
    officer = signed_in(app, "cg_vp.canbo")
    path = f"/tasks/{draft.id}/comments/{comment_id}/withdraw"
    token = csrf_token(officer, f"/tasks/{draft.id}")
    refused = officer.post(path, data={"reason": "", "csrf_token": token}, follow_redirects=True)
    assert "Lý do rút ý kiến không được để trống." in refused.get_data(as_text=True)
    act(commune, "cg_vp.canbo", "draft_proposal", {"no_demand": False, "lines": [line()], "note": ""})
    approval = task_named(commune, "cg_vp.truong", "approve_proposal")
    head = signed_in(app, "cg_vp.truong")
    shown = html.unescape(head.get(f"/tasks/{approval.id}").get_data(as_text=True))
    assert INTERNAL in shown and 'class="comment-withdraw"' not in shown  # read, not the head's to withdraw
    refused = head.post(
        f"/tasks/{approval.id}/comments/{comment_id}/withdraw",
        data={"reason": "x", "csrf_token": csrf_token(head, "/inbox")},
    )
    assert refused.status_code == 403
    assert head.post(path, data={"reason": "x", "csrf_token": csrf_token(head, "/inbox")}).status_code == 404
    done = officer.post(
        path, data={"reason": "Đã trao đổi trực tiếp", "csrf_token": token}, follow_redirects=True
    )
    page = html.unescape(done.get_data(as_text=True))
    assert "Đã rút ý kiến của bạn." in page and "Đã trao đổi trực tiếp" in page
    assert 'class="comment-withdraw"' not in page


def test_bad_input_names_the_field_and_writes_nothing(commune, campaign):
    commune.clock.set(local(2026, 1, 12, 9, 0))
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    for body, audience, field in (
        ("", "unit", "body"),
        (" \r\n\t ", "unit", "body"),
        ("a" * 2001, "unit", "body"),
        ("Hợp lệ", "everyone", "audience"),
    ):
        with pytest.raises(InvalidInput) as refused:
            _post(commune, "cg_vp.canbo", draft.id, body, audience)
        assert refused.value.field == field
    assert "Ý kiến" in str(refused.value.message) or refused.value.field == "audience"
    assert _count(commune) == 0
    # At the limit, a browser's CRLF line breaks counted as one character each.
    _post(commune, "cg_vp.canbo", draft.id, "a" * 1000 + "\r\n" + "b" * 999)
    assert _read(commune, "cg_vp.canbo", draft.instance_id) == ["a" * 1000 + "\n" + "b" * 999]


def test_the_api_reads_writes_and_withdraws_comments_with_the_same_rules(commune, campaign):
    commune.clock.set(local(2026, 1, 12, 9, 0))
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    client = web_app(commune).test_client()
    with commune.db.transaction() as session:
        token = {
            name: {"Authorization": f"Bearer {api_tokens.issue(session, name, 'api', commune.clock.now())}"}
            for name in ("cg_vp.canbo", "cg_vp.truong", "cg_thcs.canbo")
        }
    path = f"/api/v1/tasks/{draft.id}/comments"
    refused = client.post(path, json={"body": "  "}, headers=token["cg_vp.canbo"])
    assert refused.status_code == 422 and "body" in refused.get_json()["errors"]
    assert (
        client.post(path, json={"body": "x", "audience": "all"}, headers=token["cg_vp.canbo"]).status_code
        == 422
    )
    assert client.post(path, json={"body": INTERNAL}, headers=token["cg_thcs.canbo"]).status_code == 404
    assert client.get(path, headers=token["cg_thcs.canbo"]).status_code == 404
    assert _count(commune) == 0

    posted = client.post(path, json={"body": INTERNAL}, headers=token["cg_vp.canbo"])
    assert posted.status_code == 201
    comment = posted.get_json()
    assert (comment["body"], comment["audience"], comment["own"], comment["withdrawn_at"]) == (
        INTERNAL,
        "unit",
        True,
        None,
    )
    assert comment["created_at"] == "2026-01-12T02:00:00+00:00" and comment["role"] == "Cán bộ đơn vị"

    act(commune, "cg_vp.canbo", "draft_proposal", {"no_demand": True})
    approval = task_named(commune, "cg_vp.truong", "approve_proposal")
    [read] = client.get(f"/api/v1/tasks/{approval.id}/comments", headers=token["cg_vp.truong"]).get_json()[
        "items"
    ]
    assert (read["body"], read["own"]) == (INTERNAL, False)
    withdraw = f"{path}/{comment['id']}/withdraw"
    head_path = f"/api/v1/tasks/{approval.id}/comments/{comment['id']}/withdraw"
    assert client.post(head_path, json={"reason": "x"}, headers=token["cg_vp.truong"]).status_code == 403
    assert client.post(withdraw, json={"reason": ""}, headers=token["cg_vp.canbo"]).status_code == 422
    done = client.post(withdraw, json={"reason": "Nhầm"}, headers=token["cg_vp.canbo"])
    assert done.status_code == 200 and (done.get_json()["body"], done.get_json()["reason"]) == (None, "Nhầm")
    assert client.post(withdraw, json={"reason": "Nhầm"}, headers=token["cg_vp.canbo"]).status_code == 409
