"""The commune needs campaign of Công văn 64/UBND-VHXH of xã Cẩm Giang
(docs/processes.md#commune-needs-campaign).

A campaign is a small coordinating instance (``commune_campaign``) whose call activity
``ask_units`` starts one small ``unit_proposal`` instance per addressed unit, so one
click never costs more with 5,000 units than with 10. The engine tells this module about
every step of those instances (``register``), and this module keeps the proposals table,
the aggregation and the city submission in step, in the same transaction. Campaigns
opened before the fan-out was drawn (their units started here, a returned proposal
answered in a new instance) run to their end as they began (README, "Running cases
carried over").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from engine.contracts import Element, MessageUse, ProcessContract, user_task
from engine.errors import NotFound
from engine.helpers import as_instant
from engine.messages import Message
from engine.models import HumanTask, MessageSubscription, ProcessInstance
from engine.reactions import Capability, CaseSource, completed, ended, reached, recalled, started
from engine.runtime import InstanceChange, StartRequest, WorkflowRuntime
from services import notifications
from services.campaigns import _dispatch as dispatch
from services.campaigns._models import Campaign, ProposalLine, UnitProposal
from services.common import audit
from services.common.db import table_of
from services.common.display import LOCAL_TZ, deadline_message
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.common.models import AuditEvent
from services.deadlines import highest_levels
from services.identity import (
    COMMUNE_CHAIR,
    RECORDS_CLERK,
    UNIT_HEAD,
    UNIT_OFFICER,
    VHXH_OFFICER,
    AppUser,
    Membership,
    OrgChart,
    OrgUnit,
    addressable_units,
    culture_society_office,
    holds_role,
    unit_by_code,
    user_by_username,
)

CAMPAIGN_PROCESS = "commune_campaign"
UNIT_PROCESS = "unit_proposal"
ASK_UNITS = "ask_units"  # the campaign's call activity: one unit_proposal per addressed unit
RETURNED_MESSAGE = "proposal_returned"  # what a return for clarification sends to the unit's instance
# The correlation key the unit's instance waits on: its campaign and its unit's code.
UNIT_ANSWER, UNIT_ANSWER_PROPERTIES = "unit_answer", ("answer_campaign", "answer_unit")
# Proposals that count in the aggregation: on time, or late and accepted by a leader.
COUNTED = ("submitted", "accepted_late")
# A unit instance's outcome is the end event it reaches: the proposal's status.
UNIT_OUTCOMES = {
    "submitted": "submitted",
    "submitted_late": "submitted_late",
    "declared_no_demand": "declared_no_demand",
    "deemed_no_demand": "deemed_no_demand",
}
# Outcomes the head sent (on time or not): the moment of receipt, and the lines received.
RECEIVED = ("submitted", "submitted_late", "declared_no_demand")
# Where a unit stands in a campaign: one answer (``standing``) for the board, the .xlsx and
# the API, each unit in exactly one of these. Until the cutoff a unit that has sent
# nothing is not yet deemed anything; a late proposal counts nowhere until a leader accepts
# it; a unit whose instance an administrator cancelled stands apart.
NOT_SENT = ("not_started", "drafting", "returned")
STANDINGS = (
    *NOT_SENT,
    "submitted",
    "accepted_late",
    "submitted_late",
    "declared_no_demand",
    "deemed_no_demand",
    "cancelled",
)
PROPOSAL_LINE_FIELDS = (
    "field",
    "major",
    "specialisation",
    "training_institutions",
    "institution_tier",
    "criteria",
    "target_group",
    "job_position",
    "employee_category",
    "quantity_year",
    "quantity_period",
)
NEEDED_BY = Message("The commune's needs campaign")
CONTRACTS = (
    ProcessContract(
        UNIT_PROCESS,
        "services/campaigns",
        NEEDED_BY,
        (
            user_task(
                "draft_proposal",
                "the unit officer's draft: completing it makes the proposal `drafting`; "
                "its lines are what the head's submission sends",
                "no_demand",
                *(f"lines[].{name}" for name in PROPOSAL_LINE_FIELDS),
            ),
            user_task(
                "approve_proposal",
                "the head's decision: on a return, the officers who redraft are told why",
                "head_decision",
                "head_comment",
            ),
            Element(
                "proposal_received",
                "intermediateThrowEvent",
                "reached when the head sends on time with demand: the moment of receipt, the proposal is "
                "`submitted` with its lines; the instance then waits for the cutoff or a return",
            ),
            Element(
                "clarification_requested",
                "intermediateCatchEvent",
                f"where Phòng VH-XH's return for clarification (the message `{RETURNED_MESSAGE}`) reaches "
                "the unit, which drafts again",
            ),
        ),
        outcomes=UNIT_OUTCOMES,
        messages=(
            MessageUse(
                RETURNED_MESSAGE,
                "Phòng VH-XH's return for clarification, with its reason (`clarification`)",
                UNIT_ANSWER,
                UNIT_ANSWER_PROPERTIES,
            ),
        ),
        start_data=(
            "campaign_id",
            "title",
            "commune_name",
            "target_year",
            "period_from",
            "period_to",
            "unit_deadline",
            "city_deadline",
            "unit_code",
            "unit_name",
        ),
    ),
    ProcessContract(
        CAMPAIGN_PROCESS,
        "services/campaigns",
        NEEDED_BY,
        (
            Element(
                ASK_UNITS,
                "callActivity",
                "one `unit_proposal` per addressed unit (`units`: code, name, org_unit_id, business_key): "
                "the proposals table is filled as each starts; the campaign goes on when the last has ended",
            ),
            user_task(
                "aggregate_proposals",
                "Phòng VH-XH aggregates: opened, the campaign is `aggregating`; "
                "completed, the aggregation is snapshot; its case is the aggregation table",
            ),
            user_task("approve_aggregation", "the commune chair approves: its case is the aggregation table"),
            user_task(
                "record_city_submission",
                "the records clerk issues the Công văn to the city: reached once the chair approved (the "
                "Công văn drafted from the aggregation is approved in the chair's name); completed, it takes "
                "its number and date from the register and the campaign is `submitted`",
                "note",
            ),
            user_task(
                "handle_city_deadline_missed", "opened by the city-deadline escalation: the board shows it"
            ),
        ),
        start_data=(
            "campaign_id",
            "title",
            "commune_name",
            "target_year",
            "period_from",
            "period_to",
            "unit_deadline",
            "city_deadline",
            "units",
        ),
    ),
)
MIN_REASON_LENGTH = 10
PROPOSAL = table_of(UnitProposal)
LINE = table_of(ProposalLine)
# Statements run on every unit step, built once (see engine.store).
_UPDATE_PROPOSAL = update(PROPOSAL).where(PROPOSAL.c.instance_id == bindparam("b_instance_id"))
_PROPOSAL_ID = select(PROPOSAL.c.id).where(PROPOSAL.c.instance_id == bindparam("b_instance_id"))
_LINK_PROPOSAL = update(PROPOSAL).where(
    PROPOSAL.c.campaign_id == bindparam("b_campaign_id"),
    PROPOSAL.c.org_unit_id == bindparam("b_unit_id"),
    PROPOSAL.c.instance_id.is_(None),
)
_DELETE_LINES = delete(LINE).where(LINE.c.proposal_id == bindparam("b_proposal_id"))
_INSERT_LINES = insert(LINE)


@dataclass(frozen=True)
class CampaignRequest:
    commune_code: str
    title: str
    target_year: int
    unit_deadline: datetime | None = None  # default: before 12:00 14/01 local, exclusive
    city_deadline: datetime | None = None  # default: "trước ngày 15/01" = before 00:00 15/01
    unit_codes: tuple[str, ...] | None = None  # default: every in-scope unit of the commune
    launch_doc: str | None = None


def default_deadlines(target_year: int) -> tuple[datetime, datetime]:
    return (
        datetime(target_year, 1, 14, 12, 0, tzinfo=LOCAL_TZ),
        datetime(target_year, 1, 15, 0, 0, tzinfo=LOCAL_TZ),
    )


def plan_period(target_year: int) -> tuple[int, int]:
    """The five-year plan period containing the year (2026-2030, 2031-2035, ...)."""
    start = 2026 + (target_year - 2026) // 5 * 5
    return start, start + 4


def register(runtime: WorkflowRuntime) -> None:
    runtime.register(
        Capability(
            "campaigns",
            CONTRACTS,
            (
                started(UNIT_PROCESS, _unit_started),
                completed(UNIT_PROCESS, "draft_proposal", _drafting),
                # An officer may take the draft back while the head has not decided: its
                # completion only marked the proposal as drafting (the lines are recorded
                # when the head sends it), so undoing it is keeping it drafting.
                recalled(UNIT_PROCESS, "draft_proposal", _drafting),
                completed(UNIT_PROCESS, "approve_proposal", _head_decided),
                reached(UNIT_PROCESS, "proposal_received", _received),
                *(ended(UNIT_PROCESS, end_event, _unit_finished) for end_event in UNIT_OUTCOMES),
                reached(CAMPAIGN_PROCESS, "aggregate_proposals", _aggregating),
                completed(CAMPAIGN_PROCESS, "aggregate_proposals", _aggregated(runtime)),
                reached(CAMPAIGN_PROCESS, "record_city_submission", _approved),
                completed(CAMPAIGN_PROCESS, "record_city_submission", _submitted),
                reached(CAMPAIGN_PROCESS, "handle_city_deadline_missed", _city_deadline_missed),
            ),
            case_sources=tuple(
                CaseSource(CAMPAIGN_PROCESS, task, _aggregation_case(runtime))
                for task in ("aggregate_proposals", "approve_aggregation", "record_city_submission")
            ),
        )
    )


def _aggregation_case(runtime: WorkflowRuntime):
    def provide(session: Session, instance_id: int, at: datetime) -> dict:
        """The aggregation as Phòng VH-XH and the chair decide on it: every unit's totals
        (nothing for a unit not counted), the lines by field and unit, the totals."""
        campaign = session.scalar(select(Campaign).where(Campaign.instance_id == instance_id))
        if campaign is None:
            return {}
        aggregation, titles = current_aggregation(session, campaign, at), field_titles(session, runtime)
        nothing = {"quantity_year": 0, "quantity_period": 0, "needs": 0}
        by_unit: dict[str, dict] = {}
        for line in aggregation["lines"]:
            unit = by_unit.setdefault(line["unit_name"], dict(nothing))
            for key in unit:
                unit[key] += line[key]
        return {
            "unit_totals": [
                {
                    "unit_name": unit["unit_name"],
                    "counted": unit["unit_name"] in by_unit,
                    **by_unit.get(unit["unit_name"], nothing),
                }
                for unit in unit_statuses(session, campaign, at)
            ],
            "aggregation_lines": [
                {**line, "field": titles.get(line["field"], line["field"])} for line in aggregation["lines"]
            ],
            "aggregation_totals": aggregation["totals"],
            # The Công văn as it stands, on the task page among the documents of the case.
            **(
                {"dispatch_document_id": draft}
                if (draft := dispatch.draft_file_of(session, campaign))
                else {}
            ),
        }

    return provide


# -- opening -----------------------------------------------------------------------


def open_campaign(
    session: Session,
    runtime: WorkflowRuntime,
    actor_username: str,
    request: CampaignRequest,
    at: datetime | None = None,
) -> Campaign:
    at = at or runtime.clock.now()
    actor = user_by_username(session, actor_username)
    commune = unit_by_code(session, request.commune_code)
    if commune.level != "commune":
        raise InvalidInput("commune", Message("«%(unit)s» is not a commune or ward.", unit=commune.name))
    office = culture_society_office(session, commune)
    if not holds_role(session, actor.id, VHXH_OFFICER, office.id):
        raise PermissionDenied(Message("You are not an officer of %(office)s.", office=office.name))
    unit_deadline, city_deadline = _deadlines(request, at)
    units = _addressed_units(session, commune, request.unit_codes)
    title = request.title.strip()
    if not title or len(title) > 500:
        raise InvalidInput(
            "title",
            Message(
                "Please enter «%(label)s» (at most %(limit)s characters).",
                label=Message("Campaign name"),
                limit=500,
            ),
        )
    period_from, period_to = plan_period(request.target_year)
    campaign = Campaign(
        title=title,
        commune_id=commune.id,
        aggregator_id=office.id,
        launch_doc=request.launch_doc,
        target_year=request.target_year,
        period_from=period_from,
        period_to=period_to,
        unit_deadline=unit_deadline,
        city_deadline=city_deadline,
        status="open",
        opened_by=actor.id,
        opened_at=at,
    )
    session.add(campaign)
    session.flush()
    # Each row takes its instance when the campaign's call starts it (_unit_started).
    session.execute(
        insert(PROPOSAL),
        [
            {"campaign_id": campaign.id, "org_unit_id": unit.id, "status": "not_started", "updated_at": at}
            for unit in units
        ],
    )
    addressed = [
        {
            "code": unit.code,
            "name": unit.name,
            "org_unit_id": unit.id,
            "business_key": _unit_key(campaign, unit),
        }
        for unit in units
    ]
    campaign.instance_id = runtime.start(
        session,
        CAMPAIGN_PROCESS,
        {**_start_data(campaign, commune), "units": addressed},
        lane_orgs={VHXH_OFFICER: office.id, COMMUNE_CHAIR: commune.id, RECORDS_CLERK: commune.id},
        business_key=f"campaign:{campaign.id}",
        at=at,
    ).instance.id
    audit.record(
        session,
        at,
        actor.id,
        "campaign_opened",
        f"campaign:{campaign.id}",
        units=[unit.code for unit in units],
        unit_deadline=unit_deadline.isoformat(),
        city_deadline=city_deadline.isoformat(),
    )
    return campaign


@dataclass(frozen=True)
class OpeningChoice:
    """A commune whose campaign the officer may open, and the units it may address."""

    commune: OrgUnit
    units: list[OrgUnit]


def opening_choices(session: Session, actor_username: str) -> list[OpeningChoice]:
    """The communes whose Phòng VH-XH the officer works in, each with its in-scope units."""
    actor = user_by_username(session, actor_username)
    offices = session.scalars(
        select(OrgUnit)
        .join(Membership, Membership.org_unit_id == OrgUnit.id)
        .where(Membership.user_id == actor.id, Membership.role_code == VHXH_OFFICER)
        .order_by(OrgUnit.id)
    )
    communes = [session.get_one(OrgUnit, office.commune_id) for office in offices if office.commune_id]
    return [OpeningChoice(commune, addressable_units(session, commune)) for commune in communes]


def _deadlines(request: CampaignRequest, at: datetime) -> tuple[datetime, datetime]:
    default_unit, default_city = default_deadlines(request.target_year)
    unit_deadline = request.unit_deadline or default_unit
    city_deadline = request.city_deadline or default_city
    for field, value in (("unit_deadline", unit_deadline), ("city_deadline", city_deadline)):
        if value.tzinfo is None:
            raise InvalidInput(field, Message("The deadline must state its time zone (for example +07:00)."))
    if unit_deadline <= at:
        raise InvalidInput(
            "unit_deadline",
            Message("The units' deadline for their proposals must be after the campaign opens."),
        )
    if city_deadline <= unit_deadline:
        raise InvalidInput(
            "city_deadline",
            Message("The deadline for the city People's Committee must be after the units' deadline."),
        )
    return unit_deadline, city_deadline


def _addressed_units(session: Session, commune: OrgUnit, unit_codes) -> list[OrgUnit]:
    candidates = addressable_units(session, commune)
    if unit_codes is None:
        units = candidates
    else:
        by_code = {unit.code: unit for unit in candidates}
        unknown = [code for code in unit_codes if code not in by_code]
        if unknown:
            raise InvalidInput(
                "units",
                Message(
                    "A request cannot be sent to a unit outside the commune or out of scope: %(units)s",
                    units=", ".join(unknown),
                ),
            )
        units = [by_code[code] for code in dict.fromkeys(unit_codes)]
    if not units:
        raise InvalidInput("units", Message("A campaign must be sent to at least one unit."))
    return units


def _start_data(campaign: Campaign, commune: OrgUnit) -> dict:
    return {
        "campaign_id": campaign.id,
        "title": campaign.title,
        "commune_name": commune.name,
        "target_year": campaign.target_year,
        "period_from": campaign.period_from,
        "period_to": campaign.period_to,
        "unit_deadline": campaign.unit_deadline.astimezone(LOCAL_TZ).isoformat(),
        "city_deadline": campaign.city_deadline.astimezone(LOCAL_TZ).isoformat(),
    }


def _unit_key(campaign: Campaign, unit: OrgUnit) -> str:
    """The business key of a unit's instances in a campaign: what finds them (unit_view)."""
    return f"campaign:{campaign.id}/unit:{unit.code}"


