"""A reusable driver of the yearly evaluation for tests (docs/processes.md, from "Yearly
evaluation and the talent list" to "Breach of commitment and refund"): talents in service
created directly (person, talent-list entry, commitment with its support), and the whole
round acted through the inbox as the people of the demo commune would.

    talent = add_talent(services, "Lê Văn Hưng", "cg_pkt", date(2020, 3, 1))
    result = run_first_evaluation(services, 2026, assessments={"Lê Văn Hưng": ("hoan_thanh", "no_prospects")})
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from engine.models import HumanTask
from factories.dates import local
from services import commitments
from services.commitments import Commitment, SupportEntitlement
from services.common import policies
from services.evaluation import _evaluations as evaluations
from services.evaluation._models import EvaluationRound
from services.identity import AppUser, Membership, OrgUnit
from services.people import TalentListEntry, _talents as talents
from services.selection import Candidate, Position, RecruitmentRound
from services.work import _tasks as tasks

DEFAULT_ASSESSMENT = ("hoan_thanh_tot", "has_prospects")


# -- talents in service ----------------------------------------------------------------------


def add_talent(
    services,
    full_name: str,
    unit_code: str,
    included_on: date,
    *,
    legal_basis: str | None = None,
    category: str = "master",
    start_date: date | None = None,
    one_time_vnd: int | None = None,
    monthly_vnd: int | None = None,
    commitment_status: str = "active",
) -> dict:
    """A person on the talent list serving in ``unit_code`` since ``included_on``; with
    ``legal_basis``, also their commitment (signed under that basis' terms, from
    ``start_date``) and its approved one-time support (and a monthly support if given)."""
    at = local(included_on.year, included_on.month, included_on.day, 9, 0)
    with services.db.transaction() as session:
        unit = session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
        person = talents.register_person(session, services.citizen_id_keys, at, None, full_name=full_name)
        entry = TalentListEntry(person_id=person.id, org_unit_id=unit.id, included_on=included_on)
        session.add(entry)
        session.flush()
        found = {"person_id": person.id, "entry_id": entry.id, "commitment_id": None}
        if legal_basis is not None:
            found["commitment_id"] = _commitment(
                session,
                commitments.terms_of(session, services.runtime, legal_basis),
                person.id,
                unit,
                legal_basis,
                category,
                start_date or included_on,
                one_time_vnd,
                monthly_vnd,
                commitment_status,
                at,
            )
        return found


def _commitment(
    session, terms, person_id, unit, legal_basis, category, start, one_time_vnd, monthly_vnd, status, at
) -> int:
    officer = session.scalar(select(AppUser.id).where(AppUser.username == "snv.canbo"))
    round_ = RecruitmentRound(
        title=f"Đợt tuyển chọn {start.year}",
        legal_basis=legal_basis,
        status="decided",
        opened_at=at,
        opened_by=officer,
        applications_close_at=at + timedelta(days=30),
    )
    session.add(round_)
    session.flush()
    position = Position(
        round_id=round_.id,
        org_unit_id=unit.id,
        field="economics",
        job_position="Chuyên viên",
        target_group=category,
        quantity=1,
    )
    session.add(position)
    session.flush()
    candidate = Candidate(
        person_id=person_id,
        round_id=round_.id,
        position_id=position.id,
        source_channel="self_application",
        category=category,
        status="selected",
        dossier=[],
        created_at=at,
    )
    session.add(candidate)
    session.flush()
    commitment = Commitment(
        candidate_id=candidate.id,
        person_id=person_id,
        legal_basis=legal_basis,
        terms=terms,
        employer_org_id=unit.id,
        job_position="Chuyên viên",
        start_date=start,
        end_date=policies.commitment_end(start, terms["commitment"]["min_years"]),
        status=status,
    )
    session.add(commitment)
    session.flush()
    one_time = one_time_vnd if one_time_vnd is not None else policies.one_time_support(terms, category)
    if one_time:
        session.add(
            SupportEntitlement(
                commitment_id=commitment.id,
                kind="one_time",
                formula="fixed amount",
                amount_vnd=one_time,
                status="approved",
                decided_at=at,
            )
        )
    if monthly_vnd:
        session.add(
            SupportEntitlement(
                commitment_id=commitment.id,
                kind="monthly_income",
                formula="1.5 × lương tối thiểu vùng × số tháng",
                amount_vnd=monthly_vnd,
                status="approved",
                decided_at=at,
            )
        )
    session.flush()
    return commitment.id


# -- acting on the round ---------------------------------------------------------------------


def open_year(services, year: int) -> int:
    """Tick at the opening instant; returns how many communes opened a round."""
    at = evaluations.opening_at(year)
    services.clock.set(at)
    return services.tick(at).evaluations


def rounds(services, year: int) -> dict[str, EvaluationRound]:
    """This year's rounds by commune code."""
    with services.db.transaction() as session:
        return {
            session.get(OrgUnit, round_.commune_id).code: round_
            for round_ in evaluations.rounds_of(session, year)
        }


