"""The web layer: Flask app factory. Views call services; SpiffWorkflow never reaches here."""
from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy import func, select

from services.bootstrap import Services, bootstrap


def create_app(services: Services | None = None) -> Flask:
    services = services or bootstrap()
    app = Flask(__name__)
    app.extensions["talentflow"] = services

    @app.get("/health")
    def health():
        # Answers only when the database does: a health check that lies helps nobody.
        from engine.models import ProcessDefinition

        with services.db.transaction() as session:
            definitions = session.scalar(select(func.count()).select_from(ProcessDefinition))
        return jsonify(status="ok", definitions=definitions, time=services.clock.now().isoformat())

    return app