def _round_request(campaign: Campaign, unit: OrgUnit, data: dict) -> StartRequest:
    """A new round of a unit's answer, for a campaign opened before the fan-out was drawn:
    its own instance, acted on by the unit's officer and head."""
    return StartRequest(
        {**data, "unit_code": unit.code, "unit_name": unit.name},
        lane_orgs={UNIT_OFFICER: unit.id, UNIT_HEAD: unit.id},
        business_key=_unit_key(campaign, unit),
    )


# -- keeping proposals in step with their instances ----------------------------------


def _unit_started(session: Session, change: InstanceChange) -> None:
    """The campaign's call started the unit's instance: the unit's row, opened with the
    campaign, is its. (A round started for an older campaign has its row already.)"""
    session.execute(
        _LINK_PROPOSAL,
        {
            "instance_id": change.instance.id,
            "updated_at": change.at,
            "b_campaign_id": change.data.get("campaign_id"),
            "b_unit_id": change.instance.lane_orgs.get(UNIT_OFFICER),
        },
    )


def _drafting(session: Session, change: InstanceChange) -> None:
    if not change.finished:  # a unit that declared no demand in its draft ends in the same step
        session.execute(
            _UPDATE_PROPOSAL,
            {"status": "drafting", "updated_at": change.at, "b_instance_id": change.instance.id},
        )


