"""Building selected candidates directly (without the selection process) and driving
their commitment instances, for the commitment tests and anyone who needs a talent in
service."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from engine.models import HumanTask
from factories.dates import local
from services.commitments import Commitment, _commitments as commitments
from services.identity import FINANCE_OFFICER, UNIT_HEAD, AppUser, Membership, unit_by_code, user_by_username
from services.people import Person, _talents as talents, load_keys
from services.selection import Candidate, Position, RecruitmentRound
from services.work import _tasks as tasks

C1 = {
    "full_name": "Trần Minh Khoa",
    "date_of_birth": date(2002, 5, 19),
    "gender": "male",
    "citizen_id": "999202000111",
    "category": "excellent_graduate",
    "unit_code": "cg_vp",
    "job_position": "Chuyên viên quản trị hệ thống",
    "field": "ict",
}
C2 = {
    "full_name": "Phạm Thị Thu Hà",
    "date_of_birth": date(1993, 11, 2),
    "gender": "female",
    "citizen_id": "999193000222",
    "category": "master",
    "unit_code": "cg_pkt",
    "job_position": "Chuyên viên nông nghiệp và môi trường",
    "field": "high_tech_agriculture",
}


def recruitment_round(
    services,
    legal_basis: str = "hp_res_53_2025",
    at: datetime | None = None,
    title: str = "Xét tuyển người có tài năng năm 2026",
) -> int:
    at = at or local(2026, 2, 2, 9, 0)
    with services.db.transaction() as session:
        round_ = RecruitmentRound(
            title=title,
            legal_basis=legal_basis,
            status="decided",
            opened_at=at,
            opened_by=user_by_username(session, "snv.canbo").id,
            applications_close_at=local(2026, 3, 4, 0, 0),
        )
        session.add(round_)
        session.flush()
        return round_.id


def selected_candidate(services, round_id: int, person: dict, status: str = "selected") -> int:
    """A person registered in the talent database, selected in the round for a position
    of their unit."""
    at = local(2026, 2, 10, 9, 0)
    with services.db.transaction() as session:
        registered = talents.register_person(
            session,
            load_keys(services.config),
            at,
            None,
            full_name=person["full_name"],
            date_of_birth=person["date_of_birth"],
            gender=person["gender"],
            citizen_id=person["citizen_id"],
        )
        position = Position(
            round_id=round_id,
            org_unit_id=unit_by_code(session, person["unit_code"]).id,
            field=person["field"],
            job_position=person["job_position"],
            target_group=person["category"],
            quantity=1,
        )
        session.add(position)
        session.flush()
        candidate = Candidate(
            person_id=registered.id,
            round_id=round_id,
            position_id=position.id,
            source_channel="self_application",
            category=person["category"],
            procedure="xet_tuyen",
            status=status,
            dossier=[],
            created_at=at,
        )
        session.add(candidate)
        session.flush()
        return candidate.id


def open_round(services, round_id: int, decision_date: date, at: datetime) -> list[int]:
    services.clock.set(at)
    with services.db.transaction() as session:
        opened = commitments.open_commitments(session, services.runtime, round_id, decision_date, at)
        return [commitment.id for commitment in opened]


def commitment_of(services, commitment_id: int) -> Commitment:
    with services.db.transaction() as session:
        return commitments.get_commitment(session, commitment_id)


def person_username(services, commitment_id: int) -> str:
    with services.db.transaction() as session:
        commitment = commitments.get_commitment(session, commitment_id)
        return session.scalar(
            select(AppUser.username)
            .join(Person, Person.user_id == AppUser.id)
            .where(Person.id == commitment.person_id)
        )


def open_task(services, commitment_id: int, task_name: str) -> HumanTask | None:
    with services.db.transaction() as session:
        commitment = commitments.get_commitment(session, commitment_id)
        return session.scalar(
            select(HumanTask).where(
                HumanTask.instance_id == commitment.instance_id,
                HumanTask.task_name == task_name,
                HumanTask.status == "ready",
            )
        )


def holder(services, role: str, org_unit_id: int) -> str:
    """The user name of someone holding the role in the unit."""
    with services.db.transaction() as session:
        return session.scalar(
            select(AppUser.username)
            .join(Membership, Membership.user_id == AppUser.id)
            .where(Membership.role_code == role, Membership.org_unit_id == org_unit_id)
            .order_by(AppUser.id)
            .limit(1)
        )


def complete(services, username: str, commitment_id: int, task_name: str, data: dict, at: datetime):
    services.clock.set(at)
    task = open_task(services, commitment_id, task_name)
    assert task is not None, f"commitment {commitment_id} has no open {task_name} task"
    return tasks.complete_task(services.db, services.runtime, username, task.id, data)


def sign(services, commitment_id: int, at: datetime, full_name: str | None = None) -> None:
    with services.db.transaction() as session:
        commitment = commitments.get_commitment(session, commitment_id)
        name = full_name or session.get(Person, commitment.person_id).full_name
    complete(
        services,
        person_username(services, commitment_id),
        commitment_id,
        "sign_commitment",
        {"acknowledge": True, "full_name": name},
        at,
    )


def assign(
    services, commitment_id: int, at: datetime, assigned_on: date | None = None, decision: str = "25/QĐ-UBND"
) -> None:
    commitment = commitment_of(services, commitment_id)
    head = holder(services, UNIT_HEAD, commitment.employer_org_id)
    complete(
        services,
        head,
        commitment_id,
        "assign_position",
        {
            "assignment_decision": decision,
            "assigned_on": (assigned_on or at.date()).isoformat(),
            "job_position": commitment.job_position,
        },
        at,
    )


def decide_support(
    services, commitment_id: int, at: datetime, decision: str = "approve", note: str | None = None
) -> None:
    task = open_task(services, commitment_id, "approve_support")
    data = {"finance_decision": decision, **({"note": note} if note is not None else {})}
    complete(
        services,
        holder(services, FINANCE_OFFICER, task.org_unit_id),
        commitment_id,
        "approve_support",
        data,
        at,
    )


def sign_and_assign(services, commitment_id: int, at: datetime) -> None:
    """The person signs in the app, the head of the employing unit assigns them (on the
    day of ``at``), Sở Tài chính approves the support when there is any."""
    sign(services, commitment_id, at)
    assign(services, commitment_id, at)
    if open_task(services, commitment_id, "approve_support") is not None:
        decide_support(services, commitment_id, at)
