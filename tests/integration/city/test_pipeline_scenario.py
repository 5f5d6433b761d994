"""From the city to the person, in simulated time, through the service layer and the inboxes
(docs/processes.md, from "City consolidation" on): two communes' submissions consolidated at
the city and approved; a round with three candidates (one applicant, one nominated by an
organisation and found ineligible with its reason, one official nominated under 40 by his
head); a council of five with one recusal scoring in parallel; the minutes; the competent
authority's decision; the commitments signed and the people assigned; the first yearly
evaluation on its date with the report due before 30/11 (reminders 10 and 3 working days
before, the date never moved); and, five years on, the review proposing to remove a talent
with no prospects.

At the end the citizen ID is looked for everywhere it must not be: every row of every
table, the SQLite file itself, the logs, and every page and API answer the people of the
scenario see."""

from __future__ import annotations

import io
import logging
from datetime import date
from decimal import Decimal

import docx
from factories.city import city_round_approved
from factories.commitments import sign_and_assign
from factories.dates import local
from factories.evaluation import (
    aggregate,
    decide_removals,
    evaluate_all,
    flagged_people,
    open_year,
    rounds,
    submit,
)
from factories.selection import HA, HUNG, KHOA, STALE_HEALTH_CERTIFICATE, run_selection
from factories.tasks import task_named
from factories.web import signed_in, web_app
from sqlalchemy import func, select

from engine.db import Base
from engine.models import HumanTask
from services.city import CityRound
from services.commitments import Commitment, SupportEntitlement
from services.documents import _documents as documents
from services.evaluation import _evaluations as evaluations
from services.notifications import Notification
from services.people import TalentListEntry
from services.people._models import ConsentRecord, TalentStatus
from services.selection import Candidate, Council, CouncilSeat, _candidacy as candidacy, _rounds as selection
from services.selection._models import CouncilRecusal, CouncilScore

KHOA_ID = "999202000111"  # the applicant's citizen ID (docs/example.md), collected with his application
REPORT_DUE = local(2026, 11, 30, 0, 0)


def statuses_of(services, candidate_id: int) -> list[str]:
    with services.db.read() as session:
        person_id = session.get(Candidate, candidate_id).person_id
        return list(
            session.scalars(
                select(TalentStatus.status)
                .where(TalentStatus.person_id == person_id)
                .order_by(TalentStatus.at, TalentStatus.id)
            )
        )


def commitment_of(services, candidate_id: int) -> Commitment:
    with services.db.read() as session:
        return session.scalar(select(Commitment).where(Commitment.candidate_id == candidate_id))


def tick(services, at):
    services.clock.set(at)
    return services.tick(at)


def test_from_two_communes_to_the_five_year_review(commune, caplog):
    """The pipeline of the module's docstring, stage by stage, in the order it happens."""
    services = commune
    caplog.set_level(logging.DEBUG)
    city_round_id = _the_city_approves_the_demand_of_two_communes(services)
    selected = run_selection(services, city_round_id)
    candidates = _candidates_came_by_three_channels_and_c2_is_ineligible(services, selected)
    _the_council_of_five_scored_with_one_recusal_and_the_minutes_say_so(services, selected)
    khoa_commitment_id = _the_selected_sign_their_commitments_and_are_assigned(services, selected)
    _the_first_yearly_evaluation_reports_before_30_11_on_a_date_never_moved(services)
    _five_years_on_the_review_proposes_to_remove_a_talent_with_no_prospects(services, selected, candidates)
    _the_citizen_id_is_nowhere_in_clear(services, selected, khoa_commitment_id, caplog)


def _the_city_approves_the_demand_of_two_communes(services) -> int:
    """January: two communes' submissions consolidated, the demand approved."""
    city_round_id = city_round_approved(services)
    with services.db.read() as session:
        city_round = session.get(CityRound, city_round_id)
        assert city_round.status == "approved"
        assert {commune["name"] for commune in city_round.consolidation["communes"]} == {
            "UBND xã Cẩm Giang",
            "UBND phường Lê Thanh Nghị",
        }
        assert city_round.consolidation["totals"] == {"quantity_year": 8, "quantity_period": 13}
    return city_round_id