def _head_decided(session: Session, change: InstanceChange) -> None:
    """A head who returns the proposal: whoever redrafts it is told by whom and why."""
    done = change.completed_task
    assert done is not None and done.completed_data is not None, "a completion reaction"
    decision = done.completed_data
    if decision.get("head_decision") != "return":
        return
    head = session.get(AppUser, done.completed_by) if done.completed_by else None
    _tell_redrafters(
        session,
        change,
        Message(
            "The head %(head)s returned the proposal for changes, with the comment: «%(comment)s».",
            head=head.full_name if head else "",
            comment=decision.get("head_comment", ""),
        ),
    )


def _tell_redrafters(session: Session, change: InstanceChange, why: Message) -> None:
    """Each officer who holds the reopened draft is told why it came back, and by when
    to send it again."""
    chart = OrgChart(session, change.at)
    due = deadline_message(as_instant(change.data["unit_deadline"]))
    for task in change.opened_tasks:
        for officer in chart.task_holders(task.lane, task.org_unit_id, task.assignee_id):
            notifications.notify(
                session,
                key=f"proposal-returned:{task.id}:{officer.id}",
                user=officer,
                subject=Message("Proposal returned: %(campaign)s", campaign=change.data.get("title", "")),
                body=Message("%(why)s Correct it and send it again %(due)s.", why=why, due=due),
                at=change.at,
                task_id=task.id,
            )


