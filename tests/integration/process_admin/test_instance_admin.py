"""The instance viewer and the admin actions through the real pages: suspend, resume,
cancel, migration with its preview (safe and unsafe). Every action is audited."""

from __future__ import annotations

import re

from factories.campaigns import open_campaign
from factories.dates import local
from factories.web import csrf_token, signed_in, web_app
from sqlalchemy import select

from engine import definitions
from engine.definitions import Bundle
from engine.models import ProcessDefinition, ProcessInstance
from services.common.models import AuditEvent
from services.identity import AppUser, user_by_username
from services.notifications import Notification
from services.process_admin import _drafts as process_drafts


def _unit_instance(services, campaign_id: int) -> int:
    with services.db.read() as session:
        return session.scalar(
            select(ProcessInstance.id).where(
                ProcessInstance.business_key == f"campaign:{campaign_id}/unit:cg_vp"
            )
        )


def _publish_edit(services, edit) -> int:
    with services.db.transaction() as session:
        admin = user_by_username(session, "admin").id
        draft = process_drafts.draft_of(session, "unit_proposal")
        problems = process_drafts.save_draft(
            session,
            services.runtime,
            admin,
            "unit_proposal",
            edit(draft.bpmn),
            draft.forms,
            draft.meta,
            services.clock.now(),
        )
        assert problems == []
        return process_drafts.publish_draft(
            session, services.runtime, admin, "unit_proposal", services.clock.now()
        ).version


def _publish_before_contracts(services, edit) -> int:
    with services.db.transaction() as session:
        draft = process_drafts.draft_of(session, "unit_proposal")
        bundle = Bundle("unit_proposal", edit(draft.bpmn).encode(), draft.forms, draft.meta)
        return definitions.publish(session, bundle, services.clock.now(), services.runtime.helpers)[0].version


def _state(services, instance_id: int) -> tuple:
    with services.db.read() as session:
        instance = session.get(ProcessInstance, instance_id)
        version = session.get(ProcessDefinition, instance.definition_id).version
        return instance.status, version, instance.lock_version, instance.serialization


