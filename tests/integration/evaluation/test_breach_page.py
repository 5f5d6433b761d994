"""A breach reported from the commitment's page by the head of the employing unit: a bad
date is refused at its field with nothing opened; then the refund case opens for Sở Nội vụ."""

from __future__ import annotations

from datetime import date

from factories.commitments import C1, open_round, recruitment_round, selected_candidate, sign_and_assign
from factories.dates import local
from factories.tasks import task_named
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app
from sqlalchemy import func, select

from services.evaluation._models import Breach


def test_the_employer_reports_a_breach_from_the_commitment_page(commune):
    services = commune
    round_id = recruitment_round(services)
    selected_candidate(services, round_id, C1)
    (commitment_id,) = open_round(services, round_id, date(2026, 3, 16), local(2026, 3, 16, 9, 0))
    sign_and_assign(services, commitment_id, local(2026, 3, 20, 9, 0))
    services.clock.set(local(2027, 9, 2, 9, 0))
    app = web_app(services)
    page = f"/commitments/{commitment_id}"

    assert "breach" not in signed_in(app, "stc.canbo").get(page).get_data(as_text=True)  # finance only reads
    head = signed_in(app, "cg_vp.truong")
    assert 'action="/commitments/%d/breach"' % commitment_id in head.get(page).get_data(as_text=True)
    refused = head.post(
        f"{page}/breach",
        data={"csrf_token": csrf_token(head, page), "trigger": "resignation", "occurred_on": "2025-01-01"},
        follow_redirects=True,
    )
    assert 'id="breach-occurred_on-error"' in shown_after_refusal(refused, page)
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Breach)) == 0

    reported = head.post(
        f"{page}/breach",
        data={"csrf_token": csrf_token(head, page), "trigger": "resignation", "occurred_on": "2027-09-01"},
    )
    assert reported.status_code == 302
    with services.db.read() as session:
        breach = session.scalar(select(Breach))
    assert (breach.trigger, breach.occurred_on, breach.status) == (
        "resignation",
        date(2027, 9, 1),
        "appraising",
    )
    assert task_named(services, "snv.canbo", "appraise_breach").instance_id == breach.instance_id
    assert 'action="/commitments/%d/breach"' % commitment_id not in head.get(page).get_data(as_text=True)
