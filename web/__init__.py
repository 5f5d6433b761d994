"""The web layer: Flask app factory. Views call services; SpiffWorkflow never reaches here."""
from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy import func, select

from services.bootstrap import Services, bootstrap
from web.api import init_api

MAX_REQUEST_BYTES = 1024 * 1024  # a form or an API call is far smaller; a BPMN upload has its own limit


def create_app(services: Services | None = None) -> Flask:
    services = services or bootstrap()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON answers
    app.extensions["talentflow"] = services
    init_api(app)

    @app.get("/health")
    def health():
        # Answers only when the database does: a health check that lies helps nobody.
        from engine.models import ProcessDefinition

        with services.db.transaction() as session:
            definitions = session.scalar(select(func.count()).select_from(ProcessDefinition))
        return jsonify(status="ok", definitions=definitions, time=services.clock.now().isoformat())

    return app