def _audit(services, action: str) -> list[dict]:
    with services.db.read() as session:
        return [
            event.details for event in session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


def _post(browser, url: str, data: dict | None = None):
    return browser.post(url, data={"csrf_token": csrf_token(browser, "/admin/"), **(data or {})})


def test_the_viewer_shows_where_the_instance_stands_and_actions_are_audited(commune):
    services = commune
    instance_id = _unit_instance(services, open_campaign(services, at=local(2026, 1, 5, 9, 0)))
    admin = signed_in(web_app(services), "admin")

    page = admin.get(f"/admin/instances/{instance_id}")
    assert page.status_code == 200
    assert 'data-task="draft_proposal" data-status="ready"' in page.get_data(as_text=True)
    diagram = admin.get(f"/api/v1/admin/instances/{instance_id}/diagram").get_json()
    assert diagram["current"] == ["draft_cutoff", "draft_proposal"]
    assert diagram["completed"] == ["proposal_requested"] and diagram["failed"] == []
    assert 'id="draft_proposal"' in diagram["bpmn"]

    assert _post(admin, f"/admin/instances/{instance_id}/actions/suspend").status_code == 302
    assert _state(services, instance_id)[0] == "suspended"
    suspended = admin.get(f"/admin/instances/{instance_id}").get_data(as_text=True)
    assert "Tạm dừng" in suspended and 'value="resume"' in suspended and 'value="suspend"' not in suspended
    _post(admin, f"/admin/instances/{instance_id}/actions/resume")
    assert _state(services, instance_id)[0] == "running"
    assert _audit(services, "instance.suspend") == [
        {"status_before": "running", "status_after": "suspended", "before_version": 1, "after_version": 1}
    ]
    assert _audit(services, "instance.resume")[0]["status_after"] == "running"

    # A cancel is confirmed first, with a reason; without one nothing happens and the typing is kept.
    confirm = admin.get(f"/admin/instances/{instance_id}/cancel").get_data(as_text=True)
    assert "«Lập đề xuất nhu cầu»" in confirm  # what closes, and who is told:
    assert (
        "Cán bộ Văn phòng HĐND và UBND xã Cẩm Giang, Lê Thị Hoa, "
        "Thủ trưởng Văn phòng HĐND và UBND xã Cẩm Giang" in confirm
    )
    refused_cancel = _post(admin, f"/admin/instances/{instance_id}/actions/cancel", {"reason": "nhầm"})
    assert refused_cancel.headers["Location"].endswith(f"/admin/instances/{instance_id}/cancel")
    again = admin.get(f"/admin/instances/{instance_id}/cancel").get_data(as_text=True)
    assert "ít nhất 10 ký tự" in again and ">nhầm</textarea>" in again
    assert _state(services, instance_id)[0] == "running"
    reason = "Đơn vị đã giải thể theo quyết định sáp nhập"
    _post(admin, f"/admin/instances/{instance_id}/actions/cancel", {"reason": reason})
    assert _state(services, instance_id)[0] == "cancelled"
    assert _audit(services, "instance.cancel")[0]["reason"] == reason
    with services.db.read() as session:
        told = {
            user.username
            for (user,) in session.execute(
                select(AppUser)
                .join(Notification, Notification.user_id == AppUser.id)
                .where(Notification.key.like("task-cancelled:%"), Notification.body.contains(reason))
            )
        }
    assert {"cg_vp.canbo", "cg_vp.truong"} <= told  # the unit's officer and its head
    before = _state(services, instance_id)
    refused = admin.get(f"/admin/instances/{instance_id}")
    _post(admin, f"/admin/instances/{instance_id}/actions/resume")  # a cancelled instance stays cancelled
    assert _state(services, instance_id) == before
    assert refused.status_code == 200 and 'name="action"' not in refused.get_data(as_text=True)


def test_a_safe_migration_is_previewed_then_applied_and_audited(commune):
    services = commune
    instance_id = _unit_instance(services, open_campaign(services, at=local(2026, 1, 5, 9, 0)))
    version = _publish_edit(
        services,
        lambda bpmn: bpmn.replace('name="Lập đề xuất nhu cầu"', 'name="Lập đề xuất nhu cầu thu hút"'),
    )
    admin = signed_in(web_app(services), "admin")

    preview = admin.get(f"/admin/instances/{instance_id}/migrate?to={version}").get_data(as_text=True)
    assert 'id="migration-changes"' in preview
    assert (  # in the reader's language, the task named by its label
        "công việc của người dùng «Lập đề xuất nhu cầu» (đang chờ xử lý): "
        "tên «Lập đề xuất nhu cầu» thành «Lập đề xuất nhu cầu thu hút»"
    ) in preview
    _post(admin, f"/admin/instances/{instance_id}/migrate", {"to": str(version)})

    assert _state(services, instance_id)[:2] == ("running", 2)
    assert _audit(services, "instance.migrate") == [{"before_version": 1, "after_version": 2}]
    page = admin.get(f"/admin/instances/{instance_id}").get_data(as_text=True)
    assert "Lập đề xuất nhu cầu thu hút" in page


def test_an_unsafe_migration_is_refused_with_the_reason_and_changes_nothing(commune):
    services = commune
    instance_id = _unit_instance(services, open_campaign(services, at=local(2026, 1, 5, 9, 0)))
    before = _state(services, instance_id)
    # version 2 has no drafting step: the unit's instance waits in it (published before the
    # contracts existed: the campaign's contract keeps draft_proposal today)
    version = _publish_before_contracts(services, _without_the_drafting_step)
    admin = signed_in(web_app(services), "admin")

    preview = admin.get(f"/admin/instances/{instance_id}/migrate?to={version}").get_data(as_text=True)
    assert 'id="migration-refused"' in preview
    assert "công việc của người dùng «Lập đề xuất nhu cầu» (đang chờ xử lý trong hồ sơ này)" in preview
    response = _post(admin, f"/admin/instances/{instance_id}/migrate", {"to": str(version)})

    assert response.status_code == 302
    assert _state(services, instance_id) == before
    assert _audit(services, "instance.migrate") == []


def _without_the_drafting_step(bpmn: str) -> str:
    """The unit head writes the proposal directly: start -> approve_proposal."""
    bpmn = re.sub(r'<bpmn:userTask id="draft_proposal".*?</bpmn:userTask>', "", bpmn, flags=re.S)
    bpmn = re.sub(r'<bpmn:boundaryEvent id="draft_cutoff".*?</bpmn:boundaryEvent>', "", bpmn, flags=re.S)
    bpmn = re.sub(r'<bpmn:sequenceFlow id="(to_approve|draft_cutoff_to_deemed)"[^>]*/>', "", bpmn)
    bpmn = bpmn.replace('targetRef="draft_proposal"', 'targetRef="approve_proposal"')
    bpmn = re.sub(r"<bpmn:flowNodeRef>(draft_proposal|draft_cutoff)</bpmn:flowNodeRef>", "", bpmn)
    bpmn = re.sub(
        r'<bpmndi:BPMN(Shape|Edge) id="(draft_proposal|draft_cutoff|to_approve|draft_cutoff_to_deemed)_di"'
        r".*?</bpmndi:BPMN(Shape|Edge)>",
        "",
        bpmn,
        flags=re.S,
    )
    return bpmn.replace("<bpmn:incoming>draft_cutoff_to_deemed</bpmn:incoming>", "")
