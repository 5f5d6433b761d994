"""The selection-round pages (docs/processes.md, from "Candidates and screening" to
"Commitment, assignment and support"): Sở Nội vụ opens rounds and registers applications
and organisations' nominations; the head of a unit nominates its officials under 40 for
the unit's positions; the council's members and the competent authority read
the round, its council's outcome and the minutes; Sở Nội vụ uploads the scan of a
commitment signed on paper.

Who sees what: Sở Nội vụ and the city chair every round; a council member their own
round; a unit head the rounds with a position of their unit, and only their unit's
candidates. Anyone else is told the round does not exist (404).

A citizen ID is personal data: it is posted, never put in a URL, and never written back
into a page (pages show the masked value from ``talents.person_view`` only)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import exists, select

from engine.errors import FormInvalid, NotFound
from services import campaigns, commitments, documents, selection
from services.commitments import Commitment
from services.common import policies
from services.common.display import LOCAL_TZ
from services.common.errors import InvalidInput, PermissionDenied
from services.identity import CITY_CHAIR, UNIT_HEAD, Membership, OrgUnit
from services.selection import Council, CouncilSeat, Position
from web import refusals
from web.context import services
from web.downloads import send_as_pdf, send_document
from web.i18n import say
from web.refusals import field_message

bp = Blueprint("rounds", __name__)

POSITION_ROWS = 5  # rows of the "open a round" form; empty ones are ignored
POSITION_FIELDS = ("org_unit_code", "field", "job_position", "target_group", "quantity")
PERSON_FIELDS = ("full_name", "date_of_birth", "gender", "citizen_id")


@bp.context_processor
def labels() -> dict:
    candidate_status = {
        "nominated": _("Nominated"),
        "applied": _("Applied"),
        "eligible": _("Eligible"),
        "ineligible": _("Ineligible"),
        "passed": _("Passed"),
        "failed": _("Failed"),
        "selected": _("Selected"),
        "not_selected": _("Not selected"),
    }
    round_status = {
        "open": _("Receiving applications"),
        "council_pending": _("Awaiting the council"),
        "scoring": _("Council scoring"),
        "awaiting_decision": _("Awaiting the decision"),
        "decided": _("Decided"),
    }
    channels = {
        "unit_head_nomination_u40": _("Nominated by the head of the unit (under 40)"),
        "external_nomination": _("Nominated by an organisation"),
        "self_application": _("Self-application"),
    }
    council_roles = {
        "chair": _("Chair"),
        "vice_chair": _("Vice chair"),
        "secretary": _("Secretary"),
        "member": _("Member"),
    }
    results = {"passed": _("Passed"), "failed": _("Failed"), "no_quorum": _("No quorum")}
    genders = {"male": _("Male"), "female": _("Female")}
    return {
        "candidate_status_label": lambda code: candidate_status.get(code, code),
        "round_status_label": lambda code: round_status.get(code, code),
        "channel_label": lambda code: channels.get(code, code),
        "council_role_label": lambda code: council_roles.get(code, code),
        "result_label": lambda code: results.get(code, code),
        "genders": genders,
    }


# -- who may see a round ---------------------------------------------------------------------


@dataclass
class _Access:
    """What the signed-in user may see and do in one round."""

    manager: bool = False  # Sở Nội vụ
    authority: bool = False  # the city chair (competent authority)
    member: bool = False  # a member of the round's council
    own_positions: set[int] = field(default_factory=set)  # positions of units the user heads

    @property
    def sees_everything(self) -> bool:
        return self.manager or self.authority or self.member

    @property
    def allowed(self) -> bool:
        return self.sees_everything or bool(self.own_positions)


def _access(session, user_id: int, round_id: int) -> _Access:
    """The user's access to the round; NotFound when they have none (or it does not exist)."""
    selection.get_round(session, round_id)
    access = _Access(
        manager=selection.may_manage_rounds(session, user_id),
        authority=_is_authority(session, user_id),
        member=bool(
            session.scalar(
                select(
                    exists().where(
                        Council.round_id == round_id,
                        CouncilSeat.council_id == Council.id,
                        CouncilSeat.user_id == user_id,
                    )
                )
            )
        ),
        own_positions=set(
            session.scalars(
                select(Position.id).where(
                    Position.round_id == round_id,
                    Position.org_unit_id.in_(_headed_unit_ids(session, user_id)),
                )
            )
        ),
    )
    if not access.allowed:
        raise NotFound(f"round {round_id} is not visible to user {user_id}")
    return access


