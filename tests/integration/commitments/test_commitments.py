"""Commitment, assignment and support (docs/processes.md#commitment-assignment-and-support;
the figures of docs/example.md#commitment-and-breach-figures): from the recruitment decision
to the talent list, through the service layer, with every step reloaded from the database."""

import io
import json
from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import docx
import pytest
from factories import REPO_ROOT
from factories.commitments import (
    C1,
    C2,
    assign,
    commitment_of,
    complete,
    decide_support,
    open_round,
    open_task,
    person_username,
    recruitment_round,
    selected_candidate,
    sign,
    sign_and_assign,
)
from factories.dates import local
from factories.tasks import inbox
from sqlalchemy import select

from engine.definitions import publish, read_bundle
from engine.errors import FormInvalid, NotFound
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.reactions import REACHED
from services.commitments import Commitment, SupportEntitlement, _commitments as commitments
from services.common import policies
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.common.models import AuditEvent
from services.documents import _documents as documents
from services.identity import AppUser, user_by_username
from services.people import Person, TalentListEntry, load_keys
from services.people._models import TalentStatus
from services.selection import RecruitmentRound

DECISION = date(2026, 3, 16)
DECIDED_AT = local(2026, 3, 16, 15, 0)
PDF = b"%PDF-1.7\n% signed on paper\n%%EOF\n"


def _open_c1(services, legal_basis="hp_res_53_2025") -> int:
    round_id = recruitment_round(services, legal_basis)
    selected_candidate(services, round_id, C1)
    (commitment_id,) = open_round(services, round_id, DECISION, DECIDED_AT)
    return commitment_id


def _docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def _document(services, document_id: int):
    with services.db.transaction() as session:
        return documents.get(session, document_id)


def _statuses(services, person_id: int) -> list[str]:
    with services.db.transaction() as session:
        return list(
            session.scalars(
                select(TalentStatus.status)
                .where(TalentStatus.person_id == person_id)
                .order_by(TalentStatus.at, TalentStatus.id)
            )
        )


def _entitlements(services, commitment_id: int) -> dict[str, SupportEntitlement]:
    with services.db.transaction() as session:
        return {
            row.kind: row
            for row in session.scalars(
                select(SupportEntitlement).where(SupportEntitlement.commitment_id == commitment_id)
            )
        }


