"""Candidates of a selection round, by three channels, and the check of their dossier
(docs/processes.md#candidates-and-screening; docs/legal-rules.md, "Nominated officials are
under 40 on the nomination date" and "The dossier items each procedure requires").

- ``nominate_official``: the head of a unit nominates one of its officials under 40
  (channel A, Lê Thanh Nghị plan II.3), strictly under 40 on the nomination date;
- ``nominate_external``: Sở Nội vụ registers a nomination by an organisation outside the
  directory (MTTQ, an association, a university...: channel C), keeping its name;
- ``apply``: Sở Nội vụ registers a self-application to a published position of an open
  round, before the applications close (channel E, Decree 170 Art. 15).

Each creates the person (or finds them by citizen ID), the candidacy, its first status,
and the candidate's own ``candidate_dossier`` instance, where Sở Nội vụ checks the
dossier items the proposed procedure requires and concludes eligible or ineligible. The
citizen ID is optional here (collected at dossier completion: docs/personal-data.md, "The
citizen ID is collected at dossier completion") and never enters
workflow data, audit details or task titles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.contracts import DecisionUse, Field, ProcessContract, business_rule_task, user_task
from engine.errors import FormInvalid, NotFound
from engine.forms import FieldError
from engine.messages import Message
from engine.reactions import Capability, CaseSource, ended
from engine.runtime import InstanceChange, WorkflowRuntime
from services import people
from services.common import audit
from services.common.display import LOCAL_TZ
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.identity import SNV_OFFICER, UNIT_HEAD, Membership, OrgUnit, holds_role, user_by_username
from services.people import CitizenIdKeys, Person
from services.selection._models import Candidate, Position, RecruitmentRound
from services.selection._rounds import get_round, position_title, round_office_id

DOSSIER_PROCESS = "candidate_dossier"
# The consent clause of the application form (Mẫu 01, Decree 170) the candidate signs.
APPLICATION_FORM_CONSENT = "phieu-dang-ky-du-tuyen-mau-01"
CHANNEL_A = "unit_head_nomination_u40"
CHANNELS = {
    CHANNEL_A: "Thủ trưởng đơn vị tiến cử (dưới 40 tuổi)",
    "external_nomination": "Tổ chức giới thiệu, tiến cử",
    "self_application": "Tự ứng tuyển",
}
# The rules that change with each resolution are decision tables of the dossier's bundle
# (bpmn/candidate_dossier/decisions/, docs/decision-tables.md): the items each procedure
# requires and how recent each must be, and the age limit of channel A ("dưới 40 tuổi",
# measured on the nomination date, strictly: docs/legal-rules.md).
CHECKLIST, AGE_LIMIT = "dossier_checklist", "nomination_age_limit"
IN_SERVICE_CATEGORY = "in_service_talent"

DOSSIER_ITEM_TITLES = {
    "phieu_dang_ky": Message("Application form"),
    "so_yeu_ly_lich": Message("Curriculum vitae"),
    "van_bang": Message("Degrees and certificates"),
    "giay_chung_nhan_suc_khoe": Message("Health certificate"),
    "ly_lich_tu_phap": Message("Judicial record"),
    "ban_tu_nhan_xet": Message("Self-assessment"),
}
PROCEDURE_TITLES = {
    "xet_tuyen": Message("selection by review"),
    "tiep_nhan": Message("admission"),
    "dac_cach": Message("exceptional recruitment"),
}


@dataclass(frozen=True)
class MaxAge:
    """How recent an item must be on the day of the check: ``days`` or calendar ``months``
    (a row of the checklist table)."""

    days: int = 0
    months: int = 0

    @classmethod
    def of(cls, row: dict) -> MaxAge | None:
        days, months = row.get("max_age_days"), row.get("max_age_months")
        return cls(days=int(days or 0), months=int(months or 0)) if days or months else None

    def oldest_allowed(self, day: date) -> date:
        if self.months:
            return _months_before(day, self.months)
        return day - timedelta(days=self.days)

    def words(self) -> Message:
        if self.months:
            return Message("%(count)s months", count=self.months)
        return Message("%(count)s days", count=self.days)


CONTRACTS = (
    ProcessContract(
        DOSSIER_PROCESS,
        "services/selection",
        Message("Receiving and screening candidates' dossiers"),
        (
            user_task(
                "screen_dossier",
                "Sở Nội vụ's check: the dossier, the procedure and the reason are what the "
                "conclusion records (refused when the items the procedure requires are missing or too old)",
                "dossier[].kind",
                "dossier[].provided",
                "dossier[].issued_on",
                Field("procedure", tuple(PROCEDURE_TITLES)),
                "reason",
            ),
            business_rule_task(
                "list_required_items",
                "gives the items the chosen procedure requires, from the checklist table "
                "(`required_items`), which the conclusion is checked against",
            ),
        ),
        outcomes={"eligible": "eligible", "ineligible": "ineligible"},
        start_data=(
            "candidate_id",
            "round_id",
            "round_title",
            "candidate_name",
            "channel",
            "channel_title",
            "position_title",
            "applications_close_at",
        ),
        decisions=(
            DecisionUse(
                CHECKLIST,
                "the items each procedure requires and how recent each must be; the conclusion "
                "is refused when the dossier does not meet them",
                outputs=("item", "max_age_days", "max_age_months"),
            ),
            DecisionUse(
                AGE_LIMIT,
                "the age a nominated official must be under on the nomination date",
                inputs=("channel",),
                outputs=("age_limit",),
            ),
        ),
    ),
)


def register(runtime: WorkflowRuntime) -> None:
    def screened(session: Session, change: InstanceChange) -> None:
        _screened(session, runtime, change)

    runtime.register(
        Capability(
            "candidacy",
            CONTRACTS,
            (
                ended(DOSSIER_PROCESS, "eligible", screened),
                ended(DOSSIER_PROCESS, "ineligible", screened),
            ),
            case_sources=(CaseSource(DOSSIER_PROCESS, "screen_dossier", _candidate_case),),
        )
    )


def _candidate_case(session: Session, instance_id: int, at: datetime) -> dict:
    """Who is screened, as Sở Nội vụ checks the dossier: born when (the age limit is
    checked on the nomination date), nominated by whom and when."""
    candidate = session.scalar(select(Candidate).where(Candidate.instance_id == instance_id))
    if candidate is None:
        return {}
    person = session.get_one(Person, candidate.person_id)
    nominating = candidate.nominating_org_name or (
        session.get_one(OrgUnit, candidate.nominating_org_id).name if candidate.nominating_org_id else None
    )
    shown = {
        "date_of_birth_shown": f"{person.date_of_birth:%d/%m/%Y}" if person.date_of_birth else None,
        "nominating_org": nominating,
        "nomination_date_shown": f"{candidate.nomination_date:%d/%m/%Y}"
        if candidate.nomination_date
        else None,
    }
    return {key: value for key, value in shown.items() if value}


# -- the three channels -------------------------------------------------------------------


def nominate_official(
    session: Session,
    runtime: WorkflowRuntime,
    keys: CitizenIdKeys,
    actor_username: str,
    *,
    round_id: int,
    position_id: int,
    full_name: str,
    date_of_birth: date,
    gender: str | None = None,
    citizen_id: str | None = None,
    unit_code: str | None = None,
    nomination_date: date | None = None,
    category: str = IN_SERVICE_CATEGORY,
    at: datetime | None = None,
) -> Candidate:
    """The head of a unit nominates one of its officials, strictly under 40 on the
    nomination date (docs/legal-rules.md, "Nominated officials are under 40 on the nomination
    date"). ``unit_code`` names the unit when the head heads several."""
    at = at or runtime.clock.now()
    actor = user_by_username(session, actor_username)
    unit = _headed_unit(session, actor.id, actor_username, unit_code)
    nomination_date = nomination_date or at.astimezone(LOCAL_TZ).date()
    if nomination_date > at.astimezone(LOCAL_TZ).date():
        raise InvalidInput("nomination_date", Message("The nomination date may not be after today."))
    if date_of_birth is None:
        raise InvalidInput(
            "date_of_birth",
            Message("Please enter the «%(label)s» of the person nominated.", label=Message("Date of birth")),
        )
    age = age_on(date_of_birth, nomination_date)
    limit = (runtime.decide(session, DOSSIER_PROCESS, AGE_LIMIT, {"channel": CHANNEL_A}) or {}).get(
        "age_limit"
    )
    if limit is not None and age >= limit:
        raise InvalidInput(
            "date_of_birth",
            Message(
                "The person nominated must be under %(limit)s on the nomination date %(day)s "
                "(they are %(age)s).",
                limit=limit,
                day=f"{nomination_date:%d/%m/%Y}",
                age=age,
            ),
        )
    return _register_candidate(
        session,
        runtime,
        keys,
        actor.id,
        round_id,
        position_id,
        at,
        person={
            "full_name": full_name,
            "date_of_birth": date_of_birth,
            "gender": gender,
            "citizen_id": citizen_id,
        },
        channel=CHANNEL_A,
        status="nominated",
        category=category,
        nomination={
            "nominated_by": actor.id,
            "nominating_org_id": unit.id,
            "nomination_date": nomination_date,
        },
    )


def nominate_external(
    session: Session,
    runtime: WorkflowRuntime,
    keys: CitizenIdKeys,
    actor_username: str,
    *,
    round_id: int,
    position_id: int,
    nominating_organisation: str,
    full_name: str,
    date_of_birth: date | None = None,
    gender: str | None = None,
    citizen_id: str | None = None,
    nomination_date: date | None = None,
    category: str | None = None,
    at: datetime | None = None,
) -> Candidate:
    """Sở Nội vụ registers a nomination made by an organisation outside the directory."""
    at = at or runtime.clock.now()
    actor = user_by_username(session, actor_username)
    organisation = (nominating_organisation or "").strip()
    if not organisation or len(organisation) > 300:
        raise InvalidInput(
            "nominating_organisation",
            Message(
                "Please enter «%(label)s» (at most %(limit)s characters).",
                label=Message("Organisation introducing or nominating"),
                limit=300,
            ),
        )
    return _register_candidate(
        session,
        runtime,
        keys,
        actor.id,
        round_id,
        position_id,
        at,
        officer_only=True,
        person={
            "full_name": full_name,
            "date_of_birth": date_of_birth,
            "gender": gender,
            "citizen_id": citizen_id,
        },
        channel="external_nomination",
        status="nominated",
        category=category,
        nomination={
            "nominated_by": actor.id,
            "nominating_org_name": organisation,
            "nomination_date": nomination_date or at.astimezone(LOCAL_TZ).date(),
        },
    )


def apply(
    session: Session,
    runtime: WorkflowRuntime,
    keys: CitizenIdKeys,
    actor_username: str,
    *,
    round_id: int,
    position_id: int,
    full_name: str,
    date_of_birth: date | None = None,
    gender: str | None = None,
    citizen_id: str | None = None,
    category: str | None = None,
    at: datetime | None = None,
) -> Candidate:
    """Sở Nội vụ registers a self-application (Phiếu đăng ký dự tuyển) it received. The form
    the candidate signed carries the consent to processing their data for this round (Law
    91/2025 Art. 25): it is recorded with the application, on paper, in that form's wording."""
    at = at or runtime.clock.now()
    actor = user_by_username(session, actor_username)
    candidate = _register_candidate(
        session,
        runtime,
        keys,
        actor.id,
        round_id,
        position_id,
        at,
        officer_only=True,
        person={
            "full_name": full_name,
            "date_of_birth": date_of_birth,
            "gender": gender,
            "citizen_id": citizen_id,
        },
        channel="self_application",
        status="applied",
        category=category,
        nomination={},
    )
    people.record_consent(
        session,
        at,
        actor.id,
        candidate.person_id,
        purpose="recruitment_round",
        text_version=APPLICATION_FORM_CONSENT,
        channel="paper",
    )
    return candidate


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years on ``day`` (a birthday on 29/02 comes on 01/03 in other years)."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def _headed_unit(session: Session, user_id: int, username: str, unit_code: str | None) -> OrgUnit:
    units = list(
        session.scalars(
            select(OrgUnit)
            .join(Membership, Membership.org_unit_id == OrgUnit.id)
            .where(Membership.user_id == user_id, Membership.role_code == UNIT_HEAD)
            .order_by(OrgUnit.id)
        )
    )
    if unit_code is not None:
        units = [unit for unit in units if unit.code == unit_code]
    if not units:
        raise PermissionDenied(
            f"{username} is not the head of {unit_code or 'any unit'} and may not nominate"
        )
    if len(units) > 1:
        raise InvalidInput("unit_code", Message("Please choose the unit of the person nominated."))
    return units[0]


def _register_candidate(
    session: Session,
    runtime: WorkflowRuntime,
    keys: CitizenIdKeys,
    actor_id: int,
    round_id: int,
    position_id: int,
    at: datetime,
    *,
    person: dict,
    channel: str,
    status: str,
    category: str | None,
    nomination: dict,
    officer_only: bool = False,
) -> Candidate:
    round_ = get_round(session, round_id)
    office_id = round_office_id(session, round_)
    if officer_only and not holds_role(session, actor_id, SNV_OFFICER, office_id):
        raise PermissionDenied(f"user {actor_id} is not an officer of the Sở Nội vụ running round {round_id}")
    _check_open_for_candidates(round_, at)
    position = session.get(Position, position_id)
    if position is None or position.round_id != round_.id:
        raise InvalidInput("position_id", Message("This position is not part of the selection round."))
    found = _existing_person(session, keys, round_, person)
    registered = found or people.register_person(session, keys, at, actor_id, **person)
    candidate = Candidate(
        person_id=registered.id,
        round_id=round_.id,
        position_id=position.id,
        source_channel=channel,
        category=category or position.target_group,
        status=status,
        dossier=[],
        created_at=at,
        **nomination,
    )
    session.add(candidate)
    session.flush()
    people.record_status(session, at, actor_id, registered.id, status)
    candidate.instance_id = runtime.start(
        session,
        DOSSIER_PROCESS,
        _dossier_start_data(session, round_, position, candidate, registered),
        lane_orgs={SNV_OFFICER: office_id},
        business_key=f"round:{round_.id}/candidate:{candidate.id}",
        parent_id=round_.instance_id,
        at=at,
    ).instance.id
    audit.record(
        session,
        at,
        actor_id,
        "candidate_registered",
        f"candidate:{candidate.id}",
        round_id=round_.id,
        position_id=position.id,
        channel=channel,
        person_id=registered.id,
        existing_person=found is not None,
    )
    return candidate


def _check_open_for_candidates(round_: RecruitmentRound, at: datetime) -> None:
    """Every channel closes with the applications: the council judges the list as it stands then."""
    if round_.status != "open" or at >= round_.applications_close_at:
        closed = round_.applications_close_at.astimezone(LOCAL_TZ)
        raise Conflict(
            Message(
                "The selection round stopped taking applications at %(time)s on %(day)s.",
                time=f"{closed:%H:%M}",
                day=f"{closed:%d/%m/%Y}",
            )
        )


def _existing_person(
    session: Session, keys: CitizenIdKeys, round_: RecruitmentRound, person: dict
) -> Person | None:
    """The person already in the talent database (by citizen ID), refusing a second
    candidacy of the same person in the round. Without a citizen ID a person is new, but
    the same name and date of birth in the round is refused as a duplicate."""
    if person.get("citizen_id"):
        found = people.find_by_citizen_id(session, keys, person["citizen_id"])
        if found is not None and _candidacy_of(session, round_.id, found.id) is not None:
            raise InvalidInput(
                "citizen_id", Message("This person already has a dossier in this selection round.")
            )
        return found
    if person.get("date_of_birth") is not None:
        name = " ".join((person.get("full_name") or "").split()).casefold()
        same_birthday = session.scalars(
            select(Person.full_name)
            .join(Candidate, Candidate.person_id == Person.id)
            .where(Candidate.round_id == round_.id, Person.date_of_birth == person["date_of_birth"])
        )
        if any(" ".join((other or "").split()).casefold() == name for other in same_birthday):
            raise InvalidInput(
                "full_name",
                Message(
                    "A candidate with the same full name and date of birth is already in this "
                    "selection round."
                ),
            )
    return None


def _candidacy_of(session: Session, round_id: int, person_id: int) -> Candidate | None:
    return session.scalar(
        select(Candidate).where(Candidate.round_id == round_id, Candidate.person_id == person_id)
    )


def _dossier_start_data(session, round_, position, candidate, person) -> dict:
    """What the screening task shows: names and titles, never the citizen ID."""
    return {
        "candidate_id": candidate.id,
        "round_id": round_.id,
        "round_title": round_.title,
        "candidate_name": person.full_name,
        "channel": candidate.source_channel,
        "channel_title": CHANNELS[candidate.source_channel],
        "position_title": position_title(session, position),
        "applications_close_at": round_.applications_close_at.astimezone(LOCAL_TZ).isoformat(),
    }


# -- the dossier check ------------------------------------------------------------------


def _screened(session: Session, runtime: WorkflowRuntime, change: InstanceChange) -> None:
    """The conclusion is the end event reached (``eligible`` or ``ineligible``), checked
    against the items the checklist table requires (``required_items``, left by the
    business-rule task ``list_required_items``; a case on a version drawn before that task
    is checked against the newest version's table)."""
    done = change.completed_task
    candidate = session.scalar(select(Candidate).where(Candidate.instance_id == change.instance.id))
    if candidate is None or done is None:
        return
    data = done.completed_data
    assert data is not None  # a completed task has its data
    eligible = change.end_events == ["eligible"]
    required = change.data.get("required_items")
    if required is None:
        required = runtime.decide(session, DOSSIER_PROCESS, CHECKLIST, {"procedure": data["procedure"]})
    problems = screening_problems(data, required, change.at.astimezone(LOCAL_TZ).date(), eligible)
    if problems:
        raise FormInvalid(problems)
    reason = (data.get("reason") or "").strip() or None
    candidate.status = "eligible" if eligible else "ineligible"
    candidate.dossier, candidate.procedure, candidate.eligibility_reason = (
        data["dossier"],
        data["procedure"],
        reason,
    )
    people.record_status(session, change.at, done.completed_by, candidate.person_id, candidate.status, reason)
    audit.record(
        session,
        change.at,
        done.completed_by,
        "candidate_screened",
        f"candidate:{candidate.id}",
        decision=candidate.status,
        procedure=candidate.procedure,
    )


def screening_problems(data: dict, required: list[dict], day: date, eligible: bool) -> list[FieldError]:
    """Why a dossier check cannot be concluded ``eligible`` or not on ``day`` (local); [] if it can.
    An ineligible conclusion needs a reason (Decree 170 Art. 16(2)); an eligible one needs
    every item the procedure requires (``required``: the checklist table's rows for it, each
    ``item``, ``max_age_days``, ``max_age_months``), recent enough."""
    items = data["dossier"]
    problems = _item_problems(items, day)
    if not eligible:
        if not (data.get("reason") or "").strip():
            problems.append(
                FieldError(
                    "reason",
                    "required",
                    Message(
                        "Please enter the «Reason» for ineligibility: the candidate is told the reason "
                        "(Decree 170/2025/NĐ-CP Article 16 clause 2)."
                    ),
                )
            )
        return problems
    index_of = {item["kind"]: index for index, item in enumerate(items)}
    procedure = PROCEDURE_TITLES[data["procedure"]]
    for row in required:
        kind, max_age = row["item"], MaxAge.of(row)
        title = DOSSIER_ITEM_TITLES[kind]
        index = index_of.get(kind)
        if index is None or not items[index]["provided"]:
            problems.append(
                FieldError(
                    "dossier",
                    "missing_item",
                    Message(
                        "A dossier for %(procedure)s must have «%(item)s»: it is not submitted, so it "
                        "cannot be concluded eligible yet.",
                        procedure=procedure,
                        item=title,
                    ),
                )
            )
        elif max_age is not None:
            problems += _age_problems(items[index], index, title, max_age, day)
    return problems


def _item_problems(items: list[dict], day: date) -> list[FieldError]:
    problems, seen = [], set()
    for index, item in enumerate(items):
        if item["kind"] in seen:
            problems.append(
                FieldError(
                    f"dossier[{index}].kind",
                    "duplicate",
                    Message("«%(item)s» is already on a line above.", item=DOSSIER_ITEM_TITLES[item["kind"]]),
                )
            )
        seen.add(item["kind"])
        if item.get("issued_on") and date.fromisoformat(item["issued_on"]) > day:
            problems.append(
                FieldError(
                    f"dossier[{index}].issued_on",
                    "future",
                    Message("The date of issue may not be after the day of the dossier check."),
                )
            )
    return problems


def _age_problems(item: dict, index: int, title: Message, max_age: MaxAge, day: date) -> list[FieldError]:
    where = f"dossier[{index}].issued_on"
    if not item.get("issued_on"):
        return [
            FieldError(
                where, "required", Message("Please enter the date of issue of «%(item)s».", item=title)
            )
        ]
    issued = date.fromisoformat(item["issued_on"])
    if issued < max_age.oldest_allowed(day):
        return [
            FieldError(
                where,
                "too_old",
                Message(
                    "«%(item)s» was issued on %(issued)s, more than %(age)s before the day of the "
                    "dossier check (%(day)s).",
                    item=title,
                    issued=f"{issued:%d/%m/%Y}",
                    age=max_age.words(),
                    day=f"{day:%d/%m/%Y}",
                ),
            )
        ]
    return []


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, or the month's last day (31/08 - 6 months = 28/02)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def get_candidate(session: Session, candidate_id: int) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound(f"no candidate {candidate_id}")
    return candidate
