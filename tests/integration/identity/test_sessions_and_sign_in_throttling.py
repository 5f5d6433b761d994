"""Sessions the server can end, and sign-in throttling a guesser cannot turn against a
user, through the real pages.

Sessions: a cookie copied before sign-out, a password change (the CLI's), the account's
disabling or an admin's "end all sessions" opens neither the pages nor the API
afterwards, while a fresh sign-in works. Throttling: guessing one name from many
addresses never keeps its owner out at their usual address, yet every guess past the
allowance waits longer; one address guessing many names is slowed; X-Forwarded-For is
believed only through the configured number of proxies; an admin's unlock is audited.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from factories.dates import local
from factories.web import PASSWORD, csrf_token, signed_in, web_app
from sqlalchemy import func, select

from services.common.models import AuditEvent
from services.identity import _api_tokens as api_tokens, _web_sessions as web_sessions, user_by_username
from services.identity._models import LoginAttempt, WebSession
from web.cli import main

OWNER = "cg_vp.canbo"


@pytest.fixture
def app(commune):
    commune.clock.set(local(2026, 1, 12, 9, 0))
    return web_app(commune)


def _sign_in(
    client,
    username: str = OWNER,
    password: str = PASSWORD,
    address: str = "127.0.0.1",
    forwarded_for: str | None = None,
):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _assert_opens(client) -> None:
    assert client.get("/inbox").status_code == 200
    assert client.get("/api/v1/tasks").status_code == 200


def _assert_refused(client) -> None:
    assert client.get("/inbox").status_code == 302  # to the sign-in page
    assert client.get("/api/v1/tasks").status_code == 401


def _admin_post(admin, path: str):
    return admin.post(path, data={"csrf_token": csrf_token(admin, "/admin/users")}, follow_redirects=True)


def _id_of(services, username: str) -> int:
    with services.db.read() as session:
        return user_by_username(session, username).id


def _audit(services, action: str) -> list[AuditEvent]:
    with services.db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# Sessions the server can end.


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(app):
    owner, other_device = signed_in(app, OWNER), signed_in(app, OWNER)
    thief = _copy_of(app, owner)
    _assert_opens(thief)
    assert owner.post("/logout", data={"csrf_token": csrf_token(owner, "/inbox")}).status_code == 302
    _assert_refused(thief)
    _assert_refused(other_device)  # signing out ends every session of the user
    _assert_opens(signed_in(app, OWNER))


def test_a_password_change_from_the_cli_ends_every_session(app, commune, database_url, tmp_path, monkeypatch):
    owner = signed_in(app, OWNER)
    thief = _copy_of(app, owner)
    monkeypatch.setenv("TALENTFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("TALENTFLOW_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["users", "password", OWNER, "--password", "mat-khau-moi-dai"])
    assert result.exit_code == 0, result.output
    _assert_refused(thief)
    _assert_refused(owner)
    assert _sign_in(app.test_client()).status_code == 401  # the old password
    fresh = app.test_client()
    assert _sign_in(fresh, password="mat-khau-moi-dai").status_code == 302
    _assert_opens(fresh)


def test_disabling_a_user_ends_their_sessions_and_stops_their_api_tokens(app, commune):
    with commune.db.transaction() as session:
        token = api_tokens.issue(session, OWNER, "integration", commune.clock.now())
        owner_id, admin_id = user_by_username(session, OWNER).id, user_by_username(session, "admin").id
    bearer = {"Authorization": f"Bearer {token}"}
    thief = _copy_of(app, signed_in(app, OWNER))
    admin = signed_in(app, "admin")
    assert app.test_client().get("/api/v1/tasks", headers=bearer).status_code == 200

    page = _admin_post(admin, f"/admin/users/{owner_id}/actions/disable").get_data(as_text=True)
    assert "Đã thực hiện: Vô hiệu hóa tài khoản." in page and "Đã vô hiệu hóa" in page
    _assert_refused(thief)
    assert app.test_client().get("/api/v1/tasks", headers=bearer).status_code == 401
    assert _sign_in(app.test_client()).status_code == 401  # the same answer as a wrong password
    assert [event.details for event in _audit(commune, "account.disable")] == [{"sessions_ended": 1}]

    refused = _admin_post(admin, f"/admin/users/{admin_id}/actions/disable").get_data(as_text=True)
    assert "Bị từ chối" in refused and "không thể tự vô hiệu hóa" in refused
    _assert_opens(admin)

    _admin_post(admin, f"/admin/users/{owner_id}/actions/enable")
    _assert_refused(thief)  # enabling brings no session back
    _assert_opens(signed_in(app, OWNER))
    assert app.test_client().get("/api/v1/tasks", headers=bearer).status_code == 200


def test_an_admin_sees_the_sessions_and_ends_them_all_audited(app, commune):
    owner_id = _id_of(commune, OWNER)
    office, phone = app.test_client(), app.test_client()
    assert _sign_in(office, address="10.0.0.7").status_code == 302
    commune.clock.advance(minutes=30)
    assert _sign_in(phone, address="100.64.1.20").status_code == 302
    thief = _copy_of(app, office)
    admin = signed_in(app, "admin")

    listed = admin.get("/admin/users?q=cg_vp.can").get_data(as_text=True)
    assert f'href="/admin/users/{owner_id}"' in listed and "cg_vp.truong" not in listed
    page = admin.get(f"/admin/users/{owner_id}").get_data(as_text=True)
    assert "10.0.0.7" in page and "100.64.1.20" in page
    assert "12/01/2026 09:00" in page and "12/01/2026 09:30" in page  # started (and last seen)

    done = _admin_post(admin, f"/admin/users/{owner_id}/actions/end_sessions").get_data(as_text=True)
    assert "Không có phiên đăng nhập nào đang mở." in done
    for client in (thief, office, phone):
        _assert_refused(client)
    [event] = _audit(commune, "account.end_sessions")
    assert (event.subject, event.details) == (f"app_user:{owner_id}", {"sessions_ended": 2})
    assert event.actor_id == _id_of(commune, "admin")
    _assert_opens(signed_in(app, OWNER))


def test_expired_sessions_and_attempts_nothing_reads_are_purged(commune):
    now = commune.clock.now()
    with commune.db.transaction() as session:
        owner_id = user_by_username(session, OWNER).id
        # Last seen then: the cookie, signed a minute later at the latest, has expired / may not have.
        web_sessions.start(
            session, owner_id, "10.0.0.7", now - web_sessions.LIFETIME - web_sessions.SEEN_EVERY
        )
        live = web_sessions.start(session, owner_id, "10.0.0.7", now - web_sessions.LIFETIME)
        for days, minutes, succeeded in ((0, 61, False), (0, 59, False), (31, 0, True), (29, 0, True)):
            session.add(
                LoginAttempt(
                    username=OWNER,
                    address="10.0.0.7",
                    succeeded=succeeded,
                    at=now - timedelta(days=days, minutes=minutes),
                )
            )
    commune.purge_personal_data(now)
    assert web_sessions.owner(commune.db, live, now) == owner_id
    with commune.db.read() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 1
        kept = session.execute(select(LoginAttempt.succeeded, LoginAttempt.at)).all()
    assert sorted(kept) == [(False, now - timedelta(minutes=59)), (True, now - timedelta(days=29))]


# Throttling that a guesser cannot turn against the user.


def test_guessing_a_name_from_many_addresses_never_keeps_its_owner_out(app, commune):
    owner = app.test_client()
    assert _sign_in(owner, address="10.0.0.7").status_code == 302  # the owner's usual address
    owner.post("/logout", data={"csrf_token": csrf_token(owner, "/inbox")})
    commune.clock.advance(hours=2)
    answers = [
        _sign_in(app.test_client(), password=f"doan-{n}", address=f"203.0.113.{n}").status_code
        for n in range(1, 51)
    ]
    assert answers == [401] * 5 + [429] * 45  # past five failures, guesses are refused unchecked
    assert _sign_in(app.test_client(), address="203.0.113.99").status_code == 429  # even the right password

    assert _sign_in(owner, address="10.0.0.7").status_code == 302
    _assert_opens(owner)

    waits = []
    for _ in range(3):  # each checked guess past the allowance doubles the wait
        commune.clock.advance(minutes=waits[-1] if waits else 1)
        assert _sign_in(app.test_client(), password="doan-tiep", address="198.51.100.1").status_code == 401
        refused = _sign_in(app.test_client(), password="doan-tiep", address="198.51.100.2")
        assert refused.status_code == 429
        waits.append(int(re.search(r"chờ (\d+) phút", refused.get_data(as_text=True)).group(1)))
    assert waits == [2, 4, 8]
    with commune.db.read() as session:
        assert session.scalar(select(func.count()).where(LoginAttempt.succeeded.is_(False))) == 8


def test_one_address_guessing_many_names_is_slowed_there_only(app):
    names = [OWNER, "cg_vp.truong", "vhxh.canbo"] + [f"khong-co-{n}" for n in range(17)]
    for name in names:
        assert _sign_in(app.test_client(), name, "doan-sai", address="198.51.100.7").status_code == 401
    refused = _sign_in(app.test_client(), "chutich", address="198.51.100.7")
    assert refused.status_code == 429 and "chờ 1 phút" in refused.get_data(as_text=True)
    assert _sign_in(app.test_client(), "chutich", address="192.0.2.44").status_code == 302


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(app):
    for n in range(20):
        spoofed = _sign_in(app.test_client(), f"khong-co-{n}", "doan-sai", forwarded_for=f"192.0.2.{n}")
        assert spoofed.status_code == 401
    assert (
        _sign_in(app.test_client(), OWNER, forwarded_for="192.0.2.200").status_code == 429
    )  # one address: ours


def test_x_forwarded_for_is_believed_through_the_configured_proxies_only(commune):
    commune.clock.set(local(2026, 1, 12, 9, 0))
    commune.config = dataclasses.replace(commune.config, trusted_proxies=1)
    app = web_app(commune)
    proxy = "10.0.0.1"  # every request comes from the proxy; it appends the address it saw
    for n in range(20):  # one client, claiming a different address each time
        answer = _sign_in(
            app.test_client(),
            f"khong-co-{n}",
            "doan-sai",
            address=proxy,
            forwarded_for=f"192.0.2.{n}, 203.0.113.9",
        )
        assert answer.status_code == 401
    assert _sign_in(app.test_client(), OWNER, address=proxy, forwarded_for="203.0.113.9").status_code == 429
    owner = app.test_client()
    assert _sign_in(owner, OWNER, address=proxy, forwarded_for="192.0.2.1, 203.0.113.10").status_code == 302
    admin = app.test_client()
    assert _sign_in(admin, "admin", address=proxy, forwarded_for="203.0.113.11").status_code == 302
    page = admin.get(f"/admin/users/{_id_of(commune, OWNER)}").get_data(as_text=True)
    assert "<code>203.0.113.10</code>" in page and "192.0.2." not in page and proxy not in page


def test_an_admin_unlocks_a_name_audited(app, commune):
    name = "cg_pkt.canbo"  # never signed in: no usual address yet
    for n in range(5):
        assert _sign_in(app.test_client(), name, "doan-sai", address=f"203.0.113.{n}").status_code == 401
    owner = app.test_client()
    assert _sign_in(owner, name, address="10.0.0.8").status_code == 429
    user_id = _id_of(commune, name)
    admin = signed_in(app, "admin")
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "Số lần đăng nhập sai trong một giờ qua: 5." in page and "phải chờ đến 12/01/2026 09:01" in page

    unlocked = _admin_post(admin, f"/admin/users/{user_id}/actions/unlock").get_data(as_text=True)
    assert (
        "Đã thực hiện: Mở khóa đăng nhập." in unlocked
        and "Số lần đăng nhập sai trong một giờ qua: 0." in unlocked
    )
    [event] = _audit(commune, "account.unlock")
    assert (event.actor_id, event.subject, event.details) == (
        _id_of(commune, "admin"),
        f"app_user:{user_id}",
        {"failures_forgotten": 5},
    )
    assert "Quản trị hệ thống — Mở khóa đăng nhập" in unlocked  # the history names who
    assert _sign_in(owner, name, address="10.0.0.8").status_code == 302
    _assert_opens(owner)
