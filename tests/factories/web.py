"""Signing in through the real pages with Flask's test client, CSRF tokens included; an
API client with a bearer token per user."""

from __future__ import annotations

import re

from services import demo
from web import create_app

PASSWORD = "mat-khau-thu-nghiem"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def web_app(services):
    with services.db.transaction() as session:
        demo.set_demo_passwords(session, PASSWORD)
    return create_app(services)


def api_client(services, *usernames: str):
    """A test client of the app with ``tokens``: each user's Authorization header."""
    from services.identity import _api_tokens as api_tokens

    client = web_app(services).test_client()
    with services.db.transaction() as session:
        client.tokens = {
            name: {"Authorization": f"Bearer {api_tokens.issue(session, name, 'api', services.clock.now())}"}
            for name in usernames
        }
    return client


def csrf_token(client, path: str = "/login") -> str:
    return _CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def signed_in(app, username: str, language: str = "vi"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def browser_signed_in(browser, base: str, username: str):
    """A new Playwright page of a browser signed in as ``username`` (Vietnamese UI)."""
    page = browser.new_context(locale="vi-VN", accept_downloads=True).new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Đăng nhập")
    page.wait_for_url(f"{base}/inbox")
    return page


def field(name: str) -> str:
    """The CSS selector of a form field by its name."""
    return f'[name="{name}"]'


def shown_after_refusal(response, page: str) -> str:
    """A refused form (posted with ``follow_redirects=True``) answered by a redirect back to
    its page (POST-redirect-GET), which shows why and what was typed. Its text."""
    assert [step.status_code for step in response.history] == [302], "a refused form redirects to its page"
    assert (response.request.path, response.status_code) == (page, 200)
    return response.get_data(as_text=True)
