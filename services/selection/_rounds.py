"""Selection rounds, the selection council and the decision (docs/processes.md#selection-council;
docs/legal-rules.md, "The council's composition follows Decree 170 by analogy" and
"Recruitment councils and talent selection councils are kept apart").

A round (``selection_round`` instance, driven by Sở Nội vụ, opened by hand or called by the
city's year) publishes positions; each candidate's dossier is checked in its own
``candidate_dossier`` instance (services/selection/_candidacy.py). When the applications
close (the round's timer), Sở Nội vụ forms the council; the round then calls one small
``council_scoring`` instance per (member, eligible candidate) pair that is not recused,
which this module gives to the member. Once every score is in (or at the scoring
deadline), the meeting is recorded: the council's rules (services/selection/_council_rules.py: quorum 2/3,
majority, the chair's side on a tie, pass mark 50) give each candidate's result, the
passed are ranked per position within its quantity, and the minutes (.docx) are
generated. The competent authority (city_chair) then approves (the passed within quota
are selected, and the round calls their commitments) or returns the results to the council.

Everything here runs in the transaction of the task completion that causes it; a refusal
raises ``FormInvalid`` so that nothing is half-written and the task page shows why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from engine.connectors import CallContext, Connector, ConnectorError, Parameter
from engine.contracts import Element, Field, ProcessContract, user_task
from engine.errors import FormInvalid, NotFound
from engine.forms import FieldError
from engine.helpers import as_instant
from engine.messages import Message
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.reactions import Capability, CaseSource, completed, reached, started
from engine.runtime import RUNNING, InstanceChange, StartRequest, WorkflowRuntime
from services import documents, people, records
from services.city import CityRound, approved_lines
from services.common import audit
from services.common.display import LOCAL_TZ, joined
from services.common.errors import InvalidInput, PermissionDenied
from services.common.policies import policy_book
from services.identity import (
    CITY_CHAIR,
    COUNCIL_MEMBER,
    SNV_OFFICER,
    AppUser,
    Membership,
    OrgUnit,
    city_of,
    user_by_username,
)
from services.people import Person
from services.selection import _council_rules as council_rules
from services.selection._council_rules import CouncilMember, CouncilRole, MemberScore, Recusal
from services.selection._minutes_and_decision import decision_layout, minutes_layout
from services.selection._models import (
    Candidate,
    Council,
    CouncilRecusal,
    CouncilScore,
    CouncilSeat,
    Position,
    RecruitmentRound,
)

ROUND_PROCESS = "selection_round"
SCORING_PROCESS = "council_scoring"
# The round's call of one council_scoring per member and candidate, and the connector
# that lists those pairs for it (its answer: {business key: the child's start data}).
SCORING_CALL, SCORING_PAIRS = "score_candidates", "council_scoring_pairs"
# Where the round's decision is recorded: the end event of versions drawn before the
# commitments were called, an intermediate event since.
RESULTS_DECIDED = "results_decided"
# The city's year prepares its round (the task), and the connector gives the round it
# prepared to the year's call of selection_round.
CITY_YEAR_PROCESS, PREPARE_ROUND, PREPARED_ROUND = (
    "city_consolidation",
    "prepare_selection_round",
    "prepared_selection_round",
)
# A member scores within 5 working days of the council's formation [our choice: Decree 170
# Art. 12 gives the council 5 working days to report after scoring;
# docs/deadlines.md#deadlines-by-process]. Today's versions draw it (selection_round's
# script task set_scoring_due); the code keeps it for versions drawn before.
SCORING_WORKING_DAYS = 5
# Candidates the council judges: eligible ones, and after a return by the authority the
# ones it has already judged.
JUDGED = ("eligible", "passed", "failed")
UNSCREENED = ("nominated", "applied")
MAX_QUANTITY = 1000


# -- opening a round -------------------------------------------------------------------


def open_round(
    session: Session,
    runtime: WorkflowRuntime,
    actor_username: str,
    *,
    title: str,
    legal_basis: str,
    positions: list[dict],
    applications_close_at: datetime,
    city_round_id: int | None = None,
    at: datetime | None = None,
) -> RecruitmentRound:
    """Sở Nội vụ opens a selection round with its published positions; the round's
    instance waits for ``applications_close_at`` and then asks for the council. (The
    city's year calls a round of its own: ``_round_prepared``.)"""
    at = at or runtime.clock.now()
    actor = user_by_username(session, actor_username)
    office = _office_of(session, actor.id)
    if office is None:
        raise PermissionDenied(f"{actor_username} is not an officer of Sở Nội vụ and may not open a round")
    city = session.get_one(OrgUnit, office.parent_id) if office.parent_id else office
    round_ = _new_round(
        session, actor.id, title, legal_basis, positions, applications_close_at, city_round_id, at
    )
    round_.instance_id = runtime.start(
        session,
        ROUND_PROCESS,
        round_start_data(round_),
        lane_orgs={SNV_OFFICER: office.id, CITY_CHAIR: city.id},
        business_key=f"round:{round_.id}",
        at=at,
    ).instance.id
    return round_


def _new_round(
    session: Session,
    actor_id: int | None,
    title: str,
    legal_basis: str,
    positions: list[dict],
    applications_close_at: datetime,
    city_round_id: int | None,
    at: datetime,
) -> RecruitmentRound:
    """The round and its positions, checked (``InvalidInput`` naming the field)."""
    title = (title or "").strip()
    if not title or len(title) > 500:
        raise InvalidInput(
            "title",
            Message(
                "Please enter «%(label)s» (at most %(limit)s characters).",
                label=Message("Round name"),
                limit=500,
            ),
        )
    policy_book().legal_basis(legal_basis)  # InvalidInput on "legal_basis" when unknown
    if applications_close_at.tzinfo is None:
        raise InvalidInput(
            "applications_close_at",
            Message("The applications deadline must state its time zone (for example +07:00)."),
        )
    if applications_close_at <= at:
        raise InvalidInput(
            "applications_close_at", Message("The applications deadline must be after the round opens.")
        )
    if city_round_id is not None and session.get(CityRound, city_round_id) is None:
        raise InvalidInput(
            "city_round_id", Message("There is no city needs round with code %(code)s.", code=city_round_id)
        )
    checked = _checked_positions(session, positions)
    round_ = RecruitmentRound(
        city_round_id=city_round_id,
        title=title,
        legal_basis=legal_basis,
        status="open",
        opened_at=at,
        opened_by=actor_id,
        applications_close_at=applications_close_at,
    )
    session.add(round_)
    session.flush()
    session.add_all(Position(round_id=round_.id, **position) for position in checked)
    audit.record(
        session,
        at,
        actor_id,
        "round_opened",
        f"round:{round_.id}",
        legal_basis=legal_basis,
        positions=len(checked),
        applications_close_at=applications_close_at.isoformat(),
        city_round_id=city_round_id,
    )
    return round_


def round_start_data(round_: RecruitmentRound) -> dict:
    """What a ``selection_round`` instance starts with."""
    return {
        "round_id": round_.id,
        "title": round_.title,
        "legal_basis": round_.legal_basis,
        "applications_close_at": _local_iso(round_.applications_close_at),
    }


def _round_prepared(session: Session, change: InstanceChange) -> None:
    """Sở Nội vụ prepared the round the city's year calls: the round and its positions,
    applications received until the end of the day chosen (the law's "hết ngày")."""
    city_round = session.scalar(select(CityRound).where(CityRound.instance_id == change.instance.id))
    done = change.completed_task
    if city_round is None or done is None:
        return
    data, actor_id = done.completed_data, done.completed_by
    assert data is not None and actor_id is not None  # a person completed the task
    close_on = date.fromisoformat(data["applications_close_on"])
    close_at = datetime.combine(close_on + timedelta(days=1), time(0), LOCAL_TZ)
    try:
        _new_round(
            session,
            actor_id,
            data["title"],
            data["legal_basis"],
            data["positions"],
            close_at,
            city_round.id,
            change.at,
        )
    except InvalidInput as invalid:
        field = "applications_close_on" if invalid.field == "applications_close_at" else invalid.field
        raise FormInvalid([FieldError(field, "invalid", invalid.message)]) from None


def _year_case(session: Session, instance_id: int) -> dict:
    """The positions the round starts from: the approved targets, line by line of the
    communes' registered submissions (Sở Nội vụ adjusts them)."""
    city_round = session.scalar(select(CityRound).where(CityRound.instance_id == instance_id))
    if city_round is None:
        return {}
    return {
        "positions": [
            {
                "org_unit_code": line["unit_code"],
                "field": line["field"],
                "job_position": line["job_position"],
                "target_group": line["target_group"],
                "quantity": line["quantity_year"],
            }
            for line in approved_lines(session, city_round)
        ]
    }


def _prepared_round(context: CallContext, params: dict) -> dict:
    """The connector's answer: the start data of the round the city's year prepared last."""
    round_ = context.session.scalar(
        select(RecruitmentRound)
        .where(
            RecruitmentRound.city_round_id == params["city_round_id"],
            RecruitmentRound.instance_id.is_(None),
        )
        .order_by(RecruitmentRound.id.desc())
        .limit(1)
    )
    if round_ is None:
        raise ConnectorError(
            Message(
                "no selection round is prepared for the city round %(round)s", round=params["city_round_id"]
            )
        )
    return round_start_data(round_)


def _round_started(session: Session, change: InstanceChange) -> None:
    round_ = session.get(RecruitmentRound, change.data.get("round_id") or 0)
    if round_ is not None and round_.instance_id is None:
        round_.instance_id = change.instance.saved_id


def _office_of(session: Session, user_id: int) -> OrgUnit | None:
    """The Sở Nội vụ unit where the user is an officer (the first, if several)."""
    return session.scalar(
        select(OrgUnit)
        .join(Membership, Membership.org_unit_id == OrgUnit.id)
        .where(Membership.user_id == user_id, Membership.role_code == SNV_OFFICER)
        .order_by(OrgUnit.id)
        .limit(1)
    )


def _checked_positions(session: Session, positions: list[dict]) -> list[dict]:
    if not positions:
        raise InvalidInput("positions", Message("A selection round must have at least one position."))
    checked = []
    for index, position in enumerate(positions):
        where = f"positions[{index}]"
        unit = session.scalar(select(OrgUnit).where(OrgUnit.code == position.get("org_unit_code")))
        if unit is None or not unit.in_scope:
            raise InvalidInput(
                f"{where}.org_unit_code",
                Message(
                    "There is no agency or unit with code «%(code)s» in scope.",
                    code=position.get("org_unit_code"),
                ),
            )
        texts = {}
        for name, label, limit in (
            ("field", Message("Field"), 60),
            ("job_position", Message("Job position"), 200),
            ("target_group", Message("Target group"), 60),
        ):
            value = str(position.get(name) or "").strip()
            if not value or len(value) > limit:
                raise InvalidInput(
                    f"{where}.{name}",
                    Message(
                        "Please enter «%(label)s» (at most %(limit)s characters).", label=label, limit=limit
                    ),
                )
            texts[name] = value
        quantity = position.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"{where}.quantity",
                Message("«Quota» must be a whole number from 1 to %(limit)s.", limit=MAX_QUANTITY),
            )
        checked.append({"org_unit_id": unit.id, "quantity": quantity, **texts})
    return checked


