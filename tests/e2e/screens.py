"""The screens every role works on (docs/screens.md), declared once: who looks at each and how
its address is found, and the one scenario in which every one of them exists at once.

The scenario is driven through the service layer in simulated time (fast). xã Cẩm Giang's
campaigns of 2026 stand at each step after the cutoff (Phòng VH-XH to aggregate, the chair to
approve, the dispatch to record, its city deadline passed), phường Lê Thanh Nghị's demand waits
to be registered at the city, a selection round has its council scoring, a second round has a
dossier to screen, the campaign of 2027 has an officer's draft and a proposal for its head, and
the talent database holds the cohorts of the targets' tests (factories.targets)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from factories import FIXTURES, city as city_flow, selection as selection_flow
from factories.campaigns import line, open_campaign, proposal_of, submit_proposal
from factories.dates import local
from factories.plans import TaskSpec, draft_plan
from factories.selection import keys_of, task_of_instance
from factories.targets import COHORTS, build_talents
from factories.tasks import act, task_named
from sqlalchemy import select

from services import plans
from services.campaigns import _campaigns as campaigns
from services.city import _consolidation as city_consolidation
from services.identity import user_by_username
from services.selection import _candidacy as candidacy
from services.work import _tasks as tasks

# Every screen is looked at as of this instant: the council scores, the newest campaign is open.
WALK_AT = local(2026, 3, 4, 10, 0)
COLLABORATION = (FIXTURES / "camunda_collaboration.bpmn").read_bytes()


@dataclass(frozen=True)
class Scenario:
    """What the screens' addresses are made of."""

    campaign_id: int
    campaign_instance_id: int
    city_round_id: int
    round_id: int
    plan_id: int  # a draft imported from 67/KH-UBND
    issued_plan_id: int  # a plan issued, its first task's id
    issued_task_id: int
    # The task ids by screen name.
    tasks: dict[str, str]


@dataclass(frozen=True)
class Screen:
    name: str
    username: str | None  # None: not signed in
    path: Callable[[Scenario], str]
    ready: str | None = None  # what shows that the page's script has drawn it
    # What the user does on the page to reach the screen (a form posted); its response.
    action: Callable[[Any], Any] | None = None


def _upload_collaboration(page):
    """The process list's upload form, sent a collaboration of two pools: the import's result."""
    bpmn = {"name": "Tiếp nhận hồ sơ.bpmn", "mimeType": "application/xml", "buffer": COLLABORATION}
    page.set_input_files('input[name="bpmn_file"]', files=[bpmn])
    with page.expect_navigation() as navigation:
        page.click("section.upload button[type=submit]")
    return navigation.value


def _task(name: str) -> Callable[[Scenario], str]:
    return lambda scenario: f"/tasks/{scenario.tasks[name]}"


SCREENS = [
    Screen("sign-in", None, lambda _: "/login"),
    Screen("inbox-officer", "cg_vp.canbo", lambda _: "/inbox"),
    Screen("inbox-head", "cg_tyt.truong", lambda _: "/inbox"),
    Screen("inbox-vhxh", "vhxh.canbo", lambda _: "/inbox"),
    Screen("inbox-snv", "snv.canbo", lambda _: "/inbox"),
    Screen("inbox-city-chair", "ct.thanhpho", lambda _: "/inbox"),
    Screen("task-draft-proposal", "cg_vp.canbo", _task("draft_proposal")),
    Screen("task-approve-proposal", "cg_tyt.truong", _task("approve_proposal")),
    Screen("task-aggregate-proposals", "vhxh.canbo", _task("aggregate_proposals")),
    Screen("task-approve-aggregation", "chutich", _task("approve_aggregation")),
    Screen("task-record-city-submission", "vanthu", _task("record_city_submission")),
    Screen("task-handle-city-deadline-missed", "chutich", _task("handle_city_deadline_missed")),
    Screen("task-register-submission", "snv.vanthu", _task("register_submission")),
    Screen("task-screen-dossier", "snv.canbo", _task("screen_dossier")),
    Screen("task-score-candidate", "skhcn.phogiamdoc", _task("score_candidate")),
    Screen("campaign-board", "vhxh.canbo", lambda scenario: f"/campaigns/{scenario.campaign_id}"),
    Screen("round", "snv.canbo", lambda scenario: f"/rounds/{scenario.round_id}"),
    Screen("city", "snv.canbo", lambda scenario: f"/city-rounds/{scenario.city_round_id}"),
    Screen("talent-search", "snv.canbo", lambda _: "/talents"),
    Screen("records", "vanthu", lambda _: "/records"),
    Screen("plans", "snv.canbo", lambda _: "/plans"),
    Screen("plan-draft", "snv.canbo", lambda scenario: f"/plans/{scenario.plan_id}"),
    Screen("plan-board", "snv.canbo", lambda scenario: f"/plans/{scenario.issued_plan_id}/board"),
    Screen(
        "plan-board-task",
        "snv.canbo",
        lambda scenario: f"/plans/{scenario.issued_plan_id}/board/tasks/{scenario.issued_task_id}",
    ),
    Screen("targets", "ct.thanhpho", lambda _: "/targets"),
    Screen("target-retention", "ct.thanhpho", lambda _: "/targets/kpi_retention_5y"),
    Screen("targets-compare", "ct.thanhpho", lambda _: "/targets/compare"),
    Screen("target-figures", "snv.canbo", lambda _: "/targets/figures"),
    Screen("notifications", "chutich", lambda _: "/notifications"),  # the city deadline passed
    Screen("admin-processes", "admin", lambda _: "/admin/"),
    Screen(
        "admin-editor",
        "admin",
        lambda _: "/admin/processes/unit_proposal/edit",
        '#editor[data-state="ready"]',
    ),
    Screen(
        "admin-instance",
        "admin",
        lambda scenario: f"/admin/instances/{scenario.campaign_instance_id}",
        '#diagram[data-state="ready"]',
    ),
    Screen("admin-templates", "admin", lambda _: "/admin/templates"),
    # Last: the drafts it creates are in no other screen.
    Screen("admin-import-result", "admin", lambda _: "/admin/", "#import-result", _upload_collaboration),
]


