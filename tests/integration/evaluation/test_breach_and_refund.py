"""Breach of commitment and refund (docs/processes.md#breach-of-commitment-and-refund; the C2
figures of docs/example.md#commitment-and-breach-figures): the refund comes from the
commitment's own terms, Sở Nội vụ appraises, the city leader decides."""

from datetime import date

import pytest
from factories.dates import local
from factories.evaluation import add_talent
from factories.tasks import act, inbox
from sqlalchemy import select

from engine.errors import FormInvalid
from engine.models import ProcessInstance
from services.commitments import Commitment, SupportEntitlement
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.evaluation import _breaches as breaches
from services.evaluation._models import Breach
from services.people import TalentListEntry, _talents as talents

REPORTED_AT = local(2028, 9, 5, 9, 0)
HP_TRANSFER = "Điều động, luân chuyển theo quyết định của cấp có thẩm quyền"


def _c2(services, **overrides) -> dict:
    """C2 of docs/example.md: a master's under NQ 53 Hải Phòng (200,000,000), from 01/04/2026."""
    fields = {
        "legal_basis": "hp_res_53_2025",
        "category": "master",
        "start_date": date(2026, 4, 1),
        "monthly_vnd": 7_965_000,
        **overrides,
    }
    return add_talent(services, "Phạm Thị Thu Hà", "cg_pkt", date(2026, 4, 1), **fields)


def _report(
    services,
    talent,
    username="cg_pkt.truong",
    trigger="resignation",
    occurred_on=date(2028, 9, 1),
    at=REPORTED_AT,
) -> Breach:
    with services.db.transaction() as session:
        return breaches.report_breach(
            session, services.runtime, username, talent["commitment_id"], trigger, occurred_on, at
        )


def _state(services, talent, breach_id):
    with services.db.transaction() as session:
        breach = session.get(Breach, breach_id)
        commitment = session.get(Commitment, talent["commitment_id"])
        entry = session.get(TalentListEntry, talent["entry_id"])
        status = talents.person_view(session, services.citizen_id_keys, talent["person_id"])["status"]
        instance = session.get(ProcessInstance, breach.instance_id)
        return breach, commitment, entry, status, instance


def test_c2_resigns_after_29_months_and_refunds_the_unserved_share(commune):
    services = commune
    c2 = _c2(services)
    breach = _report(services, c2)
    assert (breach.received_vnd, breach.served_months, breach.refund_formula, breach.refund_amount_vnd) == (
        200_000_000,
        29,
        "prorata_unserved_months",
        103_333_333,
    )  # 200m × (60 - 29) / 60, rounded down
    assert breach.status == "appraising"
    with services.db.transaction() as session:  # recurring support stops from the breach date
        kinds = dict(
            session.execute(
                select(SupportEntitlement.kind, SupportEntitlement.status).where(
                    SupportEntitlement.commitment_id == c2["commitment_id"]
                )
            ).all()
        )
    assert kinds == {"one_time": "approved", "monthly_income": "stopped"}

    [task] = inbox(services, "snv.canbo")
    assert task.task_name == "appraise_breach"
    with services.db.transaction() as session:
        data = services.runtime.task_data(session, task.id)
    assert (data["refund_text"], data["served_months"], data["commitment_months"]) == (
        "103.333.333 đồng",
        29,
        60,
    )
    act(
        services,
        "snv.canbo",
        "appraise_breach",
        {"exempt": False, "appraisal_note": "Thôi việc theo đơn"},
        local(2028, 9, 10, 9, 0),
    )
    with pytest.raises(FormInvalid) as refused:  # a refund needs a payment deadline
        act(
            services,
            "ct.thanhpho",
            "decide_refund",
            {"decision_number": "1203/QĐ-UBND"},
            local(2028, 9, 15, 9, 0),
        )
    assert refused.value.errors[0].field == "due_date"
    act(
        services,
        "ct.thanhpho",
        "decide_refund",
        {"decision_number": "1203/QĐ-UBND", "due_date": "2028-12-31"},
        local(2028, 9, 15, 9, 0),
    )

    breach, commitment, entry, status, instance = _state(services, c2, breach.id)
    assert (breach.status, breach.decision_number, breach.refund_due_on) == (
        "refund_due",
        "1203/QĐ-UBND",
        date(2028, 12, 31),
    )
    assert breach.decided_at == local(2028, 9, 15, 9, 0)
    assert commitment.status == "breached"
    assert status == "breached"
    assert entry.removed_on == date(2028, 9, 1)
    assert instance.status == "completed"