def _unit_finished(session: Session, change: InstanceChange) -> None:
    """The outcome is the end event reached. When the head's sending ended it, on time or
    not, this is the moment of receipt: a late proposal is kept and marked late. (A
    proposal received on time ends at the cutoff, its receipt recorded by _received.)"""
    outcome = UNIT_OUTCOMES[change.end_events[0]]
    values = {"status": outcome, "closed_at": change.at, "updated_at": change.at}
    if outcome in RECEIVED and change.completed_task is not None:
        values.update(_receipt(session, change))
    session.execute(_UPDATE_PROPOSAL, {**values, "b_instance_id": change.instance.id})


def _received(session: Session, change: InstanceChange) -> None:
    """The head sent on time with demand: the moment of receipt. The instance stays open
    until the cutoff, for Phòng VH-XH to return it for clarification."""
    values = {"status": "submitted", "updated_at": change.at, **_receipt(session, change)}
    session.execute(_UPDATE_PROPOSAL, {**values, "b_instance_id": change.instance.id})


def _receipt(session: Session, change: InstanceChange) -> dict:
    """Who sent what, and when: the lines received replace any received before."""
    assert change.completed_task is not None, "a head's sending"
    _replace_lines(session, change.instance.saved_id, change.data)
    return {"received_at": change.at, "submitted_by": change.completed_task.completed_by}


