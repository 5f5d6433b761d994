"""The yearly evaluation of the talents in service, the commune's report to the city and
the yearly review of the talent list (docs/processes.md#yearly-evaluation-and-the-talent-list;
docs/legal-rules.md, "The five-year review proposes and an authority removes").

Every year, on the opening date, each commune that has talents in service gets one
``EvaluationRound`` with a small ``evaluation_report`` instance (Phòng Văn hóa - Xã hội
aggregates and sends the report before 30/11) and one ``talent_evaluation`` instance per
talent (the head of the unit where they serve rates them and says whether they have
development prospects). When Phòng VH-XH aggregates, the report is snapshotted together
with the 5-year review: a talent on the list for 5 years or more whose head's latest
assessment is "no prospects" is *proposed* for removal, and the commune chair decides each
proposal in its own ``talent_removal`` instance (the system proposes, an authority decides).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.connectors import CallContext, Connector, ConnectorError, Parameter
from engine.contracts import Element, Field, ProcessContract, user_task
from engine.errors import NotFound
from engine.messages import Message
from engine.models import ProcessDefinition
from engine.reactions import Capability, completed, ended, started
from engine.runtime import InstanceChange, StartRequest, WorkflowRuntime
from services import people
from services.common import audit
from services.common.display import LOCAL_TZ
from services.evaluation._models import Evaluation, EvaluationRound
from services.identity import COMMUNE_CHAIR, UNIT_HEAD, VHXH_OFFICER, OrgUnit, culture_society_office
from services.people import Person, TalentListEntry

EVALUATION_PROCESS = "talent_evaluation"
AGGREGATION_PROCESS = "evaluation_report"
# The report's call of one talent_evaluation per talent, and the connector that lists the
# talents for it (its answer: {business key: the talent}).
EVALUATIONS_CALL, TALENTS_TO_EVALUATE = "evaluate_talents", "talents_to_evaluate"
REMOVAL_PROCESS = "talent_removal"
# The round opens at 00:00 local on 15/10: six weeks before the report is due, so that the
# heads (due 10 working days before the report) and Phòng VH-XH both have time. The
# scheduler looks every 5 minutes; a round is opened at most once per commune and year.
OPENING_MONTH_DAY = (10, 15)
# "Trước 30/11 hằng năm" (the Lê Thanh Nghị plan, III.2): due at 00:00 on 30/11 local. A fixed
# date set by an authority is never moved off a weekend or holiday
# (docs/deadlines.md#fixed-dates-set-by-an-authority-are-never-moved).
REPORT_DUE_MONTH_DAY = (11, 30)
# "Quá 05 năm không có triển vọng phát triển" (Resolution 17-NQ/TU III.9): 5 years from
# inclusion (docs/legal-rules.md, "The five-year review proposes and an authority removes").
REVIEW_YEARS = 5
RATINGS = ("hoan_thanh_xuat_sac", "hoan_thanh_tot", "hoan_thanh", "khong_hoan_thanh")
HAS_PROSPECTS, NO_PROSPECTS = "has_prospects", "no_prospects"
REMOVAL_REASON = (
    f"Có tên trong danh sách quá {REVIEW_YEARS:02d} năm, Thủ trưởng đơn vị đánh giá "
    "không có triển vọng phát triển"
)


def opening_at(year: int) -> datetime:
    return datetime(year, *OPENING_MONTH_DAY, 0, 0, tzinfo=LOCAL_TZ)


def report_due_at(year: int) -> datetime:
    return datetime(year, *REPORT_DUE_MONTH_DAY, 0, 0, tzinfo=LOCAL_TZ)


NEEDED_BY = Message("The yearly evaluation and review of the talent list")
# The chair's decision on a removal proposal is the end event reached.
REMOVAL_OUTCOMES = {"talent_removed": "remove", "talent_kept": "keep"}
CONTRACTS = (
    ProcessContract(
        EVALUATION_PROCESS,
        "services/evaluation",
        NEEDED_BY,
        (
            user_task(
                "evaluate_talent",
                "completed: records the evaluation; `prospects` becomes the head's latest "
                "assessment, which the 5-year review reads",
                Field("quality_rating", RATINGS),
                Field("prospects", (HAS_PROSPECTS, NO_PROSPECTS)),
            ),
        ),
        start_data=(
            "round_id",
            "person_id",
            "year",
            "full_name",
            "unit_name",
            "commune_name",
            "included_on",
            "report_due",
        ),
    ),
    ProcessContract(
        AGGREGATION_PROCESS,
        "services/evaluation",
        NEEDED_BY,
        (
            user_task(
                "aggregate_evaluations",
                "completed: snapshots the report and the 5-year review and starts one "
                "`talent_removal` per removal proposal",
                "aggregation_note",
            ),
            user_task(
                "submit_report",
                "completed: the report is sent to the city",
                "dispatch_number",
                "dispatch_date",
            ),
            Element(
                EVALUATIONS_CALL,
                "callActivity",
                f"calls `{EVALUATION_PROCESS}` once per talent in service (the connector "
                f"`{TALENTS_TO_EVALUATE}` lists them); on a version drawn before, the code starts them",
            ),
        ),
        start_data=("round_id", "year", "commune_name", "talent_count", "report_due"),
    ),
    ProcessContract(
        REMOVAL_PROCESS,
        "services/evaluation",
        NEEDED_BY,
        (
            user_task(
                "decide_removal",
                "the commune chair's decision: its data is what the outcome records",
                "decision_number",
                "keep_reason",
            ),
        ),
        outcomes=REMOVAL_OUTCOMES,
        start_data=(
            "round_id",
            "person_id",
            "year",
            "full_name",
            "unit_name",
            "included_on",
            "proposal_reason",
            "report_due",
        ),
    ),
)


def register(runtime: WorkflowRuntime) -> None:
    runtime.register_connector(
        Connector(
            TALENTS_TO_EVALUATE,
            Message("List the talents a commune evaluates this year"),
            (Parameter("round_id", "number", Message("Evaluation round")),),
            run=_talents_to_evaluate,
        )
    )
    runtime.register(
        Capability(
            "evaluations",
            CONTRACTS,
            (
                started(EVALUATION_PROCESS, _evaluation_started),
                completed(EVALUATION_PROCESS, "evaluate_talent", _evaluated),
                completed(
                    AGGREGATION_PROCESS,
                    "aggregate_evaluations",
                    lambda session, change: _aggregated(session, runtime, change),
                ),
                completed(AGGREGATION_PROCESS, "submit_report", _report_submitted),
                *(ended(REMOVAL_PROCESS, end_event, _removal_decided) for end_event in REMOVAL_OUTCOMES),
            ),
        )
    )


# -- opening the yearly rounds -----------------------------------------------------------


def open_due_rounds(session: Session, runtime: WorkflowRuntime, at: datetime) -> int:
    """Open this year's round of every commune that has talents in service and none yet,
    once the opening instant has come; returns how many were opened."""
    year = at.astimezone(LOCAL_TZ).year
    if at < opening_at(year):
        return 0
    opened = 0
    for commune_id in _communes_without_round(session, year, _local_day(at)):
        if _open_round(session, runtime, year, session.get_one(OrgUnit, commune_id), at):
            opened += 1
    return opened


def _in_service(on: date):
    """Talent-list entries still on the list on ``on``."""
    return and_(TalentListEntry.removed_on.is_(None), TalentListEntry.included_on <= on)


def _communes_without_round(session: Session, year: int, on: date) -> list[int]:
    has_round = exists().where(EvaluationRound.year == year, EvaluationRound.commune_id == OrgUnit.commune_id)
    return list(
        session.scalars(
            select(OrgUnit.commune_id)
            .distinct()
            .join(TalentListEntry, TalentListEntry.org_unit_id == OrgUnit.id)
            .where(_in_service(on), OrgUnit.commune_id.is_not(None), ~has_round)
            .order_by(OrgUnit.commune_id)
        )
    )


def _open_round(
    session: Session, runtime: WorkflowRuntime, year: int, commune: OrgUnit, at: datetime
) -> bool:
    """The round, its report instance and one evaluation instance per talent. Two
    schedulers may race: the unique (year, commune) lets one insert the round, the other
    sees the conflict in its savepoint and leaves that commune alone."""
    due = report_due_at(year)
    round_ = EvaluationRound(
        year=year, commune_id=commune.id, status="evaluating", report_due_at=due, opened_at=at
    )
    try:
        with session.begin_nested():
            session.add(round_)
            session.flush()
    except IntegrityError:
        return False
    talents_ = _talents_of(session, commune.id, year, _local_day(at))
    office = culture_society_office(session, commune)
    common = {"year": year, "commune_name": commune.name, "report_due": due.isoformat()}
    change = runtime.start(
        session,
        AGGREGATION_PROCESS,
        {**common, "round_id": round_.id, "talent_count": len(talents_)},
        lane_orgs={VHXH_OFFICER: office.id, COMMUNE_CHAIR: commune.id},
        business_key=f"evaluation_round:{round_.id}",
        at=at,
    )
    round_.instance_id = change.instance.id
    if talents_ and not runtime.draws(
        session.get_one(ProcessDefinition, change.instance.definition_id), EVALUATIONS_CALL
    ):
        # A version drawn before the report called the evaluations: the code starts them.
        requests = [
            StartRequest(
                {
                    **common,
                    "round_id": round_.id,
                    "person_id": talent["person_id"],
                    "full_name": talent["full_name"],
                    "unit_name": talent["unit_name"],
                    "included_on": talent["included_on"].isoformat(),
                },
                lane_orgs={UNIT_HEAD: talent["org_unit_id"]},
                business_key=_evaluation_key(round_.id, talent["person_id"]),
            )
            for talent in talents_
        ]
        runtime.start_many(session, EVALUATION_PROCESS, requests, parent_id=round_.instance_id, at=at)
    audit.record(
        session,
        at,
        None,
        "evaluation_round.opened",
        f"evaluation_round:{round_.id}",
        year=year,
        commune=commune.code,
        talents=len(talents_),
        report_due_at=due.isoformat(),
    )
    return True


def _evaluation_key(round_id: int, person_id: int) -> str:
    return f"evaluation_round:{round_id}/person:{person_id}"


def _talents_to_evaluate(context: CallContext, params: dict) -> dict:
    """The connector's answer: the commune's talents in service, keyed by the business key
    of their evaluation (a multi-instance call runs over the values)."""
    round_ = context.session.get(EvaluationRound, params["round_id"])
    if round_ is None:
        raise ConnectorError(Message("there is no evaluation round %(round)s", round=params["round_id"]))
    talents_ = _talents_of(context.session, round_.commune_id, round_.year, _local_day(round_.opened_at))
    return {
        (key := _evaluation_key(round_.id, talent["person_id"])): {
            "business_key": key,
            "person_id": talent["person_id"],
            "org_unit_id": talent["org_unit_id"],
            "full_name": talent["full_name"],
            "unit_name": talent["unit_name"],
            "included_on": talent["included_on"].isoformat(),
        }
        for talent in talents_
    }


def _evaluation_started(session: Session, change: InstanceChange) -> None:
    """A talent's evaluation of the year opened: its row."""
    if "person_id" in change.data and "round_id" in change.data:
        session.add(
            Evaluation(
                round_id=change.data["round_id"],
                person_id=change.data["person_id"],
                year=change.data["year"],
                instance_id=change.instance.saved_id,
            )
        )