def _local_iso(instant: datetime) -> str:
    return instant.astimezone(LOCAL_TZ).isoformat()


def round_office_id(session: Session, round_: RecruitmentRound) -> int:
    """The Sở Nội vụ unit that runs the round: its instance's snv_officer lane."""
    lane_orgs = session.execute(
        select(ProcessInstance.lane_orgs).where(ProcessInstance.id == round_.instance_id)
    ).scalar_one()
    return lane_orgs[SNV_OFFICER]


def get_round(session: Session, round_id: int) -> RecruitmentRound:
    round_ = session.get(RecruitmentRound, round_id)
    if round_ is None:
        raise NotFound(f"no recruitment round {round_id}")
    return round_


def position_title(session: Session, position: Position) -> str:
    unit = session.get_one(OrgUnit, position.org_unit_id)
    return f"{position.job_position} — {unit.name}"


NEEDED_BY = Message("Selection and the selection council")
CONTRACTS = (
    ProcessContract(
        CITY_YEAR_PROCESS,
        "services/selection",
        NEEDED_BY,
        (
            user_task(
                PREPARE_ROUND,
                "completed: writes the year's selection round and its positions (refused with the "
                f"field at fault), which the connector `{PREPARED_ROUND}` gives to the call of "
                f"`{ROUND_PROCESS}`",
                "title",
                "legal_basis",
                "applications_close_on",
                "positions[].org_unit_code",
                "positions[].field",
                "positions[].job_position",
                "positions[].target_group",
                "positions[].quantity",
            ),
        ),
    ),
    ProcessContract(
        ROUND_PROCESS,
        "services/selection",
        NEEDED_BY,
        (
            user_task(
                "form_council",
                "completed: forms the council (on a version drawn before `score_candidates`, "
                "the code starts one `council_scoring` per member and eligible candidate itself)",
                "name",
                "establishing_decision",
                "members[].username",
                Field("members[].role", tuple(role.value for role in CouncilRole)),
                "members[].title",
                "members[].nominating_unit_code",
                "recusals[].username",
                "recusals[].candidate_id",
                "recusals[].reason",
            ),
            user_task(
                "record_council_meeting",
                "completed: applies the council rules, ranks, stores the minutes; "
                "reached again when the chair returns the results",
                "meeting_date",
                "place",
            ),
            user_task(
                "decide_results",
                "the city chair's decision: its data is what `results_decided` records",
                "decision_number",
                "decision_date",
                "chair_comment",
            ),
            Element(
                SCORING_CALL,
                "callActivity",
                f"calls `{SCORING_PROCESS}` once per member and candidate: the code fills in each "
                f"child's score and gives the task to the member (the connector `{SCORING_PAIRS}` "
                "lists the pairs, recusals left out)",
            ),
            Element(
                RESULTS_DECIDED,
                "intermediateThrowEvent",
                "reached: the approval is recorded, the passed within quota are selected",
            ),
        ),
        start_data=("round_id", "title", "legal_basis", "applications_close_at"),
    ),
    ProcessContract(
        SCORING_PROCESS,
        "services/selection",
        NEEDED_BY,
        (
            user_task(
                "score_candidate",
                "completed: records the member's score (refused from anyone but the seat's "
                "member, once the meeting is recorded, from a recused member)",
                "score",
                "remark",
            ),
        ),
        start_data=(
            "council_name",
            "candidate_id",
            "candidate_name",
            "position_title",
            "seat_id",
            "scoring_due",
        ),
    ),
)


