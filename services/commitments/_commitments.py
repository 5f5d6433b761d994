"""Commitment, assignment and support of a recruited talent
(docs/processes.md#commitment-assignment-and-support).

Once the city chair approves a round's results, every selected candidate gets a
commitment: the policy terms of the round's legal basis are *copied* into it (a later
change of the policy data never changes a commitment already made), its dates follow
the terms (start on the recruitment decision date: docs/legal-rules.md, "The commitment
starts on the recruitment decision date"), and a Word document states it.
One small ``commitment`` instance per person, which the round calls, then drives the rest:

- ``sign_commitment`` (lane ``talent``, assigned to the person's own account): the
  person acknowledges and types their name; or Sở Nội vụ uploads the scan of a paper
  signature (``record_signed_scan``), which completes the task on their behalf;
- ``assign_position`` (the head of the employing unit): the assignment decision; the
  support is then computed from the commitment's terms (one-time, monthly income);
- ``approve_support`` (Sở Tài chính), only when there is support to pay;
- at the end the commitment is active, the person is in service and on the talent list.

This module keeps the tables in step with those steps, in the engine's transaction.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from pathlib import PurePosixPath

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from engine.connectors import CallContext, Connector, ConnectorError, Parameter
from engine.contracts import DecisionUse, Element, Field, ProcessContract, user_task
from engine.errors import FormInvalid, NotFound
from engine.forms import FieldError
from engine.messages import Message
from engine.models import HumanTask, ProcessDefinition
from engine.reactions import Capability, completed, ended, reached, started
from engine.runtime import InstanceChange, WorkflowRuntime
from services import documents, people, records
from services.commitments._commitment_docx import CommitmentText, commitment_layout, dmy, vnd
from services.commitments._models import Commitment, SupportEntitlement
from services.common import audit, policies
from services.common.display import LOCAL_TZ, in_language
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.documents import StoredDocument
from services.identity import (
    FINANCE,
    FINANCE_OFFICER,
    HOME_AFFAIRS,
    SNV_OFFICER,
    TALENT,
    UNIT_HEAD,
    Membership,
    OrgUnit,
    holds_role,
    user_by_username,
)
from services.people import Person, TalentListEntry
from services.selection import Candidate, Position, RecruitmentRound

ONE_TIME = "one_time"  # a support paid once; the others are paid monthly

PROCESS = "commitment"
SELECTION_PROCESS = "selection_round"
# The round's call of one commitment per selected person, the connector that opens them
# for it (its answer: {business key: the child's start data and lanes}), and the event
# of the round's approval.
COMMITMENTS_CALL, OPEN_COMMITMENTS, RESULTS_DECIDED = (
    "sign_commitments",
    "open_commitments",
    "results_decided",
)
# What a commitment instance starts with.
START_DATA = (
    "commitment_id",
    "document_id",
    "decision_date",
    "person_name",
    "employer_name",
    "job_position",
    "legal_basis_title",
    "commitment_years",
    "start_date",
    "end_date",
    "start_date_text",
    "end_date_text",
    "has_support",
)
MAX_SCAN_BYTES = 5 * 1024 * 1024
CATEGORY_TITLES = {
    "excellent_graduate": Message("excellent graduate"),
    "master": Message("master's degree holder"),
    "resident_doctor": Message("resident doctor"),
    "doctorate": Message("doctor (PhD)"),
    "associate_professor": Message("associate professor"),
    "professor": Message("professor"),
    "in_service_talent": Message("talented cadre, civil servant or public employee"),
    "expert": Message("expert"),
    "specialist_level_1": Message("level I specialist doctor"),
}


NEEDED_BY = Message("Commitment, assignment and support")
# The support amounts per legal basis and category are a decision table of the bundle
# (bpmn/commitment/decisions/support_amounts.dmn, docs/decision-tables.md).
SUPPORT_AMOUNTS = "support_amounts"
CONTRACTS = (
    ProcessContract(
        PROCESS,
        "services/commitments",
        NEEDED_BY,
        (
            user_task(
                "sign_commitment",
                "opened: assigned to the person's own account; completed: signed (refused from "
                "anyone but the person, or with another name); a scan uploaded by Sở Nội vụ completes it",
                "full_name",
            ),
            user_task(
                "assign_position",
                "completed: records the assignment and proposes the support from the commitment's own terms",
                "assignment_decision",
                "assigned_on",
                "job_position",
            ),
            user_task(
                "approve_support",
                "completed: Sở Tài chính approves or rejects the proposed support",
                Field("finance_decision", ("approve", "reject")),
                "note",
            ),
        ),
        outcomes={"commitment_in_force": "in_force"},
        decisions=(
            DecisionUse(
                SUPPORT_AMOUNTS,
                "the support of each category under the round's legal basis, copied into the "
                "terms of each commitment opened",
                inputs=("legal_basis",),
                outputs=("category", "one_time_support_vnd", "monthly_multiplier", "monthly_region"),
            ),
        ),
        start_data=START_DATA,
    ),
    ProcessContract(
        SELECTION_PROCESS,
        "services/commitments",
        NEEDED_BY,
        (
            user_task(
                "decide_results", "its `decision_date` is the day the commitments start from", "decision_date"
            ),
            Element(
                COMMITMENTS_CALL,
                "callActivity",
                f"calls `{PROCESS}` once per selected person (the connector `{OPEN_COMMITMENTS}` "
                "writes each commitment and its document and gives the child's data)",
            ),
            Element(
                RESULTS_DECIDED,
                "intermediateThrowEvent",
                f"reached, on a version drawn before `{COMMITMENTS_CALL}`: the code opens the commitments",
            ),
        ),
    ),
)


def register(runtime: WorkflowRuntime) -> None:
    """Reacts to the round's decision after services.selection, which marks the selected."""
    runtime.register_connector(
        Connector(
            OPEN_COMMITMENTS,
            Message("Open the commitments of a round's selected people"),
            (
                Parameter("round_id", "number", Message("Round")),
                Parameter("decision_date", "text", Message("Decision date")),
            ),
            run=lambda context, params: _commitments_to_call(context, runtime, params),
        )
    )
    runtime.register(
        Capability(
            "commitments",
            CONTRACTS,
            (
                reached(
                    SELECTION_PROCESS,
                    RESULTS_DECIDED,
                    lambda session, change: _results_decided(session, runtime, change),
                ),
                started(PROCESS, _commitment_started),
                reached(PROCESS, "sign_commitment", _awaiting_signature),
                completed(PROCESS, "sign_commitment", _step(_signed)),
                completed(PROCESS, "assign_position", _step(_assigned)),
                completed(PROCESS, "approve_support", _step(_support_decided)),
                ended(PROCESS, "commitment_in_force", _step(_in_force)),
            ),
        )
    )


