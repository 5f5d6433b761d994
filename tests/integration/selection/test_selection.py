"""A selection round from its notice to the decision (docs/processes.md#selection-council and
the worked example of docs/example.md): the council of five with one recusal, scoring
through each member's inbox, the meeting and its minutes, the competent authority's
decision. Simulated time, through the service layer."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from factories.dates import local
from factories.linked_runs import deliver
from factories.selection import (
    APPLICATIONS_CLOSE,
    COUNCIL_NAME,
    HA,
    HUNG,
    KHOA,
    MEMBERS,
    POSITIONS,
    RECUSAL_REASON,
    close_applications,
    complete,
    decide,
    form_council,
    keys_of,
    open_round,
    record_meeting,
    register_candidates,
    run_selection,
    score,
    scoring_task,
    screen_candidates,
)
from factories.tasks import act, inbox, task_named
from factories.words import in_vietnamese
from sqlalchemy import func, select

from engine.errors import FormInvalid
from engine.models import HumanTask, ProcessInstance
from services.common.errors import InvalidInput, PermissionDenied
from services.documents import _documents as documents
from services.identity import user_by_username
from services.people._models import TalentStatus
from services.selection import (
    Candidate,
    Council,
    RecruitmentRound,
    _candidacy as candidacy,
    _rounds as selection,
)
from services.selection._models import CouncilScore


def round_of(services, round_id: int) -> RecruitmentRound:
    with services.db.transaction() as session:
        return selection.get_round(session, round_id)


def candidate_statuses(services, ids: dict[str, int]) -> dict[str, str]:
    with services.db.transaction() as session:
        return {name: session.get(Candidate, candidate_id).status for name, candidate_id in ids.items()}


def scoring_tasks(services, username: str) -> list[HumanTask]:
    return [task for task in inbox(services, username) if task.task_name == "score_candidate"]


def test_a_round_from_its_notice_to_the_decision(commune):
    services = commune
    round_id = open_round(services)
    ids = register_candidates(services, round_id)
    screen_candidates(services, ids)
    assert candidate_statuses(services, ids) == {KHOA: "eligible", HA: "ineligible", HUNG: "eligible"}

    # The council is asked for when the applications close, not a second before.
    services.tick(local(2026, 3, 1, 23, 59, 59))
    assert [task.task_name for task in inbox(services, "snv.canbo")] == []
    close_applications(services)
    council_task = task_named(services, "snv.canbo", "form_council")
    # Within 15 days of the close (docs/deadlines.md#deadlines-by-process).
    assert council_task.due_at == local(2026, 3, 18, 0, 0)

    # Composition rules (Decree 170 Art. 8, 24 by analogy) and unknown people are refused.
    with pytest.raises(FormInvalid) as even:
        form_council(services, ids, members=MEMBERS[:4], recusals=[])
    assert {error.code for error in even.value.errors} == {"council_composition"}
    assert any("số lẻ" in in_vietnamese(error.message) for error in even.value.errors)
    with pytest.raises(FormInvalid) as unknown:
        form_council(
            services,
            ids,
            members=[*MEMBERS[:4], {"username": "nobody", "role": "member", "title": "X"}],
            recusals=[{"username": "cg_vp.canbo", "candidate_id": ids[HA], "reason": "quen biết"}],
        )
    assert [(error.field, error.code) for error in unknown.value.errors] == [
        ("members[4].username", "unknown_user"),
        ("recusals[0].username", "not_a_member"),
        ("recusals[0].candidate_id", "unknown_candidate"),
    ]
    with services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Council)) == 0

    form_council(services, ids)
    with services.db.transaction() as session:
        council = selection.council_view(session, round_id)
    assert [(m["username"], m["role"]) for m in council["members"]] == [
        (m["username"], m["role"]) for m in MEMBERS
    ]
    assert council["members"][4]["nominating_unit"] == "Phòng Văn hóa - Xã hội xã Cẩm Giang"
    assert council["recusals"] == [
        {"username": "vhxh.canbo", "candidate_id": ids[HUNG], "reason": RECUSAL_REASON}
    ]
    assert (council["scores_given"], council["scores_expected"]) == (
        0,
        5 + 4,
    )  # the ineligible C2 is not scored
    assert round_of(services, round_id).status == "scoring"

    # Each member has a task per candidate they judge; the recused member none for C3.
    assert len(scoring_tasks(services, "ct.thanhpho")) == 2
    assert len(scoring_tasks(services, "vhxh.canbo")) == 1
    with pytest.raises(AssertionError, match="scores no candidate"):
        scoring_task(services, "vhxh.canbo", ids[HUNG])
    chair_on_hung = scoring_task(services, "ct.thanhpho", ids[HUNG])
    assert chair_on_hung.due_at == local(2026, 3, 11, 0, 0)  # within 5 working days: the end of 10/03
    assert chair_on_hung.assignee_id is not None and chair_on_hung.lane == "council_member"
    with pytest.raises(PermissionDenied):  # nor can they score C3 through someone else's task
        complete(services, "vhxh.canbo", chair_on_hung, {"score": 90})
    with pytest.raises(PermissionDenied):
        complete(services, "snv.giamdoc", chair_on_hung, {"score": 90})
    with pytest.raises(FormInvalid) as too_precise:
        score(services, "ct.thanhpho", ids[HUNG], 72.125)
    assert [(error.field, error.code) for error in too_precise.value.errors] == [("score", "invalid_score")]

    # Scores come in; the meeting opens once the last one is in.
    at = local(2026, 3, 5, 10, 0)
    for username, value in {
        "ct.thanhpho": 85,
        "snv.giamdoc": 80,
        "snv.canbo": 82.5,
        "skhcn.phogiamdoc": 78.5,
        "vhxh.canbo": 86.5,
    }.items():
        score(services, username, ids[KHOA], value, at=at)
    for username, value in {"ct.thanhpho": 72, "snv.giamdoc": 45, "snv.canbo": 75}.items():
        score(services, username, ids[HUNG], value, remark="Trình bày rõ ràng", at=at)
    deliver(services, at)  # nothing to deliver: the round waits for the last score
    assert "record_council_meeting" not in [task.task_name for task in inbox(services, "snv.canbo")]
    score(services, "skhcn.phogiamdoc", ids[HUNG], 70.5, at=at)

    record_meeting(services)
    assert candidate_statuses(services, ids) == {KHOA: "passed", HA: "ineligible", HUNG: "passed"}
    assert round_of(services, round_id).status == "awaiting_decision"
    with services.db.transaction() as session:
        council_row = session.scalar(select(Council).where(Council.round_id == round_id))
        outcome, minutes = council_row.outcome, documents.get(session, council_row.minutes_document_id)
    assert (outcome["council_size"], outcome["quorum_required"]) == (5, 4)
    by_name = {entry["full_name"]: entry for entry in outcome["candidates"]}
    assert set(by_name) == {KHOA, HUNG}
    khoa, hung = by_name[KHOA], by_name[HUNG]
    assert (
        khoa["mean"],
        khoa["pass_votes"],
        khoa["fail_votes"],
        khoa["result"],
        khoa["rank"],
        khoa["within_quota"],
    ) == ("82.50", 5, 0, "passed", 1, True)
    assert [(s["username"], s["score"]) for s in khoa["scores"]] == [
        ("ct.thanhpho", "85.00"),
        ("snv.giamdoc", "80.00"),
        ("snv.canbo", "82.50"),
        ("skhcn.phogiamdoc", "78.50"),
        ("vhxh.canbo", "86.50"),
    ]
    # 72 + 45 + 75 + 70.5 = 262.5 over 4 scorers = 65.625, rounded half up; 45 is a fail vote.
    assert (hung["mean"], hung["pass_votes"], hung["fail_votes"], hung["result"], hung["rank"]) == (
        "65.63",
        3,
        1,
        "passed",
        1,
    )
    assert hung["recused"] == [
        {"username": "vhxh.canbo", "full_name": "Ngô Thanh Tùng", "reason": RECUSAL_REASON}
    ]

    # The minutes open with python-docx and say who, when, and what, in Decree 30's layout.
    assert (minutes.kind, minutes.subject, minutes.media_type) == (
        "minutes",
        f"council:{council['id']}",
        documents.DOCX,
    )
    text = _docx_text(minutes.content)
    for expected in (
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG",
        "BIÊN BẢN",
        f"Họp {COUNCIL_NAME}",
        "Hải Phòng, ngày 06 tháng 3 năm 2026",
        "215/QĐ-UBND",
        "06/03/2026",
        "Trụ sở Sở Nội vụ thành phố Hải Phòng",
        "Đặng Quốc Thái",
        "Bùi Thị Ngọc Mai",
        "Hoàng Đức Long",
        "Vũ Thị Hải Yến",
        "Ngô Thanh Tùng",
        KHOA,
        HUNG,
        "82.50",
        "86.50",
        "65.63",
        "45.00",
        RECUSAL_REASON,
        "2/3",
        "4/5",
        "CHỦ TỊCH HỘI ĐỒNG",
        "THƯ KÝ HỘI ĐỒNG",
    ):
        assert expected in text, expected
    assert HA not in text

    # Returned once by the authority, recorded again, then approved.
    act(
        services,
        "ct.thanhpho",
        "decide_results",
        {"chair_decision": "return", "chair_comment": "Đề nghị bổ sung nhận xét của Hội đồng"},
        local(2026, 3, 10, 9, 0),
    )
    assert round_of(services, round_id).status == "scoring"
    record_meeting(services, at=local(2026, 3, 11, 9, 0))
    decide(services)
    assert candidate_statuses(services, ids) == {KHOA: "selected", HA: "ineligible", HUNG: "selected"}
    decided = round_of(services, round_id)
    assert (decided.status, decided.decision_number, decided.decided_at) == (
        "decided",
        "302/QĐ-UBND",
        local(2026, 3, 16, 9, 0),
    )
    with services.db.transaction() as session:
        khoa_person = session.get(Candidate, ids[KHOA]).person_id
        latest = session.scalar(
            select(TalentStatus.status)
            .where(TalentStatus.person_id == khoa_person)
            .order_by(TalentStatus.id.desc())
            .limit(1)
        )
        instance = session.get(ProcessInstance, decided.instance_id)
        view = selection.round_view(session, round_id)
        minutes_count = len(documents.of_subject(session, f"council:{council['id']}"))
        decision = documents.get(session, selection.decision_document_of(session, round_id))
        commitments = session.scalars(
            select(ProcessInstance.status)
            .where(ProcessInstance.parent_id == decided.instance_id)
            .where(ProcessInstance.process_key == "commitment")
        ).all()
    assert latest == "selected"
    # The round goes on with the commitment of each selected person, which it calls.
    assert (instance.status, commitments) == ("running", ["running", "running"])
    assert view["candidates_by_status"] == {"selected": 2, "ineligible": 1}
    assert [p["job_position"] for p in view["positions"]] == [p["job_position"] for p in POSITIONS]
    assert minutes_count == 2  # recorded twice, both kept
    # The decision, as the chair approved it: its number and date, who is selected, the signer.
    assert (decision.kind, decision.subject) == ("decision", f"round:{round_id}")
    text = _docx_text(decision.content)
    for expected in (
        "QUYẾT ĐỊNH",
        "Số: 302/QĐ-UBND",
        "Hải Phòng, ngày 16 tháng 3 năm 2026",
        "Điều 1. Công nhận kết quả tuyển chọn đối với 2 người",
        KHOA,
        HUNG,
        "TM. ỦY BAN NHÂN DÂN",
        "Như Điều 3",
    ):
        assert expected in text, expected
    assert HA not in text


def _docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def test_form_council_waits_for_every_dossier(commune):
    round_id = open_round(commune)
    ids = register_candidates(commune, round_id)
    close_applications(commune)
    with pytest.raises(FormInvalid) as pending:
        form_council(commune, ids, recusals=[])
    assert [error.code for error in pending.value.errors] == ["dossiers_pending"]
    assert "Còn 3 hồ sơ" in in_vietnamese(pending.value.errors[0].message)


def test_opening_a_round_is_for_home_affairs_with_valid_positions(commune):
    def open_as(username="snv.canbo", **overrides):
        commune.clock.set(local(2026, 2, 2, 9, 0))
        fields = {
            "title": "Đợt thử",
            "legal_basis": "hp_res_53_2025",
            "positions": POSITIONS,
            "applications_close_at": APPLICATIONS_CLOSE,
            **overrides,
        }
        with commune.db.transaction() as session:
            return selection.open_round(session, commune.runtime, username, **fields)

    with pytest.raises(PermissionDenied):
        open_as("vhxh.canbo")
    for overrides, field in (
        ({"legal_basis": "nq_khong_co"}, "legal_basis"),
        ({"applications_close_at": local(2026, 2, 1)}, "applications_close_at"),
        ({"title": "  "}, "title"),
        ({"positions": []}, "positions"),
        ({"positions": [{**POSITIONS[0], "org_unit_code": "cg_ca"}]}, "positions[0].org_unit_code"),
        ({"positions": [POSITIONS[0], {**POSITIONS[1], "quantity": 0}]}, "positions[1].quantity"),
    ):
        with pytest.raises(InvalidInput) as refused:
            open_as(**overrides)
        assert refused.value.field == field
    with commune.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(RecruitmentRound)) == 0

    round_ = open_as()
    with commune.db.transaction() as session:
        instance = session.get(ProcessInstance, round_.instance_id)
        snv, city = (
            session.scalar(select(selection.OrgUnit.id).where(selection.OrgUnit.code == code))
            for code in ("tp_hai_phong_snv", "tp_hai_phong_ubnd")
        )
        assert instance.lane_orgs == {"snv_officer": snv, "city_chair": city}
        assert selection.may_manage_rounds(session, user_by_username(session, "snv.canbo").id)
        assert not selection.may_manage_rounds(session, user_by_username(session, "ct.thanhpho").id)


def test_council_members_see_only_the_candidates_of_their_round(commune):
    first = run_selection(commune)
    second_round = open_round(
        commune, at=local(2026, 4, 1, 9, 0), title="Đợt 2", applications_close_at=local(2026, 5, 1, 0, 0)
    )
    with commune.db.transaction() as session:
        late = candidacy.apply(
            session,
            commune.runtime,
            keys_of(commune),
            "snv.canbo",
            round_id=second_round,
            position_id=selection.round_view(session, second_round)["positions"][0]["id"],
            full_name="Đỗ Thị Lan",
            date_of_birth=date(2000, 1, 1),
            at=local(2026, 4, 2, 9, 0),
        ).id
        member = user_by_username(session, "skhcn.phogiamdoc").id
        outsider = user_by_username(session, "stc.canbo").id
        assert selection.council_members_may_see(session, member, first["candidates"][KHOA])
        assert selection.council_members_may_see(session, member, first["candidates"][HA])
        assert not selection.council_members_may_see(session, member, late)
        assert not selection.council_members_may_see(session, outsider, first["candidates"][KHOA])
        scores = session.scalar(
            select(func.count()).select_from(CouncilScore).where(CouncilScore.score.is_(None))
        )
        assert scores == 0


def test_without_quorum_a_candidate_is_not_selected(commune):
    """Two recusals for one candidate leave 3 possible scorers of 5: under the quorum of 4
    (2/3 of the whole council), there is no result and the authority cannot select them."""
    round_id = open_round(commune)
    ids = register_candidates(commune, round_id)
    screen_candidates(commune, ids)
    close_applications(commune)
    form_council(
        commune,
        ids,
        recusals=[
            {"username": "vhxh.canbo", "candidate_id": ids[HUNG], "reason": RECUSAL_REASON},
            {"username": "skhcn.phogiamdoc", "candidate_id": ids[HUNG], "reason": "quan hệ họ hàng"},
        ],
    )
    at = local(2026, 3, 5, 10, 0)
    for username in ("ct.thanhpho", "snv.giamdoc", "snv.canbo", "skhcn.phogiamdoc", "vhxh.canbo"):
        score(commune, username, ids[KHOA], 40, at=at)  # everyone below the pass mark
    for username in ("ct.thanhpho", "snv.giamdoc", "snv.canbo"):
        score(commune, username, ids[HUNG], 90, at=at)
    record_meeting(commune)
    with commune.db.transaction() as session:
        outcome = session.scalar(select(Council.outcome).where(Council.round_id == round_id))
        council_id = session.scalar(select(Council.id).where(Council.round_id == round_id))
        outsider = user_by_username(session, "cg_vp.canbo").id
        member = user_by_username(session, "vhxh.canbo").id
        assert selection.may_read_minutes(session, member, council_id)
        assert not selection.may_read_minutes(session, outsider, council_id)
    by_name = {entry["full_name"]: entry for entry in outcome["candidates"]}
    assert (by_name[HUNG]["result"], by_name[HUNG]["mean"], by_name[HUNG]["rank"]) == (
        "no_quorum",
        None,
        None,
    )
    assert (by_name[KHOA]["result"], by_name[KHOA]["mean"], by_name[KHOA]["fail_votes"]) == (
        "failed",
        "40.00",
        5,
    )
    assert candidate_statuses(commune, ids) == {KHOA: "failed", HA: "ineligible", HUNG: "failed"}
    decide(commune)
    assert candidate_statuses(commune, ids) == {KHOA: "not_selected", HA: "ineligible", HUNG: "not_selected"}


def test_after_the_scoring_deadline_a_member_who_has_not_scored_is_absent(commune):
    """The meeting waits for every score until the deadline (5 working days after the council
    is formed: the end of 10/03/2026); after it, the missing member is absent, their task is
    closed, and the quorum rule judges what remains."""
    round_id = open_round(commune)
    ids = register_candidates(commune, round_id)
    screen_candidates(commune, ids)
    close_applications(commune)
    form_council(commune, ids)
    at = local(2026, 3, 5, 10, 0)
    for username in ("ct.thanhpho", "snv.giamdoc", "snv.canbo", "skhcn.phogiamdoc", "vhxh.canbo"):
        score(commune, username, ids[KHOA], 80, at=at)
    for username in ("ct.thanhpho", "snv.giamdoc", "snv.canbo"):  # skhcn.phogiamdoc never scores Hưng
        score(commune, username, ids[HUNG], 90, at=at)
    absent_task = scoring_task(commune, "skhcn.phogiamdoc", ids[HUNG])
    commune.tick(local(2026, 3, 10, 23, 59, 59))
    assert "record_council_meeting" not in [task.task_name for task in inbox(commune, "snv.canbo")]
    commune.tick(local(2026, 3, 11, 0, 0))  # the deadline: the round stops waiting for the score

    record_meeting(commune, at=local(2026, 3, 11, 9, 0))
    with commune.db.transaction() as session:
        assert session.get(HumanTask, absent_task.id).status == "cancelled"
        council = session.scalar(select(Council).where(Council.round_id == round_id))
        outcome, minutes = council.outcome, documents.get(session, council.minutes_document_id)
    assert outcome["absent"] == [{"member": "Vũ Thị Hải Yến", "candidate": HUNG}]
    by_name = {entry["full_name"]: entry for entry in outcome["candidates"]}
    assert by_name[KHOA]["result"] == "passed"
    assert by_name[HUNG]["result"] == "no_quorum"  # 3 scorers, one recused and one absent: under 4
    assert "Vũ Thị Hải Yến đối với ứng viên Lê Văn Hưng" in _docx_text(minutes.content)
    assert [
        task.id for task in inbox(commune, "skhcn.phogiamdoc") if task.task_name == "score_candidate"
    ] == []