def _candidates_came_by_three_channels_and_c2_is_ineligible(services, selected: dict) -> dict[str, Candidate]:
    """February: one applicant, one nominated by an organisation and found ineligible with its
    reason, one official nominated under 40 by his head. Returns the candidates by name."""
    ids = selected["candidates"]
    with services.db.read() as session:
        candidates = {name: session.get(Candidate, candidate_id) for name, candidate_id in ids.items()}
        assert candidates[KHOA].source_channel == "self_application"
        consent = session.scalar(
            select(ConsentRecord).where(ConsentRecord.person_id == candidates[KHOA].person_id)
        )
        assert (consent.purpose, consent.channel, consent.given_at) == (
            "recruitment_round",
            "paper",
            local(2026, 2, 10, 9, 0),
        )
        assert candidates[HUNG].source_channel == "unit_head_nomination_u40"
        assert candidacy.age_on(date(1988, 8, 8), candidates[HUNG].nomination_date) == 37  # under 40
        assert candidates[HA].status == "ineligible"
        assert candidates[HA].eligibility_reason == STALE_HEALTH_CERTIFICATE
        assert (candidates[KHOA].status, candidates[HUNG].status) == ("selected", "selected")
    return candidates


def _the_council_of_five_scored_with_one_recusal_and_the_minutes_say_so(services, selected: dict) -> None:
    """March: the council of five scored in parallel, one member recused, both passed on the
    means the minutes record; the competent authority decided."""
    ids = selected["candidates"]
    with services.db.read() as session:
        council = session.scalar(select(Council).where(Council.round_id == selected["round_id"]))
        assert session.scalar(select(func.count()).where(CouncilSeat.council_id == council.id)) == 5
        assert session.scalar(select(func.count()).select_from(CouncilRecusal)) == 1
        assert session.scalar(select(func.count()).select_from(CouncilScore)) == 5 + 4  # none for the recused
        outcome = {entry["candidate_id"]: entry for entry in council.outcome["candidates"]}
        assert Decimal(str(outcome[ids[KHOA]]["mean"])) == Decimal("82.50")
        assert Decimal(str(outcome[ids[HUNG]]["mean"])) == Decimal("65.63")  # four scorers, one recused
        assert outcome[ids[KHOA]]["result"] == outcome[ids[HUNG]]["result"] == "passed"
        minutes = docx.Document(io.BytesIO(documents.get(session, council.minutes_document_id).content))
    minutes_text = "\n".join(
        [paragraph.text for paragraph in minutes.paragraphs]
        + [cell.text for table in minutes.tables for row in table.rows for cell in row.cells]
    )
    for expected in (KHOA, HUNG, "Đặng Quốc Thái", "Ngô Thanh Tùng", "06/03/2026", "82,50", "215/QĐ-UBND"):
        assert expected in minutes_text or expected.replace(",", ".") in minutes_text, expected
    assert statuses_of(services, ids[HA]) == ["nominated", "ineligible"]


def _the_selected_sign_their_commitments_and_are_assigned(services, selected: dict) -> int:
    """March: commitments signed in the app, people assigned, support approved. Returns the
    id of Trần Minh Khoa's commitment."""
    ids = selected["candidates"]
    khoa, hung = commitment_of(services, ids[KHOA]), commitment_of(services, ids[HUNG])
    assert (khoa.start_date, khoa.end_date) == (date(2026, 3, 16), date(2031, 3, 15))  # NQ 53: 5 years
    with services.db.read() as session:
        commitment_text = "\n".join(
            paragraph.text
            for paragraph in docx.Document(
                io.BytesIO(documents.get(session, khoa.document_id).content)
            ).paragraphs
        )
    assert KHOA in commitment_text and "16/03/2026" in commitment_text and "15/03/2031" in commitment_text
    sign_and_assign(services, khoa.id, local(2026, 3, 20, 9, 0))
    sign_and_assign(services, hung.id, local(2026, 3, 23, 9, 0))
    khoa, hung = commitment_of(services, ids[KHOA]), commitment_of(services, ids[HUNG])
    assert (khoa.status, khoa.signed_via, hung.status) == ("active", "app", "active")
    with services.db.read() as session:
        support = session.scalars(
            select(SupportEntitlement)
            .where(SupportEntitlement.commitment_id == khoa.id)
            .order_by(SupportEntitlement.id)
        ).all()
    assert [(row.kind, row.amount_vnd, row.status) for row in support] == [
        ("one_time", 150_000_000, "approved"),
        ("monthly_income", 7_965_000, "approved"),
    ]
    assert statuses_of(services, ids[KHOA]) == ["applied", "eligible", "selected", "committed", "in_service"]
    assert statuses_of(services, ids[HUNG]) == [
        "nominated",
        "eligible",
        "selected",
        "committed",
        "in_service",
    ]
    return khoa.id