# -- opening ---------------------------------------------------------------------------


def open_commitments(
    session: Session, runtime: WorkflowRuntime, round_id: int, decision_date: date, at: datetime
) -> list[Commitment]:
    """A commitment, its document and its instance for every selected candidate of the
    round who has none yet (running it again after a partial decision is harmless): what
    the code does for a round on a version drawn before ``sign_commitments``."""
    opened = []
    for request in _new_commitments(session, runtime, round_id, decision_date, at):
        opened.append(commitment := session.get_one(Commitment, request["commitment_id"]))
        runtime.start(
            session,
            PROCESS,
            {name: request[name] for name in START_DATA},
            lane_orgs=_lanes(request),
            business_key=request["business_key"],
            at=at,
        )
        assert commitment.instance_id is not None  # linked by _commitment_started
    return opened


def _commitments_to_call(context: CallContext, runtime: WorkflowRuntime, params: dict) -> dict:
    """The connector's answer: the round's new commitments, keyed by business key (a
    multi-instance call runs over the values)."""
    try:
        decision_date = date.fromisoformat(str(params["decision_date"]))
    except ValueError:
        raise ConnectorError(Message("«%(value)s» is not a date", value=params["decision_date"])) from None
    requests = _new_commitments(context.session, runtime, params["round_id"], decision_date, context.at)
    return {request["business_key"]: request for request in requests}


def _lanes(request: dict) -> dict[str, int]:
    employer, finance = request["employer_id"], request["finance_id"]
    return {TALENT: employer, UNIT_HEAD: employer, FINANCE_OFFICER: finance}


