"""A reusable driver of a whole selection round (docs/processes.md#selection-council; the
candidates C1-C3 and the council of five of docs/example.md) through the service layer and
the inbox, in simulated time.

``run_selection`` opens the round, registers the three candidates, screens them (C2's
health certificate is stale: ineligible, with its reason), forms the council with one
recusal (Ngô Thanh Tùng for the Cẩm Giang nominee), has every member score through their
inbox, records the meeting and has the city chair approve. Smaller steps are exposed for
tests that stop in between.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from factories.dates import local
from factories.linked_runs import deliver
from factories.tasks import act, inbox
from services.identity import AppUser
from services.people import load_keys
from services.selection import CouncilSeat, _candidacy as candidacy, _rounds as selection
from services.selection._models import CouncilScore, RecruitmentRound
from services.work import _tasks as tasks

ROUND_OPENED = local(2026, 2, 2, 9, 0)
APPLICATIONS_CLOSE = local(2026, 3, 2, 0, 0)
COUNCIL_FORMED = local(2026, 3, 3, 9, 0)
MEETING = local(2026, 3, 6, 14, 0)
DECIDED = local(2026, 3, 16, 9, 0)

KHOA, HA, HUNG = "Trần Minh Khoa", "Phạm Thị Thu Hà", "Lê Văn Hưng"
COUNCIL_NAME = (
    "Hội đồng tuyển chọn người có tài năng, nguồn nhân lực chất lượng cao thành phố Hải Phòng năm 2026"
)
POSITIONS = [
    {
        "org_unit_code": "cg_vp",
        "field": "ict",
        "job_position": "Chuyên viên quản trị hệ thống",
        "target_group": "excellent_graduate",
        "quantity": 1,
    },
    {
        "org_unit_code": "cg_pkt",
        "field": "high_tech_agriculture",
        "job_position": "Chuyên viên nông nghiệp và môi trường",
        "target_group": "master",
        "quantity": 1,
    },
    {
        "org_unit_code": "cg_pkt",
        "field": "other",
        "job_position": "Chuyên viên kinh tế",
        "target_group": "in_service_talent",
        "quantity": 1,
    },
]
# The council of docs/example.md#the-council-hdtc-hp-2026-01; Ngô Thanh Tùng was nominated
# by xã Cẩm Giang (64/UBND-VHXH §2).
MEMBERS = [
    {"username": "ct.thanhpho", "role": "chair", "title": "Phó Chủ tịch UBND thành phố (phụ trách nội vụ)"},
    {"username": "snv.giamdoc", "role": "vice_chair", "title": "Giám đốc Sở Nội vụ"},
    {"username": "snv.canbo", "role": "secretary", "title": "Trưởng phòng Công chức, viên chức"},
    {"username": "skhcn.phogiamdoc", "role": "member", "title": "Phó Giám đốc Sở Khoa học và Công nghệ"},
    {
        "username": "vhxh.canbo",
        "role": "member",
        "title": "Trưởng phòng Văn hóa - Xã hội xã Cẩm Giang",
        "nominating_unit_code": "xa_cam_giang_vhxh",
    },
]
RECUSAL_REASON = "cùng đơn vị/xã"
# Scores by member (docs/example.md#scores-and-results): C1 (mean 82.50) and C3 (one fail
# vote; mean 65.625 -> 65.63).
SCORES = {
    KHOA: {
        "ct.thanhpho": 85,
        "snv.giamdoc": 80,
        "snv.canbo": 82.5,
        "skhcn.phogiamdoc": 78.5,
        "vhxh.canbo": 86.5,
    },
    HUNG: {"ct.thanhpho": 72, "snv.giamdoc": 45, "snv.canbo": 75, "skhcn.phogiamdoc": 70.5},
}
STALE_HEALTH_CERTIFICATE = (
    "Giấy chứng nhận sức khỏe cấp ngày 01/07/2025, quá 6 tháng trước ngày kiểm tra hồ sơ."
)


def keys_of(services):
    return getattr(services, "citizen_id_keys", None) or load_keys(services.config)


def open_round(services, city_round_id: int | None = None, at=ROUND_OPENED, **overrides) -> int:
    """A round opened by Sở Nội vụ; with ``city_round_id``, the round that city's year calls
    (its task ``prepare_selection_round``, done by snv.canbo)."""
    services.clock.set(at)
    fields = {
        "title": "Tuyển chọn người có tài năng, nguồn nhân lực chất lượng cao năm 2026",
        "legal_basis": "hp_res_53_2025",
        "positions": POSITIONS,
        "applications_close_at": APPLICATIONS_CLOSE,
        **overrides,
    }
    if city_round_id is None:
        with services.db.transaction() as session:
            return selection.open_round(session, services.runtime, "snv.canbo", **fields).id
    last_day = (fields.pop("applications_close_at") - timedelta(days=1)).date()  # closes at its end
    act(
        services,
        "snv.canbo",
        "prepare_selection_round",
        {**fields, "applications_close_on": last_day.isoformat()},
    )
    with services.db.read() as session:
        return session.scalars(
            select(RecruitmentRound.id).where(RecruitmentRound.city_round_id == city_round_id)
        ).one()


def positions_of(services, round_id: int) -> dict[str, int]:
    """Position ids by job position."""
    with services.db.transaction() as session:
        return {p["job_position"]: p["id"] for p in selection.round_view(session, round_id)["positions"]}


def register_candidates(services, round_id: int) -> dict[str, int]:
    """C1 applies, C2 is nominated by an organisation, C3 by the head of Phòng Kinh tế."""
    positions, keys = positions_of(services, round_id), keys_of(services)
    runtime = services.runtime
    with services.db.transaction() as session:
        khoa = candidacy.apply(
            session,
            runtime,
            keys,
            "snv.canbo",
            round_id=round_id,
            position_id=positions["Chuyên viên quản trị hệ thống"],
            full_name=KHOA,
            date_of_birth=date(2002, 5, 19),
            gender="male",
            citizen_id="999202000111",
            at=local(2026, 2, 10, 9, 0),
        ).id
    with services.db.transaction() as session:
        ha = candidacy.nominate_external(
            session,
            runtime,
            keys,
            "snv.canbo",
            round_id=round_id,
            position_id=positions["Chuyên viên nông nghiệp và môi trường"],
            nominating_organisation="Hội Nông dân xã Cẩm Giang (qua Ban Xây dựng Đảng)",
            full_name=HA,
            date_of_birth=date(1993, 11, 2),
            gender="female",
            category="expert",
            at=local(2026, 2, 12, 9, 0),
        ).id
    with services.db.transaction() as session:
        hung = candidacy.nominate_official(
            session,
            runtime,
            keys,
            "cg_pkt.truong",
            round_id=round_id,
            position_id=positions["Chuyên viên kinh tế"],
            full_name=HUNG,
            date_of_birth=date(1988, 8, 8),
            gender="male",
            at=local(2026, 2, 15, 9, 0),
        ).id
    return {KHOA: khoa, HA: ha, HUNG: hung}


def dossier_task(services, candidate_id: int):
    """The open screening task of one candidate in snv.canbo's inbox."""
    return task_of_instance(
        services, "snv.canbo", "screen_dossier", _candidate_instance(services, candidate_id)
    )