def register(runtime: WorkflowRuntime) -> None:
    runtime.register_connector(
        Connector(
            SCORING_PAIRS,
            Message("List a council's scoring: each member and candidate"),
            (Parameter("round_id", "number", Message("Round")),),
            run=_scoring_pairs,
        )
    )
    runtime.register_connector(
        Connector(
            PREPARED_ROUND,
            Message("The selection round the city's year prepared"),
            (Parameter("city_round_id", "number", Message("City needs round")),),
            run=_prepared_round,
        )
    )
    runtime.register(
        Capability(
            "selection",
            CONTRACTS,
            (
                completed(
                    ROUND_PROCESS,
                    "form_council",
                    lambda session, change: _form_council(session, runtime, change),
                ),
                completed(
                    ROUND_PROCESS,
                    "record_council_meeting",
                    lambda session, change: _record_meeting(session, runtime, change),
                ),
                reached(ROUND_PROCESS, "record_council_meeting", _results_returned),
                reached(ROUND_PROCESS, RESULTS_DECIDED, _decided),
                completed(CITY_YEAR_PROCESS, PREPARE_ROUND, _round_prepared),
                started(ROUND_PROCESS, _round_started),
                started(SCORING_PROCESS, _scoring_started),
                completed(SCORING_PROCESS, "score_candidate", _scored),
            ),
            case_sources=(
                CaseSource(
                    CITY_YEAR_PROCESS,
                    PREPARE_ROUND,
                    lambda session, instance_id, at: _year_case(session, instance_id),
                ),
            ),
        )
    )


def _round_of(session: Session, change: InstanceChange) -> RecruitmentRound | None:
    return session.scalar(select(RecruitmentRound).where(RecruitmentRound.instance_id == change.instance.id))


# -- forming the council ---------------------------------------------------------------


@dataclass(frozen=True)
class _SeatRequest:
    user: AppUser
    role: str
    title: str
    nominating_org_id: int | None