def _new_commitments(
    session: Session, runtime: WorkflowRuntime, round_id: int, decision_date: date, at: datetime
) -> list[dict]:
    """A commitment and its document for every selected candidate of the round who has
    none yet; for each, the start data of its instance with its business key and lanes."""
    round_ = session.get(RecruitmentRound, round_id)
    if round_ is None:
        raise NotFound(f"no recruitment round {round_id}")
    terms = terms_of(session, runtime, round_.legal_basis)
    finance = _finance_department(session)
    candidates = session.scalars(
        select(Candidate)
        .where(
            Candidate.round_id == round_id,
            Candidate.status == "selected",
            ~exists().where(Commitment.candidate_id == Candidate.id),
        )
        .order_by(Candidate.id)
    ).all()
    return [_open_one(session, candidate, terms, decision_date, finance, at) for candidate in candidates]


def terms_of(session: Session, runtime: WorkflowRuntime, legal_basis: str) -> dict:
    """What a commitment under ``legal_basis`` keeps: the policy book's terms and the support
    amounts of the newest ``support_amounts`` table, by category."""
    terms = policies.policy_book().legal_basis(legal_basis).terms()
    rows = runtime.decide(session, PROCESS, SUPPORT_AMOUNTS, {"legal_basis": legal_basis})
    terms["one_time_support_vnd"] = {
        row["category"]: int(row["one_time_support_vnd"]) for row in rows if row["one_time_support_vnd"]
    }
    terms["monthly_income_support"] = {
        row["category"]: {
            "multiplier": str(row["monthly_multiplier"]),
            "of": "regional_minimum_wage",
            "region": row["monthly_region"],
        }
        for row in rows
        if row["monthly_multiplier"]
    }
    return terms


def _open_one(
    session, candidate: Candidate, terms: dict, decision_date: date, finance: OrgUnit, at: datetime
) -> dict:
    person = session.get(Person, candidate.person_id)
    position = session.get(Position, candidate.position_id)
    employer = session.get(OrgUnit, position.org_unit_id)
    start = decision_date  # both start bases begin here; report_for_duty_date re-dates at assignment
    end = policies.commitment_end(start, terms["commitment"]["min_years"])
    commitment = Commitment(
        candidate_id=candidate.id,
        person_id=person.id,
        legal_basis=terms["legal_basis"],
        terms=terms,
        employer_org_id=employer.id,
        job_position=position.job_position,
        start_date=start,
        end_date=end,
        status="awaiting_signature",
    )
    session.add(commitment)
    session.flush()
    account = people.account_of(session, person.id, at)
    supports = proposed_support(terms, candidate.category)
    content = records.render(
        session,
        records.COMMITMENT,
        commitment_layout(
            _document_text(person, employer, commitment, candidate.category, decision_date, supports)
        ),
    )[1]
    document = documents.store(
        session,
        at,
        None,
        kind="commitment",
        subject=f"commitment:{commitment.id}",
        filename=f"ban-cam-ket-{commitment.id}.docx",
        media_type=documents.DOCX,
        content=content,
    )
    commitment.document_id = document.id
    audit.record(
        session,
        at,
        None,
        "commitment.opened",
        f"commitment:{commitment.id}",
        person_id=person.id,
        candidate_id=candidate.id,
        legal_basis=commitment.legal_basis,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        document_id=document.id,
        account_id=account.id,
    )
    return {
        "commitment_id": commitment.id,
        "document_id": document.id,
        "decision_date": decision_date.isoformat(),
        "person_name": person.full_name,
        "employer_name": employer.name,
        "job_position": position.job_position,
        "legal_basis_title": terms["title"],
        "commitment_years": terms["commitment"]["min_years"],
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "start_date_text": dmy(start),
        "end_date_text": dmy(end),
        "has_support": bool(supports),
        "business_key": f"commitment:{commitment.id}",
        "employer_id": employer.id,
        "finance_id": finance.id,
    }


def _finance_department(session: Session) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.kind == FINANCE).order_by(OrgUnit.id).limit(1))
    if unit is None:
        raise Conflict(
            Message(
                "There is no Department of Finance in the directory of organisations: the review of the "
                "support cannot be opened."
            )
        )
    return unit


