"""The services the app was built with (see create_app), for views and the API."""

from __future__ import annotations

from flask import current_app

from services.bootstrap import Services


def services() -> Services:
    return current_app.extensions["talentflow"]
