"""The bell over the API: each user sees and marks only their own notifications."""

from sqlalchemy import select

from services.identity import _api_tokens as api_tokens, user_by_username
from services.notifications import Notification, notify
from web import create_app


def test_the_bell_counts_unread_and_only_the_addressee_marks_one_read(commune):
    services = commune
    client = create_app(services).test_client()
    now = services.clock.now()
    with services.db.transaction() as session:
        officer = user_by_username(session, "cg_vp.canbo")
        for key in ("reminder:t1:PT24H", "reminder:t1:PT2H"):
            notify(
                session,
                key=f"{key}:{officer.id}",
                user=officer,
                subject="Nhắc việc",
                body="Còn 2 giờ.",
                at=now,
            )
        headers = {
            name: {"Authorization": f"Bearer {api_tokens.issue(session, name, 'bell', now)}"}
            for name in ("cg_vp.canbo", "cg_pkt.canbo")
        }
    bell = client.get("/api/v1/notifications", headers=headers["cg_vp.canbo"]).get_json()
    assert bell["unread"] == 2 and [item["subject"] for item in bell["items"]] == ["Nhắc việc"] * 2
    assert client.get("/api/v1/notifications", headers=headers["cg_pkt.canbo"]).get_json() == {
        "unread": 0,
        "items": [],
    }
    first = bell["items"][0]["id"]
    other = client.post(f"/api/v1/notifications/{first}/read", headers=headers["cg_pkt.canbo"])
    assert other.status_code == 404  # not theirs: nothing revealed, nothing changed
    assert (
        client.post(f"/api/v1/notifications/{first}/read", headers=headers["cg_vp.canbo"]).status_code == 204
    )
    assert client.get("/api/v1/notifications", headers=headers["cg_vp.canbo"]).get_json()["unread"] == 1
    with services.db.read() as session:
        assert session.scalar(select(Notification.read_at).where(Notification.id == first)) == now