def _talents_of(session: Session, commune_id: int, year: int, on: date) -> list[dict]:
    """The commune's talents in service on ``on``, one per person (their oldest entry),
    but for anyone already evaluated this year (in a commune they served in before)."""
    evaluated = exists().where(Evaluation.person_id == TalentListEntry.person_id, Evaluation.year == year)
    rows = session.execute(
        select(
            TalentListEntry.person_id,
            TalentListEntry.org_unit_id,
            TalentListEntry.included_on,
            Person.full_name,
            OrgUnit.code,
            OrgUnit.name,
        )
        .join(Person, Person.id == TalentListEntry.person_id)
        .join(OrgUnit, OrgUnit.id == TalentListEntry.org_unit_id)
        .where(_in_service(on), OrgUnit.commune_id == commune_id, ~evaluated)
        .order_by(TalentListEntry.included_on, TalentListEntry.id)
    ).all()
    found: dict[int, dict] = {}
    for person_id, unit_id, included_on, full_name, unit_code, unit_name in rows:
        found.setdefault(
            person_id,
            {
                "person_id": person_id,
                "org_unit_id": unit_id,
                "included_on": included_on,
                "full_name": full_name or "",
                "unit_code": unit_code,
                "unit_name": unit_name,
            },
        )
    return list(found.values())


