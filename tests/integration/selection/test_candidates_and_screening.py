"""Candidates of a selection round by their three channels, and the dossier check
(docs/processes.md#candidates-and-screening; docs/legal-rules.md, "Nominated officials are
under 40 on the nomination date"; docs/personal-data.md, "The citizen ID is collected at
dossier completion"), through the service layer and the inbox."""

from __future__ import annotations

from datetime import date

import pytest
from factories.bpmn import stored_text
from factories.dates import local
from factories.selection import (
    APPLICATIONS_CLOSE,
    HA,
    HA_DOSSIER,
    HUNG,
    KHOA,
    STALE_HEALTH_CERTIFICATE,
    dossier_task,
    item,
    keys_of,
    open_round,
    positions_of,
    register_candidates,
    screen,
)
from factories.tasks import inbox
from factories.words import in_vietnamese
from sqlalchemy import select

from engine.errors import FormInvalid
from engine.models import ProcessInstance
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.common.models import AuditEvent
from services.identity import unit_by_code, user_by_username
from services.people._models import TalentStatus
from services.selection import Candidate, _candidacy as candidacy, _rounds as selection

NOMINATED_AT = local(2026, 2, 15, 9, 0)


def candidate(services, candidate_id: int) -> Candidate:
    with services.db.transaction() as session:
        return candidacy.get_candidate(session, candidate_id)


def statuses_of(services, person_id: int) -> list[tuple[str, str | None]]:
    with services.db.transaction() as session:
        return [
            (row.status, row.reason)
            for row in session.scalars(
                select(TalentStatus).where(TalentStatus.person_id == person_id).order_by(TalentStatus.id)
            )
        ]


def nominate(services, round_id: int, born: date, at=NOMINATED_AT, username="cg_pkt.truong", **fields):
    position = positions_of(services, round_id)["Chuyên viên kinh tế"]
    with services.db.transaction() as session:
        return candidacy.nominate_official(
            session,
            services.runtime,
            keys_of(services),
            username,
            round_id=round_id,
            position_id=position,
            full_name=fields.pop("full_name", HUNG),
            date_of_birth=born,
            at=at,
            **fields,
        ).id


def test_a_unit_head_nominates_an_official_strictly_under_40_on_the_nomination_date(commune):
    round_id = open_round(commune)
    # 40 years old on the very day of the nomination: refused, nothing written.
    with pytest.raises(InvalidInput) as refused:
        nominate(commune, round_id, date(1986, 2, 15), full_name="Nguyễn Văn Bốn Mươi")
    assert refused.value.field == "date_of_birth"
    said = in_vietnamese(refused.value.message)
    assert "dưới 40 tuổi" in said and "15/02/2026" in said
    with commune.db.transaction() as session:
        assert session.scalar(select(Candidate.id)) is None
    # A day short of 40: accepted.
    assert nominate(commune, round_id, date(1986, 2, 16), full_name="Nguyễn Văn Ba Chín")

    # C3 (docs/example.md#the-candidates-c1-to-c3), 37 years old, nominated by the head of
    # Phòng Kinh tế.
    hung_id = nominate(commune, round_id, date(1988, 8, 8), gender="male")
    hung = candidate(commune, hung_id)
    with commune.db.transaction() as session:
        head = user_by_username(session, "cg_pkt.truong")
        assert (hung.source_channel, hung.status, hung.category) == (
            "unit_head_nomination_u40",
            "nominated",
            "in_service_talent",
        )
        assert (hung.nominated_by, hung.nominating_org_id) == (head.id, unit_by_code(session, "cg_pkt").id)
        assert hung.nomination_date == date(2026, 2, 15)
        instance = session.get(ProcessInstance, hung.instance_id)
        assert (instance.process_key, instance.business_key) == (
            "candidate_dossier",
            f"round:{round_id}/candidate:{hung_id}",
        )
    assert statuses_of(commune, hung.person_id) == [("nominated", None)]
    task = dossier_task(commune, hung_id)
    assert task.title == f"Kiểm tra hồ sơ và điều kiện của ứng viên {HUNG}"
    # Only the head of the nominee's unit nominates: not its officer, not another unit's head.
    with pytest.raises(PermissionDenied):
        nominate(commune, round_id, date(1990, 1, 1), username="cg_pkt.canbo", full_name="Người Khác")
    with pytest.raises(PermissionDenied):
        nominate(commune, round_id, date(1990, 1, 1), username="snv.canbo", full_name="Người Khác")


