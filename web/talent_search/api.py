"""The talent database over the API: search and one person's record, the citizen ID
always masked, within what the caller's role and unit allow. A search by name or citizen
ID is a POST: personal data stays out of URLs, which end up in logs."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.db import MAX_ID
from services import people, talent_search
from web.api.auth import current_user, services
from web.api.fields import UtcDateTime

blp = Blueprint("talents_api", __name__, description="Cơ sở dữ liệu nhân tài")


class TalentListSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(people.STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_ID))


class TalentSearchSchema(TalentListSchema):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "part of a name (accents optional), or a whole citizen ID"},
    )


class PersonSchema(Schema):
    id = fields.Integer()
    full_name = fields.String(allow_none=True)
    date_of_birth = fields.Date(allow_none=True, metadata={"description": "for Sở Nội vụ's officers only"})
    birth_year = fields.Integer(allow_none=True)
    gender = fields.String(allow_none=True)
    citizen_id = fields.String(allow_none=True, metadata={"description": "masked: ********0111"})
    status = fields.String(allow_none=True)
    status_at = UtcDateTime(allow_none=True)


class TalentPageSchema(Schema):
    people = fields.List(fields.Nested(PersonSchema))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()


class StatusStepSchema(Schema):
    status = fields.String()
    at = UtcDateTime()
    reason = fields.String(allow_none=True)


class ConsentSchema(Schema):
    purpose = fields.String()
    text_version = fields.String()
    given_at = UtcDateTime()
    channel = fields.String()
    withdrawn_at = UtcDateTime(allow_none=True)


class PersonRecordSchema(PersonSchema):
    history = fields.List(fields.Nested(StatusStepSchema))
    consents = fields.List(fields.Nested(ConsentSchema))
    candidacies = fields.List(fields.Dict())
    talent_list = fields.List(fields.Dict())


@blp.get("")
@blp.arguments(TalentListSchema, location="query")
@blp.response(200, TalentPageSchema)
def people(query: dict):
    """The people the caller may see (Sở Nội vụ and city leaders: everyone; Phòng VH-XH and
    commune chairs: their commune; unit heads: their unit), by status."""
    return _page(talent_search.TalentQuery(status=query["status"], page=query["page"]))


@blp.post("/search")
@blp.arguments(TalentSearchSchema)
@blp.response(200, TalentPageSchema)
def search(query: dict):
    """The same, matching a name (accents optional) or, for Sở Nội vụ's officers, a whole
    citizen ID (audited; at most 20 an hour)."""
    return _page(talent_search.TalentQuery(text=query["q"], status=query["status"], page=query["page"]))


def _page(query: talent_search.TalentQuery) -> dict:
    svc, user = services(), current_user()
    with svc.db.transaction() as session:  # a citizen ID lookup is audited, a refused one too
        page = talent_search.search(session, svc.citizen_id_keys, user.id, query, svc.clock.now())
        return {"people": page.people, "total": page.total, "page": page.page, "pages": page.pages}


@blp.get("/<int:person_id>")
@blp.response(200, PersonRecordSchema)
def person(person_id: int):
    """One person's record: identity (masked), status history, consents, candidacies, list entries."""
    svc, user = services(), current_user()
    with svc.db.read() as session:
        return talent_search.person_record(session, svc.citizen_id_keys, user.id, person_id)