def _is_authority(session, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(exists().where(Membership.user_id == user_id, Membership.role_code == CITY_CHAIR))
        )
    )


def _headed_unit_ids(session, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Membership.org_unit_id).where(
                Membership.user_id == user_id, Membership.role_code == UNIT_HEAD
            )
        )
    )


def _visible_rounds(session, user_id: int) -> list:
    """Sở Nội vụ and the city chair: every round; a council member: their rounds; a unit
    head: the open rounds with a position of their unit (to nominate)."""
    every = selection.rounds(session)
    if selection.may_manage_rounds(session, user_id) or _is_authority(session, user_id):
        return every
    member_of = set(
        session.scalars(
            select(Council.round_id)
            .join(CouncilSeat, CouncilSeat.council_id == Council.id)
            .where(CouncilSeat.user_id == user_id)
        )
    )
    nominating_in = set(
        session.scalars(
            select(Position.round_id).where(Position.org_unit_id.in_(_headed_unit_ids(session, user_id)))
        )
    )
    return [
        round_
        for round_ in every
        if round_.id in member_of or (round_.id in nominating_in and round_.status == "open")
    ]


# -- the list and the round page ---------------------------------------------------------------


@bp.get("/rounds")
@login_required
def round_list():
    with services().db.read() as session:
        shown = [
            selection.round_view(session, round_.id) for round_ in _visible_rounds(session, current_user.id)
        ]
        may_open = selection.may_manage_rounds(session, current_user.id)
    return render_template("rounds.html", rounds=shown, may_open=may_open)


@bp.get("/rounds/<int:round_id>")
@login_required
def round_page(round_id: int):
    """The round; after a refused form, that form again with its messages and what was typed."""
    svc, refused = services(), refusals.kept()
    with svc.db.read() as session:
        access = _access(session, current_user.id, round_id)
        view = selection.round_view(session, round_id)
        candidates = selection.candidates_of(session, svc.citizen_id_keys, round_id)
        council = selection.council_view(session, round_id)
        if not access.sees_everything:  # a unit head: their own unit's positions and candidates only
            candidates = [entry for entry in candidates if entry["position_id"] in access.own_positions]
            if council and council["outcome"]:
                council = {
                    **council,
                    "outcome": {
                        **council["outcome"],
                        "candidates": [
                            entry
                            for entry in council["outcome"]["candidates"]
                            if entry["position_id"] in access.own_positions
                        ],
                    },
                }
        commitment_of = _commitments_of(session, [entry["id"] for entry in candidates])
        minutes = bool(
            council
            and council["minutes_document_id"]
            and selection.may_read_minutes(session, current_user.id, council["id"])
        )
        field_titles = campaigns.field_titles(session, svc.runtime)
    open_for_candidates = view["status"] == "open" and svc.clock.now() < view["applications_close_at"]
    return render_template(
        "round.html",
        round=view,
        candidates=candidates,
        council=council,
        commitment_of=commitment_of,
        minutes=minutes,
        access=access,
        open_for_candidates=open_for_candidates,
        field_titles=field_titles,
        target_groups=_target_groups(),
        own_positions=[position for position in view["positions"] if position["id"] in access.own_positions],
        form=refused.get("form"),
        errors=refused.get("errors", {}),
        typed=refused.get("typed", {}),
    )


def _target_groups() -> dict[str, str]:
    """The categories of talent, in the reader's language."""
    return {code: say(title) for code, title in commitments.CATEGORY_TITLES.items()}


def _commitments_of(session, candidate_ids: list[int]) -> dict[int, int]:
    """Commitment id by candidate id, for the selected candidates' links."""
    if not candidate_ids:
        return {}
    return dict(
        session.execute(
            select(Commitment.candidate_id, Commitment.id).where(Commitment.candidate_id.in_(candidate_ids))
        ).all()
    )