def build_scenario(services) -> Scenario:
    commune_tasks = _campaigns_at_the_commune(services)
    city_flow.send_to_city(services, city_flow.LE_THANH_NGHI)
    scoring, round_id = _council_scoring(services)  # its close passes the campaigns' city deadline
    screening = _dossier_to_screen(services)
    drafting, to_approve = _newest_campaign(services)
    with services.db.transaction() as session:
        city_round_id = city_consolidation.city_round_for_year(session, city_flow.YEAR).id
        campaign = campaigns.get_campaign(session, commune_tasks.pop("campaign_id"))
    late = task_of_instance(services, "chutich", "handle_city_deadline_missed", campaign.instance_id)
    issued_plan_id, issued_task_id = _issued_plan(services)
    build_talents(services, COHORTS)
    services.clock.set(WALK_AT)
    return Scenario(
        campaign_id=campaign.id,
        campaign_instance_id=campaign.instance_id,
        city_round_id=city_round_id,
        round_id=round_id,
        plan_id=_plan_draft(services),
        issued_plan_id=issued_plan_id,
        issued_task_id=issued_task_id,
        tasks={
            **commune_tasks,
            "draft_proposal": drafting,
            "approve_proposal": to_approve,
            "handle_city_deadline_missed": late.id,
            "register_submission": city_flow.registration_task(services, city_flow.LE_THANH_NGHI).id,
            "screen_dossier": screening,
            "score_candidate": scoring,
        },
    )


def _plan_draft(services) -> int:
    """Hưng Yên's plan 67/KH-UBND imported by Sở Nội vụ: a draft with notes and tasks still to settle."""
    content = (FIXTURES / "67-KH-UBND-hung-yen-2026.docx").read_bytes()
    with services.db.transaction() as session:
        imported, officer = plans.import_plan(session, content), user_by_username(session, "snv.canbo")
        return plans.keep_import(
            session, services.clock.now(), officer.id, imported, content, "67-KH-UBND.docx"
        ).id


def _issued_plan(services) -> tuple[int, int]:
    """A plan of Hải Phòng issued: its first task led by Phòng Kinh tế with a coordinator."""
    plan_id = draft_plan(
        services,
        [
            TaskSpec("Rà soát nhu cầu nhân tài", "Quý II/2026", ["cg_pkt"], ["cg_vp"]),
            TaskSpec("Tuyên truyền chính sách", "Thường xuyên", ["cg_dvsnc"]),
        ],
    )
    with services.db.transaction() as session:
        officer = user_by_username(session, "snv.canbo")
        plan = plans.issue_plan(
            session, services.runtime, services.calendar, officer.id, plan_id, services.clock.now()
        )
        first = session.scalar(
            select(plans.PlanTask.id).where(plans.PlanTask.plan_id == plan.id, plans.PlanTask.seq == 1)
        )
    return plan_id, first