def test_hy_terms_refund_everything_received(commune):
    services = commune
    talent = add_talent(
        services,
        "Nguyễn Hải Nam",
        "cg_vp",
        date(2026, 1, 15),
        legal_basis="hy_res_798_2025",
        category="excellent_graduate",
    )
    with services.db.transaction() as session:
        breach = breaches.report_breach(
            session,
            services.runtime,
            "snv.canbo",
            talent["commitment_id"],
            "transfer_out",
            "2029-06-30",
            local(2029, 7, 2, 9, 0),
        )
    assert (breach.received_vnd, breach.served_months, breach.refund_formula, breach.refund_amount_vnd) == (
        500_000_000,
        41,
        "full",
        500_000_000,
    )
    act(services, "snv.canbo", "appraise_breach", {"exempt": False}, local(2029, 7, 6, 9, 0))
    act(
        services,
        "ct.thanhpho",
        "decide_refund",
        {"decision_number": "88/QĐ-UBND", "due_date": "2029-10-01"},
        local(2029, 7, 10, 9, 0),
    )
    breach, commitment, _, status, _ = _state(services, talent, breach.id)
    assert (breach.status, breach.refund_amount_vnd, commitment.status, status) == (
        "refund_due",
        500_000_000,
        "breached",
        "breached",
    )


def test_an_exempt_case_refunds_nothing_and_is_not_a_breach(commune):
    services = commune
    c2 = _c2(services)
    breach = _report(services, c2, trigger="transfer_out")
    with pytest.raises(FormInvalid) as refused:  # an exemption the commitment does not list
        act(
            services,
            "snv.canbo",
            "appraise_breach",
            {"exempt": True, "exempt_reason": "Hoàn cảnh gia đình"},
            local(2028, 9, 10, 9, 0),
        )
    assert refused.value.errors[0].field == "exempt_reason"
    assert [task.task_name for task in inbox(services, "snv.canbo")] == ["appraise_breach"]  # nothing moved
    act(
        services,
        "snv.canbo",
        "appraise_breach",
        {"exempt": True, "exempt_reason": HP_TRANSFER},
        local(2028, 9, 10, 9, 0),
    )
    act(
        services,
        "ct.thanhpho",
        "decide_refund",
        {"decision_number": "1210/QĐ-UBND"},
        local(2028, 9, 15, 9, 0),
    )

    breach, commitment, entry, status, _ = _state(services, c2, breach.id)
    assert (breach.status, breach.exempt_reason, breach.refund_due_on) == ("exempt", HP_TRANSFER, None)
    assert commitment.status == "waived"
    assert status == "removed"  # off the list, not a breach
    assert entry.removed_on == date(2028, 9, 1)


def test_who_may_report_and_what_is_refused(commune):
    services = commune
    c2 = _c2(services)
    with pytest.raises(PermissionDenied):  # the head of another unit
        _report(services, c2, username="cg_vp.truong")
    with pytest.raises(PermissionDenied):  # an officer of the employing unit is not its head
        _report(services, c2, username="cg_pkt.canbo")
    with pytest.raises(InvalidInput) as bad:
        _report(services, c2, trigger="retirement")
    assert bad.value.field == "trigger"
    with pytest.raises(InvalidInput) as future:
        _report(services, c2, occurred_on=date(2028, 9, 6))
    assert future.value.field == "occurred_on"
    with pytest.raises(InvalidInput):  # before the commitment started
        _report(services, c2, occurred_on=date(2026, 3, 31))
    _report(services, c2)
    with pytest.raises(Conflict):  # one case at a time
        _report(services, c2, username="snv.canbo")
    with services.db.transaction() as session:
        assert len(breaches.breaches_of(session, c2["commitment_id"])) == 1