def _document_text(person, employer, commitment, category, decision_date, supports) -> CommitmentText:
    one_time = next((amount for kind, amount, _ in supports if kind == ONE_TIME), None)
    monthly = next(
        (words[0].lower() + words[1:] for kind, _, words in supports if kind == "monthly_income"), None
    )
    return CommitmentText(
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
        employer_name=employer.name,
        job_position=commitment.job_position,
        category_title=_category_in_vietnamese(category),
        terms=commitment.terms,
        start_date=commitment.start_date,
        end_date=commitment.end_date,
        decision_date=decision_date,
        one_time_support_vnd=one_time,
        monthly_support_text=monthly,
    )


# -- support ----------------------------------------------------------------------------


def proposed_support(terms: dict, category: str) -> list[tuple[str, int, str]]:
    """(kind, amount in VND, formula in words) of each support the terms give the
    category. The monthly amount is per month actually worked (docs/legal-rules.md, "Monthly
    income support is paid per month actually worked")."""
    basis = _short_title(terms["title"])
    category_title = _category_in_vietnamese(category)
    found = []
    one_time = policies.one_time_support(terms, category)
    if one_time:
        found.append(
            (ONE_TIME, one_time, f"Hỗ trợ một lần theo {basis}: {vnd(one_time)} đồng ({category_title})")
        )
    wages = policies.policy_book().regional_minimum_wage_vnd
    monthly = policies.monthly_income_support(terms, category, wages)
    if monthly:
        rule = terms["monthly_income_support"][category]
        multiplier = rule["multiplier"].replace(".", ",")
        found.append(
            (
                "monthly_income",
                monthly,
                f"Hỗ trợ thu nhập hằng tháng theo {basis}: {multiplier} × {vnd(wages[rule['region']])} đồng "
                f"(lương tối thiểu vùng {rule['region']}) = {vnd(monthly)} đồng/tháng × số tháng thực tế "
                f"làm việc ({category_title})",
            )
        )
    return found


def _category_in_vietnamese(category: str) -> str:
    """The category's title as the commitment and the support's formula (Vietnamese
    documents and data, whatever the reader's language) word it."""
    return in_language(CATEGORY_TITLES.get(category, category), "vi")


def _short_title(title: str) -> str:
    """ "Nghị quyết số 53/2025/NQ-HĐND của ..." -> "Nghị quyết 53/2025"."""
    match = re.search(r"Nghị quyết số (\d+/\d{4})", title)
    return f"Nghị quyết {match.group(1)}" if match else title


# -- keeping the tables in step with the instance ------------------------------------------


def _results_decided(session: Session, runtime: WorkflowRuntime, change: InstanceChange) -> None:
    """The city chair's approval of a round's results, on a version drawn before
    ``sign_commitments``, opens the commitments (the selection module's reaction ran first
    and marked the selected candidates)."""
    definition = session.get_one(ProcessDefinition, change.instance.definition_id)
    if runtime.draws(definition, COMMITMENTS_CALL):
        return
    round_id = session.scalar(
        select(RecruitmentRound.id).where(RecruitmentRound.instance_id == change.instance.id)
    )
    done = change.completed_task
    if round_id is None or done is None:
        return
    assert done.completed_data is not None  # a completed task has its data
    open_commitments(
        session, runtime, round_id, date.fromisoformat(done.completed_data["decision_date"]), change.at
    )


def _commitment_started(session: Session, change: InstanceChange) -> None:
    commitment = _commitment_of(session, change)
    if commitment is not None and commitment.instance_id is None:
        commitment.instance_id = change.instance.saved_id


def _commitment_of(session: Session, change: InstanceChange) -> Commitment | None:
    commitment_id = change.data.get("commitment_id")
    return session.get(Commitment, commitment_id) if commitment_id is not None else None


def _awaiting_signature(session: Session, change: InstanceChange) -> None:
    """A personal task: only the person sees it."""
    commitment = _commitment_of(session, change)
    if commitment is not None:
        person = session.get_one(Person, commitment.person_id)
        opened = [task.id for task in change.opened("sign_commitment")]
        session.execute(update(HumanTask).where(HumanTask.id.in_(opened)).values(assignee_id=person.user_id))


