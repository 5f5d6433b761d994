"""Demo data of the worked example (docs/example.md): the city of Hải Phòng with its
departments and the members of
its selection council, xã Cẩm Giang with its units, and a second, smaller commune (phường
Lê Thanh Nghị) so that the city has more than one submission to consolidate. All people
are fictional."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from services.common import instance_files
from services.common.display import local_day
from services.evaluation import years_after
from services.identity import (
    ADMIN,
    CITY_CHAIR,
    COMMUNE_CHAIR,
    FINANCE_OFFICER,
    RECORDS_CLERK,
    SNV_OFFICER,
    UNIT_HEAD,
    UNIT_OFFICER,
    VHXH_OFFICER,
    AppUser,
    Membership,
    OrgUnit,
    ensure_roles,
    unit_by_code,
    user_by_username,
)

CITY = ("tp_hai_phong_ubnd", "UBND thành phố Hải Phòng", "people_committee")
DEPARTMENTS = [  # (code, name, kind)
    ("tp_hai_phong_snv", "Sở Nội vụ thành phố Hải Phòng", "dept_home_affairs"),
    ("tp_hai_phong_stc", "Sở Tài chính thành phố Hải Phòng", "dept_finance"),
    ("tp_hai_phong_skhcn", "Sở Khoa học và Công nghệ thành phố Hải Phòng", "dept_science_technology"),
]
# (username, full name, role, unit code): the city's officers and the council
# (docs/example.md#the-council-hdtc-hp-2026-01).
CITY_PEOPLE = [
    ("ct.thanhpho", "Đặng Quốc Thái", CITY_CHAIR, "tp_hai_phong_ubnd"),
    ("snv.giamdoc", "Bùi Thị Ngọc Mai", UNIT_HEAD, "tp_hai_phong_snv"),
    ("snv.canbo", "Hoàng Đức Long", SNV_OFFICER, "tp_hai_phong_snv"),
    ("snv.vanthu", "Lê Minh Châu", RECORDS_CLERK, "tp_hai_phong_snv"),
    ("skhcn.phogiamdoc", "Vũ Thị Hải Yến", UNIT_HEAD, "tp_hai_phong_skhcn"),
    ("stc.canbo", "Trần Thu Trang", FINANCE_OFFICER, "tp_hai_phong_stc"),
]
# A second province, whose plan (67/KH-UBND) names its departments, communes and public
# service units (docs/plans.md): its directory only, nobody signs in there.
SECOND_PROVINCE = ("tinh_hung_yen_ubnd", "UBND tỉnh Hưng Yên", "people_committee")
SECOND_PROVINCE_UNITS = [  # (code, name, kind, level)
    ("hy_snv", "Sở Nội vụ tỉnh Hưng Yên", "dept_home_affairs", "department"),
    ("hy_stc", "Sở Tài chính tỉnh Hưng Yên", "dept_finance", "department"),
    ("hy_skhcn", "Sở Khoa học và Công nghệ tỉnh Hưng Yên", "dept_science_technology", "department"),
    ("hy_vp", "Văn phòng UBND tỉnh Hưng Yên", "office_provincial_committee", "department"),
    ("hy_bvdk", "Bệnh viện Đa khoa tỉnh Hưng Yên", "public_service_unit", "department"),
    ("hy_pho_hien_ubnd", "UBND phường Phố Hiến", "people_committee", "commune"),
    ("hy_van_giang_ubnd", "UBND xã Văn Giang", "people_committee", "commune"),
]
SECOND_COMMUNE = ("phuong_le_thanh_nghi_ubnd", "UBND phường Lê Thanh Nghị", "people_committee")
SECOND_COMMUNE_UNITS = [
    ("ltn_vp", "Văn phòng HĐND và UBND phường Lê Thanh Nghị", "office_council_committee", "state", True),
    ("ltn_vhxh", "Phòng Văn hóa - Xã hội phường Lê Thanh Nghị", "office_culture_society", "state", True),
    ("ltn_thcs", "Trường THCS Lê Thanh Nghị", "school", "state", True),
]
COMMUNE = ("xa_cam_giang_ubnd", "UBND xã Cẩm Giang", "people_committee")
UNITS = [  # (code, name, kind, bloc, in_scope)
    ("cg_vp", "Văn phòng HĐND và UBND xã Cẩm Giang", "office_council_committee", "state", True),
    ("xa_cam_giang_vhxh", "Phòng Văn hóa - Xã hội xã Cẩm Giang", "office_culture_society", "state", True),
    ("cg_pkt", "Phòng Kinh tế xã Cẩm Giang", "office_economic", "state", True),
    ("cg_dvsnc", "Trung tâm Dịch vụ sự nghiệp công xã Cẩm Giang", "public_service_center", "state", True),
    ("cg_pvhcc", "Trung tâm Phục vụ hành chính công xã Cẩm Giang", "admin_service_center", "state", True),
    ("cg_thcs", "Trường THCS Cẩm Giang", "school", "state", True),
    ("cg_th", "Trường Tiểu học Cẩm Giang", "school", "state", True),
    ("cg_mn", "Trường Mầm non Cẩm Giang", "school", "state", True),
    ("cg_tyt", "Trạm Y tế xã Cẩm Giang", "health_station", "state", True),
    ("cg_bxdd", "Ban Xây dựng Đảng xã Cẩm Giang", "party_building_board", "party_mass", True),
    ("cg_ca", "Công an xã Cẩm Giang", "police_unit", "state", False),  # Decree 179 Art. 1(2)
]


def seed(session: Session) -> bool:
    """Create the demo commune once; returns False when it is already there."""
    ensure_roles(session)
    if session.scalar(select(OrgUnit).where(OrgUnit.code == COMMUNE[0])) is not None:
        return False
    city = _unit(session, *CITY, level="province")
    units = {city.code: city}
    for code, name, kind in DEPARTMENTS:
        units[code] = _unit(session, code, name, kind, level="department", parent=city)
    for username, full_name, role, unit_code in CITY_PEOPLE:
        _user(session, username, full_name, (role, units[unit_code]))
    _commune(
        session,
        city,
        COMMUNE,
        UNITS,
        vhxh=("vhxh.canbo", "Ngô Thanh Tùng"),
        chair=("chutich", "Vương Đức Dũng"),
        clerk=("vanthu", "Đỗ Thị Thu"),
    )
    _commune(
        session,
        city,
        SECOND_COMMUNE,
        SECOND_COMMUNE_UNITS,
        vhxh=("ltn_vhxh.chuyenvien", "Phạm Thị Lan"),
        chair=("ltn.chutich", "Nguyễn Văn Bình"),
        clerk=("ltn.vanthu", "Trịnh Thị Mai"),
    )
    province = _unit(session, *SECOND_PROVINCE, level="province")
    for code, name, kind, level in SECOND_PROVINCE_UNITS:
        unit = _unit(session, code, name, kind, level=level, parent=province)
        if level == "commune":
            unit.commune_id = unit.id
    # A second officer in one unit, to whom the first can hand a task (chuyển xử lý).
    office = session.scalars(select(OrgUnit).where(OrgUnit.code == "cg_vp")).one()
    _user(session, "cg_vp.chuyenvien", "Lê Thị Hoa", (UNIT_OFFICER, office))
    _user(session, "admin", "Quản trị hệ thống", (ADMIN, city))
    return True


def _commune(session, city, commune_row, unit_rows, vhxh, chair, clerk) -> OrgUnit:
    """A commune with its units: an officer and a head per in-scope unit, the officer of
    Phòng VH-XH who runs campaigns, the chair and the records clerk (văn thư) of the
    People's Committee."""
    code, name, kind = commune_row
    commune = _unit(session, code, name, kind, level="commune", parent=city)
    commune.commune_id = commune.id
    office = None
    for code, name, kind, bloc, in_scope in unit_rows:
        unit = _unit(session, code, name, kind, level="unit", parent=commune, bloc=bloc, in_scope=in_scope)
        if in_scope:
            _user(session, f"{code}.canbo", f"Cán bộ {name}", (UNIT_OFFICER, unit))
            _user(session, f"{code}.truong", f"Thủ trưởng {name}", (UNIT_HEAD, unit))
        if kind == "office_culture_society":
            office = unit
    _user(session, vhxh[0], vhxh[1], (VHXH_OFFICER, office))
    _user(session, chair[0], chair[1], (COMMUNE_CHAIR, commune))
    _user(session, clerk[0], clerk[1], (RECORDS_CLERK, commune))
    return commune


