"""Swagger UI for the API, served from the installed swagger-ui-bundle files (no CDN:
the machines are offline) and started by our own script, so the page keeps the
strict Content-Security-Policy (no inline script)."""

from __future__ import annotations

from flask import Blueprint, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("api_docs", __name__)


@bp.get("/docs")
def swagger_ui():
    return render_template("swagger_ui.html")


@bp.get("/docs/assets/<path:filename>")
def swagger_assets(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