def _step(handler):
    """A reaction of a commitment's instance, with its commitment and person."""

    def react(session: Session, change: InstanceChange) -> None:
        commitment = _commitment_of(session, change)
        if commitment is not None:
            handler(
                session,
                commitment,
                session.get_one(Person, commitment.person_id),
                change.completed_task,
                change.at,
            )

    return react


def _signed(session, commitment: Commitment, person: Person, done, at: datetime) -> None:
    by_scan = commitment.signed_document_id is not None  # record_signed_scan stored it first
    if done.completed_by != person.user_id and not by_scan:
        raise PermissionDenied(
            Message(
                "Only the person committing signs; Sở Nội vụ uploads the signed paper copy in place of "
                "this step."
            )
        )
    if _name_key(done.completed_data["full_name"]) != _name_key(person.full_name or ""):
        raise FormInvalid(
            [
                FieldError(
                    "full_name",
                    "name_mismatch",
                    Message(
                        "«Full name of the person committing» must match the full name written in the "
                        "commitment."
                    ),
                )
            ]
        )
    commitment.status, commitment.signed_at = "signed", at
    commitment.signed_via = "scan" if by_scan else "app"
    audit.record(
        session,
        at,
        done.completed_by,
        "commitment.signed",
        f"commitment:{commitment.id}",
        signed_via=commitment.signed_via,
        document_id=commitment.document_id,
        signed_document_id=commitment.signed_document_id,
    )
    people.record_status(session, at, done.completed_by, person.id, "committed")


def _name_key(name: str) -> str:
    """Case and spacing do not matter; letters and accents do."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _assigned(session, commitment: Commitment, person: Person, done, at: datetime) -> None:
    data = done.completed_data
    assigned_on = date.fromisoformat(data["assigned_on"])
    today = at.astimezone(LOCAL_TZ).date()
    decision_date = commitment.start_date
    if assigned_on < decision_date or assigned_on > today:
        raise FormInvalid(
            [
                FieldError(
                    "assigned_on",
                    "out_of_range",
                    Message(
                        "«Date of the assignment decision» must be from %(first)s to today (%(today)s).",
                        first=dmy(decision_date),
                        today=dmy(today),
                    ),
                )
            ]
        )
    commitment.assignment_decision = data["assignment_decision"].strip()
    commitment.assigned_at = datetime.combine(assigned_on, time(0, 0), LOCAL_TZ)
    commitment.job_position = data["job_position"].strip()
    if commitment.terms["commitment"]["start_basis"] == "report_for_duty_date":
        commitment.start_date = assigned_on  # the day they take up the post
        commitment.end_date = policies.commitment_end(
            assigned_on, commitment.terms["commitment"]["min_years"]
        )
    category = session.scalar(select(Candidate.category).where(Candidate.id == commitment.candidate_id))
    for kind, amount, formula in proposed_support(commitment.terms, category):
        session.add(
            SupportEntitlement(
                commitment_id=commitment.id, kind=kind, formula=formula, amount_vnd=amount, status="proposed"
            )
        )
    audit.record(
        session,
        at,
        done.completed_by,
        "commitment.assigned",
        f"commitment:{commitment.id}",
        assignment_decision=commitment.assignment_decision,
        assigned_on=assigned_on.isoformat(),
        job_position=commitment.job_position,
    )


def _support_decided(session, commitment: Commitment, person: Person, done, at: datetime) -> None:
    decision = done.completed_data["finance_decision"]
    note = (done.completed_data.get("note") or "").strip()
    if decision == "reject" and not note:
        raise FormInvalid(
            [FieldError("note", "required", Message("Please enter the «Review opinion» when not approving."))]
        )
    status = "approved" if decision == "approve" else "rejected"
    session.execute(
        update(SupportEntitlement)
        .where(SupportEntitlement.commitment_id == commitment.id, SupportEntitlement.status == "proposed")
        .values(status=status, decided_at=at, decided_by=done.completed_by),
        execution_options={"synchronize_session": "fetch"},
    )
    audit.record(
        session, at, done.completed_by, f"support.{status}", f"commitment:{commitment.id}", note=note
    )


def _in_force(session, commitment: Commitment, person: Person, done, at: datetime) -> None:
    assert commitment.assigned_at is not None  # the assignment comes before
    included_on = commitment.assigned_at.astimezone(LOCAL_TZ).date()
    commitment.status = "active"
    session.add(
        TalentListEntry(
            person_id=commitment.person_id, org_unit_id=commitment.employer_org_id, included_on=included_on
        )
    )
    people.record_status(session, at, None, commitment.person_id, "in_service")
    audit.record(
        session,
        at,
        None,
        "commitment.in_force",
        f"commitment:{commitment.id}",
        included_on=included_on.isoformat(),
    )


# -- the scan of a paper signature ---------------------------------------------------------


def record_signed_scan(
    session: Session,
    runtime: WorkflowRuntime,
    actor_username: str,
    commitment_id: int,
    filename: str,
    content: bytes,
    at: datetime,
) -> Commitment:
    """Sở Nội vụ uploads the scan of a commitment signed on paper (PDF or image, at most
    5 MB): it is kept, and the person's signing task is completed on their behalf."""
    actor = user_by_username(session, actor_username)
    if not _is_home_affairs_officer(session, actor.id):
        raise PermissionDenied(f"{actor_username} is not an officer of Sở Nội vụ")
    commitment = get_commitment(session, commitment_id)
    if commitment.status != "awaiting_signature":
        raise Conflict(Message("This commitment is already signed."))
    media_type = _scan_media_type(content)
    task_id = session.scalar(
        select(HumanTask.id).where(
            HumanTask.instance_id == commitment.instance_id,
            HumanTask.task_name == "sign_commitment",
            HumanTask.status == "ready",
        )
    )
    if task_id is None:
        raise Conflict(Message("This commitment is no longer waiting to be signed."))
    scan = documents.store(
        session,
        at,
        actor.id,
        kind="signed_commitment",
        subject=f"commitment:{commitment.id}",
        filename=_scan_filename(filename, media_type),
        media_type=media_type,
        content=content,
    )
    commitment.signed_document_id = scan.id
    person = session.get_one(Person, commitment.person_id)
    runtime.complete_task(
        session, task_id, {"acknowledge": True, "full_name": person.full_name}, user_id=actor.id, at=at
    )
    return commitment


