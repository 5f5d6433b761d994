"""Recall (thu hồi) through the task pages: the officer who sent a proposal takes it back
while the head has not acted; the head's task closes and is gone from his inbox, the
officer's reopens with what was sent, the history and the head's notifications say so.
Refused, with nothing changed, to anyone else, once the head saved a draft or decided."""

from __future__ import annotations

import re

import pytest
from factories.campaigns import line, open_campaign, proposal_of
from factories.dates import local
from factories.tasks import act, inbox, task_named
from factories.web import csrf_token, signed_in, web_app
from sqlalchemy import select

from engine import store
from engine.errors import ConcurrencyConflict, NotRecallable, TaskNotReady
from engine.models import HumanTask
from services import work
from services.identity import AppUser, grant_role, user_by_username
from services.notifications import Notification
from services.work._models import TaskDraft, TaskEvent

SENT = {"no_demand": False, "lines": [line(quantity_year=3, quantity_period=5)], "note": "Cần gấp"}


@pytest.fixture
def app(commune):
    commune.campaign_id = open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    return web_app(commune)


def send(services) -> tuple[str, str]:
    """cg_vp.canbo sends the proposal; the ids of the draft and of the head's task."""
    draft = task_named(services, "cg_vp.canbo", "draft_proposal")
    act(services, "cg_vp.canbo", "draft_proposal", SENT)
    return draft.id, task_named(services, "cg_vp.truong", "approve_proposal").id


def row(services, task_id: str) -> HumanTask:
    with services.db.read() as session:
        return session.get_one(HumanTask, task_id)


def post_recall(client, task_id: str):
    return client.post(
        f"/tasks/{task_id}/recall", data={"csrf_token": csrf_token(client, f"/tasks/{task_id}")}
    )


def test_the_officer_who_sent_it_recalls_it_from_its_page(app, commune):
    draft_id, approve_id = send(commune)
    officer = signed_in(app, "cg_vp.canbo")
    page = officer.get(f"/tasks/{draft_id}").get_data(as_text=True)
    assert f'action="/tasks/{draft_id}/recall"' in page and ">Thu hồi</button>" in page

    commune.clock.set(local(2026, 1, 12, 10, 0))
    answer = post_recall(officer, draft_id)
    assert (answer.status_code, answer.headers["Location"]) == (302, f"/tasks/{draft_id}")
    reopened = officer.get(f"/tasks/{draft_id}").get_data(as_text=True)
    assert "Đồng chí đã thu hồi «Lập đề xuất nhu cầu»" in reopened
    assert 'name="action" value="submit"' in reopened and "Cần gấp" in reopened  # what was sent, to edit
    assert "«Lập đề xuất nhu cầu» được" in reopened and "thu hồi" in reopened  # the history
    assert "đã đóng do bước trước đã được thu hồi" in reopened
    assert f'action="/tasks/{draft_id}/recall"' not in reopened

    draft, approve = row(commune, draft_id), row(commune, approve_id)
    with commune.db.read() as session:
        officer_id = user_by_username(session, "cg_vp.canbo").id
        head_id = user_by_username(session, "cg_vp.truong").id
        kept = session.get_one(TaskDraft, (draft_id, officer_id))
        events = [
            (e.kind, e.task_id, e.actor_id) for e in session.scalars(select(TaskEvent).order_by(TaskEvent.id))
        ]
        told = session.scalars(select(Notification).where(Notification.user_id == head_id)).all()
    assert (draft.status, draft.assignee_id, draft.completed_by) == ("ready", officer_id, None)
    assert (approve.status, approve.completed_at) == ("cancelled", local(2026, 1, 12, 10, 0))
    assert kept.data == SENT
    assert events == [("recalled", draft_id, officer_id), ("closed_by_recall", approve_id, officer_id)]
    assert [note.task_id for note in told if "taken back" in note.subject] == [approve_id]
    assert proposal_of(commune, commune.campaign_id, "cg_vp").status == "drafting"

    head = signed_in(app, "cg_vp.truong")
    assert "Công việc này đã đóng." in head.get(f"/tasks/{approve_id}").get_data(as_text=True)
    assert approve_id not in head.get("/inbox").get_data(as_text=True)
    assert [task.id for task in inbox(commune, "cg_vp.truong")] == []

    # Sent again, the head gets a new task and the case goes on.
    act(commune, "cg_vp.canbo", "draft_proposal", {**SENT, "note": "Đã sửa"})
    again = task_named(commune, "cg_vp.truong", "approve_proposal")
    assert again.id != approve_id
    act(commune, "cg_vp.truong", "approve_proposal", {"head_decision": "submit"})
    assert proposal_of(commune, commune.campaign_id, "cg_vp").status == "submitted"