def test_c1_from_recruitment_decision_to_talent_list(commune):
    services = commune
    commitment_id = _open_c1(services)

    commitment = commitment_of(services, commitment_id)
    assert (commitment.start_date, commitment.end_date) == (date(2026, 3, 16), date(2031, 3, 15))
    assert commitment.status == "awaiting_signature"
    assert commitment.legal_basis == "hp_res_53_2025"
    assert commitment.terms["commitment"]["min_years"] == 5
    assert commitment.terms["one_time_support_vnd"]["excellent_graduate"] == 150_000_000
    assert commitment.job_position == "Chuyên viên quản trị hệ thống"

    # The person got an account of their own (no password yet) and the signing task is theirs alone.
    username = person_username(services, commitment_id)
    with services.db.transaction() as session:
        account = user_by_username(session, username)
        person = session.get(Person, commitment.person_id)
        assert (account.username, account.full_name, account.password_hash) == (
            f"talent{person.id}",
            "Trần Minh Khoa",
            None,
        )
    task = open_task(services, commitment_id, "sign_commitment")
    assert task.assignee_id == account.id and task.lane == "talent"
    assert task.title == "Ký bản cam kết"
    # 20 days from 16/03 is Sunday 05/04: moved to Monday 06/04, due at its end.
    assert task.due_at == local(2026, 4, 7, 0, 0)
    assert [t.id for t in inbox(services, username)] == [task.id]
    assert task.id not in [t.id for t in inbox(services, "cg_vp.truong")]
    with services.db.transaction() as session:
        data = services.runtime.task_data(session, task.id)
    assert (data["commitment_id"], data["document_id"]) == (commitment_id, commitment.document_id)
    assert "999202000111" not in json.dumps(data)

    # The document: opens with python-docx, says who, where, how long, under which resolution.
    stored = _document(services, commitment.document_id)
    assert (stored.kind, stored.subject, stored.media_type) == (
        "commitment",
        f"commitment:{commitment_id}",
        documents.DOCX,
    )
    text = _docx_text(stored.content)
    assert "BẢN CAM KẾT" in text
    assert "Tôi là: Trần Minh Khoa" in text and "Ngày sinh: 19/05/2002" in text
    assert "Văn phòng HĐND và UBND xã Cẩm Giang" in text and "Chuyên viên quản trị hệ thống" in text
    assert "Nghị quyết số 53/2025/NQ-HĐND của HĐND thành phố Hải Phòng" in text
    assert "tối thiểu 5 năm" in text and "từ ngày 16/03/2026 đến hết ngày 15/03/2031" in text
    assert "tương ứng với số tháng chưa thực hiện cam kết" in text  # HP: pro rata refund
    assert "150.000.000 đồng" in text
    assert "NGƯỜI CAM KẾT" in text and "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ SỬ DỤNG" in text
    assert "999202000111" not in text and "0111" not in text

    # Someone else may not sign for the person.
    with pytest.raises(PermissionDenied):
        complete(
            services,
            "cg_vp.truong",
            commitment_id,
            "sign_commitment",
            {"acknowledge": True, "full_name": "Trần Minh Khoa"},
            local(2026, 3, 17, 9, 0),
        )
    # A wrong name is refused at the field, and nothing changes.
    with pytest.raises(FormInvalid) as refused:
        sign(services, commitment_id, local(2026, 3, 17, 9, 0), full_name="Trần Minh Khôi")
    assert [error.field for error in refused.value.errors] == ["full_name"]
    assert commitment_of(services, commitment_id).status == "awaiting_signature"
    assert open_task(services, commitment_id, "sign_commitment").id == task.id
    assert "committed" not in _statuses(services, commitment.person_id)
    with pytest.raises(FormInvalid):  # not acknowledged
        complete(
            services,
            username,
            commitment_id,
            "sign_commitment",
            {"acknowledge": False, "full_name": "Trần Minh Khoa"},
            local(2026, 3, 17, 9, 0),
        )

    # Case and spacing do not matter.
    sign(services, commitment_id, local(2026, 3, 17, 9, 30), full_name="  trần  minh KHOA ")
    commitment = commitment_of(services, commitment_id)
    assert (commitment.status, commitment.signed_via, commitment.signed_at) == (
        "signed",
        "app",
        local(2026, 3, 17, 9, 30),
    )
    assert _statuses(services, commitment.person_id)[-1] == "committed"

    # The head of the employing unit assigns; the support is computed from the terms.
    assign_task = open_task(services, commitment_id, "assign_position")
    assert assign_task.lane == "unit_head"
    assert assign_task.due_at == local(2026, 3, 25, 0, 0)  # within 5 working days of the signature
    with services.db.transaction() as session:
        assert (
            services.runtime.task_data(session, assign_task.id)["job_position"]
            == "Chuyên viên quản trị hệ thống"
        )
    with pytest.raises(FormInvalid) as refused:  # before the recruitment decision
        assign(services, commitment_id, local(2026, 3, 20, 10, 0), assigned_on=date(2026, 3, 1))
    assert [error.field for error in refused.value.errors] == ["assigned_on"]
    assign(services, commitment_id, local(2026, 3, 20, 10, 0), assigned_on=date(2026, 3, 20))
    commitment = commitment_of(services, commitment_id)
    assert commitment.assignment_decision == "25/QĐ-UBND"
    assert commitment.assigned_at == local(2026, 3, 20, 0, 0)
    supports = _entitlements(services, commitment_id)
    assert {kind: (row.amount_vnd, row.status) for kind, row in supports.items()} == {
        "one_time": (150_000_000, "proposed"),
        "monthly_income": (7_965_000, "proposed"),
    }
    assert (
        supports["one_time"].formula
        == "Hỗ trợ một lần theo Nghị quyết 53/2025: 150.000.000 đồng (tốt nghiệp xuất sắc)"
    )
    assert (
        "1,5 × 5.310.000 đồng (lương tối thiểu vùng I) = 7.965.000 đồng/tháng"
        in supports["monthly_income"].formula
    )
    assert commitment.status == "signed"

    # Sở Tài chính approves: the commitment is in force, the person in service and on the list.
    finance_task = open_task(services, commitment_id, "approve_support")
    with services.db.transaction() as session:
        stc = user_by_username(session, "stc.canbo")
    assert finance_task.id in [t.id for t in inbox(services, "stc.canbo")]
    decide_support(services, commitment_id, local(2026, 3, 23, 14, 0))
    supports = _entitlements(services, commitment_id)
    assert {(row.status, row.decided_by, row.decided_at) for row in supports.values()} == {
        ("approved", stc.id, local(2026, 3, 23, 14, 0))
    }
    commitment = commitment_of(services, commitment_id)
    assert commitment.status == "active"
    assert _statuses(services, commitment.person_id)[-2:] == ["committed", "in_service"]
    with services.db.transaction() as session:
        entries = session.scalars(
            select(TalentListEntry).where(TalentListEntry.person_id == commitment.person_id)
        ).all()
        assert [(entry.org_unit_id, entry.included_on) for entry in entries] == [
            (commitment.employer_org_id, date(2026, 3, 20))
        ]
        instance = session.get(ProcessInstance, commitment.instance_id)
        assert instance.status == "completed"
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject == f"commitment:{commitment_id}")
                .order_by(AuditEvent.id)
            )
        )
        assert actions == [
            "commitment.opened",
            "commitment.signed",
            "commitment.assigned",
            "support.approved",
            "commitment.in_force",
        ]
        details = json.dumps([event.details for event in session.scalars(select(AuditEvent))])
        assert "999202000111" not in details

    # The view for pages: masked citizen ID, terms, dates, documents, support.
    with services.db.transaction() as session:
        view = commitments.commitment_view(session, commitment_id, load_keys(services.config))
    assert view["person"]["citizen_id"] != "999202000111" and view["person"]["citizen_id"].endswith("0111")
    assert (view["start_date"], view["end_date"], view["commitment_years"]) == (
        date(2026, 3, 16),
        date(2031, 3, 15),
        5,
    )
    assert [doc["kind"] for doc in view["documents"]] == ["commitment"]
    assert sorted(row["amount_vnd"] for row in view["entitlements"]) == [7_965_000, 150_000_000]
    assert view["assigned_on"] == date(2026, 3, 20)