def _replace_lines(session: Session, instance_id: int, data: dict) -> None:
    proposal_id = session.scalar(_PROPOSAL_ID, {"b_instance_id": instance_id})
    if proposal_id is None:
        return
    session.execute(_DELETE_LINES, {"b_proposal_id": proposal_id})
    lines = [] if data.get("no_demand") else data.get("lines", [])
    if lines:
        session.execute(
            _INSERT_LINES,
            [
                {
                    "proposal_id": proposal_id,
                    "position": position,
                    "field": line["field"],
                    "major": line["major"],
                    "specialisation": line.get("specialisation"),
                    "training_institutions": line.get("training_institutions", []),
                    "institution_tier": line.get("institution_tier"),
                    "criteria": line["criteria"],
                    "target_group": line["target_group"],
                    "job_position": line["job_position"],
                    "employee_category": line.get("employee_category"),
                    "quantity_year": line["quantity_year"],
                    "quantity_period": line["quantity_period"],
                }
                for position, line in enumerate(lines, start=1)
            ],
        )


def _campaign_of(session: Session, change: InstanceChange) -> Campaign | None:
    return session.scalar(select(Campaign).where(Campaign.instance_id == change.instance.id))


def _aggregating(session: Session, change: InstanceChange) -> None:
    campaign = _campaign_of(session, change)
    if campaign is not None:
        campaign.status = "aggregating"


def _aggregated(runtime: WorkflowRuntime):
    def aggregated(session: Session, change: InstanceChange) -> None:
        campaign = _campaign_of(session, change)
        if campaign is not None:
            campaign.aggregation, campaign.aggregated_at = aggregate(session, campaign, change.at), change.at
            campaign.status = "awaiting_approval"
            actor = change.completed_task.completed_by if change.completed_task else None
            dispatch.draft_dispatch(session, campaign, change.at, actor, field_titles(session, runtime))

    return aggregated


def _approved(session: Session, change: InstanceChange) -> None:
    campaign = _campaign_of(session, change)
    if campaign is not None:
        campaign.status = "awaiting_dispatch"
        chair = change.completed_task.completed_by if change.completed_task else None
        dispatch.approve_dispatch(session, campaign, change.at, chair)


def _submitted(session: Session, change: InstanceChange) -> None:
    """The records clerk issued the Công văn: its number and date are the dispatch's. (A
    version drawn before the records office had Phòng VH-XH type them.)"""
    campaign = _campaign_of(session, change)
    if campaign is not None:
        done = change.completed_task
        assert done is not None and done.completed_data is not None, "a completion reaction"
        data = done.completed_data
        campaign.status, campaign.submitted_at = "submitted", change.at
        if "dispatch_number" in data:
            campaign.dispatch_number = data["dispatch_number"]
            campaign.dispatch_date = date.fromisoformat(data["dispatch_date"])
        else:
            issued = dispatch.issue_dispatch(session, campaign, change.at, done.completed_by)
            campaign.dispatch_number, campaign.dispatch_date = issued.code, issued.issued_on
        campaign.submission = campaign.aggregation


def _city_deadline_missed(session: Session, change: InstanceChange) -> None:
    campaign = _campaign_of(session, change)
    if campaign is not None:
        campaign.city_deadline_missed_at = change.at


# -- returning, aggregating, accepting late ---------------------------------------------


def return_proposal(
    session: Session,
    runtime: WorkflowRuntime,
    actor_username: str,
    campaign_id: int,
    unit_code: str,
    reason: str,
    at: datetime | None = None,
) -> UnitProposal:
    """Phòng VH-XH returns an on-time proposal for clarification, before the cutoff: the
    unit drafts again, prefilled with what it sent. If it does not send again before the
    cutoff, it is deemed to have no demand. The unit's instance waits for the return (the
    message proposal_returned); a campaign opened before the fan-out was drawn answers in
    a new round (a new instance)."""
    at = at or runtime.clock.now()
    actor = user_by_username(session, actor_username)
    campaign = get_campaign(session, campaign_id)
    if not holds_role(session, actor.id, VHXH_OFFICER, campaign.aggregator_id):
        raise PermissionDenied(f"{actor_username} may not return proposals of campaign {campaign_id}")
    unit = unit_by_code(session, unit_code)
    proposal = _proposal(session, campaign, unit)
    if proposal is None or proposal.status != "submitted":
        raise Conflict(Message("%(unit)s has no submitted proposal in this campaign.", unit=unit.name))
    if at >= campaign.unit_deadline:
        raise Conflict(
            Message("The cutoff of this campaign has passed; proposals can no longer be returned.")
        )
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise InvalidInput(
            "reason",
            Message(
                "«%(label)s» must have at least %(minimum)s characters.",
                label=Message("Reason for returning"),
                minimum=MIN_REASON_LENGTH,
            ),
        )
    if proposal.instance_id is not None and _waits_for_return(session, proposal.instance_id):
        payload = {"campaign_id": campaign.id, "unit_code": unit.code, "reason": reason}
        delivered = {"name": RETURNED_MESSAGE, "payload": payload, "correlations": _unit_correlation(payload)}
        change = runtime.deliver_event(session, proposal.instance_id, "message", delivered, at)
        assert change is not None, "the instance waits for the return"
    else:
        change = _new_round(session, runtime, campaign, unit, proposal, reason, at)
    _tell_redrafters(
        session,
        change,
        Message(
            "The Culture and Society Office (%(officer)s) returned the proposal for clarification, for this "
            "reason: «%(reason)s».",
            officer=actor.full_name,
            reason=reason,
        ),
    )
    audit.record(
        session,
        at,
        actor.id,
        "proposal_returned",
        f"unit_proposal:{proposal.id}",
        campaign_id=campaign.id,
        unit=unit.code,
        reason=reason,
        previous_instance=proposal.instance_id,
        new_instance=change.instance.id,
    )
    proposal.instance_id, proposal.status, proposal.updated_at = change.instance.id, "returned", at
    proposal.received_at = proposal.submitted_by = proposal.closed_at = None
    return proposal


