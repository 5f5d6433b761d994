"""Breaches of commitment and their refund cases (docs/processes.md#breach-of-commitment-and-refund;
docs/legal-rules.md, "Refunds follow the commitment's own terms").

The employing unit's head (or Sở Nội vụ) reports the breach; the refund is computed at
once from the commitment's OWN terms (the copy kept when it was signed, so an amended
resolution never changes it): everything received, or the share of the unserved months.
Recurring support stops from the breach date. A ``breach_case`` instance then carries the
case: Sở Nội vụ appraises it and says whether one of the commitment's exemptions applies,
the city leader decides (decision number, payment deadline). The outcome closes the
commitment (breached, or waived when exempt), takes the person off the talent list and
records their status.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from engine.contracts import ProcessContract, user_task
from engine.errors import FormInvalid, NotFound
from engine.forms import FieldError
from engine.messages import Message
from engine.reactions import Capability, completed, ended
from engine.runtime import InstanceChange, WorkflowRuntime
from services import commitments, people
from services.commitments import ONE_TIME, Commitment, SupportEntitlement
from services.common import audit, policies
from services.common.display import LOCAL_TZ, in_language, joined
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.evaluation._models import Breach
from services.identity import (
    CITY_CHAIR,
    HOME_AFFAIRS,
    SNV_OFFICER,
    UNIT_HEAD,
    Membership,
    OrgUnit,
    city_of,
    department_of,
    holds_role,
    user_by_username,
)
from services.people import Person

BREACH_PROCESS = "breach_case"
TRIGGERS = {
    "resignation": Message("Resignation at their own request"),
    "transfer_out": Message("Transfer outside the scope of the commitment"),
    "field_change": Message("Move to a sector or field other than the one they were attracted for"),
    "dismissal": Message("Dismissal"),
    "job_abandonment": Message("Leaving the job without permission"),
}
FORMULA_TITLES = {"full": "hoàn trả toàn bộ", "prorata_unserved_months": "theo số tháng chưa công tác"}
# A commitment can be breached once signed, until it ends.
BREACHABLE = ("signed", "active")


# The case ends with a refund ordered or the breach exempted, by the path the BPMN takes.
OUTCOMES = {"refund_ordered": "refund_due", "breach_exempted": "exempt"}
CONTRACTS = (
    ProcessContract(
        BREACH_PROCESS,
        "services/evaluation",
        Message("Breach of commitment and refund"),
        (
            user_task(
                "appraise_breach",
                "completed: Sở Nội vụ's appraisal; an exemption must be one the commitment itself lists",
                "exempt",
                "exempt_reason",
            ),
            user_task(
                "decide_refund",
                "the city chair's decision: its data is what the outcome records",
                "decision_number",
                "due_date",
            ),
        ),
        outcomes=OUTCOMES,
        start_data=(
            "breach_id",
            "full_name",
            "employer_name",
            "trigger",
            "trigger_title",
            "occurred_on",
            "legal_basis_title",
            "commitment_months",
            "served_months",
            "received_vnd",
            "received_text",
            "refund_formula_title",
            "refund_amount_vnd",
            "refund_text",
            "exempt_reasons_text",
            "reported_at",
        ),
    ),
)


def register(runtime: WorkflowRuntime) -> None:
    runtime.register(
        Capability(
            "breaches",
            CONTRACTS,
            (
                completed(BREACH_PROCESS, "appraise_breach", _with_breach(_record_appraisal)),
                *(ended(BREACH_PROCESS, end_event, _with_breach(_record_decision)) for end_event in OUTCOMES),
            ),
        )
    )


# -- reporting a breach ------------------------------------------------------------------


def report_breach(
    session: Session,
    runtime: WorkflowRuntime,
    actor_username: str,
    commitment_id: int,
    trigger: str,
    occurred_on: date | str,
    at: datetime | None = None,
) -> Breach:
    """Open a breach case for the commitment, with its refund computed from its terms."""
    at = at or runtime.clock.now()
    actor = user_by_username(session, actor_username)
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(f"no commitment {commitment_id}")
    if not _may_report(session, actor.id, commitment):
        raise PermissionDenied(f"{actor_username} may not report a breach of commitment {commitment_id}")
    if trigger not in TRIGGERS:
        raise InvalidInput(
            "trigger",
            Message("The breach must be one of: %(choices)s.", choices=joined(list(TRIGGERS.values()), "; ")),
        )
    occurred_on = _checked_date(occurred_on, commitment, at)
    if commitment.status not in BREACHABLE:
        raise Conflict(Message("Only a signed or current commitment can be reported as breached."))
    if session.scalar(
        select(exists().where(Breach.commitment_id == commitment.id, Breach.status == "appraising"))
    ):
        raise Conflict(Message("This commitment already has a breach case being appraised."))

    received = received_one_time_support(session, commitment.id)
    served = whole_months(commitment.start_date, occurred_on)
    refund = policies.refund_amount(commitment.terms, received, served)
    breach = Breach(
        commitment_id=commitment.id,
        trigger=trigger,
        occurred_on=occurred_on,
        refund_formula=commitment.terms["refund"]["formula"],
        refund_amount_vnd=refund,
        received_vnd=received,
        served_months=served,
        status="appraising",
        reported_at=at,
        reported_by=actor.id,
    )
    session.add(breach)
    session.flush()
    stopped = commitments.stop_support(session, commitment.id)
    city = city_of(session, session.get_one(OrgUnit, commitment.employer_org_id))
    breach.instance_id = runtime.start(
        session,
        BREACH_PROCESS,
        _start_data(session, breach, commitment, at),
        lane_orgs={SNV_OFFICER: department_of(session, city, HOME_AFFAIRS).id, CITY_CHAIR: city.id},
        business_key=f"breach:{breach.id}",
        at=at,
    ).instance.id
    audit.record(
        session,
        at,
        actor.id,
        "breach.reported",
        f"commitment:{commitment.id}",
        breach_id=breach.id,
        trigger=trigger,
        occurred_on=occurred_on.isoformat(),
        received_vnd=received,
        served_months=served,
        refund_formula=breach.refund_formula,
        refund_amount_vnd=refund,
        support_stopped=stopped,
    )
    return breach


def may_report(session: Session, user_id: int, commitment_id: int) -> bool:
    """Whether the user may report a breach of the commitment (see ``_may_report``)."""
    commitment = session.get(Commitment, commitment_id)
    return commitment is not None and _may_report(session, user_id, commitment)


def _may_report(session: Session, user_id: int, commitment: Commitment) -> bool:
    """The head of the employing unit, or any officer of Sở Nội vụ."""
    return holds_role(session, user_id, UNIT_HEAD, commitment.employer_org_id) or bool(
        session.scalar(
            select(exists().where(Membership.user_id == user_id, Membership.role_code == SNV_OFFICER))
        )
    )


def _checked_date(occurred_on: date | str, commitment: Commitment, at: datetime) -> date:
    if isinstance(occurred_on, str):
        try:
            occurred_on = date.fromisoformat(occurred_on)
        except ValueError:
            raise InvalidInput(
                "occurred_on", Message("The date of the breach must be a valid date (year-month-day).")
            ) from None
    if occurred_on > at.astimezone(LOCAL_TZ).date():
        raise InvalidInput(
            "occurred_on", Message("The date of the breach may not be after the day of the report.")
        )
    if occurred_on < commitment.start_date or occurred_on > commitment.end_date:
        raise InvalidInput(
            "occurred_on",
            Message(
                "The date of the breach must be within the commitment (from %(start)s to %(end)s).",
                start=f"{commitment.start_date:%d/%m/%Y}",
                end=f"{commitment.end_date:%d/%m/%Y}",
            ),
        )
    return occurred_on


def received_one_time_support(session: Session, commitment_id: int) -> int:
    """The one-time support approved for payment under the commitment."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(SupportEntitlement.amount_vnd), 0)).where(
                SupportEntitlement.commitment_id == commitment_id,
                SupportEntitlement.kind == ONE_TIME,
                SupportEntitlement.status == "approved",
            )
        )
    )