# -- registering candidates ------------------------------------------------------------------


@bp.post("/rounds/<int:round_id>/nominations")
@login_required
def nominate(round_id: int):
    """The head of a unit nominates one of its officials (under 40) for a position of the unit."""

    def register(session, person: dict, position_id: int):
        access = _access(session, current_user.id, round_id)
        if position_id not in access.own_positions:
            raise PermissionDenied(
                f"{current_user.username} does not head the unit of position {position_id}"
            )
        unit_code = session.scalar(
            select(OrgUnit.code)
            .join(Position, Position.org_unit_id == OrgUnit.id)
            .where(Position.id == position_id)
        )
        if person["date_of_birth"] is None:
            raise InvalidInput("date_of_birth", _("Enter the date of birth."))
        selection.nominate_official(
            session,
            services().runtime,
            services().citizen_id_keys,
            current_user.username,
            round_id=round_id,
            position_id=position_id,
            unit_code=unit_code,
            **person,
        )

    return _register(
        round_id, "nominate", register, _("Nomination registered; Sở Nội vụ will check the dossier.")
    )


@bp.post("/rounds/<int:round_id>/applications")
@login_required
def apply(round_id: int):
    """Sở Nội vụ registers a self-application (Phiếu đăng ký dự tuyển) it received."""

    def register(session, person: dict, position_id: int):
        _access(session, current_user.id, round_id)
        selection.apply(
            session,
            services().runtime,
            services().citizen_id_keys,
            current_user.username,
            round_id=round_id,
            position_id=position_id,
            **person,
        )

    return _register(round_id, "apply", register, _("Application registered."))


@bp.post("/rounds/<int:round_id>/external-nominations")
@login_required
def nominate_external(round_id: int):
    """Sở Nội vụ registers the nomination of an organisation outside the directory."""
    organisation = request.form.get("nominating_organisation", "")

    def register(session, person: dict, position_id: int):
        _access(session, current_user.id, round_id)
        selection.nominate_external(
            session,
            services().runtime,
            services().citizen_id_keys,
            current_user.username,
            round_id=round_id,
            position_id=position_id,
            nominating_organisation=organisation,
            **person,
        )

    return _register(round_id, "external", register, _("Nomination registered."))


def _register(round_id: int, form: str, register, done_message: str):
    """Run one registration in a transaction; a refusal shows the round again with the
    form's typed values (never the citizen ID) and the message next to its field."""
    svc = services()
    with svc.db.read() as session:  # who may not see the round is refused before the form is read
        _access(session, current_user.id, round_id)
    typed = {
        name: request.form.get(name, "")
        for name in (*PERSON_FIELDS, "position_id", "nominating_organisation")
        if name != "citizen_id"
    }
    try:
        person, position_id = _person_posted(), _integer("position_id", request.form.get("position_id", ""))
        with svc.db.transaction() as session:
            register(session, person, position_id)
    except InvalidInput as invalid:
        return refusals.refuse(
            url_for("rounds.round_page", round_id=round_id),
            form=form,
            errors={invalid.field: field_message(invalid)},
            typed=typed,
        )
    except FormInvalid as invalid:
        return refusals.refuse(
            url_for("rounds.round_page", round_id=round_id),
            form=form,
            errors={error.field: say(error.message) for error in invalid.errors},
            typed=typed,
        )
    flash(done_message)
    return redirect(url_for("rounds.round_page", round_id=round_id))


def _person_posted() -> dict:
    values = request.form
    gender = values.get("gender") or None
    return {
        "full_name": values.get("full_name", "").strip(),
        "date_of_birth": _date("date_of_birth", values.get("date_of_birth", "")),
        "gender": gender,
        "citizen_id": values.get("citizen_id", "").replace(" ", "") or None,
    }