def set_demo_passwords(session: Session, password: str) -> int:
    """Give every demo user that has none the demo password (scrypt-hashed)."""
    users = session.scalars(select(AppUser).where(AppUser.password_hash.is_(None))).all()
    hashed = generate_password_hash(password, method="scrypt")
    for user in users:
        user.password_hash = hashed
    return len(users)


def demo_password(instance_dir: Path, from_env: str | None) -> str:
    """TALENTFLOW_DEMO_PASSWORD, else one generated on first use and kept in the
    instance folder (not in the repository), so every run shows the same one."""
    if from_env:
        return from_env
    return instance_files.secret(
        instance_dir / "demo-password.txt",
        lambda: secrets.token_urlsafe(9),
        "delete it to have a new password made",
    )


def _unit(session, code, name, kind, level, parent=None, bloc="state", in_scope=True) -> OrgUnit:
    unit = OrgUnit(
        code=code,
        name=name,
        kind=kind,
        level=level,
        parent_id=parent.id if parent else None,
        commune_id=parent.commune_id if parent else None,
        bloc=bloc,
        in_scope=in_scope,
    )
    session.add(unit)
    session.flush()
    return unit


def _user(session, username, full_name, *roles) -> AppUser:
    user = AppUser(username=username, full_name=full_name, active=True)
    session.add(user)
    session.flush()
    session.add_all(Membership(user_id=user.id, org_unit_id=unit.id, role_code=role) for role, unit in roles)
    return user


