"""One shape for every API error, and the HTTP status of each error code."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError
from engine.messages import Message
from web.i18n import say

STATUS_BY_CODE = {
    "not_found": 404,
    "permission_denied": 403,
    "invalid_input": 422,
    "form_invalid": 422,
    "state_conflict": 409,
    "task_not_ready": 409,
    "concurrency_conflict": 409,
    "definition_rejected": 422,
    "migration_refused": 409,
    "contract_broken": 409,
    "deadline_passed": 409,
    "not_recallable": 409,
    "too_many_requests": 429,
}
CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "state_conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}
MESSAGE_BY_STATUS = {
    400: Message("The request is not valid."),
    404: Message("Not found."),
    405: Message("This method is not supported."),
    413: Message("What was sent is too large."),
    422: Message("The data is not valid."),
}


class ProblemSchema(Schema):
    element = fields.String(allow_none=True, metadata={"description": "the BPMN element to highlight"})
    message = fields.String()


class ErrorSchema(Schema):
    """What every error response says (the spec's default response)."""

    code = fields.String(
        required=True, metadata={"description": "e.g. not_found, invalid_input, form_invalid"}
    )
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), metadata={"description": "each bad field, with its problems"})
    problems = fields.List(fields.Nested(ProblemSchema), metadata={"description": "a refused definition's"})


# What a caller is told; the engine's own message (which may name what was asked for)
# goes to the logs only, so a refusal never confirms that another unit's case exists.
MESSAGE_BY_CODE = {
    "not_found": Message("Not found, or not yours to see."),
    "permission_denied": Message("Your role does not allow this."),
    "task_not_ready": Message("The task is already done or closed."),
    "concurrency_conflict": Message("Someone else just changed this case; reload and try again."),
}


def message_of(error: EngineError) -> str:
    return say(MESSAGE_BY_CODE.get(error.code) or error.message)


def status_of(error: EngineError) -> int:
    return STATUS_BY_CODE.get(error.code, 400)


def error_response(
    status: int, code: str, message: str, fields: dict | None = None, problems: list | None = None
):
    body = {"code": code, "message": message}
    if fields:
        body["errors"] = fields
    if problems:
        body["problems"] = problem_list(problems)
    return jsonify(body), status


def problem_list(problems) -> list[dict]:
    """A refused definition's problems, each with the BPMN element to highlight."""
    return [{"element": getattr(problem, "element", None), "message": say(problem)} for problem in problems]


def http_error_response(error: HTTPException):
    """Our shape for errors raised by flask-smorest, webargs or werkzeug. Validation
    errors come per location ({"json": {"kind": [...]}}); the field names are kept."""
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    fields = data.get("errors")
    messages = data.get("messages")
    if messages:
        fields = {
            name: problems
            for location in messages.values()
            for name, problems in (location.items() if isinstance(location, dict) else [("body", location)])
        }
    message = say(data.get("message") or MESSAGE_BY_STATUS.get(status) or error.description)
    return error_response(status, data.get("code") or CODE_BY_STATUS.get(status, "error"), message, fields)
