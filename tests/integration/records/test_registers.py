"""The registers of documents sent and received (docs/records.md): numbers unique and
consecutive per body, series and calendar year of Vietnam, under concurrent issues; a
voided number keeps its place; only the records clerk issues."""

import threading

import pytest
from factories.dates import local
from sqlalchemy import select

from engine.errors import NotFound
from services import records
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.identity import AppUser, OrgUnit

CONCURRENT = 50


def _ids(services) -> dict:
    with services.db.read() as session:
        users = dict(session.execute(select(AppUser.username, AppUser.id)).all())
        units = dict(session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    return {**users, **units}


def _approved(services, ids, count: int = 1, *, doc_type="cong_van", series="", at=None) -> list[int]:
    """``count`` approved documents of UBND xã Cẩm Giang, drafted by Phòng VH-XH."""
    at = at or services.clock.now()
    made = []
    with services.db.transaction() as session:
        for n in range(count):
            document = records.draft(
                session,
                at,
                ids["vhxh.canbo"],
                org_unit_id=ids["xa_cam_giang_ubnd"],
                doc_type=doc_type,
                kind=records.ADMINISTRATIVE,
                body="UBND",
                unit="VHXH" if doc_type == "cong_van" else None,
                subject=f"đề xuất nhu cầu thu hút nhân tài số {n + 1}",
                place_name="Cẩm Giang",
                content={"body_lines": ["ỦY BAN NHÂN DÂN", "XÃ CẨM GIANG"], "paragraphs": ["Nội dung."]},
                series=series,
            )
            records.approve(session, at, ids["chutich"], document.id)
            made.append(document.id)
    return made


def _issue(services, ids, document_id, at=None):
    with services.db.transaction() as session:
        document = records.issue(session, at or services.clock.now(), ids["vanthu"], document_id)
        return document.number, document.code, document.year


def test_a_draft_has_no_number_until_the_records_clerk_issues_it(commune):
    services, ids = commune, _ids(commune)
    (document_id,) = _approved(services, ids)
    with services.db.read() as session:
        document = session.get(records.OutgoingDocument, document_id)
        assert (document.number, document.code, document.status) == (None, None, records.APPROVED)
        assert records.context_of(document)["number_and_symbol"] == "    /UBND-VHXH"
        assert records.context_of(document)["place_and_date"] == "Cẩm Giang, ngày      tháng      năm 2026"
    with pytest.raises(PermissionDenied), services.db.transaction() as session:  # the author is not the clerk
        records.issue(session, services.clock.now(), ids["vhxh.canbo"], document_id)
    assert _issue(services, ids, document_id) == (1, "01/UBND-VHXH", 2026)
    with services.db.read() as session:
        document = session.get(records.OutgoingDocument, document_id)
        assert document.issued_on.isoformat() == "2026-01-10"
        assert records.context_of(document)["place_and_date"] == "Cẩm Giang, ngày 10 tháng 01 năm 2026"
        assert document.docx_id is not None
    with pytest.raises(Conflict), services.db.transaction() as session:  # issued once
        records.issue(session, services.clock.now(), ids["vanthu"], document_id)


def test_only_an_approved_draft_is_issued_and_a_missing_one_is_not_found(commune):
    services, ids = commune, _ids(commune)
    with services.db.transaction() as session:
        document = records.draft(
            session,
            services.clock.now(),
            ids["vhxh.canbo"],
            org_unit_id=ids["xa_cam_giang_ubnd"],
            doc_type="quyet_dinh",
            kind=records.ADMINISTRATIVE,
            body="UBND",
            unit=None,
            subject="Về việc công nhận kết quả tuyển chọn",
            place_name="Cẩm Giang",
            content={},
        )
        draft_id = document.id
    with pytest.raises(Conflict) as refused, services.db.transaction() as session:
        records.issue(session, services.clock.now(), ids["vanthu"], draft_id)
    assert "approved" in refused.value.message
    with pytest.raises(NotFound), services.db.transaction() as session:
        records.issue(session, services.clock.now(), ids["vanthu"], draft_id + 1000)
    with pytest.raises(InvalidInput) as refused, services.db.transaction() as session:
        records.draft(
            session,
            services.clock.now(),
            None,
            org_unit_id=ids["xa_cam_giang_ubnd"],
            doc_type="quyet_dinh",
            kind=records.NORMATIVE,
            body="ubnd",
            unit=None,
            subject="x",
            place_name="Cẩm Giang",
            content={},
        )
    assert refused.value.field == "symbol" and "NQ-HĐND" in refused.value.message  # the rule's example
    with services.db.read() as session:  # nothing of the refused draft was kept
        assert (
            session.scalar(
                select(records.OutgoingDocument.id).where(records.OutgoingDocument.kind == "normative")
            )
            is None
        )


def test_concurrent_issues_get_distinct_consecutive_numbers(commune):
    services, ids = commune, _ids(commune)
    made = _approved(services, ids, CONCURRENT)
    start, numbers, failures = threading.Barrier(CONCURRENT), [], []
    lock = threading.Lock()

    def issue(document_id):
        start.wait()
        try:
            number = _issue(services, ids, document_id)[0]
            with lock:
                numbers.append(number)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=issue, args=(document_id,)) for document_id in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sorted(numbers) == list(range(1, CONCURRENT + 1))
    with services.db.read() as session:
        register = records.sent_register(session, ids["xa_cam_giang_ubnd"], 2026)
        assert [document.number for document in register] == list(range(1, CONCURRENT + 1))
        assert len({document.code for document in register}) == CONCURRENT


