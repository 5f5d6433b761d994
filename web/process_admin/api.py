"""Process definitions and instances over the API (administrators)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services import process_admin
from web.api.auth import require_admin, services
from web.api.fields import UtcDateTime
from web.i18n import say

blp = Blueprint("processes", __name__, description="Quy trình và phiên bản (quản trị)")


class DefinitionSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    version = fields.Integer()
    title = fields.String()
    created_at = UtcDateTime()


class StartSchema(Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Dict(required=True)
    lane_orgs = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "role code -> organisation unit code"},
    )
    business_key = fields.String(load_default=None, validate=validate.Length(max=200))


class InstanceSchema(Schema):
    id = fields.Integer()
    process_key = fields.String()
    definition_version = fields.Integer()
    business_key = fields.String(allow_none=True)
    status = fields.String()
    created_at = UtcDateTime()
    completed_at = UtcDateTime(allow_none=True)
    error_message = fields.String(allow_none=True)  # in the reader's language (_said)
    tasks = fields.List(fields.Dict())


@blp.get("/process-definitions")
@blp.response(200, DefinitionSchema(many=True))
def list_definitions():
    """Every published version of every process, newest first."""
    require_admin()
    with services().db.read() as session:
        return process_admin.definitions(session)


@blp.post("/instances")
@blp.arguments(StartSchema)
@blp.response(201, InstanceSchema)
def start_instance(body: dict):
    """Start an instance of the newest version of a process."""
    admin, svc = require_admin(), services()
    with svc.db.transaction() as session:
        instance_id = process_admin.start(
            session,
            svc.runtime,
            admin.id,
            body["process_key"],
            body["data"],
            body["lane_orgs"],
            body["business_key"],
            svc.clock.now(),
        )
    with svc.db.read() as session:
        return _said(process_admin.instance_view(session, instance_id))


@blp.get("/instances/<int:instance_id>")
@blp.response(200, InstanceSchema)
def show_instance(instance_id: int):
    require_admin()
    with services().db.read() as session:
        return _said(process_admin.instance_view(session, instance_id))


def _said(view: dict) -> dict:
    """The instance's error in the reader's language (docs/languages.md)."""
    return {**view, "error_message": view["error_message"] and say(view["error_message"])}