def test_only_the_officer_who_sent_it_may_recall_it(app, commune):
    draft_id, approve_id = send(commune)
    for username in ("cg_vp.truong", "cg_thcs.canbo"):  # the head, another unit's officer
        assert post_recall(signed_in(app, username), draft_id).status_code == 404
    with commune.db.transaction() as session:  # a colleague of the same role and unit sees it, not recalls it
        grant_role(session, "cg_thcs.canbo", "cg_vp", "unit_officer")
    colleague = signed_in(app, "cg_thcs.canbo")
    assert f'action="/tasks/{draft_id}/recall"' not in colleague.get(f"/tasks/{draft_id}").get_data(
        as_text=True
    )
    assert post_recall(colleague, draft_id).status_code == 404
    assert (row(commune, draft_id).status, row(commune, approve_id).status) == ("completed", "ready")


def test_a_draft_the_head_saved_blocks_the_recall(app, commune):
    draft_id, approve_id = send(commune)
    head = signed_in(app, "cg_vp.truong")
    saved = head.post(
        f"/tasks/{approve_id}",
        data={
            "action": "save_draft",
            "head_decision": "submit",
            "csrf_token": csrf_token(head, f"/tasks/{approve_id}"),
        },
    )
    assert saved.status_code == 302
    officer = signed_in(app, "cg_vp.canbo")
    assert "/recall" not in officer.get(f"/tasks/{draft_id}").get_data(as_text=True)
    answer = post_recall(officer, draft_id)
    assert answer.headers["Location"] == f"/tasks/{draft_id}"
    assert "đã lưu nháp" in officer.get(f"/tasks/{draft_id}").get_data(as_text=True)
    assert (row(commune, draft_id).status, row(commune, approve_id).status) == ("completed", "ready")


def test_once_the_head_decided_the_recall_is_refused(app, commune):
    draft_id, _ = send(commune)
    act(commune, "cg_vp.truong", "approve_proposal", {"head_decision": "return", "head_comment": "Sửa lại"})
    officer = signed_in(app, "cg_vp.canbo")
    page = officer.get(f"/tasks/{draft_id}").get_data(as_text=True)
    assert "/recall" not in page
    post_recall(officer, draft_id)
    assert "không thể thu hồi" in officer.get(f"/tasks/{draft_id}").get_data(as_text=True)
    assert row(commune, draft_id).status == "completed"


def test_a_head_deciding_a_task_just_recalled_is_told_it_is_closed(app, commune):
    draft_id, approve_id = send(commune)
    with commune.db.read() as session:  # the head's decision, computed before the recall is saved
        head_id = user_by_username(session, "cg_vp.truong").id
        decision = commune.runtime.completion_outcome(
            session, approve_id, {"head_decision": "submit"}, user_id=head_id
        )
    work.recall(commune.db, commune.runtime, "cg_vp.canbo", draft_id)
    with pytest.raises(TaskNotReady), commune.db.transaction() as session:
        commune.runtime.write_completion(session, decision)
    assert (row(commune, draft_id).status, row(commune, approve_id).status) == ("ready", "cancelled")
    with pytest.raises(NotRecallable):  # and the recall cannot be repeated
        work.recall(commune.db, commune.runtime, "cg_vp.canbo", draft_id)


def test_a_step_whose_completion_nothing_undoes_offers_no_recall(app, commune):
    draft_id, approve_id = send(commune)
    with commune.db.read() as session:
        head = session.scalar(select(AppUser).where(AppUser.username == "cg_vp.truong"))
        approve = session.get_one(HumanTask, approve_id)
        assert not work.recallable(session, commune.runtime, head, approve)  # not completed yet
    act(commune, "cg_vp.truong", "approve_proposal", {"head_decision": "return", "head_comment": "Sửa"})
    head_page = signed_in(app, "cg_vp.truong").get(f"/tasks/{approve_id}").get_data(as_text=True)
    # The head's return has a completion reaction no capability undoes: no button for it.
    assert re.search(r'action="/tasks/[^"]+/recall"', head_page) is None


def test_a_recall_that_loses_the_race_to_the_head_writes_nothing(app, commune, monkeypatch):
    draft_id, approve_id = send(commune)

    def saved_by_someone_else(session, record):  # the head's decision was saved first
        raise ConcurrencyConflict(record.saved_id)

    monkeypatch.setattr(store, "save_instance", saved_by_someone_else)
    with pytest.raises(NotRecallable, match="Someone else just acted on the case"):
        work.recall(commune.db, commune.runtime, "cg_vp.canbo", draft_id)
    monkeypatch.undo()
    assert (row(commune, draft_id).status, row(commune, approve_id).status) == ("completed", "ready")
    with commune.db.read() as session:
        assert session.scalars(select(TaskEvent)).all() == []
        assert session.scalars(select(TaskDraft)).all() == []