def _the_first_yearly_evaluation_reports_before_30_11_on_a_date_never_moved(services) -> None:
    """October-November: opened on its date, the report due before 30/11, reminders 10 and 3
    working days before."""
    assert tick(services, local(2026, 10, 14, 23, 59)).evaluations == 0
    assert open_year(services, 2026) == 1  # 15/10 00:00: Cẩm Giang, where both serve
    assert sorted(evaluate_all(services, local(2026, 11, 2, 9, 0))) == [HUNG, KHOA]
    report_task = task_named(services, "vhxh.canbo", "aggregate_evaluations")
    assert report_task.due_at == REPORT_DUE  # "trước 30/11": fixed, never moved
    assert tick(services, local(2026, 11, 16, 8, 0)).alerts.reminders == 1  # 10 working days before
    assert tick(services, local(2026, 11, 25, 8, 0)).alerts.reminders == 1  # 3 working days before
    with services.db.read() as session:
        reminded = session.scalars(
            select(Notification.created_at)
            .where(Notification.task_id == report_task.id)
            .order_by(Notification.id)
        ).all()
    assert reminded == [local(2026, 11, 16, 8, 0), local(2026, 11, 25, 8, 0)]
    aggregate(services, local(2026, 11, 26, 9, 0))
    assert flagged_people(services, 2026) == []  # nobody has been on the list five years yet
    submit(services, local(2026, 11, 27, 10, 0))  # the last working day before 30/11
    assert rounds(services, 2026)["xa_cam_giang_ubnd"].status == "submitted"
    with services.db.read() as session:
        assert session.get(HumanTask, report_task.id).due_at == REPORT_DUE


def _five_years_on_the_review_proposes_to_remove_a_talent_with_no_prospects(
    services, selected: dict, candidates: dict[str, Candidate]
) -> None:
    """Four more years; in 2031 Lê Văn Hưng's head sees no prospects: the review proposes his
    removal and the chair decides it."""
    ids = selected["candidates"]
    for year in range(2027, 2031):
        open_year(services, year)
        evaluate_all(services, local(year, 11, 2, 9, 0))
        aggregate(services, local(year, 11, 20, 9, 0))
        assert flagged_people(services, year) == []
        submit(services, local(year, 11, 24, 10, 0))
    open_year(services, 2031)
    evaluate_all(services, local(2031, 11, 3, 9, 0), {HUNG: ("hoan_thanh", "no_prospects")})
    aggregate(services, local(2031, 11, 20, 9, 0))
    hung_person = candidates[HUNG].person_id
    assert flagged_people(services, 2031) == [hung_person]  # on the list since 03/2026, no prospects
    assert decide_removals(services, local(2031, 11, 24, 9, 0))["removed"] == [hung_person]
    with services.db.read() as session:
        entry = session.scalar(select(TalentListEntry).where(TalentListEntry.person_id == hung_person))
        assert entry.removed_on == date(2031, 11, 24) and entry.removal_reason
        assert evaluations.current_entry(session, candidates[KHOA].person_id).removed_on is None
    assert statuses_of(services, ids[HUNG])[-1] == "removed"


def _the_citizen_id_is_nowhere_in_clear(services, selected: dict, commitment_id: int, caplog) -> None:
    _assert_no_citizen_id_in_the_database(services)
    _assert_no_citizen_id_in_what_people_see(services, selected, commitment_id)
    assert KHOA_ID not in caplog.text


def _assert_no_citizen_id_in_the_database(services) -> None:
    with services.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(table.select()):
                assert KHOA_ID not in repr(tuple(row)), f"citizen ID in clear in {table.name}"
    url = services.config.database_url
    if url.startswith("sqlite:///"):
        with open(url.removeprefix("sqlite:///"), "rb") as database_file:
            assert KHOA_ID.encode() not in database_file.read()


def _assert_no_citizen_id_in_what_people_see(services, selected: dict, commitment_id: int) -> None:
    app = web_app(services)
    person_id = selected["candidates"][KHOA]
    with services.db.read() as session:
        person_id = session.get(Candidate, person_id).person_id
        council_id = selection.council_view(session, selected["round_id"])["id"]
    assert council_id
    answers = []
    for username in ("snv.canbo", "ct.thanhpho", "vhxh.canbo", "cg_vp.truong"):
        client = signed_in(app, username)
        answers += [
            client.get("/inbox"),
            client.get("/talents"),
            client.get(f"/talents/{person_id}"),
            client.get("/api/v1/talents"),
            client.get(f"/api/v1/talents/{person_id}"),
            client.get("/api/v1/tasks"),
            client.get("/city-rounds"),
        ]
    for answer in answers:
        assert answer.status_code == 200
        assert KHOA_ID not in answer.get_data(as_text=True)
    masked = signed_in(app, "snv.canbo").get(f"/api/v1/talents/{person_id}").get_json()["citizen_id"]
    assert masked == "********0111"