# -- the heads' evaluations ------------------------------------------------------------------


def _evaluated(session: Session, change: InstanceChange) -> None:
    done = change.completed_task
    evaluation = session.scalar(select(Evaluation).where(Evaluation.instance_id == change.instance.id))
    if evaluation is None:
        return
    assert done is not None and done.completed_data is not None  # a completion reaction
    data = done.completed_data
    evaluation.quality_rating, evaluation.prospects = data["quality_rating"], data["prospects"]
    evaluation.evaluator_id, evaluation.evaluated_at = done.completed_by, change.at
    entry = current_entry(session, evaluation.person_id)
    if entry is not None:  # the head's latest assessment is what the 5-year review reads
        entry.last_review_on, entry.head_assessment = _local_day(change.at), data["prospects"]
    audit.record(
        session,
        change.at,
        done.completed_by,
        "evaluation.recorded",
        f"person:{evaluation.person_id}",
        year=evaluation.year,
        quality_rating=evaluation.quality_rating,
        prospects=evaluation.prospects,
    )


def current_entry(session: Session, person_id: int) -> TalentListEntry | None:
    """The person's entry on the talent list, if they are still on it."""
    return session.scalar(
        select(TalentListEntry)
        .where(TalentListEntry.person_id == person_id, TalentListEntry.removed_on.is_(None))
        .order_by(TalentListEntry.included_on, TalentListEntry.id)
        .limit(1)
    )


