"""Campaigns over the API: open one (Phòng VH-XH), its status per unit, its aggregation."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services import campaigns
from web.api.auth import current_user, services
from web.api.fields import UtcDateTime

blp = Blueprint("campaigns", __name__, description="Đợt đề xuất nhu cầu")


class OpenCampaignSchema(Schema):
    commune_code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    title = fields.String(required=True, validate=validate.Length(min=5, max=500))
    target_year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    unit_deadline = fields.AwareDateTime(load_default=None, metadata={"description": "default: 12:00 14/01"})
    city_deadline = fields.AwareDateTime(load_default=None, metadata={"description": "default: 00:00 15/01"})
    unit_codes = fields.List(
        fields.String(validate=validate.Length(max=60)),
        load_default=None,
        validate=validate.Length(min=1, max=10_000),
    )
    launch_doc = fields.String(load_default=None, validate=validate.Length(max=60))


class CampaignSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    target_year = fields.Integer()
    unit_deadline = UtcDateTime()
    city_deadline = UtcDateTime()
    launch_doc = fields.String(allow_none=True)


class UnitStatusSchema(Schema):
    unit_code = fields.String()
    unit_name = fields.String()
    status = fields.String()
    received_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    escalation_level = fields.Integer(allow_none=True)


class CampaignStatusSchema(CampaignSchema):
    units = fields.List(fields.Nested(UnitStatusSchema))


@blp.post("")
@blp.arguments(OpenCampaignSchema)
@blp.response(201, CampaignSchema)
def open_campaign(body: dict):
    """Open a campaign and address its units (Phòng VH-XH officers of the commune)."""
    svc, user = services(), current_user()
    request = campaigns.CampaignRequest(
        **{**body, "unit_codes": tuple(body["unit_codes"]) if body["unit_codes"] else None}
    )
    with svc.db.transaction() as session:
        opened = campaigns.open_campaign(session, svc.runtime, user.username, request)
        return {name: getattr(opened, name) for name in CampaignSchema().fields}


@blp.get("/<int:campaign_id>")
@blp.response(200, CampaignStatusSchema)
def status(campaign_id: int):
    """Each addressed unit's status (who may see the board: Phòng VH-XH, the chair)."""
    svc, user = services(), current_user()
    with svc.db.read() as session:
        campaign = campaigns.campaign_for_board(session, user.id, campaign_id)
        units = [
            {**unit, "escalation_level": unit["escalation"][0] if unit["escalation"] else None}
            for unit in campaigns.unit_statuses(session, campaign, svc.clock.now())
        ]
        return {**{name: getattr(campaign, name) for name in CampaignSchema().fields}, "units": units}


@blp.get("/<int:campaign_id>/aggregation")
@blp.response(200)
def aggregation(campaign_id: int):
    """The aggregated needs by field and unit (the snapshot once aggregated)."""
    svc, user = services(), current_user()
    with svc.db.read() as session:
        return campaigns.current_aggregation(
            session, campaigns.campaign_for_board(session, user.id, campaign_id), svc.clock.now()
        )