def _form_council(session: Session, runtime: WorkflowRuntime, change: InstanceChange) -> None:
    round_, done, at = _round_of(session, change), change.completed_task, change.at
    if round_ is None or done is None:
        return
    data, actor_id = done.completed_data, done.completed_by
    assert data is not None  # a completed task has its data
    seats, errors = _seat_requests(session, data["members"])
    candidates = _judged_candidates(session, round_.id)
    errors += _pending_dossiers(session, round_.id)
    if not errors:  # the rules need every member resolved
        errors += [
            FieldError("members", "council_composition", problem)
            for problem in council_rules.composition_problems(_members(seats))
        ]
    recusals, recusal_errors = _recusal_requests(data.get("recusals", []), seats, candidates)
    errors += recusal_errors
    if errors:
        raise FormInvalid(errors)
    council = Council(
        round_id=round_.id,
        name=data["name"].strip(),
        establishing_decision=data["establishing_decision"],
        status="scoring",
        formed_at=at,
        formed_by=actor_id,
    )
    session.add(council)
    session.flush()
    seat_rows = [
        CouncilSeat(
            council_id=council.id,
            user_id=seat.user.id,
            role=seat.role,
            title=seat.title.strip(),
            nominating_org_id=seat.nominating_org_id,
        )
        for seat in seats
    ]
    session.add_all(seat_rows)
    session.flush()
    seat_of_user = {seat.user_id: seat for seat in seat_rows}
    session.add_all(
        CouncilRecusal(seat_id=seat_of_user[user_id].id, candidate_id=candidate_id, reason=reason)
        for (user_id, candidate_id), reason in recusals.items()
    )
    definition = session.get_one(ProcessDefinition, change.instance.definition_id)
    if not runtime.draws(definition, SCORING_CALL):
        _open_scoring(session, runtime, round_, council, at)
    round_.status = "scoring"
    audit.record(
        session,
        at,
        actor_id,
        "council_formed",
        f"council:{council.id}",
        round_id=round_.id,
        members=[(seat.user.username, seat.role) for seat in seats],
        recusals=[{"user_id": user_id, "candidate_id": candidate_id} for user_id, candidate_id in recusals],
    )


def _seat_requests(session: Session, members: list[dict]) -> tuple[list[_SeatRequest], list[FieldError]]:
    seats, errors = [], []
    for index, member in enumerate(members):
        user = session.scalar(
            select(AppUser).where(AppUser.username == member["username"].strip(), AppUser.active.is_(True))
        )
        if user is None:
            errors.append(
                FieldError(
                    f"members[{index}].username",
                    "unknown_user",
                    Message("There is no active account «%(username)s».", username=member["username"]),
                )
            )
            continue
        nominating_org_id = None
        code = (member.get("nominating_unit_code") or "").strip()
        if code:
            unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
            if unit is None:
                errors.append(
                    FieldError(
                        f"members[{index}].nominating_unit_code",
                        "unknown_unit",
                        Message("There is no agency or unit with code «%(code)s».", code=code),
                    )
                )
                continue
            nominating_org_id = unit.id
        seats.append(_SeatRequest(user, member["role"], member["title"], nominating_org_id))
    return seats, errors


def _members(seats) -> list[CouncilMember]:
    return [CouncilMember(seat.user.username, seat.user.full_name, CouncilRole(seat.role)) for seat in seats]


def _recusal_requests(
    recusals: list[dict], seats: list[_SeatRequest], candidates: list[Candidate]
) -> tuple[dict[tuple[int, int], str], list[FieldError]]:
    """(user id, candidate id) -> reason, and what is wrong with the list."""
    user_of = {seat.user.username: seat.user for seat in seats}
    candidate_ids = {candidate.id for candidate in candidates}
    found, errors = {}, []
    for index, recusal in enumerate(recusals):
        where = f"recusals[{index}]"
        user = user_of.get(recusal["username"].strip())
        if user is None:
            errors.append(
                FieldError(
                    f"{where}.username",
                    "not_a_member",
                    Message("«%(username)s» is not a member of the council.", username=recusal["username"]),
                )
            )
        if recusal["candidate_id"] not in candidate_ids:
            errors.append(
                FieldError(
                    f"{where}.candidate_id",
                    "unknown_candidate",
                    Message(
                        "Candidate %(candidate)s is not an eligible candidate of this round.",
                        candidate=recusal["candidate_id"],
                    ),
                )
            )
        if not recusal["reason"].strip():
            errors.append(
                FieldError(
                    f"{where}.reason", "required", Message("Please write the reason for not taking part.")
                )
            )
        if user is None or recusal["candidate_id"] not in candidate_ids:
            continue
        key = (user.id, recusal["candidate_id"])
        if key in found:
            errors.append(
                FieldError(
                    f"{where}.candidate_id", "duplicate", Message("This case is already written above.")
                )
            )
        found[key] = recusal["reason"].strip()
    return found, errors


def _judged_candidates(session: Session, round_id: int) -> list[Candidate]:
    return list(
        session.scalars(
            select(Candidate)
            .where(Candidate.round_id == round_id, Candidate.status.in_(JUDGED))
            .order_by(Candidate.id)
        )
    )


def _pending_dossiers(session: Session, round_id: int) -> list[FieldError]:
    """The council is formed for a known list of eligible candidates (docs/legal-rules.md,
    "The council judges only screened candidates")."""
    pending = session.scalar(
        select(func.count())
        .select_from(Candidate)
        .where(Candidate.round_id == round_id, Candidate.status.in_(UNSCREENED))
    )
    if not pending:
        return []
    return [
        FieldError(
            "",
            "dossiers_pending",
            Message(
                "%(count)s candidate dossiers are not checked yet: conclude on the eligibility of every "
                "candidate before forming the council.",
                count=pending,
            ),
        )
    ]


def _scoring_requests(session: Session, round_: RecruitmentRound, council: Council) -> list[dict]:
    """One scoring per member and judged candidate, recusals left out: its start data, its
    business key and the unit of its ``council_member`` lane (Sở Nội vụ's office). The
    child's task is the member's own (``_scoring_started``)."""
    seats = session.scalars(
        select(CouncilSeat).where(CouncilSeat.council_id == council.id).order_by(CouncilSeat.id)
    ).all()
    recused = set(
        session.execute(
            select(CouncilSeat.id, CouncilRecusal.candidate_id)
            .join(CouncilRecusal, CouncilRecusal.seat_id == CouncilSeat.id)
            .where(CouncilSeat.council_id == council.id)
        )
        .tuples()
        .all()
    )
    candidates = _judged_candidates(session, round_.id)
    names = dict(
        session.execute(
            select(Person.id, Person.full_name).where(
                Person.id.in_([candidate.person_id for candidate in candidates])
            )
        )
        .tuples()
        .all()
    )
    titles = {
        candidate.position_id: position_title(session, session.get_one(Position, candidate.position_id))
        for candidate in candidates
    }
    office_id = round_office_id(session, round_)
    return [
        {
            "business_key": f"round:{round_.id}/council:{council.id}/seat:{seat.id}/candidate:{candidate.id}",
            "office_id": office_id,
            "council_name": council.name,
            "candidate_id": candidate.id,
            "candidate_name": names[candidate.person_id],
            "position_title": titles[candidate.position_id],
            "seat_id": seat.id,
        }
        for candidate in candidates
        for seat in seats
        if (seat.id, candidate.id) not in recused
    ]