# -- the report and the 5-year review ----------------------------------------------------


def _report_round(session: Session, change: InstanceChange) -> EvaluationRound | None:
    return session.scalar(select(EvaluationRound).where(EvaluationRound.instance_id == change.instance.id))


def _aggregated(session: Session, runtime: WorkflowRuntime, change: InstanceChange) -> None:
    round_, done = _report_round(session, change), change.completed_task
    if round_ is None:
        return
    assert done is not None and done.completed_data is not None  # a completion reaction
    report = build_report(session, round_, _local_day(change.at))
    report["removal_proposals"] = _propose_removals(
        session, runtime, round_, report["removal_proposals"], done.completed_by, change.at
    )
    report["aggregation_note"] = done.completed_data.get("aggregation_note")
    round_.report, round_.status = report, "reporting"


def _report_submitted(session: Session, change: InstanceChange) -> None:
    round_, done = _report_round(session, change), change.completed_task
    if round_ is None:
        return
    assert done is not None and done.completed_data is not None  # a completion reaction
    data = done.completed_data
    round_.report = {
        **(round_.report or build_report(session, round_, _local_day(change.at))),
        "submission": {
            "dispatch_number": data["dispatch_number"],
            "dispatch_date": data["dispatch_date"],
            "submitted_at": change.at.isoformat(),
        },
    }
    round_.status, round_.submitted_at = "submitted", change.at
    audit.record(
        session,
        change.at,
        done.completed_by,
        "evaluation_report.submitted",
        f"evaluation_round:{round_.id}",
        dispatch_number=data["dispatch_number"],
    )