def test_three_channels_duplicates_and_the_closing_of_applications(commune):
    round_id = open_round(commune)
    ids = register_candidates(commune, round_id)
    khoa, ha = candidate(commune, ids[KHOA]), candidate(commune, ids[HA])
    assert (khoa.source_channel, khoa.status, khoa.category) == (
        "self_application",
        "applied",
        "excellent_graduate",
    )
    assert (ha.source_channel, ha.status, ha.category) == ("external_nomination", "nominated", "expert")
    assert ha.nominating_org_name == "Hội Nông dân xã Cẩm Giang (qua Ban Xây dựng Đảng)"
    assert [task.task_name for task in inbox(commune, "snv.canbo")].count("screen_dossier") == 3

    # The citizen ID is kept encrypted, shown masked, and is nowhere in the workflow or the audit.
    with commune.db.transaction() as session:
        listed = {row["id"]: row for row in selection.candidates_of(session, keys_of(commune), round_id)}
        instance = session.get(ProcessInstance, khoa.instance_id)
        audit_text = " ".join(str(event.details) for event in session.scalars(select(AuditEvent)))
    assert listed[ids[KHOA]]["person"]["citizen_id"] == "********0111"
    assert listed[ids[HA]]["nominating_org"] == "Hội Nông dân xã Cẩm Giang (qua Ban Xây dựng Đảng)"
    assert "999202000111" not in stored_text(instance.serialization) and "999202000111" not in audit_text
    assert KHOA in stored_text(instance.serialization)

    positions = positions_of(commune, round_id)
    ict = positions["Chuyên viên quản trị hệ thống"]

    def apply(
        full_name=KHOA,
        born=date(2002, 5, 19),
        citizen_id=None,
        at=local(2026, 2, 20, 9, 0),
        username="snv.canbo",
    ):
        with commune.db.transaction() as session:
            return candidacy.apply(
                session,
                commune.runtime,
                keys_of(commune),
                username,
                round_id=round_id,
                position_id=ict,
                full_name=full_name,
                date_of_birth=born,
                citizen_id=citizen_id,
                at=at,
            )

    with pytest.raises(InvalidInput) as twice:  # the same person by citizen ID
        apply(full_name="Tran Minh Khoa", citizen_id="999202000111")
    assert twice.value.field == "citizen_id"
    with pytest.raises(InvalidInput) as same_person:  # without an ID: the same name and date of birth
        apply(full_name="  trần minh  khoa ")
    assert same_person.value.field == "full_name"
    with pytest.raises(PermissionDenied):  # only Sở Nội vụ registers applications
        apply(full_name="Ứng Viên Khác", username="cg_vp.canbo")
    with pytest.raises(InvalidInput) as elsewhere:
        with commune.db.transaction() as session:
            candidacy.apply(
                session,
                commune.runtime,
                keys_of(commune),
                "snv.canbo",
                round_id=round_id,
                position_id=10_000,
                full_name="Ứng Viên Khác",
                at=local(2026, 2, 20, 9, 0),
            )
    assert elsewhere.value.field == "position_id"
    # Until the last second before the close, then refused.
    assert apply(full_name="Ứng Viên Phút Chót", at=local(2026, 3, 1, 23, 59, 59))
    with pytest.raises(Conflict, match="stopped taking applications"):
        apply(full_name="Ứng Viên Muộn", at=APPLICATIONS_CLOSE)
    with pytest.raises(Conflict):
        nominate(
            commune, round_id, date(1990, 1, 1), at=APPLICATIONS_CLOSE, full_name="Người Được Tiến Cử Muộn"
        )