def _scoring_pairs(context: CallContext, params: dict) -> dict:
    """The connector's answer: the scorings of the round's council, keyed by business key
    (a multi-instance call runs over the values)."""
    session = context.session
    round_ = session.get(RecruitmentRound, params["round_id"])
    council = session.scalar(select(Council).where(Council.round_id == round_.id)) if round_ else None
    if round_ is None or council is None:
        raise ConnectorError(
            Message("round %(round)s has no council to score its candidates", round=params["round_id"])
        )
    return {request["business_key"]: request for request in _scoring_requests(session, round_, council)}


def _open_scoring(
    session: Session, runtime: WorkflowRuntime, round_: RecruitmentRound, council: Council, at: datetime
) -> None:
    """For a round on a version drawn before ``score_candidates``: the code starts the
    scorings that version does not call."""
    scoring_due = runtime.helpers["working_days_after"](at.isoformat(), SCORING_WORKING_DAYS)
    requests = []
    for request in _scoring_requests(session, round_, council):
        business_key, office_id = request.pop("business_key"), request.pop("office_id")
        requests.append(
            StartRequest(
                {**request, "scoring_due": scoring_due},
                lane_orgs={COUNCIL_MEMBER: office_id},
                business_key=business_key,
            )
        )
    if requests:
        runtime.start_many(session, SCORING_PROCESS, requests, parent_id=round_.instance_id, at=at)


def _scoring_started(session: Session, change: InstanceChange) -> None:
    """A scoring opened: its row, and its task given to the member of the seat."""
    seat = session.get(CouncilSeat, change.data.get("seat_id") or 0)
    if seat is None:
        return
    session.add(
        CouncilScore(
            seat_id=seat.id, candidate_id=change.data["candidate_id"], instance_id=change.instance.saved_id
        )
    )
    opened = [task.id for task in change.opened_tasks]
    if opened:
        session.execute(update(HumanTask).where(HumanTask.id.in_(opened)).values(assignee_id=seat.user_id))


# -- scoring ---------------------------------------------------------------------------


def _scored(session: Session, change: InstanceChange) -> None:
    done = change.completed_task
    row = session.scalar(select(CouncilScore).where(CouncilScore.instance_id == change.instance.id))
    if row is None:
        return
    assert done is not None and done.completed_data is not None  # a completion reaction
    seat = session.get_one(CouncilSeat, row.seat_id)
    council = session.get_one(Council, seat.council_id)
    if council.status != "scoring":
        raise FormInvalid(
            [
                FieldError(
                    "",
                    "council_closed",
                    Message("The council has met and its minutes are written: no more scoring."),
                )
            ]
        )
    if done.completed_by != seat.user_id:
        raise PermissionDenied(Message("Only the council member assigned may score this candidate."))
    rules, usernames = _rules_council(session, council)
    try:
        score = council_rules.record_score(
            rules, str(row.candidate_id), usernames[seat.user_id], done.completed_data["score"]
        )
    except InvalidInput as error:
        raise FormInvalid([FieldError("score", "invalid_score", error.message)]) from None
    row.score, row.scored_at = score.value, change.at
    row.remark = (done.completed_data.get("remark") or "").strip() or None


def _rules_council(session: Session, council: Council) -> tuple[council_rules.Council, dict[int, str]]:
    """The council as the rules see it; members are named by their username."""
    seats = session.execute(
        select(CouncilSeat, AppUser)
        .join(AppUser, AppUser.id == CouncilSeat.user_id)
        .where(CouncilSeat.council_id == council.id)
        .order_by(CouncilSeat.id)
    ).all()
    usernames = {seat.user_id: user.username for seat, user in seats}
    members = [CouncilMember(user.username, user.full_name, CouncilRole(seat.role)) for seat, user in seats]
    recusals = [
        Recusal(usernames[seat.user_id], str(recusal.candidate_id), recusal.reason)
        for recusal, seat in session.execute(
            select(CouncilRecusal, CouncilSeat)
            .join(CouncilSeat, CouncilSeat.id == CouncilRecusal.seat_id)
            .where(CouncilSeat.council_id == council.id)
        )
    ]
    return council_rules.Council(tuple(members), tuple(recusals)), usernames


# -- the meeting and its minutes -----------------------------------------------------------