def build_report(session: Session, round_: EvaluationRound, review_on: date) -> dict:
    """The round's figures as they stand: counts per rating and per unit, the talents
    not evaluated, and the 5-year review's removal proposals as of ``review_on``."""
    rows = session.execute(
        select(Evaluation, Person.full_name, OrgUnit.code, OrgUnit.name)
        .join(Person, Person.id == Evaluation.person_id)
        .outerjoin(
            TalentListEntry,
            and_(TalentListEntry.person_id == Evaluation.person_id, TalentListEntry.removed_on.is_(None)),
        )
        .outerjoin(OrgUnit, OrgUnit.id == TalentListEntry.org_unit_id)
        .where(Evaluation.round_id == round_.id)
        .order_by(Evaluation.id)
    ).all()
    by_rating: Counter[str] = Counter()
    prospects: Counter[str | None] = Counter()
    units: dict[str | None, dict] = {}
    missing: list[dict] = []
    for evaluation, full_name, unit_code, unit_name in rows:
        unit = units.setdefault(
            unit_code,
            {
                "unit_code": unit_code,
                "unit_name": unit_name,
                "talents": 0,
                "evaluated": 0,
                "by_rating": {rating: 0 for rating in RATINGS},
            },
        )
        unit["talents"] += 1
        if evaluation.quality_rating is None:
            missing.append(
                {
                    "person_id": evaluation.person_id,
                    "full_name": full_name,
                    "unit_code": unit_code,
                    "unit_name": unit_name,
                }
            )
            continue
        unit["evaluated"] += 1
        unit["by_rating"][evaluation.quality_rating] += 1
        by_rating[evaluation.quality_rating] += 1
        prospects[evaluation.prospects] += 1
    return {
        "year": round_.year,
        "reviewed_on": review_on.isoformat(),
        "talents": len(rows),
        "evaluated": len(rows) - len(missing),
        "by_rating": {rating: by_rating[rating] for rating in RATINGS},
        "prospects": {key: prospects[key] for key in (HAS_PROSPECTS, NO_PROSPECTS)},
        "by_unit": sorted(units.values(), key=lambda unit: unit["unit_code"] or ""),
        "missing": missing,
        "removal_proposals": five_year_review(session, round_.commune_id, review_on),
    }