def evaluate_all(
    services,
    at: datetime,
    assessments: dict[str, tuple[str, str]] | None = None,
    skip: set[str] = frozenset(),
) -> list[str]:
    """Every open evaluation done by the head of the talent's unit, through their inbox:
    (rating, prospects) by the talent's full name, else the default. Returns who was
    evaluated."""
    done = []
    for task, data in _open_tasks(services, "evaluate_talent"):
        if data["full_name"] in skip:
            continue
        rating, prospects = (assessments or {}).get(data["full_name"], DEFAULT_ASSESSMENT)
        _complete(
            services, task, {"quality_rating": rating, "prospects": prospects, "note": "Nhận xét năm"}, at
        )
        done.append(data["full_name"])
    return done


def aggregate(services, at: datetime) -> None:
    for task, _ in _open_tasks(services, "aggregate_evaluations"):
        _complete(services, task, {"aggregation_note": "Tổng hợp đánh giá năm"}, at)


def decide_removals(services, at: datetime, keep: set[str] = frozenset()) -> dict[str, list[int]]:
    """The chair removes every proposed talent but those named in ``keep``."""
    decided = {"removed": [], "kept": []}
    proposals = sorted(_open_tasks(services, "decide_removal"), key=lambda pair: pair[1]["person_id"])
    for number, (task, data) in enumerate(proposals, start=412):
        if data["full_name"] in keep:
            form = {"decision": "keep", "keep_reason": "Đang chủ trì đề tài cấp thành phố, đề nghị giữ lại"}
            decided["kept"].append(data["person_id"])
        else:
            form = {"decision": "remove", "decision_number": f"{number}/QĐ-UBND"}
            decided["removed"].append(data["person_id"])
        _complete(services, task, form, at)
    return decided


def submit(services, at: datetime) -> None:
    for number, (task, _) in enumerate(_open_tasks(services, "submit_report"), start=305):
        _complete(
            services,
            task,
            {"dispatch_number": f"{number}/BC-UBND", "dispatch_date": at.date().isoformat()},
            at,
        )


def run_first_evaluation(
    services,
    year: int,
    assessments: dict[str, tuple[str, str]] | None = None,
    keep: set[str] = frozenset(),
    skip: set[str] = frozenset(),
) -> dict:
    """The whole round: opened on its date, heads evaluate (2/11; those named in ``skip``
    never do), Phòng VH-XH aggregates (20/11), the chair decides the proposed removals
    (23/11, keeping those named in ``keep``), the report goes (25/11)."""
    opened = open_year(services, year)
    evaluated = evaluate_all(services, local(year, 11, 2, 9, 0), assessments, skip)
    aggregate(services, local(year, 11, 20, 9, 0))
    flagged = flagged_people(services, year)
    decided = decide_removals(services, local(year, 11, 23, 9, 0), keep)
    submit(services, local(year, 11, 25, 10, 0))
    return {
        "opened": opened,
        "round_ids": {code: round_.id for code, round_ in rounds(services, year).items()},
        "evaluated": evaluated,
        "flagged": flagged,
        **decided,
    }


def flagged_people(services, year: int) -> list[int]:
    """The people the 5-year review proposed for removal, in every commune's report."""
    return [
        proposal["person_id"]
        for round_ in rounds(services, year).values()
        for proposal in (round_.report or {}).get("removal_proposals", [])
    ]


def _open_tasks(services, task_name: str) -> list[tuple[HumanTask, dict]]:
    with services.db.transaction() as session:
        found = session.scalars(
            select(HumanTask)
            .where(HumanTask.task_name == task_name, HumanTask.status == "ready")
            .order_by(HumanTask.created_at, HumanTask.id)
        ).all()
        return [(task, services.runtime.task_data(session, task.id)) for task in found]


def _complete(services, task: HumanTask, data: dict, at: datetime) -> None:
    """As the (first) holder of the task's lane in its unit, through the inbox."""
    services.clock.set(at)
    with services.db.transaction() as session:
        username = session.scalar(
            select(AppUser.username)
            .join(Membership, Membership.user_id == AppUser.id)
            .where(Membership.role_code == task.lane, Membership.org_unit_id == task.org_unit_id)
            .order_by(AppUser.id)
        )
        assert task.id in {
            mine.id
            for mine in tasks.tasks_for(
                session, session.scalar(select(AppUser).where(AppUser.username == username)), limit=1000
            )
        }, f"{task.id} not in {username}'s inbox"
    tasks.complete_task(services.db, services.runtime, username, task.id, data)
