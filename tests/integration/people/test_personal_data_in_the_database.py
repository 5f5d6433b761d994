"""The talent database's people on both backends (docs/personal-data.md): found by citizen
ID and shown masked, the clear ID never in the database, the logs or the audit, statuses and
consent, the purge after the retention period. The field-level protection itself (no
database): tests/unit/test_personal_data.py.

Citizen IDs here use the invalid province prefix 999
(docs/personal-data.md#test-data-uses-fictional-ids): they cannot be anyone's.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from factories.dates import local
from sqlalchemy import func, inspect, select, text

from services.common.errors import Conflict, InvalidInput
from services.common.models import AuditEvent
from services.people import Person, _talents as talents, load_keys
from services.people._models import ConsentRecord, TalentStatus

KHOA_ID = "999202000111"  # Trần Minh Khoa in docs/example.md
HA_ID = "999193000222"
NOW = local(2026, 6, 1, 9, 0)
RETENTION_DAYS = 90


@pytest.fixture
def keys(services):
    return load_keys(services.config)


def register(services, keys, citizen_id=KHOA_ID, full_name="Trần Minh Khoa", **fields) -> int:
    with services.db.transaction() as session:
        return talents.register_person(
            session,
            keys,
            NOW,
            None,
            full_name=full_name,
            citizen_id=citizen_id,
            date_of_birth=date(2002, 5, 19),
            gender="male",
            **fields,
        ).id


def test_a_person_is_found_by_citizen_id_and_shown_masked(services, keys):
    person_id = register(services, keys, email="khoa@example.invalid")
    register(services, keys, citizen_id=HA_ID, full_name="Phạm Thị Thu Hà")
    with services.db.transaction() as session:
        assert talents.find_by_citizen_id(session, keys, "999 202 000 111").id == person_id
        assert talents.find_by_citizen_id(session, keys, "999088000333") is None
        view = talents.person_view(session, keys, person_id)
    assert view["citizen_id"] == "********0111"
    assert view["full_name"] == "Trần Minh Khoa" and view["email"] == "khoa@example.invalid"
    assert KHOA_ID not in repr(view)


def test_a_person_may_be_registered_before_the_id_is_collected(services, keys):
    first, second = register(services, keys, citizen_id=None), register(services, keys, citizen_id=None)
    with services.db.transaction() as session:
        assert talents.person_view(session, keys, first)["citizen_id"] is None
        assert talents.person_view(session, keys, second)["citizen_id"] is None


def test_an_id_is_registered_once(services, keys):
    register(services, keys)
    with pytest.raises(Conflict, match="This Citizen ID is already in the talent database"):
        register(services, keys, citizen_id=" 999202000111", full_name="Người khác")


def test_a_bad_id_stores_nothing(services, keys):
    with pytest.raises(InvalidInput, match="Citizen ID must start with a province or city code"):
        register(services, keys, citizen_id="097202000111")
    with services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


@pytest.mark.parametrize("status", sorted(talents.STATUSES_NEEDING_REASON))
def test_ineligible_removed_and_breached_need_a_reason(services, keys, status):
    person_id = register(services, keys)
    with services.db.transaction() as session:
        with pytest.raises(InvalidInput) as refused:
            talents.record_status(session, NOW, None, person_id, status, reason="  ")
        assert refused.value.field == "reason"
        talents.record_status(session, NOW, None, person_id, status, reason="Không đủ tiêu chuẩn")
        assert talents.person_view(session, keys, person_id)["status"] == status


def test_an_unknown_status_is_refused(services, keys):
    person_id = register(services, keys)
    with services.db.transaction() as session, pytest.raises(InvalidInput, match="The status must be one of"):
        talents.record_status(session, NOW, None, person_id, "passed")


def test_a_consent_is_withdrawn_once(services, keys):
    person_id = register(services, keys)
    with services.db.transaction() as session:
        consent = talents.record_consent(
            session,
            NOW,
            None,
            person_id,
            purpose="talent_list_retention",
            text_version="2026-01",
            channel="paper",
        )
        talents.withdraw_consent(session, NOW + timedelta(days=1), None, consent.id)
        assert consent.withdrawn_at == NOW + timedelta(days=1)
        with pytest.raises(Conflict):
            talents.withdraw_consent(session, NOW + timedelta(days=2), None, consent.id)
        with pytest.raises(InvalidInput, match="The purpose must be one of"):
            talents.record_consent(
                session, NOW, None, person_id, purpose="marketing", text_version="1", channel="paper"
            )


# --- the clear ID is nowhere: database, logs, audit ----------------------------------------------------


def _use_every_function(services, keys) -> None:
    """Everything that touches a citizen ID, one purge included."""
    khoa = register(services, keys)
    ha = register(services, keys, citizen_id=HA_ID, full_name="Phạm Thị Thu Hà")
    with services.db.transaction() as session:
        talents.record_status(session, NOW - timedelta(days=200), None, ha, "ineligible", reason="Quá tuổi")
        talents.record_status(session, NOW, None, khoa, "applied")
        consent = talents.record_consent(
            session, NOW, None, khoa, purpose="recruitment_round", text_version="2026-01", channel="web"
        )
        talents.withdraw_consent(session, NOW, None, consent.id)
        assert talents.find_by_citizen_id(session, keys, KHOA_ID).id == khoa
        talents.person_view(session, keys, khoa)
        assert talents.purge_unsuccessful(session, NOW, RETENTION_DAYS) == 1


def _database_text(services) -> bytes:
    """Every byte the database holds: the SQLite files after a checkpoint, or every row of
    every PostgreSQL table cast to text."""
    if services.db.engine.dialect.name == "sqlite":
        return _sqlite_file_bytes(Path(services.db.engine.url.database), services.db.engine)
    with services.db.engine.connect() as connection:
        rows = []
        for table in inspect(connection).get_table_names():
            rows += connection.execute(text(f'SELECT t::text FROM "{table}" t')).scalars().all()
        return "\n".join(rows).encode()


def _sqlite_file_bytes(path: Path, engine) -> bytes:
    engine.dispose()  # no pooled connection may hold a transaction while the WAL is folded in
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return b"".join(part.read_bytes() for part in (path, Path(f"{path}-wal")) if part.exists())


def test_the_clear_id_never_reaches_the_database(services, keys):
    _use_every_function(services, keys)
    stored = _database_text(services)
    assert "Trần Minh Khoa".encode() in stored  # the scan does see what is stored
    assert KHOA_ID.encode() not in stored and HA_ID.encode() not in stored


def test_the_clear_id_never_reaches_the_logs(services, keys, caplog):
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy pins its own logger to WARNING; at DEBUG it logs every statement with its parameters.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    _use_every_function(services, keys)
    assert "INSERT INTO person" in caplog.text  # the statements were captured
    assert KHOA_ID not in caplog.text and HA_ID not in caplog.text


def test_audit_rows_hold_no_personal_data(services, keys):
    _use_every_function(services, keys)
    with services.db.transaction() as session:
        events = session.scalars(select(AuditEvent)).all()
    assert {event.action for event in events} >= {
        "person.registered",
        "person.status_recorded",
        "consent.given",
        "consent.withdrawn",
        "personal_data.purged",
    }
    written = repr([(event.subject, event.details) for event in events])
    for personal in (KHOA_ID, HA_ID, "Trần Minh Khoa", "Phạm Thị Thu Hà", "Quá tuổi"):
        assert personal not in written


# --- retention ----------------------------------------------------------------------------------------

JUST_UNDER = timedelta(days=RETENTION_DAYS) - timedelta(minutes=1)
JUST_OVER = timedelta(days=RETENTION_DAYS) + timedelta(minutes=1)
CONSENTS = ("none", "retention", "retention_withdrawn", "other_purpose")


def _should_be_purged(latest_status: str, age: timedelta, consent: str) -> bool:
    """The rule, stated independently of the query."""
    return (
        latest_status in ("ineligible", "not_selected")
        and age > timedelta(days=RETENTION_DAYS)
        and consent != "retention"
    )


def _give_consent(session, person_id: int, consent: str) -> None:
    if consent == "none":
        return
    purpose = "recruitment_round" if consent == "other_purpose" else "talent_list_retention"
    record = talents.record_consent(
        session,
        NOW - timedelta(days=300),
        None,
        person_id,
        purpose=purpose,
        text_version="2026-01",
        channel="paper",
    )
    if consent == "retention_withdrawn":
        talents.withdraw_consent(session, NOW - timedelta(days=10), None, record.id)


def _person_with_history(
    services, keys, number: int, history: list[tuple[str, timedelta]], consent: str
) -> int:
    person_id = register(
        services,
        keys,
        citizen_id=f"999{number:09d}",
        full_name=f"Người thử {number}",
        email=f"p{number}@example.invalid",
        phone="0900000000",
    )
    with services.db.transaction() as session:
        for status, age in history:
            talents.record_status(session, NOW - age, None, person_id, status, reason="Lý do cụ thể")
        _give_consent(session, person_id, consent)
    return person_id


def _snapshot(services) -> dict:
    with services.db.transaction() as session:
        return {
            "people": {
                p.id: (
                    p.full_name,
                    p.name_key,
                    p.date_of_birth,
                    p.gender,
                    p.citizen_id_encrypted,
                    p.citizen_id_digest,
                    p.email,
                    p.phone,
                    p.anonymised_at,
                )
                for p in session.scalars(select(Person))
            },
            "statuses": {
                s.id: (s.person_id, s.status, s.at, s.reason) for s in session.scalars(select(TalentStatus))
            },
            "consents": {
                c.id: (c.person_id, c.purpose, c.withdrawn_at) for c in session.scalars(select(ConsentRecord))
            },
        }


def test_purge_anonymises_exactly_the_unsuccessful_past_retention_without_consent(services, keys):
    expected, history_cases = set(), []
    # Every latest status x just under / just over the retention x every kind of consent.
    for number, (status, age, consent) in enumerate(
        itertools.product(talents.STATUSES, (JUST_UNDER, JUST_OVER), CONSENTS)
    ):
        person_id = _person_with_history(
            services, keys, number, [("applied", age + timedelta(days=30)), (status, age)], consent
        )
        if _should_be_purged(status, age, consent):
            expected.add(person_id)
    # Where a person stands is their latest status, not any earlier one.
    history_cases.append(
        (
            _person_with_history(
                services, keys, 900, [("ineligible", timedelta(days=400)), ("eligible", JUST_OVER)], "none"
            ),
            False,
        )
    )
    history_cases.append(
        (
            _person_with_history(
                services, keys, 901, [("eligible", timedelta(days=400)), ("ineligible", JUST_OVER)], "none"
            ),
            True,
        )
    )
    history_cases.append((_person_with_history(services, keys, 902, [], "none"), False))
    expected |= {person_id for person_id, purged in history_cases if purged}
    before = _snapshot(services)

    with services.db.transaction() as session:
        assert talents.purge_unsuccessful(session, NOW, RETENTION_DAYS) == len(expected)

    after = _snapshot(services)
    anonymised = {pid for pid, row in after["people"].items() if row[-1] is not None}
    # ineligible or not selected just over the retention with no, a withdrawn or another purpose's
    # consent; and person 901
    assert anonymised == expected and len(expected) == 7
    for person_id in expected:
        assert after["people"][person_id] == (None,) * 8 + (NOW,)
    assert {pid: row for pid, row in after["people"].items() if pid not in expected} == {
        pid: row for pid, row in before["people"].items() if pid not in expected
    }
    assert after["statuses"] == {
        sid: row[:3] + (None if row[0] in expected else row[3],) for sid, row in before["statuses"].items()
    }  # only their free-text reasons go
    assert after["consents"] == before["consents"]


def test_purged_people_cannot_be_found_or_changed_and_a_second_purge_does_nothing(services, keys):
    person_id = _person_with_history(services, keys, 1, [("ineligible", JUST_OVER)], "none")
    with services.db.transaction() as session:
        assert talents.purge_unsuccessful(session, NOW, RETENTION_DAYS) == 1
    with services.db.transaction() as session:
        assert talents.find_by_citizen_id(session, keys, "999000000001") is None
        assert talents.person_view(session, keys, person_id)["anonymised"] is True
        with pytest.raises(Conflict):
            talents.record_status(session, NOW, None, person_id, "applied")
        assert talents.purge_unsuccessful(session, NOW + timedelta(days=365), RETENTION_DAYS) == 0


def test_the_scheduler_job_purges_with_the_configured_retention(services, keys):
    _person_with_history(services, keys, 1, [("ineligible", JUST_OVER)], "none")
    assert services.config.retention_days == RETENTION_DAYS
    assert services.purge_personal_data(NOW) == 1
    assert services.purge_personal_data(NOW) == 0  # nothing left, and no audit row for an empty run
    with services.db.read() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "personal_data.purged")) == 1