def _waits_for_return(session: Session, instance_id: int) -> bool:
    waiting = select(MessageSubscription.id).where(
        MessageSubscription.instance_id == instance_id, MessageSubscription.name == RETURNED_MESSAGE
    )
    return session.scalar(waiting.limit(1)) is not None


def _unit_correlation(payload: dict) -> dict:
    """What the unit's instance waits for: its campaign and unit, the correlation key
    unit_answer of unit_proposal.bpmn."""
    campaign, unit = UNIT_ANSWER_PROPERTIES
    return {UNIT_ANSWER: {campaign: payload["campaign_id"], unit: payload["unit_code"]}}


def _new_round(session, runtime, campaign, unit, proposal, reason, at) -> InstanceChange:
    """A campaign opened before the fan-out was drawn: the unit answers again in a new
    instance, prefilled with the lines it sent."""
    data = {
        **_start_data(campaign, session.get_one(OrgUnit, campaign.commune_id)),
        "return_reason": reason,
        "previous_lines": _lines_of(session, proposal.id),
    }
    request = _round_request(campaign, unit, data)
    (change,) = runtime.start_many(session, UNIT_PROCESS, [request], parent_id=campaign.instance_id, at=at)
    return change


def _proposal(session: Session, campaign: Campaign, unit: OrgUnit) -> UnitProposal | None:
    return session.scalar(
        select(UnitProposal).where(
            UnitProposal.campaign_id == campaign.id, UnitProposal.org_unit_id == unit.id
        )
    )


def _lines_of(session: Session, proposal_id: int) -> list[dict]:
    rows = session.execute(
        select(*(LINE.c[name] for name in PROPOSAL_LINE_FIELDS))
        .where(LINE.c.proposal_id == proposal_id)
        .order_by(LINE.c.position)
    )
    return [{name: value for name, value in row._mapping.items() if value is not None} for row in rows]


def aggregate(session: Session, campaign: Campaign, at: datetime) -> dict:
    """One consolidated table by field and unit, from the counted proposals only, and
    each unit's standing as of ``at``."""
    rows = session.execute(
        select(
            ProposalLine.field,
            OrgUnit.code,
            OrgUnit.name,
            func.sum(ProposalLine.quantity_year),
            func.sum(ProposalLine.quantity_period),
            func.count(ProposalLine.id),
        )
        .join(UnitProposal, UnitProposal.id == ProposalLine.proposal_id)
        .join(OrgUnit, OrgUnit.id == UnitProposal.org_unit_id)
        .where(UnitProposal.campaign_id == campaign.id, UnitProposal.status.in_(COUNTED))
        .group_by(ProposalLine.field, OrgUnit.code, OrgUnit.name)
        .order_by(ProposalLine.field, OrgUnit.name)
    ).all()
    lines = [
        {
            "field": field,
            "unit_code": code,
            "unit_name": name,
            "quantity_year": int(year),
            "quantity_period": int(period),
            "needs": count,
        }
        for field, code, name, year, period, count in rows
    ]
    units: dict[str, list[str]] = {name: [] for name in STANDINGS}
    for unit in sorted(unit_statuses(session, campaign, at), key=lambda unit: unit["unit_code"]):
        units[unit["status"]].append(unit["unit_code"])
    return {
        "lines": lines,
        "units": units,
        "totals": {
            "quantity_year": sum(line["quantity_year"] for line in lines),
            "quantity_period": sum(line["quantity_period"] for line in lines),
        },
    }


def counted_lines(session: Session, campaign: Campaign) -> list[dict]:
    """Every line of every counted proposal, with its unit's name, in the units' order."""
    rows = session.execute(
        select(OrgUnit.name, UnitProposal.id)
        .join(UnitProposal, UnitProposal.org_unit_id == OrgUnit.id)
        .where(UnitProposal.campaign_id == campaign.id, UnitProposal.status.in_(COUNTED))
        .order_by(OrgUnit.id)
    )
    return [
        {"unit_name": name, **line} for name, proposal_id in rows for line in _lines_of(session, proposal_id)
    ]