def _scan_media_type(content: bytes) -> str:
    if not content:
        raise InvalidInput("file", Message("Please choose the file of the signed commitment."))
    if len(content) > MAX_SCAN_BYTES:
        raise InvalidInput("file", Message("The file of the signed commitment may not be larger than 5 MB."))
    # A scan is accepted by what it is, not by what its name says (services.documents).
    if documents.holds_markup(content):
        raise InvalidInput(
            "file",
            Message(
                "The file of the signed commitment holds web page code (HTML, script), not a scan: "
                "upload a PDF or a photo of the signed commitment."
            ),
        )
    media_type = documents.media_type_of(content, (documents.PDF, documents.PNG, documents.JPEG))
    if media_type is None:
        raise InvalidInput(
            "file", Message("The file of the signed commitment must be a PDF or an image (PNG, JPEG).")
        )
    return media_type


def _scan_filename(filename: str, media_type: str) -> str:
    """The name the file came with, without its folders or control characters, given the
    extension of what it is."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = "".join(char for char in name if char.isprintable()).strip() or "ban-cam-ket-da-ky"
    return documents.named_as(name, media_type)[-200:]  # the column's size


def _is_home_affairs_officer(session: Session, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Membership.user_id == user_id,
                    Membership.role_code == SNV_OFFICER,
                    Membership.org_unit_id == OrgUnit.id,
                    OrgUnit.kind == HOME_AFFAIRS,
                )
            )
        )
    )


def _is_finance_officer(session: Session, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Membership.user_id == user_id,
                    Membership.role_code == FINANCE_OFFICER,
                    Membership.org_unit_id == OrgUnit.id,
                    OrgUnit.kind == FINANCE,
                )
            )
        )
    )


# -- reading ----------------------------------------------------------------------------


def get_commitment(session: Session, commitment_id: int) -> Commitment:
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(f"no commitment {commitment_id}")
    return commitment


def commitment_view(session: Session, commitment_id: int, keys=None) -> dict:
    """A commitment as pages show it: the person by name and date of birth (the citizen
    ID only masked, and only when ``keys`` are given), terms, dates, documents, support."""
    commitment = get_commitment(session, commitment_id)
    person = people.person_view(session, keys, commitment.person_id) if keys is not None else None
    person_row = session.get_one(Person, commitment.person_id)
    employer = session.get_one(OrgUnit, commitment.employer_org_id)
    entitlements = session.scalars(
        select(SupportEntitlement)
        .where(SupportEntitlement.commitment_id == commitment.id)
        .order_by(SupportEntitlement.id)
    ).all()
    docs = documents.of_subject(session, f"commitment:{commitment.id}")
    return {
        "id": commitment.id,
        "status": commitment.status,
        "person": {
            "id": person_row.id,
            "full_name": person_row.full_name,
            "date_of_birth": person_row.date_of_birth,
            "citizen_id": person["citizen_id"] if person else None,
        },
        "employer": {"id": employer.id, "code": employer.code, "name": employer.name},
        "job_position": commitment.job_position,
        "legal_basis": commitment.legal_basis,
        "legal_basis_title": commitment.terms["title"],
        "terms": commitment.terms,
        "commitment_years": commitment.terms["commitment"]["min_years"],
        "start_date": commitment.start_date,
        "end_date": commitment.end_date,
        "signed_at": commitment.signed_at,
        "signed_via": commitment.signed_via,
        "assignment_decision": commitment.assignment_decision,
        "assigned_on": commitment.assigned_at.astimezone(LOCAL_TZ).date() if commitment.assigned_at else None,
        "instance_id": commitment.instance_id,
        "documents": [
            {
                "id": doc.id,
                "kind": doc.kind,
                "filename": doc.filename,
                "media_type": doc.media_type,
                "created_at": doc.created_at,
                "sha256": doc.sha256,
            }
            for doc in docs
        ],
        "entitlements": [
            {
                "id": row.id,
                "kind": row.kind,
                "formula": row.formula,
                "amount_vnd": row.amount_vnd,
                "status": row.status,
                "decided_at": row.decided_at,
                "decided_by": row.decided_by,
            }
            for row in entitlements
        ],
    }


def commitments_of_person(session: Session, user_id: int) -> list[Commitment]:
    """The commitments of the person whose account this is (their own page)."""
    return list(
        session.scalars(
            select(Commitment)
            .join(Person, Person.id == Commitment.person_id)
            .where(Person.user_id == user_id)
            .order_by(Commitment.id)
        )
    )


def commitment_document_for(session: Session, user_id: int, document_id: int) -> StoredDocument:
    """A commitment's document (generated or signed scan) if the user may read it: the
    person themself, Sở Nội vụ, the head of the employing unit, Sở Tài chính (which
    pays the support). To anyone else it does not exist."""
    document = session.get(StoredDocument, document_id)
    if document is not None:
        match = re.fullmatch(r"commitment:(\d+)", document.subject)
        commitment = session.get(Commitment, int(match.group(1))) if match is not None else None
        if commitment is not None and _may_read(session, user_id, commitment):
            return document
    raise NotFound(f"no document {document_id}")


def _may_read(session: Session, user_id: int, commitment: Commitment) -> bool:
    person_user = session.scalar(select(Person.user_id).where(Person.id == commitment.person_id))
    return (
        user_id == person_user
        or _is_home_affairs_officer(session, user_id)
        or holds_role(session, user_id, UNIT_HEAD, commitment.employer_org_id)
        or _is_finance_officer(session, user_id)
    )


def stop_support(session: Session, commitment_id: int) -> list[int]:
    """Nothing more is paid from the breach date: recurring support is stopped, and so
    is any support not yet approved. What was approved once and for all stays (it is
    what the refund is computed from)."""
    stoppable = (
        (SupportEntitlement.commitment_id == commitment_id)
        & SupportEntitlement.status.in_(("proposed", "approved"))
        & ((SupportEntitlement.kind != ONE_TIME) | (SupportEntitlement.status == "proposed"))
    )
    ids = list(
        session.scalars(select(SupportEntitlement.id).where(stoppable).order_by(SupportEntitlement.id))
    )
    if ids:
        session.execute(
            update(SupportEntitlement).where(SupportEntitlement.id.in_(ids)).values(status="stopped"),
            execution_options={"synchronize_session": "fetch"},
        )
    return ids
