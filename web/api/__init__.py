"""The REST API at /api/v1 (flask-smorest + marshmallow), OpenAPI at /api/v1/openapi.json,
Swagger UI at /api/v1/docs.

Every error is JSON: ``{"code": ..., "message": ...}``, plus ``"errors"`` naming each
bad field. Integrations authenticate with a bearer token (``talentflow users token``);
the browser with its session cookie and, on writes, the CSRF token in ``X-CSRFToken``.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api, Blueprint

from web.api import docs
from web.api.errors import ErrorSchema
from web.security import csrf

PREFIX = "/api/v1"


class JsonErrorsApi(Api):
    """flask-smorest with our error shape (web/__init__.py answers the errors: JSON under
    the API, a page elsewhere)."""

    ERROR_SCHEMA = ErrorSchema  # documented as the default response of every operation


def init_api(app: Flask, blueprints: list[tuple[Blueprint, str]]) -> Api:
    """The API with each context's blueprint at its path under /api/v1."""
    app.config.update(
        API_TITLE="TalentFlow API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    api = JsonErrorsApi(app)
    for blueprint, path in blueprints:
        csrf.exempt(blueprint)  # the API checks CSRF itself, for session-authenticated calls only
        api.register_blueprint(blueprint, url_prefix=f"{PREFIX}{path}")
    app.register_blueprint(docs.bp, url_prefix=PREFIX)
    return api