def test_the_dossier_check_enforces_the_items_of_the_procedure_and_the_reason(commune):
    round_id = open_round(commune)
    ids = register_candidates(commune, round_id)
    at = local(2026, 2, 25, 9, 0)

    # C2's health certificate is over 6 months old: she cannot be found eligible.
    with pytest.raises(FormInvalid) as stale:
        screen(
            commune, ids[HA], {"dossier": HA_DOSSIER, "procedure": "tiep_nhan", "decision": "eligible"}, at
        )
    assert [(error.field, error.code) for error in stale.value.errors] == [
        ("dossier[2].issued_on", "too_old")
    ]
    said = in_vietnamese(stale.value.errors[0].message)
    assert "01/07/2025" in said and "6 tháng" in said
    # Ineligible needs a reason (Decree 170 Art. 16(2)).
    with pytest.raises(FormInvalid) as no_reason:
        screen(
            commune,
            ids[HA],
            {"dossier": HA_DOSSIER, "procedure": "tiep_nhan", "decision": "ineligible", "reason": "   "},
            at,
        )
    assert [(error.field, error.code) for error in no_reason.value.errors] == [("reason", "required")]
    ha = candidate(commune, ids[HA])
    assert (ha.status, ha.procedure, ha.dossier) == ("nominated", None, [])  # the refusals changed nothing
    dossier_task(commune, ids[HA])  # still open

    screen(
        commune,
        ids[HA],
        {
            "dossier": HA_DOSSIER,
            "procedure": "tiep_nhan",
            "decision": "ineligible",
            "reason": STALE_HEALTH_CERTIFICATE,
        },
        at,
    )
    ha = candidate(commune, ids[HA])
    assert (ha.status, ha.procedure, ha.eligibility_reason) == (
        "ineligible",
        "tiep_nhan",
        STALE_HEALTH_CERTIFICATE,
    )
    assert ha.dossier == HA_DOSSIER
    assert statuses_of(commune, ha.person_id) == [
        ("nominated", None),
        ("ineligible", STALE_HEALTH_CERTIFICATE),
    ]
    with commune.db.transaction() as session:
        instance = session.get(ProcessInstance, ha.instance_id)
        assert instance.status == "completed"

    # Xét tuyển needs the registration form.
    with pytest.raises(FormInvalid) as missing:
        screen(
            commune,
            ids[KHOA],
            {
                "dossier": [item("phieu_dang_ky", provided=False)],
                "procedure": "xet_tuyen",
                "decision": "eligible",
            },
            at,
        )
    assert [(error.field, error.code) for error in missing.value.errors] == [("dossier", "missing_item")]
    screen(
        commune,
        ids[KHOA],
        {"dossier": [item("phieu_dang_ky", "2026-02-09")], "procedure": "xet_tuyen", "decision": "eligible"},
        at,
    )
    assert candidate(commune, ids[KHOA]).status == "eligible"


def test_the_screening_shows_who_is_screened_born_when_and_nominated_by_whom(commune):
    from services.work import _tasks as tasks

    round_id = open_round(commune)
    hung_id = nominate(commune, round_id, date(1988, 8, 8), gender="male")
    task = dossier_task(commune, hung_id)
    with commune.db.read() as session:
        values = tasks.case_values(
            session, commune.runtime, task, commune.runtime.task_data(session, task.id), commune.clock.now()
        )
        schema, shown = tasks.case_of(session, commune.runtime, task, values)
    assert shown["candidate_name"] == HUNG and shown["date_of_birth_shown"] == "08/08/1988"
    assert shown["nominating_org"] == "Phòng Kinh tế xã Cẩm Giang" and shown["nomination_date_shown"]
    assert schema["properties"]["date_of_birth_shown"]["title"] == "Ngày sinh"
    assert "citizen" not in " ".join(shown)  # never the citizen ID