def _record_meeting(session: Session, runtime: WorkflowRuntime, change: InstanceChange) -> None:
    round_, done, at = _round_of(session, change), change.completed_task, change.at
    if round_ is None or done is None:
        return
    data, actor_id = done.completed_data, done.completed_by
    assert data is not None  # a completed task has its data
    council = _council_of(session, round_)
    meeting_date = date.fromisoformat(data["meeting_date"])
    scoring_due = as_instant(
        runtime.helpers["working_days_after"](council.formed_at.isoformat(), SCORING_WORKING_DAYS)
    )
    # Before the scoring deadline the meeting waits for every member; after it, a member who
    # has not scored is absent (the quorum rule then decides whether the council could judge).
    errors = _missing_scores(session, council, scoring_due) if at < scoring_due else []
    if meeting_date > at.astimezone(LOCAL_TZ).date():
        errors.append(
            FieldError("meeting_date", "future", Message("The meeting date may not be after today."))
        )
    if meeting_date < council.formed_at.astimezone(LOCAL_TZ).date():
        errors.append(
            FieldError(
                "meeting_date",
                "before_council",
                Message("The meeting date may not be before the council was formed."),
            )
        )
    if errors:
        raise FormInvalid(errors)
    absent = _close_unscored(session, runtime, council, at)
    outcome = council_outcome(session, council)
    outcome.update(
        meeting_date=data["meeting_date"],
        place=data["place"].strip(),
        recorded_at=at.isoformat(),
        absent=absent,
    )
    council.outcome, council.status = outcome, "closed"
    for entry in outcome["candidates"]:
        session.get_one(Candidate, entry["candidate_id"]).status = (
            "passed" if entry["result"] == "passed" else "failed"
        )
    document = documents.store(
        session,
        at,
        actor_id,
        kind="minutes",
        subject=f"council:{council.id}",
        filename=f"bien-ban-hoi-dong-{council.id}.docx",
        media_type=documents.DOCX,
        content=records.render(
            session,
            "bien_ban",
            minutes_layout(council.name, council.establishing_decision, outcome, _city_of(session, round_)),
        )[1],
    )
    council.minutes_document_id = document.id
    round_.status = "awaiting_decision"
    audit.record(
        session,
        at,
        actor_id,
        "council_meeting_recorded",
        f"council:{council.id}",
        round_id=round_.id,
        meeting_date=data["meeting_date"],
        minutes_document_id=document.id,
        results={str(entry["candidate_id"]): entry["result"] for entry in outcome["candidates"]},
    )


def _council_of(session: Session, round_: RecruitmentRound) -> Council:
    """The round's council, formed before its meeting is recorded and its results decided."""
    return session.execute(select(Council).where(Council.round_id == round_.id)).scalar_one()


def _unscored(session: Session, council: Council):
    """(member's name, candidate's name, scoring instance id) of every score not given yet."""
    return session.execute(
        select(AppUser.full_name, Person.full_name, CouncilScore.instance_id)
        .select_from(CouncilScore)
        .join(CouncilSeat, CouncilSeat.id == CouncilScore.seat_id)
        .join(AppUser, AppUser.id == CouncilSeat.user_id)
        .join(Candidate, Candidate.id == CouncilScore.candidate_id)
        .join(Person, Person.id == Candidate.person_id)
        .where(CouncilSeat.council_id == council.id, CouncilScore.score.is_(None))
        .order_by(CouncilScore.id)
    ).all()


def _missing_scores(session: Session, council: Council, scoring_due: datetime) -> list[FieldError]:
    missing = _unscored(session, council)
    if not missing:
        return []
    due = scoring_due.astimezone(LOCAL_TZ)
    return [
        FieldError(
            "",
            "scores_missing",
            Message(
                "%(count)s scores are not given yet (%(listed)s): the minutes are written once every member "
                "has scored, or after the scoring deadline (%(time)s on %(day)s), when a member who has not "
                "scored counts as absent.",
                count=len(missing),
                listed=joined(
                    [
                        Message("%(member)s has not scored %(candidate)s", member=member, candidate=candidate)
                        for member, candidate, _ in missing
                    ],
                    "; ",
                ),
                time=f"{due:%H:%M}",
                day=f"{due:%d/%m/%Y}",
            ),
        )
    ]


def _close_unscored(session: Session, runtime: WorkflowRuntime, council: Council, at: datetime) -> list[dict]:
    """Close the scoring tasks of absent members (past the deadline); returns who was absent for whom."""
    absent = []
    for member, candidate, instance_id in _unscored(session, council):
        if session.get_one(ProcessInstance, instance_id).status == RUNNING:  # else the deadline closed it
            runtime.cancel(session, instance_id, at)
        absent.append({"member": member, "candidate": candidate})
    return absent


def council_outcome(session: Session, council: Council) -> dict:
    """Every judged candidate's result under the council's rules, ranked per position."""
    rules, usernames = _rules_council(session, council)
    seats = {
        seat.id: seat
        for seat in session.scalars(select(CouncilSeat).where(CouncilSeat.council_id == council.id))
    }
    users = {
        user.id: user
        for user in session.scalars(
            select(AppUser).where(AppUser.id.in_([seat.user_id for seat in seats.values()]))
        )
    }
    scores = defaultdict(list)
    for row in session.scalars(
        select(CouncilScore)
        .where(CouncilScore.seat_id.in_(list(seats)), CouncilScore.score.is_not(None))
        .order_by(CouncilScore.id)
    ):
        assert row.score is not None  # the query keeps given scores only
        scores[row.candidate_id].append((seats[row.seat_id], row.score))
    recusals = defaultdict(list)
    for recusal in session.scalars(select(CouncilRecusal).where(CouncilRecusal.seat_id.in_(list(seats)))):
        recusals[recusal.candidate_id].append((seats[recusal.seat_id], recusal.reason))

    candidates = _judged_candidates(session, council.round_id)
    outcomes = {
        candidate.id: council_rules.decide(
            rules,
            str(candidate.id),
            [MemberScore(usernames[seat.user_id], value) for seat, value in scores[candidate.id]],
        )
        for candidate in candidates
    }
    ranks = _ranks_within_positions(session, candidates, outcomes)
    seat_order = {seat_id: index for index, seat_id in enumerate(sorted(seats))}
    entries = []
    for candidate in candidates:
        outcome, position = outcomes[candidate.id], session.get_one(Position, candidate.position_id)
        rank = ranks.get(candidate.id)
        entries.append(
            {
                "candidate_id": candidate.id,
                "full_name": session.get_one(Person, candidate.person_id).full_name,
                "position_id": position.id,
                "position_title": position_title(session, position),
                "quantity": position.quantity,
                "scores": [
                    {
                        "username": usernames[seat.user_id],
                        "full_name": users[seat.user_id].full_name,
                        "role": seat.role,
                        "score": str(value),
                    }
                    for seat, value in sorted(scores[candidate.id], key=lambda item: seat_order[item[0].id])
                ],
                "recused": [
                    {
                        "username": usernames[seat.user_id],
                        "full_name": users[seat.user_id].full_name,
                        "reason": reason,
                    }
                    for seat, reason in recusals[candidate.id]
                ],
                "mean": None if outcome.score is None else str(outcome.score),
                "pass_votes": outcome.pass_votes,
                "fail_votes": outcome.fail_votes,
                "quorum_required": outcome.quorum_required,
                "result": str(outcome.result),
                "tie_broken_by": None if outcome.tie_broken_by is None else str(outcome.tie_broken_by),
                "rank": rank,
                "within_quota": rank is not None and rank <= position.quantity,
            }
        )
    members = [
        {
            "username": usernames[seat.user_id],
            "full_name": users[seat.user_id].full_name,
            "role": seat.role,
            "title": seat.title,
            "nominating_unit": _unit_name(session, seat.nominating_org_id),
        }
        for seat in sorted(seats.values(), key=lambda seat: seat.id)
    ]
    return {
        "council_size": rules.size,
        "quorum_required": council_rules.quorum_required(rules.size),
        "members": members,
        "candidates": entries,
    }