def test_hung_yen_commitment_lasts_seven_years_with_full_refund(commune):
    services = commune
    commitment_id = _open_c1(services, legal_basis="hy_res_798_2025")
    commitment = commitment_of(services, commitment_id)
    assert (commitment.start_date, commitment.end_date) == (date(2026, 3, 16), date(2033, 3, 15))
    text = _docx_text(_document(services, commitment.document_id).content)
    assert "Nghị quyết số 798/2025/NQ-HĐND của HĐND tỉnh Hưng Yên" in text
    assert "tối thiểu 7 năm" in text and "từ ngày 16/03/2026 đến hết ngày 15/03/2033" in text
    assert "hoàn trả toàn bộ kinh phí hỗ trợ đã nhận" in text
    sign_and_assign(services, commitment_id, local(2026, 3, 18, 9, 0))
    supports = _entitlements(services, commitment_id)
    assert {kind: (row.amount_vnd, row.status) for kind, row in supports.items()} == {
        "one_time": (500_000_000, "approved")
    }  # no monthly income support in NQ 798
    assert commitment_of(services, commitment_id).status == "active"


def test_without_support_there_is_no_finance_step(commune):
    services = commune
    round_id = recruitment_round(services, "hy_res_798_2025")
    selected_candidate(services, round_id, C2)  # a master: NQ 798 gives masters nothing
    (commitment_id,) = open_round(services, round_id, DECISION, DECIDED_AT)
    sign(services, commitment_id, local(2026, 3, 18, 9, 0))
    assign(services, commitment_id, local(2026, 3, 19, 9, 0))
    assert _entitlements(services, commitment_id) == {}
    assert open_task(services, commitment_id, "approve_support") is None
    assert commitment_of(services, commitment_id).status == "active"