def _campaigns_at_the_commune(services) -> dict:
    """Past the cutoff, xã Cẩm Giang's campaign of every unit waits for Phòng VH-XH's
    aggregation, one of Phòng Kinh tế alone for the chair's approval, one of Trường Tiểu học
    alone (silent) for its dispatch to be recorded; phường Lê Thanh Nghị's is past its cutoff
    too. Returns the first campaign's id and those three task ids."""
    everyone = open_campaign(services, at=city_flow.OPENED)
    economy = open_campaign(services, unit_codes=("cg_pkt",))
    school = open_campaign(services, unit_codes=("cg_th",))
    with services.db.transaction() as session:
        request = campaigns.CampaignRequest(
            commune_code=city_flow.LE_THANH_NGHI, target_year=city_flow.YEAR, title="Đề xuất nhu cầu năm 2026"
        )
        campaigns.open_campaign(session, services.runtime, "ltn_vhxh.chuyenvien", request)
    for unit, lines in city_flow.CAM_GIANG_PROPOSALS + city_flow.LE_THANH_NGHI_PROPOSALS:
        submit_proposal(services, unit, lines, local(2026, 1, 13, 9, 0))
    economy_unit = proposal_of(services, economy, "cg_pkt").instance_id
    proposal = {"no_demand": False, "lines": [line(field="other", job_position="Chuyên viên kinh tế")]}
    _complete(services, "cg_pkt.canbo", "draft_proposal", economy_unit, proposal)
    _complete(services, "cg_pkt.truong", "approve_proposal", economy_unit, {"head_decision": "submit"})
    services.clock.set(city_flow.CUTOFF)
    services.tick(city_flow.CUTOFF)
    with services.db.transaction() as session:
        to_approve, to_record = (campaigns.get_campaign(session, c).instance_id for c in (economy, school))
    _complete(services, "vhxh.canbo", "aggregate_proposals", to_approve, {})
    _complete(services, "vhxh.canbo", "aggregate_proposals", to_record, {})
    _complete(services, "chutich", "approve_aggregation", to_record, {"chair_decision": "approve"})
    return {
        "campaign_id": everyone,
        "aggregate_proposals": task_named(services, "vhxh.canbo", "aggregate_proposals").id,
        "approve_aggregation": task_named(services, "chutich", "approve_aggregation").id,
        "record_city_submission": task_named(services, "vanthu", "record_city_submission").id,
    }


def _complete(services, username: str, task_name: str, instance_id: int, data: dict) -> None:
    """One user's task of one instance, when they have that task in more than one campaign."""
    task = task_of_instance(services, username, task_name, instance_id)
    tasks.complete_task(services.db, services.runtime, username, task.id, data)


def _council_scoring(services) -> tuple[str, int]:
    """A round whose council is formed: a member's scoring task and the round's id."""
    round_id = selection_flow.open_round(services)
    ids = selection_flow.register_candidates(services, round_id)
    selection_flow.screen_candidates(services, ids)
    selection_flow.close_applications(services)
    selection_flow.form_council(services, ids)
    return selection_flow.scoring_task(services, "skhcn.phogiamdoc", ids[selection_flow.KHOA]).id, round_id


def _dossier_to_screen(services) -> str:
    """A second round, still open, with an organisation's nomination to screen."""
    round_id = selection_flow.open_round(
        services, at=local(2026, 3, 3, 10, 0), applications_close_at=local(2026, 4, 1, 0, 0)
    )
    positions = selection_flow.positions_of(services, round_id)
    with services.db.transaction() as session:
        candidate = candidacy.nominate_external(
            session,
            services.runtime,
            keys_of(services),
            "snv.canbo",
            round_id=round_id,
            position_id=positions["Chuyên viên kinh tế"],
            nominating_organisation="Hội Doanh nhân trẻ thành phố Hải Phòng",
            full_name="Đỗ Thị Lan",
            date_of_birth=date(1990, 4, 12),
            gender="female",
            category="expert",
        )
        instance_id = candidate.instance_id
    return task_of_instance(services, "snv.canbo", "screen_dossier", instance_id).id


def _newest_campaign(services) -> tuple[str, str]:
    """Next year's campaign: Văn phòng's officer has a draft saved, Trạm Y tế's proposal waits
    for its head. Returns both task ids."""
    open_campaign(
        services,
        at=local(2026, 3, 4, 8, 0),
        target_year=2027,
        title="Đề xuất nhu cầu thu hút nhân tài năm 2027",
        unit_codes=("cg_vp", "cg_tyt"),
    )
    act(services, "cg_tyt.canbo", "draft_proposal", {"no_demand": False, "lines": [line(field="health")]})
    drafting = task_named(services, "cg_vp.canbo", "draft_proposal").id
    with services.db.transaction() as session:
        officer = user_by_username(session, "cg_vp.canbo")
        tasks.save_draft(
            session, officer, drafting, {"no_demand": False, "lines": [line()]}, services.clock.now()
        )
    return drafting, task_named(services, "cg_tyt.truong", "approve_proposal").id
