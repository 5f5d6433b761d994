"""The REST API at /api/v1 (flask-smorest + marshmallow), OpenAPI at /api/v1/openapi.json.

Every error is JSON: ``{"code": ..., "message": ...}``, plus ``"errors"`` naming each
bad field. Integrations authenticate with a bearer token (``talentflow users token``).
"""
from __future__ import annotations

from flask import Flask, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError
from web.api import calendar, notifications
from web.api.errors import error_response, http_error_response, status_of

PREFIX = "/api/v1"


class JsonErrorsApi(Api):
    """flask-smorest with our error shape; pages outside the API keep Flask's own."""

    def handle_http_exception(self, error: HTTPException):
        if not request.path.startswith(PREFIX):
            return error
        return http_error_response(error)


def init_api(app: Flask) -> Api:
    app.config.update(
        API_TITLE="TalentFlow API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX, OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
                          "security": [{"bearer": []}]})
    api = JsonErrorsApi(app)
    api.register_blueprint(calendar.blp, url_prefix=f"{PREFIX}/calendar")
    api.register_blueprint(notifications.blp, url_prefix=f"{PREFIX}/notifications")

    @app.errorhandler(EngineError)
    def engine_error(error: EngineError):
        field = getattr(error, "field", None)
        return error_response(status_of(error), error.code, str(error), {field: [error.message]} if field else None)

    return api