def open_demo_campaign(session: Session, runtime, at) -> int | None:
    """Open the next yearly campaign (deadline 12:00 14/01) unless one exists, so a
    newcomer has tasks to work on. Returns its id when one was opened."""
    from services.campaigns import Campaign, CampaignRequest, open_campaign
    from services.common.display import LOCAL_TZ

    if session.scalar(select(Campaign.id).limit(1)) is not None:
        return None
    local_now = at.astimezone(LOCAL_TZ)
    year = local_now.year + 1 if (local_now.month, local_now.day) >= (1, 14) else local_now.year
    request = CampaignRequest(
        commune_code=COMMUNE[0],
        title=f"Đề xuất nhu cầu thu hút người có tài năng, NNLCLC năm {year}",
        target_year=year,
        launch_doc="64/UBND-VHXH",
    )
    return open_campaign(session, runtime, "vhxh.canbo", request, at).id


def open_demo_round(session: Session, runtime, keys, at) -> int | None:
    """Open a selection round (applications close in two weeks) with the three candidates of
    docs/example.md#the-candidates-c1-to-c3 registered, unless a round exists, so that Sở Nội vụ
    has dossiers to screen and the head of Phòng Kinh tế sees his nominee. Returns its id when
    one was opened."""
    from datetime import timedelta

    from services import selection
    from services.selection import RecruitmentRound

    if session.scalar(select(RecruitmentRound.id).limit(1)) is not None:
        return None
    positions = [
        {
            "org_unit_code": "cg_vp",
            "field": "ict",
            "job_position": "Chuyên viên chuyển đổi số",
            "target_group": "excellent_graduate",
            "quantity": 1,
        },
        {
            "org_unit_code": "cg_pkt",
            "field": "high_tech_agriculture",
            "job_position": "Chuyên viên nông nghiệp",
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
    round_ = selection.open_round(
        session,
        runtime,
        "snv.canbo",
        at=at,
        positions=positions,
        title="Tuyển chọn người có tài năng, nguồn nhân lực chất lượng cao (demo)",
        legal_basis="hp_res_53_2025",
        applications_close_at=at + timedelta(days=14),
    )
    session.flush()
    by_title = {position.job_position: position.id for position in round_positions(session, round_.id)}
    selection.apply(
        session,
        runtime,
        keys,
        "snv.canbo",
        round_id=round_.id,
        at=at,
        position_id=by_title["Chuyên viên chuyển đổi số"],
        full_name="Trần Minh Khoa",
        date_of_birth=date(2002, 5, 19),
        gender="male",
        citizen_id="999202000111",
    )
    selection.nominate_external(
        session,
        runtime,
        keys,
        "snv.canbo",
        round_id=round_.id,
        at=at,
        position_id=by_title["Chuyên viên nông nghiệp"],
        full_name="Phạm Thị Thu Hà",
        nominating_organisation="Hội Nông dân xã Cẩm Giang",
        date_of_birth=date(1993, 11, 2),
        gender="female",
        category="expert",
    )
    selection.nominate_official(
        session,
        runtime,
        keys,
        "cg_pkt.truong",
        round_id=round_.id,
        at=at,
        position_id=by_title["Chuyên viên kinh tế"],
        full_name="Lê Văn Hưng",
        date_of_birth=date(1988, 8, 8),
        gender="male",
    )
    return round_.id


def round_positions(session: Session, round_id: int):
    from services.selection import Position

    return session.scalars(select(Position).where(Position.round_id == round_id).order_by(Position.id)).all()


@dataclass(frozen=True)
class PastTalent:
    """A talent attracted before the app was used: a signed commitment to a unit from a day,
    on the talent list from that day, perhaps gone since (a breach), perhaps trained in
    science and technology."""

    full_name: str
    unit_code: str
    attracted_on: date
    left_on: date | None = None
    trained_on: date | None = None


PAST_ROUND_TITLE = "Thu hút nhân tài các năm trước (số liệu chuyển đổi)"


def add_past_talents(session: Session, talents: list[PastTalent], at: datetime) -> dict[str, int]:
    """The talents written to the talent database row by row (the way earlier years' records
    are carried over, without their selection and commitment processes); their person ids
    by name."""
    from services.commitments import Commitment
    from services.evaluation import Breach
    from services.people import Person, TalentListEntry, TalentTraining, name_key
    from services.selection import Candidate, Position, RecruitmentRound

    officer = user_by_username(session, "snv.canbo").id
    round_ = RecruitmentRound(
        title=PAST_ROUND_TITLE,
        legal_basis="hp_res_53_2025",
        status="decided",
        opened_at=at,
        opened_by=officer,
        applications_close_at=at,
    )
    session.add(round_)
    session.flush()
    ids = {}
    for talent in talents:
        unit = unit_by_code(session, talent.unit_code)
        person = Person(full_name=talent.full_name, name_key=name_key(talent.full_name), created_at=at)
        position = Position(
            round_id=round_.id,
            org_unit_id=unit.id,
            field="other",
            job_position="Chuyên viên",
            target_group="excellent_graduate",
            quantity=1,
        )
        session.add_all([person, position])
        session.flush()
        candidate = Candidate(
            person_id=person.id,
            round_id=round_.id,
            position_id=position.id,
            source_channel="self_application",
            category="excellent_graduate",
            status="selected",
            dossier=[],
            created_at=at,
        )
        session.add(candidate)
        session.flush()
        commitment = Commitment(
            candidate_id=candidate.id,
            person_id=person.id,
            legal_basis="hp_res_53_2025",
            terms={},
            employer_org_id=unit.id,
            job_position="Chuyên viên",
            start_date=talent.attracted_on,
            end_date=years_after(talent.attracted_on, 5),
            status="breached" if talent.left_on else "active",
        )
        session.add(commitment)
        session.add(
            TalentListEntry(
                person_id=person.id,
                org_unit_id=unit.id,
                included_on=talent.attracted_on,
                removed_on=talent.left_on,
                removal_reason="Vi phạm cam kết" if talent.left_on else None,
            )
        )
        session.flush()
        if talent.left_on:
            session.add(
                Breach(
                    commitment_id=commitment.id,
                    trigger="resignation",
                    occurred_on=talent.left_on,
                    refund_formula="full",
                    refund_amount_vnd=0,
                    status="refund_due",
                )
            )
        if talent.trained_on:
            session.add(
                TalentTraining(
                    person_id=person.id,
                    title="Bồi dưỡng kiến thức quản lý khoa học và công nghệ",
                    sci_tech=True,
                    completed_on=talent.trained_on,
                    document="Chứng chỉ số 15/CC-HVCT",
                    recorded_by=officer,
                    recorded_at=at,
                )
            )
        ids[talent.full_name] = person.id
    return ids


def seed_past_talents(session: Session, at: datetime) -> int:
    """The talents of the five years before this one (docs/targets.md), once, so that the
    targets' dashboard has figures: the cohort of five years ago (one gone before its five
    years), last year's and this year's. Returns how many were added."""
    from services.selection import RecruitmentRound

    if session.scalar(select(RecruitmentRound.id).where(RecruitmentRound.title == PAST_ROUND_TITLE)):
        return 0
    year = local_day(at).year
    talents = [
        PastTalent("Nguyễn Thu Trang", "cg_vp", date(year - 5, 3, 1), trained_on=date(year - 2, 6, 1)),
        PastTalent("Lê Quang Huy", "cg_pkt", date(year - 5, 3, 1)),
        PastTalent("Phạm Minh Đức", "cg_thcs", date(year - 5, 8, 15), left_on=date(year - 3, 9, 1)),
        PastTalent("Hoàng Thị Mai", "ltn_thcs", date(year - 5, 8, 15), trained_on=date(year - 1, 11, 20)),
        PastTalent("Vũ Đình Nam", "tp_hai_phong_skhcn", date(year - 5, 10, 1)),
        PastTalent("Đỗ Thị Hương", "cg_tyt", date(year - 1, 9, 1)),
        PastTalent("Bùi Văn Long", "tp_hai_phong_skhcn", date(year - 1, 10, 1)),
        PastTalent("Ngô Thị Lan Anh", "cg_dvsnc", date(year, 1, 2)),
    ]
    return len(add_past_talents(session, [t for t in talents if t.attracted_on <= local_day(at)], at))