def test_a_voided_number_keeps_its_place_and_the_next_is_consecutive(commune):
    services, ids = commune, _ids(commune)
    first, second, third = _approved(services, ids, 3)
    _issue(services, ids, first)
    _issue(services, ids, second)
    with pytest.raises(InvalidInput) as refused, services.db.transaction() as session:
        records.void(session, services.clock.now(), ids["vanthu"], second, "  ")
    assert refused.value.field == "reason"
    with services.db.transaction() as session:
        records.void(session, services.clock.now(), ids["vanthu"], second, "Ban hành nhầm nơi nhận")
    assert _issue(services, ids, third)[0] == 3
    with services.db.read() as session:
        register = records.sent_register(session, ids["xa_cam_giang_ubnd"], 2026)
    assert [(d.number, d.status, d.void_reason) for d in register] == [
        (1, records.ISSUED, None),
        (2, records.VOIDED, "Ban hành nhầm nơi nhận"),
        (3, records.ISSUED, None),
    ]


def test_the_first_document_of_a_new_year_in_vietnam_is_01(commune):
    """The year turns at midnight in Vietnam (17:00 UTC on 31/12), for every year."""
    services, ids = commune, _ids(commune)
    for year in (2026, 2027):
        late, early = _approved(services, ids, 2, at=local(year, 12, 31, 8, 0))
        assert _issue(services, ids, late, local(year, 12, 31, 23, 59))[2] == year
        number, code, new_year = _issue(services, ids, early, local(year + 1, 1, 1, 0, 0))
        assert (number, code, new_year) == (1, "01/UBND-VHXH", year + 1)


def test_a_council_with_its_own_series_numbers_apart(commune):
    services, ids = commune, _ids(commune)
    body = _approved(services, ids, 2)
    council = _approved(services, ids, 2, doc_type="bien_ban", series="council:HĐTC")
    assert [_issue(services, ids, each)[0] for each in body + council] == [1, 2, 1, 2]
    with services.db.read() as session:
        codes = [d.code for d in records.sent_register(session, ids["xa_cam_giang_ubnd"], 2026)]
    assert codes == ["01/UBND-VHXH", "02/UBND-VHXH", "01/BB-UBND", "02/BB-UBND"]


def test_the_receiving_body_registers_an_issued_document_once_with_its_incoming_number(commune):
    services, ids = commune, _ids(commune)
    first, second = _approved(services, ids, 2)
    _issue(services, ids, first)
    snv = ids["tp_hai_phong_snv"]
    with pytest.raises(Conflict), services.db.transaction() as session:  # not issued yet
        records.receive_issued(
            session,
            services.clock.now(),
            ids["snv.vanthu"],
            org_unit_id=snv,
            outgoing_id=second,
            sender_name="x",
        )
    _issue(services, ids, second)
    with pytest.raises(PermissionDenied), services.db.transaction() as session:  # the commune's clerk
        records.receive_issued(
            session, services.clock.now(), ids["vanthu"], org_unit_id=snv, outgoing_id=first, sender_name="x"
        )
    for outgoing in (second, first):
        with services.db.transaction() as session:
            records.receive_issued(
                session,
                services.clock.now(),
                ids["snv.vanthu"],
                org_unit_id=snv,
                outgoing_id=outgoing,
                sender_name="UBND xã Cẩm Giang",
            )
    with pytest.raises(Conflict), services.db.transaction() as session:
        records.receive_issued(
            session,
            services.clock.now(),
            ids["snv.vanthu"],
            org_unit_id=snv,
            outgoing_id=first,
            sender_name="x",
        )
    with services.db.read() as session:
        received = records.received_register(session, snv, 2026)
    assert [(r.number, r.sender_code, r.sender_issued_on.isoformat()) for r in received] == [
        (1, "02/UBND-VHXH", "2026-01-10"),
        (2, "01/UBND-VHXH", "2026-01-10"),
    ]