def _candidate_instance(services, candidate_id: int) -> int:
    with services.db.transaction() as session:
        return candidacy.get_candidate(session, candidate_id).instance_id


def task_of_instance(services, username: str, task_name: str, instance_id: int):
    matching = [
        task
        for task in inbox(services, username)
        if task.task_name == task_name and task.instance_id == instance_id
    ]
    assert len(matching) == 1, (
        f"{username} has {len(matching)} open {task_name} tasks of instance {instance_id}"
    )
    return matching[0]


def complete(services, username: str, task, data: dict, at=None):
    if at is not None:
        services.clock.set(at)
    return tasks.complete_task(services.db, services.runtime, username, task.id, data)


def screen(services, candidate_id: int, data: dict, at):
    return complete(services, "snv.canbo", dossier_task(services, candidate_id), data, at)


def item(kind: str, issued_on: str | None = None, provided: bool = True) -> dict:
    entry = {"kind": kind, "provided": provided}
    if issued_on:
        entry["issued_on"] = issued_on
    return entry


HA_DOSSIER = [
    item("so_yeu_ly_lich", "2026-02-20"),
    item("van_bang", "2019-10-30"),
    item("giay_chung_nhan_suc_khoe", "2025-07-01"),
    item("ban_tu_nhan_xet", "2026-02-20"),
]