def test_paper_signature_uploaded_by_home_affairs_and_support_rejected(commune):
    services = commune
    round_id = recruitment_round(services)
    selected_candidate(services, round_id, C1)
    selected_candidate(services, round_id, C2)
    selected_candidate(
        services,
        round_id,
        {**C1, "full_name": "Nguyễn Văn Trượt", "citizen_id": "999200000999"},
        status="not_selected",
    )
    first, second = open_round(services, round_id, DECISION, DECIDED_AT)
    assert open_round(services, round_id, DECISION, DECIDED_AT) == []  # run twice: nothing new
    at = local(2026, 3, 25, 10, 0)

    def upload(username="snv.canbo", content=PDF, filename="C:\\scans\\cam-ket-ha.pdf"):
        with services.db.transaction() as session:
            return commitments.record_signed_scan(
                session, services.runtime, username, second, filename, content, at
            )

    with pytest.raises(PermissionDenied):
        upload(username="cg_pkt.truong")
    with pytest.raises(InvalidInput):
        upload(content=b"MZ\x90\x00 not a scan")
    with pytest.raises(InvalidInput):
        upload(content=PDF + b"0" * (5 * 1024 * 1024))
    assert commitment_of(services, second).status == "awaiting_signature"

    task = open_task(services, second, "sign_commitment")
    upload()
    commitment = commitment_of(services, second)
    assert (commitment.status, commitment.signed_via, commitment.signed_at) == ("signed", "scan", at)
    scan = _document(services, commitment.signed_document_id)
    assert (scan.kind, scan.filename, scan.media_type, scan.content) == (
        "signed_commitment",
        "cam-ket-ha.pdf",
        documents.PDF,
        PDF,
    )
    with services.db.transaction() as session:
        done = session.get(HumanTask, task.id)
        assert (done.status, done.completed_by) == ("completed", user_by_username(session, "snv.canbo").id)
    assert _statuses(services, commitment.person_id)[-1] == "committed"
    with pytest.raises(Conflict):
        upload()
    assert commitment_of(services, first).status == "awaiting_signature"  # the other one is untouched

    assign(services, second, local(2026, 3, 26, 9, 0))
    assert {kind: row.amount_vnd for kind, row in _entitlements(services, second).items()} == {
        "one_time": 200_000_000
    }
    with pytest.raises(FormInvalid):  # a refusal needs its reason
        decide_support(services, second, local(2026, 3, 27, 9, 0), decision="reject")
    with pytest.raises(FormInvalid):
        decide_support(services, second, local(2026, 3, 27, 9, 0), decision="reject", note="   ")
    decide_support(
        services,
        second,
        local(2026, 3, 27, 9, 0),
        decision="reject",
        note="Chưa có dự toán kinh phí năm 2026",
    )
    assert {row.status for row in _entitlements(services, second).values()} == {"rejected"}
    assert commitment_of(services, second).status == "active"  # assigned all the same


def test_only_the_people_concerned_read_the_commitment(commune):
    services = commune
    commitment_id = _open_c1(services)
    document_id = commitment_of(services, commitment_id).document_id
    person = person_username(services, commitment_id)
    with services.db.transaction() as session:

        def reads(username):
            user = user_by_username(session, username)
            try:
                return commitments.commitment_document_for(session, user.id, document_id).id == document_id
            except NotFound:
                return False

        assert [reads(name) for name in (person, "snv.canbo", "cg_vp.truong", "stc.canbo")] == [True] * 4
        assert [
            reads(name) for name in ("cg_pkt.truong", "cg_vp.canbo", "vhxh.canbo", "chutich", "ct.thanhpho")
        ] == [False] * 5
        other = documents.store(
            session,
            DECIDED_AT,
            None,
            kind="minutes",
            subject="council:1",
            filename="m.docx",
            media_type=documents.DOCX,
            content=b"x",
        )
        with pytest.raises(NotFound):
            commitments.commitment_document_for(session, user_by_username(session, "snv.canbo").id, other.id)
        with pytest.raises(NotFound):
            commitments.commitment_document_for(session, user_by_username(session, "snv.canbo").id, 10_000)