def five_year_review(session: Session, commune_id: int, review_on: date) -> list[dict]:
    """The commune's talents on the list for 5 years or more on ``review_on`` whose
    head's latest assessment is "no prospects": proposed for removal, not removed."""
    rows = session.execute(
        select(TalentListEntry, Person.full_name, OrgUnit.code, OrgUnit.name)
        .join(Person, Person.id == TalentListEntry.person_id)
        .join(OrgUnit, OrgUnit.id == TalentListEntry.org_unit_id)
        .where(
            OrgUnit.commune_id == commune_id,
            TalentListEntry.removed_on.is_(None),
            TalentListEntry.head_assessment == NO_PROSPECTS,
        )
        .order_by(TalentListEntry.included_on, TalentListEntry.id)
    ).all()
    return [
        {
            "person_id": entry.person_id,
            "full_name": full_name,
            "unit_code": unit_code,
            "unit_name": unit_name,
            "included_on": entry.included_on.isoformat(),
            "head_assessment": entry.head_assessment,
            "last_review_on": entry.last_review_on.isoformat() if entry.last_review_on else None,
            "reason": REMOVAL_REASON,
            "decision": "pending",
        }
        for entry, full_name, unit_code, unit_name in rows
        if years_after(entry.included_on, REVIEW_YEARS) <= review_on
    ]


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29/02 becomes 01/03)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _propose_removals(
    session: Session,
    runtime: WorkflowRuntime,
    round_: EvaluationRound,
    proposals: list[dict],
    actor_id: int | None,
    at: datetime,
) -> list[dict]:
    """One decision task for the commune chair per proposal."""
    if not proposals:
        return proposals
    requests = [
        StartRequest(
            {
                "round_id": round_.id,
                "person_id": proposal["person_id"],
                "year": round_.year,
                "full_name": proposal["full_name"],
                "unit_name": proposal["unit_name"],
                "included_on": proposal["included_on"],
                "proposal_reason": proposal["reason"],
                "report_due": round_.report_due_at.astimezone(LOCAL_TZ).isoformat(),
            },
            lane_orgs={COMMUNE_CHAIR: round_.commune_id},
            business_key=f"evaluation_round:{round_.id}/removal:{proposal['person_id']}",
        )
        for proposal in proposals
    ]
    started = runtime.start_many(session, REMOVAL_PROCESS, requests, parent_id=round_.instance_id, at=at)
    audit.record(
        session,
        at,
        actor_id,
        "talent_list.removals_proposed",
        f"evaluation_round:{round_.id}",
        people=[proposal["person_id"] for proposal in proposals],
    )
    return [
        {**proposal, "instance_id": started_change.instance.id}
        for proposal, started_change in zip(proposals, started, strict=True)
    ]


# -- the removal decisions ---------------------------------------------------------------


def _removal_decided(session: Session, change: InstanceChange) -> None:
    """The decision is the end event reached: removed or kept."""
    done = change.completed_task
    if done is None:
        return
    data, decided = change.data, done.completed_data
    assert decided is not None  # a completed task has its data
    decision = REMOVAL_OUTCOMES[change.end_events[0]]
    person_id, round_ = data["person_id"], session.get(EvaluationRound, data["round_id"])
    local_day = _local_day(change.at)
    if decision == "remove":
        entry = current_entry(session, person_id)
        if entry is not None:
            entry.removed_on, entry.removal_reason = local_day, data["proposal_reason"]
            entry.removal_decision = decided["decision_number"]
            people.record_status(
                session, change.at, done.completed_by, person_id, "removed", data["proposal_reason"]
            )
    outcome = {
        "decision": decision,
        "decision_number": decided.get("decision_number"),
        "keep_reason": decided.get("keep_reason"),
        "decided_on": local_day.isoformat(),
    }
    if round_ is not None and round_.report:
        round_.report = {
            **round_.report,
            "removal_proposals": [
                {**proposal, **outcome} if proposal["person_id"] == person_id else proposal
                for proposal in round_.report.get("removal_proposals", [])
            ],
        }
    audit.record(
        session,
        change.at,
        done.completed_by,
        "talent_list.removal_decided",
        f"person:{person_id}",
        decision=decision,
        decision_number=decided.get("decision_number"),
        round_id=data["round_id"],
    )


# -- reading -------------------------------------------------------------------------------


def get_round(session: Session, round_id: int) -> EvaluationRound:
    round_ = session.get(EvaluationRound, round_id)
    if round_ is None:
        raise NotFound(f"no evaluation round {round_id}")
    return round_


def rounds_of(session: Session, year: int) -> list[EvaluationRound]:
    return list(
        session.scalars(
            select(EvaluationRound).where(EvaluationRound.year == year).order_by(EvaluationRound.commune_id)
        )
    )


def current_report(session: Session, round_: EvaluationRound, at: datetime) -> dict:
    """The snapshot taken when Phòng VH-XH aggregated, else the figures as they stand."""
    return round_.report or build_report(session, round_, _local_day(at))


def _local_day(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()