def screen_candidates(services, ids: dict[str, int]) -> None:
    screen(
        services,
        ids[KHOA],
        {"dossier": [item("phieu_dang_ky", "2026-02-09")], "procedure": "xet_tuyen", "decision": "eligible"},
        local(2026, 2, 20, 9, 0),
    )
    screen(
        services,
        ids[HA],
        {
            "dossier": HA_DOSSIER,
            "procedure": "tiep_nhan",
            "decision": "ineligible",
            "reason": STALE_HEALTH_CERTIFICATE,
        },
        local(2026, 2, 25, 9, 0),
    )
    screen(
        services,
        ids[HUNG],
        {
            "dossier": [
                item("phieu_dang_ky", "2026-02-14"),
                item("so_yeu_ly_lich", "2026-02-10"),
                item("van_bang", "2012-06-30"),
            ],
            "procedure": "dac_cach",
            "decision": "eligible",
        },
        local(2026, 2, 26, 9, 0),
    )


def close_applications(services) -> None:
    services.clock.set(APPLICATIONS_CLOSE)
    services.tick(APPLICATIONS_CLOSE)


def form_council(services, ids: dict[str, int], at=COUNCIL_FORMED, **overrides):
    data = {
        "name": COUNCIL_NAME,
        "establishing_decision": "215/QĐ-UBND",
        "members": MEMBERS,
        "recusals": [{"username": "vhxh.canbo", "candidate_id": ids[HUNG], "reason": RECUSAL_REASON}],
        **overrides,
    }
    return act(services, "snv.canbo", "form_council", data, at)


def scoring_task(services, username: str, candidate_id: int):
    """The member's score_candidate task for that candidate, picked from their inbox."""
    with services.db.transaction() as session:
        instance_id = session.scalar(
            select(CouncilScore.instance_id)
            .join(CouncilSeat, CouncilSeat.id == CouncilScore.seat_id)
            .join(AppUser, AppUser.id == CouncilSeat.user_id)
            .where(AppUser.username == username, CouncilScore.candidate_id == candidate_id)
        )
    assert instance_id is not None, f"{username} scores no candidate {candidate_id}"
    return task_of_instance(services, username, "score_candidate", instance_id)


def score(services, username: str, candidate_id: int, value, remark: str | None = None, at=None):
    data = {"score": value} if remark is None else {"score": value, "remark": remark}
    return complete(services, username, scoring_task(services, username, candidate_id), data, at)


def score_all(services, ids: dict[str, int], at=local(2026, 3, 5, 10, 0)) -> None:
    for name, by_member in SCORES.items():
        for username, value in by_member.items():
            score(services, username, ids[name], value, at=at)


def record_meeting(services, at=MEETING):
    """Once the scorings' join reaches the round (the scheduler's inbox job), as Sở Nội vụ."""
    deliver(services, at)
    return act(
        services,
        "snv.canbo",
        "record_council_meeting",
        {"meeting_date": "2026-03-06", "place": "Trụ sở Sở Nội vụ thành phố Hải Phòng"},
        at,
    )


def decide(services, at=DECIDED):
    return act(
        services,
        "ct.thanhpho",
        "decide_results",
        {"chair_decision": "approve", "decision_number": "302/QĐ-UBND", "decision_date": "2026-03-16"},
        at,
    )


def council_id_of(services, round_id: int) -> int:
    with services.db.transaction() as session:
        return selection.council_view(session, round_id)["id"]


def run_selection(services, city_round_id: int | None = None) -> dict:
    """The whole round; returns {"round_id", "candidates": {full name: id}, "council_id"}.
    C1 (Trần Minh Khoa) and C3 (Lê Văn Hưng) are selected; C2 (Phạm Thị Thu Hà) is ineligible."""
    round_id = open_round(services, city_round_id)
    ids = register_candidates(services, round_id)
    screen_candidates(services, ids)
    close_applications(services)
    form_council(services, ids)
    score_all(services, ids)
    record_meeting(services)
    decide(services)
    return {
        "round_id": round_id,
        "candidates": ids,
        "council_id": council_id_of(services, round_id),
        "positions": positions_of(services, round_id),
    }