def test_a_policy_change_does_not_change_a_commitment_already_made(commune, monkeypatch, tmp_path):
    services = commune
    commitment_id = _open_c1(services)
    made_under = commitment_of(services, commitment_id).terms

    # The policy book changes the length, the commitment bundle's support table the amount.
    amended = json.loads(policies.POLICY_FILE.read_text(encoding="utf-8"))
    amended["legal_bases"]["hp_res_53_2025"]["commitment"]["min_years"] = 6
    path = tmp_path / "legal_bases.json"
    path.write_text(json.dumps(amended, ensure_ascii=False), encoding="utf-8")
    book = policies.read_policy_book(path)
    monkeypatch.setattr(policies, "policy_book", lambda: book)
    bundle = read_bundle(REPO_ROOT / "bpmn" / "commitment")
    table = bundle.decisions["support_amounts.dmn"].replace(
        "<text>150000000</text>", "<text>180000000</text>"
    )
    with services.db.transaction() as session:
        publish(
            session,
            replace(bundle, decisions={"support_amounts.dmn": table}),
            local(2026, 3, 19, 9, 0),
            services.runtime.helpers,
            contracts=services.runtime.contracts,
        )

    sign_and_assign(services, commitment_id, local(2026, 3, 20, 9, 0))
    commitment = commitment_of(services, commitment_id)
    assert commitment.terms == made_under
    assert (commitment.end_date, commitment.terms["commitment"]["min_years"]) == (date(2031, 3, 15), 5)
    assert _entitlements(services, commitment_id)["one_time"].amount_vnd == 150_000_000

    # A commitment made after the change follows the new terms.
    round_id = recruitment_round(services, title="Xét tuyển đợt 2 năm 2026")
    selected_candidate(services, round_id, C2 | {"category": "excellent_graduate"})
    (later,) = open_round(services, round_id, date(2026, 6, 1), local(2026, 6, 1, 9, 0))
    later_commitment = commitment_of(services, later)
    assert (
        later_commitment.end_date,
        later_commitment.terms["one_time_support_vnd"]["excellent_graduate"],
    ) == (date(2032, 5, 31), 180_000_000)


def test_the_chair_approving_the_results_opens_the_commitments(commune):
    services = commune
    round_id = recruitment_round(services)
    candidate_id = selected_candidate(services, round_id, C1)
    with services.db.transaction() as session:  # stands for the round's selection_round instance
        # a version that draws no call of the commitments: any process but selection_round
        definition_id = session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.key == "talent_evaluation")
        )
        instance = ProcessInstance(
            definition_id=definition_id,
            process_key="selection_round",
            lane_orgs={},
            status="running",
            serialization=b"",
            created_at=DECIDED_AT,
            updated_at=DECIDED_AT,
        )
        session.add(instance)
        session.flush()
        session.get(RecruitmentRound, round_id).instance_id = instance.id
        instance_id = instance.id

    # Only the approval reaches the event the commitments react to; a return goes back to the
    # council. Today's rounds call the commitments; for a version drawn before (this stand-in
    # draws no call), the reaction opens them.
    (capability,) = [c for c in services.runtime.reactions.capabilities if c.name == "commitments"]
    assert [(r.event, r.element) for r in capability.reactions if r.process_key == "selection_round"] == [
        (REACHED, "results_decided")
    ]
    task = SimpleNamespace(
        task_name="decide_results",
        completed_data={
            "decision_number": "120/QĐ-UBND",
            "decision_date": "2026-03-16",
            "chair_decision": "approve",
        },
    )
    decided = SimpleNamespace(
        completed_task=task,
        instance=SimpleNamespace(id=instance_id, definition_id=definition_id),
        at=DECIDED_AT,
    )

    with services.db.transaction() as session:
        assert session.scalar(select(Commitment).where(Commitment.candidate_id == candidate_id)) is None
        commitments._results_decided(session, services.runtime, decided)
        opened = session.scalar(select(Commitment).where(Commitment.candidate_id == candidate_id))
        assert (opened.start_date, opened.end_date, opened.status) == (
            date(2026, 3, 16),
            date(2031, 3, 15),
            "awaiting_signature",
        )
        assert session.scalar(select(AppUser.id).where(AppUser.username.like("talent%"))) is not None