def whole_months(start: date, end: date) -> int:
    """Whole months served from ``start`` to ``end`` (01/04/2026 -> 01/09/2028: 29)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (1 if end.day < start.day else 0))


def _start_data(session: Session, breach: Breach, commitment: Commitment, at: datetime) -> dict:
    """What the case's people read: names and figures, never a citizen ID."""
    terms = commitment.terms
    return {
        "breach_id": breach.id,
        "full_name": session.get_one(Person, commitment.person_id).full_name or "",
        "employer_name": session.get_one(OrgUnit, commitment.employer_org_id).name,
        "trigger": breach.trigger,
        "trigger_title": in_language(TRIGGERS[breach.trigger], "vi"),  # the case's data, in Vietnamese
        "occurred_on": breach.occurred_on.isoformat(),
        "legal_basis_title": terms.get("title", commitment.legal_basis),
        "commitment_months": terms["commitment"]["min_years"] * 12,
        "served_months": breach.served_months,
        "received_vnd": breach.received_vnd,
        "received_text": vnd(breach.received_vnd or 0),
        "refund_formula_title": FORMULA_TITLES[breach.refund_formula],
        "refund_amount_vnd": breach.refund_amount_vnd,
        "refund_text": vnd(breach.refund_amount_vnd),
        "exempt_reasons_text": "; ".join(terms["refund"]["exempt_reasons"]),
        "reported_at": at.astimezone(LOCAL_TZ).isoformat(),
    }


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


