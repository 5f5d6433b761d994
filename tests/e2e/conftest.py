"""Browser tests: the real app served over HTTP by werkzeug in a background thread,
driven by Playwright in Debian's chromium (/usr/bin/chromium, installed by `make test`)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from factories import REPO_ROOT
from factories.web import web_app
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("TALENTFLOW_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture
def live_server(commune):
    app = web_app(commune)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required for the browser tests and is not at {CHROMIUM}: run `make test`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def artifacts(request) -> Path:
    folder = ARTIFACTS / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