def _ranks_within_positions(session: Session, candidates: list[Candidate], outcomes: dict) -> dict[int, int]:
    """Each passed candidate's rank among the passed of their position (ties share a rank
    and are left to the competent authority, see council_rules.rank_passed)."""
    by_position = defaultdict(list)
    for candidate in candidates:
        by_position[candidate.position_id].append(outcomes[candidate.id])
    ranks = {}
    for position_outcomes in by_position.values():
        for ranked in council_rules.rank_passed(position_outcomes):
            ranks[int(ranked.outcome.candidate_id)] = ranked.rank
    return ranks


def _unit_name(session: Session, unit_id: int | None) -> str | None:
    return session.get_one(OrgUnit, unit_id).name if unit_id else None


# -- the decision ----------------------------------------------------------------------------

DECISION = "decision"  # the kind of the stored document


def _results_returned(session: Session, change: InstanceChange) -> None:
    """``record_council_meeting`` opens again after the chair's decision: returned."""
    round_, done = _round_of(session, change), change.completed_task
    if round_ is None or round_.status != "awaiting_decision" or done is None:
        return
    assert done.completed_data is not None  # a completed task has its data
    round_.status = "scoring"  # back to the council
    audit.record(
        session,
        change.at,
        done.completed_by,
        "round_results_returned",
        f"round:{round_.id}",
        comment=done.completed_data.get("chair_comment"),
    )


def _decided(session: Session, change: InstanceChange) -> None:
    """The chair approved: the passed within their position's quota are selected."""
    round_, done, at = _round_of(session, change), change.completed_task, change.at
    if round_ is None or done is None:
        return
    data, actor_id = done.completed_data, done.completed_by
    assert data is not None  # a completed task has its data
    council = _council_of(session, round_)
    assert council.outcome is not None  # recorded at the meeting, before the decision
    selected = {
        entry["candidate_id"]
        for entry in council.outcome["candidates"]
        if entry["result"] == "passed" and entry["within_quota"]
    }
    for candidate in _judged_candidates(session, round_.id):
        if candidate.id in selected:
            candidate.status = "selected"
            people.record_status(session, at, actor_id, candidate.person_id, "selected")
        else:
            candidate.status = "not_selected"
            people.record_status(session, at, actor_id, candidate.person_id, "not_selected")
    round_.status, round_.decided_at = "decided", at
    round_.decision_number = data["decision_number"]
    _store_decision(session, round_, council, data, at, actor_id)
    audit.record(
        session,
        at,
        actor_id,
        "round_decided",
        f"round:{round_.id}",
        decision_number=data["decision_number"],
        decision_date=data["decision_date"],
        selected=sorted(selected),
    )


def _store_decision(
    session: Session,
    round_: RecruitmentRound,
    council: Council,
    data: dict,
    at: datetime,
    actor_id: int | None,
) -> None:
    """The decision the chair approved, laid out as Decree 30 lays it out, with the number
    and date the chair gave: a document of the round (``decision_document_of``)."""
    assert council.outcome is not None  # recorded at the meeting, before the decision
    chair = session.get(AppUser, actor_id) if actor_id is not None else None
    layout = decision_layout(
        round_.title,
        policy_book().legal_basis(round_.legal_basis).title,
        data["decision_number"],
        date.fromisoformat(data["decision_date"]),
        council.outcome,
        _city_of(session, round_),
        chair.full_name if chair else "",
    )
    documents.store(
        session,
        at,
        actor_id,
        kind=DECISION,
        subject=f"round:{round_.id}",
        filename=f"quyet-dinh-{round_.id}.docx",
        media_type=documents.DOCX,
        content=records.render(session, "quyet_dinh", layout)[1],
    )


def decision_document_of(session: Session, round_id: int) -> int | None:
    """The id of the round's decision (the latest, should it be decided again)."""
    return session.scalar(
        select(documents.StoredDocument.id)
        .where(
            documents.StoredDocument.subject == f"round:{round_id}",
            documents.StoredDocument.kind == DECISION,
        )
        .order_by(documents.StoredDocument.id.desc())
        .limit(1)
    )


def _city_of(session: Session, round_: RecruitmentRound) -> str:
    """The People's Committee of the city whose Sở Nội vụ opened the round (its documents'
    issuing body and place)."""
    department = session.scalar(
        select(OrgUnit)
        .join(Membership, Membership.org_unit_id == OrgUnit.id)
        .where(Membership.user_id == round_.opened_by, Membership.role_code == SNV_OFFICER)
        .order_by(OrgUnit.id)
        .limit(1)
    )
    try:
        return city_of(session, department).name if department is not None else ""
    except NotFound:  # a gap in the directory: the documents name no city
        return ""


# -- reading, for the web layer ----------------------------------------------------------------


def may_manage_rounds(session: Session, user_id: int) -> bool:
    """Sở Nội vụ officers open rounds, register candidates and form councils."""
    return bool(
        session.scalar(
            select(exists().where(Membership.user_id == user_id, Membership.role_code == SNV_OFFICER))
        )
    )