def accept_late_proposal(
    session: Session, actor_username: str, campaign_id: int, unit_code: str, reason: str, at: datetime
) -> UnitProposal:
    """A leader of Phòng VH-XH (its head) or the commune chair counts a late proposal,
    with a written reason that is audited (docs/legal-rules.md, "A late proposal counts
    only when a leader accepts it")."""
    actor = user_by_username(session, actor_username)
    campaign = get_campaign(session, campaign_id)
    if not (
        holds_role(session, actor.id, UNIT_HEAD, campaign.aggregator_id)
        or holds_role(session, actor.id, COMMUNE_CHAIR, campaign.commune_id)
    ):
        raise PermissionDenied(f"{actor_username} may not accept late proposals of campaign {campaign_id}")
    unit = unit_by_code(session, unit_code)
    proposal = _proposal(session, campaign, unit)
    if proposal is None or proposal.status != "submitted_late":
        raise Conflict(Message("%(unit)s has no late proposal in this campaign.", unit=unit.name))
    if campaign.status not in ("open", "aggregating"):
        raise Conflict(Message("This campaign is already aggregated."))
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise InvalidInput(
            "reason",
            Message(
                "«%(label)s» must have at least %(minimum)s characters.",
                label=Message("Reason for accepting"),
                minimum=MIN_REASON_LENGTH,
            ),
        )
    assert proposal.received_at is not None, "a late proposal was received"
    proposal.status, proposal.updated_at = "accepted_late", at
    proposal.late_accepted_by, proposal.late_accepted_at, proposal.late_accepted_reason = actor.id, at, reason
    audit.record(
        session,
        at,
        actor.id,
        "late_proposal_accepted",
        f"unit_proposal:{proposal.id}",
        campaign_id=campaign.id,
        unit=unit.code,
        received_at=proposal.received_at.isoformat(),
        reason=reason,
    )
    return proposal


# -- reminding the units that have not answered ----------------------------------------------

REMIND_AGAIN_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Reminded:
    units: list[str]  # the names of the units told now
    recently: list[str]  # the names of the units told less than REMIND_AGAIN_AFTER ago, not told again


def remind_silent_units(session: Session, actor_username: str, campaign_id: int, at: datetime) -> Reminded:
    """Phòng VH-XH reminds every unit that has not sent its proposal, before the cutoff:
    whoever holds the unit's open task (its officer, or its head when the draft awaits
    approval) is told what is awaited and by when. Each unit is told at most once an hour;
    each reminder is audited."""
    actor = user_by_username(session, actor_username)
    campaign = get_campaign(session, campaign_id)
    if not holds_role(session, actor.id, VHXH_OFFICER, campaign.aggregator_id):
        raise PermissionDenied(f"{actor_username} may not remind the units of campaign {campaign_id}")
    if at >= campaign.unit_deadline:
        raise Conflict(Message("The cutoff of this campaign has passed."))
    silent = [unit for unit in unit_statuses(session, campaign, at) if unit["status"] in NOT_SENT]
    proposals = {
        unit.code: proposal
        for proposal, unit in session.execute(
            select(UnitProposal, OrgUnit)
            .join(OrgUnit, OrgUnit.id == UnitProposal.org_unit_id)
            .where(UnitProposal.campaign_id == campaign.id)
        )
    }
    recent = set(
        session.scalars(
            select(AuditEvent.subject).where(
                AuditEvent.action == "campaign_unit_reminded", AuditEvent.at > at - REMIND_AGAIN_AFTER
            )
        )
    )
    chart, told, skipped = OrgChart(session, at), [], []
    for unit in silent:
        proposal = proposals[unit["unit_code"]]
        subject = f"unit_proposal:{proposal.id}"
        if subject in recent:
            skipped.append(unit["unit_name"])
            continue
        open_tasks = session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == proposal.instance_id, HumanTask.status == "ready"
            )
        )
        for task in open_tasks:
            for holder in chart.task_holders(task.lane, task.org_unit_id, task.assignee_id):
                notifications.notify(
                    session,
                    key=f"campaign-reminder:{proposal.id}:{task.id}:{holder.id}:{at.isoformat()}",
                    user=holder,
                    at=at,
                    task_id=task.id,
                    subject=Message("Reminder to send the proposal: %(campaign)s", campaign=campaign.title),
                    body=Message(
                        "The Culture and Society Office reminds %(unit)s to send its needs proposal %(due)s "
                        "(task «%(task)s»). A unit that does not send it on time counts as having no needs.",
                        unit=unit["unit_name"],
                        due=deadline_message(campaign.unit_deadline),
                        task=task.title,
                    ),
                )
        audit.record(
            session,
            at,
            actor.id,
            "campaign_unit_reminded",
            subject,
            campaign_id=campaign.id,
            unit=unit["unit_code"],
        )
        told.append(unit["unit_name"])
    return Reminded(told, skipped)


# -- reading ---------------------------------------------------------------------------


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