def _date(name: str, text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(name, _("Enter a valid date.")) from None


def _integer(name: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(
            name, _("Choose a value from the list.") if name == "position_id" else _("Enter a whole number.")
        ) from None


# -- opening a round --------------------------------------------------------------------------


@bp.get("/rounds/new")
@login_required
def new_round():
    svc, refused = services(), refusals.kept()
    with svc.db.read() as session:
        if not selection.may_manage_rounds(session, current_user.id):
            raise PermissionDenied(f"{current_user.username} may not open a selection round")
        units = session.execute(
            select(OrgUnit.code, OrgUnit.name)
            .where(OrgUnit.in_scope.is_(True), OrgUnit.level == "unit")
            .order_by(OrgUnit.name)
        ).all()
        field_titles = campaigns.field_titles(session, svc.runtime)
    bases = [(code, basis.title) for code, basis in sorted(policies.policy_book().legal_bases.items())]
    return render_template(
        "round_new.html",
        units=units,
        field_titles=field_titles,
        legal_bases=bases,
        target_groups=_target_groups(),
        rows=range(POSITION_ROWS),
        errors=refused.get("errors", {}),
        typed=refused.get("typed", {}),
    )


@bp.post("/rounds/new")
@login_required
def create_round():
    svc = services()
    with svc.db.read() as session:  # who may not open a round is refused before the form is read
        if not selection.may_manage_rounds(session, current_user.id):
            raise PermissionDenied(f"{current_user.username} may not open a selection round")
    typed = {name: value for name, value in request.form.items() if name != "csrf_token"}
    rows = [
        index
        for index in range(POSITION_ROWS)
        if any(request.form.get(f"positions[{index}].{name}", "").strip() for name in POSITION_FIELDS)
    ]
    try:
        positions = [_position_posted(index) for index in rows]
        fields = {
            "title": request.form.get("title", ""),
            "legal_basis": request.form.get("legal_basis", ""),
            "applications_close_at": _local_instant(
                "applications_close_at", request.form.get("applications_close_at", "")
            ),
            "positions": positions,
        }
        with svc.db.transaction() as session:
            round_id = selection.open_round(session, svc.runtime, current_user.username, **fields).id
    except InvalidInput as invalid:
        return refusals.refuse(
            url_for("rounds.new_round"),
            errors={_form_row(invalid.field, rows): field_message(invalid)},
            typed=typed,
        )
    flash(_("Selection round opened."))
    return redirect(url_for("rounds.round_page", round_id=round_id))


def _position_posted(index: int) -> dict:
    values = {name: request.form.get(f"positions[{index}].{name}", "").strip() for name in POSITION_FIELDS}
    values["quantity"] = (
        _integer(f"positions[{index}].quantity", values["quantity"]) if values["quantity"] else None
    )
    return values


def _form_row(field_path: str, rows: list[int]) -> str:
    """The service numbers the non-empty rows; the page numbers all of them."""
    match = re.fullmatch(r"positions\[(\d+)\]\.(\w+)", field_path)
    if match is None or int(match.group(1)) >= len(rows):
        return field_path
    return f"positions[{rows[int(match.group(1))]}].{match.group(2)}"


def _local_instant(name: str, text: str) -> datetime:
    """A datetime-local input ("2026-03-02T00:00"), read in Asia/Ho_Chi_Minh."""
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=LOCAL_TZ)
    except ValueError:
        raise InvalidInput(name, _("Enter a date and time.")) from None


# -- documents ---------------------------------------------------------------------------------


@bp.get("/rounds/<int:round_id>/<any(minutes, decision):paper>.<any(docx, pdf):form>")
@login_required
def round_document(round_id: int, paper: str, form: str):
    """The council's minutes or the decision on the results, as .docx or PDF, for Sở Nội vụ,
    the authority and the council's members."""
    with services().db.read() as session:
        council = selection.council_view(session, round_id)
        if council is None or not selection.may_read_minutes(session, current_user.id, council["id"]):
            raise NotFound(f"no {paper} of round {round_id} for user {current_user.id}")
        document_id = (
            council["minutes_document_id"]
            if paper == "minutes"
            else selection.round_view(session, round_id)["decision_document_id"]
        )
        if document_id is None:
            raise NotFound(f"no {paper} of round {round_id} yet")
        document = documents.get(session, document_id)
    return send_as_pdf(document) if form == "pdf" else send_document(document)