def rounds(session: Session) -> list[RecruitmentRound]:
    return list(session.scalars(select(RecruitmentRound).order_by(RecruitmentRound.opened_at.desc())))


def round_view(session: Session, round_id: int) -> dict:
    round_ = get_round(session, round_id)
    positions = session.execute(
        select(Position, OrgUnit)
        .join(OrgUnit, OrgUnit.id == Position.org_unit_id)
        .where(Position.round_id == round_id)
        .order_by(Position.id)
    ).all()
    counts = dict(
        session.execute(
            select(Candidate.status, func.count())
            .where(Candidate.round_id == round_id)
            .group_by(Candidate.status)
        )
        .tuples()
        .all()
    )
    return {
        "id": round_.id,
        "title": round_.title,
        "legal_basis": round_.legal_basis,
        "legal_basis_title": policy_book().legal_basis(round_.legal_basis).title,
        "status": round_.status,
        "opened_at": round_.opened_at,
        "applications_close_at": round_.applications_close_at,
        "city_round_id": round_.city_round_id,
        "instance_id": round_.instance_id,
        "decision_number": round_.decision_number,
        "decision_document_id": decision_document_of(session, round_id),
        "decided_at": round_.decided_at,
        "positions": [
            {
                "id": position.id,
                "org_unit_code": unit.code,
                "unit_name": unit.name,
                "field": position.field,
                "job_position": position.job_position,
                "target_group": position.target_group,
                "quantity": position.quantity,
            }
            for position, unit in positions
        ],
        "candidates_by_status": counts,
    }


def candidates_of(session: Session, keys, round_id: int) -> list[dict]:
    """The round's candidates as pages may show them: the person masked (talents.person_view)."""
    get_round(session, round_id)
    rows = session.scalars(select(Candidate).where(Candidate.round_id == round_id).order_by(Candidate.id))
    return [
        {
            "id": candidate.id,
            "person": people.person_view(session, keys, candidate.person_id),
            "position_id": candidate.position_id,
            "position_title": position_title(session, session.get_one(Position, candidate.position_id)),
            "source_channel": candidate.source_channel,
            "category": candidate.category,
            "procedure": candidate.procedure,
            "status": candidate.status,
            "nominating_org": _unit_name(session, candidate.nominating_org_id)
            or candidate.nominating_org_name,
            "nomination_date": candidate.nomination_date,
            "dossier": candidate.dossier,
            "eligibility_reason": candidate.eligibility_reason,
            "instance_id": candidate.instance_id,
        }
        for candidate in rows
    ]


def council_view(session: Session, round_id: int) -> dict | None:
    """The round's council: members, recusals, scoring progress, outcome and minutes."""
    council = session.scalar(select(Council).where(Council.round_id == round_id))
    if council is None:
        return None
    seats = session.execute(
        select(CouncilSeat, AppUser)
        .join(AppUser, AppUser.id == CouncilSeat.user_id)
        .where(CouncilSeat.council_id == council.id)
        .order_by(CouncilSeat.id)
    ).all()
    recusals = session.execute(
        select(CouncilRecusal, AppUser.username)
        .join(CouncilSeat, CouncilSeat.id == CouncilRecusal.seat_id)
        .join(AppUser, AppUser.id == CouncilSeat.user_id)
        .where(CouncilSeat.council_id == council.id)
        .order_by(CouncilRecusal.id)
    ).all()
    total, done = session.execute(
        select(func.count(CouncilScore.id), func.count(CouncilScore.score))
        .join(CouncilSeat, CouncilSeat.id == CouncilScore.seat_id)
        .where(CouncilSeat.council_id == council.id)
    ).one()
    return {
        "id": council.id,
        "name": council.name,
        "establishing_decision": council.establishing_decision,
        "status": council.status,
        "formed_at": council.formed_at,
        "members": [
            {
                "username": user.username,
                "full_name": user.full_name,
                "role": seat.role,
                "role_label": council_rules.ROLE_LABELS[CouncilRole(seat.role)],
                "title": seat.title,
                "nominating_unit": _unit_name(session, seat.nominating_org_id),
            }
            for seat, user in seats
        ],
        "recusals": [
            {"username": username, "candidate_id": recusal.candidate_id, "reason": recusal.reason}
            for recusal, username in recusals
        ],
        "scores_given": done,
        "scores_expected": total,
        "outcome": council.outcome,
        "minutes_document_id": council.minutes_document_id,
    }


def council_members_may_see(session: Session, user_id: int, candidate_id: int) -> bool:
    """A council member sees the candidates of their own round only
    (docs/personal-data.md#who-sees-whom)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Candidate.id == candidate_id,
                    Council.round_id == Candidate.round_id,
                    CouncilSeat.council_id == Council.id,
                    CouncilSeat.user_id == user_id,
                )
            )
        )
    )


def mean_scores(session: Session, round_id: int) -> dict[int, Decimal | None]:
    """Each judged candidate's mean score as recorded at the meeting (None without quorum)."""
    council = session.scalar(select(Council).where(Council.round_id == round_id))
    if council is None or council.outcome is None:
        return {}
    return {
        entry["candidate_id"]: None if entry["mean"] is None else Decimal(entry["mean"])
        for entry in council.outcome["candidates"]
    }


def may_read_minutes(session: Session, user_id: int, council_id: int) -> bool:
    """The minutes (documents subject ``council:<id>``) are for Sở Nội vụ, the competent
    authority and the council's own members."""
    council = session.get(Council, council_id)
    if council is None:
        return False
    is_member = session.scalar(
        select(exists().where(CouncilSeat.council_id == council_id, CouncilSeat.user_id == user_id))
    )
    is_authority = session.scalar(
        select(exists().where(Membership.user_id == user_id, Membership.role_code == CITY_CHAIR))
    )
    return bool(is_member or is_authority or may_manage_rounds(session, user_id))