# -- the case --------------------------------------------------------------------------------


def _with_breach(handler):
    """A reaction of a breach case's instance to a person's step, with its breach."""

    def react(session: Session, change: InstanceChange) -> None:
        breach = session.scalar(select(Breach).where(Breach.instance_id == change.instance.id))
        if breach is not None and change.completed_task is not None:
            handler(session, breach, change)

    return react


def _record_appraisal(session: Session, breach: Breach, change: InstanceChange) -> None:
    """An exemption must be one the commitment itself lists."""
    done, at = change.completed_task, change.at
    assert done is not None and done.completed_data is not None  # _with_breach passes completed tasks only
    data = done.completed_data
    commitment = session.get_one(Commitment, breach.commitment_id)
    reason = (data.get("exempt_reason") or "").strip() if data["exempt"] else None
    allowed = commitment.terms["refund"]["exempt_reasons"]
    if data["exempt"] and reason not in allowed:
        raise FormInvalid(
            [
                FieldError(
                    "exempt_reason",
                    "not_allowed",
                    Message(
                        "«Exemption» must be one of the exemptions written in the commitment: %(allowed)s.",
                        allowed="; ".join(allowed),
                    ),
                )
            ]
        )
    breach.exempt_reason = reason
    audit.record(
        session,
        at,
        done.completed_by,
        "breach.appraised",
        f"breach:{breach.id}",
        exempt=bool(data["exempt"]),
        exempt_reason=reason,
    )


def _record_decision(session: Session, breach: Breach, change: InstanceChange) -> None:
    done, at = change.completed_task, change.at
    assert done is not None and done.completed_data is not None  # _with_breach passes completed tasks only
    data = done.completed_data
    exempt = OUTCOMES[change.end_events[0]] == "exempt"
    decided_on = at.astimezone(LOCAL_TZ).date()
    due_on = date.fromisoformat(data["due_date"]) if data.get("due_date") else None
    if not exempt and breach.refund_amount_vnd > 0 and due_on is None:
        raise FormInvalid(
            [
                FieldError(
                    "due_date",
                    "required",
                    Message("Please enter «%(label)s».", label=Message("Refund due date")),
                )
            ]
        )
    if due_on is not None and due_on <= decided_on:
        raise FormInvalid(
            [
                FieldError(
                    "due_date",
                    "after_decision",
                    Message(
                        "«%(label)s» must be after the day the decision is signed.",
                        label=Message("Refund due date"),
                    ),
                )
            ]
        )
    commitment = session.get_one(Commitment, breach.commitment_id)
    breach.decision_number, breach.decided_at = data["decision_number"], at
    breach.refund_due_on = None if exempt else due_on
    breach.status = "exempt" if exempt else "refund_due"
    commitment.status = "waived" if exempt else "breached"
    # The talent list's records are kept in Vietnamese.
    reason = f"{in_language(TRIGGERS[breach.trigger], 'vi')} từ ngày {breach.occurred_on:%d/%m/%Y}"
    if exempt:
        reason += f" (miễn hoàn trả: {breach.exempt_reason})"
    people.leave_talent_list(
        session, commitment.person_id, breach.occurred_on, reason, breach.decision_number
    )
    people.record_status(
        session, at, done.completed_by, commitment.person_id, "removed" if exempt else "breached", reason
    )
    audit.record(
        session,
        at,
        done.completed_by,
        "breach.decided",
        f"breach:{breach.id}",
        status=breach.status,
        decision_number=breach.decision_number,
        refund_amount_vnd=0 if exempt else breach.refund_amount_vnd,
        refund_due_on=breach.refund_due_on.isoformat() if breach.refund_due_on else None,
    )


# -- reading ---------------------------------------------------------------------------------


def get_breach(session: Session, breach_id: int) -> Breach:
    breach = session.get(Breach, breach_id)
    if breach is None:
        raise NotFound(f"no breach {breach_id}")
    return breach


def breaches_of(session: Session, commitment_id: int) -> list[Breach]:
    return list(
        session.scalars(select(Breach).where(Breach.commitment_id == commitment_id).order_by(Breach.id))
    )