def standing(proposal_status: str, instance_status: str | None, unit_deadline: datetime, at: datetime) -> str:
    """Where a unit stands as of ``at`` (see STANDINGS): what the board, the .xlsx and the
    API all show. Past the cutoff a unit that sent nothing is deemed to have no demand,
    whether or not the scheduler has closed its instance yet."""
    if instance_status == "cancelled":
        return "cancelled"
    if proposal_status in NOT_SENT and at >= unit_deadline:
        return "deemed_no_demand"
    return proposal_status


def unit_statuses(session: Session, campaign: Campaign, at: datetime) -> list[dict]:
    rows = session.execute(
        select(OrgUnit.code, OrgUnit.name, UnitProposal, ProcessInstance.status)
        .join(UnitProposal, UnitProposal.org_unit_id == OrgUnit.id)
        .outerjoin(ProcessInstance, ProcessInstance.id == UnitProposal.instance_id)
        .where(UnitProposal.campaign_id == campaign.id)
        .order_by(OrgUnit.id)
    ).all()
    escalated = highest_levels(
        session, [proposal.instance_id for _, _, proposal, _ in rows if proposal.instance_id]
    )
    return [
        {
            "unit_code": code,
            "unit_name": name,
            "status": standing(proposal.status, instance_status, campaign.unit_deadline, at),
            "received_at": proposal.received_at,
            "closed_at": proposal.closed_at,
            "escalation": escalated.get(proposal.instance_id),
        }
        for code, name, proposal, instance_status in rows
    ]


@dataclass(frozen=True)
class UnitView:
    """One unit's answer to a campaign, as the board opens it: where it stands, what it
    sent, and its instances (one; a campaign opened before the fan-out was drawn answered
    a returned proposal in a new one)."""

    standing: dict  # a row of unit_statuses
    lines: list[dict]  # the lines received, in the form's order
    instance_ids: list[int]  # its rounds, oldest first


def unit_view(session: Session, campaign: Campaign, unit_code: str, at: datetime) -> UnitView:
    standing = next(
        (unit for unit in unit_statuses(session, campaign, at) if unit["unit_code"] == unit_code), None
    )
    if standing is None:
        raise NotFound(f"unit {unit_code} is not addressed by campaign {campaign.id}")
    unit = unit_by_code(session, unit_code)
    proposal = _proposal(session, campaign, unit)
    assert proposal is not None, "a unit has a standing through its proposal"
    rounds = session.scalars(
        select(ProcessInstance.id)
        .where(ProcessInstance.business_key == _unit_key(campaign, unit))
        .order_by(ProcessInstance.id)
    )
    return UnitView(standing, _lines_of(session, proposal.id), list(rounds))


def campaign_for_board(session: Session, user_id: int, campaign_id: int) -> Campaign:
    """A campaign whose board the user may see: Phòng VH-XH (officers and head) and the
    commune chair. To anyone else it does not exist."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not _may_see_board(session, user_id, campaign):
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


def boards_of(session: Session, user_id: int) -> list[Campaign]:
    """The campaigns whose board the user may see, newest first."""
    return [
        campaign
        for campaign in session.scalars(select(Campaign).order_by(Campaign.opened_at.desc()))
        if _may_see_board(session, user_id, campaign)
    ]


def _may_see_board(session: Session, user_id: int, campaign: Campaign) -> bool:
    return (
        holds_role(session, user_id, VHXH_OFFICER, campaign.aggregator_id)
        or holds_role(session, user_id, UNIT_HEAD, campaign.aggregator_id)
        or holds_role(session, user_id, COMMUNE_CHAIR, campaign.commune_id)
    )


def current_aggregation(session: Session, campaign: Campaign, at: datetime) -> dict:
    """The snapshot taken when Phòng VH-XH aggregated, else the table as it stands at ``at``."""
    return campaign.aggregation or aggregate(session, campaign, at)


def line_columns(session: Session, runtime: WorkflowRuntime) -> list[tuple[str, str, dict[str, str]]]:
    """Each proposal line field as the newest proposal form presents it: its name, its
    title and the titles of its choices."""
    compiled = runtime.specs.get(runtime.latest(session, UNIT_PROCESS))
    fields = compiled.form_for("draft_proposal")["properties"]["lines"]["items"]["properties"]
    return [
        (
            name,
            fields[name].get("title", name),
            {option["const"]: option["title"] for option in fields[name].get("oneOf", [])},
        )
        for name in PROPOSAL_LINE_FIELDS
        if name in fields
    ]


def field_titles(session: Session, runtime: WorkflowRuntime) -> dict[str, str]:
    """Each field code's Vietnamese title, from the newest proposal form."""
    return next(choices for name, _, choices in line_columns(session, runtime) if name == "field")


def board_actions(session: Session, user_id: int, campaign: Campaign) -> dict[str, bool]:
    """What the user may do from the board: return proposals (Phòng VH-XH officers),
    accept late ones (the head of Phòng VH-XH, the chair)."""
    return {
        "return": holds_role(session, user_id, VHXH_OFFICER, campaign.aggregator_id),
        "accept_late": holds_role(session, user_id, UNIT_HEAD, campaign.aggregator_id)
        or holds_role(session, user_id, COMMUNE_CHAIR, campaign.commune_id),
    }
