"""Demo data: xã Cẩm Giang (Hải Phòng) with its units, from REPORT §4. All people are fictional."""
from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from services.directory import ADMIN, COMMUNE_CHAIR, UNIT_HEAD, UNIT_OFFICER, VHXH_OFFICER, ensure_roles
from services.models import AppUser, Membership, OrgUnit

CITY = ("tp_hai_phong_ubnd", "UBND thành phố Hải Phòng", "people_committee")
DEPARTMENT = ("tp_hai_phong_snv", "Sở Nội vụ thành phố Hải Phòng", "dept_home_affairs")
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
VHXH_OFFICE = "xa_cam_giang_vhxh"


def seed(session: Session) -> bool:
    """Create the demo commune once; returns False when it is already there."""
    ensure_roles(session)
    if session.scalar(select(OrgUnit).where(OrgUnit.code == COMMUNE[0])) is not None:
        return False
    city = _unit(session, *CITY, level="province")
    _unit(session, *DEPARTMENT, level="province", parent=city)
    commune = _unit(session, *COMMUNE, level="commune", parent=city)
    commune.commune_id = commune.id
    for code, name, kind, bloc, in_scope in UNITS:
        unit = _unit(session, code, name, kind, level="unit", parent=commune, bloc=bloc, in_scope=in_scope)
        if in_scope:
            _user(session, f"{code}.canbo", f"Cán bộ {name}", (UNIT_OFFICER, unit))
            _user(session, f"{code}.truong", f"Thủ trưởng {name}", (UNIT_HEAD, unit))
    office = session.scalar(select(OrgUnit).where(OrgUnit.code == VHXH_OFFICE))
    _user(session, "vhxh.canbo", "Ngô Thanh Tùng", (VHXH_OFFICER, office))
    _user(session, "chutich", "Vương Đức Dũng", (COMMUNE_CHAIR, commune))
    _user(session, "admin", "Quản trị hệ thống", (ADMIN, city))
    return True


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
    path = instance_dir / "demo-password.txt"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(9))
        path.chmod(0o600)
    return path.read_text().strip()


def _unit(session, code, name, kind, level, parent=None, bloc="state", in_scope=True) -> OrgUnit:
    unit = OrgUnit(code=code, name=name, kind=kind, level=level, parent_id=parent.id if parent else None,
                   commune_id=parent.commune_id if parent else None, bloc=bloc, in_scope=in_scope)
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
    from services.campaigns import LOCAL_TZ, CampaignRequest, open_campaign
    from services.models import Campaign

    if session.scalar(select(Campaign.id).limit(1)) is not None:
        return None
    local_now = at.astimezone(LOCAL_TZ)
    year = local_now.year + 1 if (local_now.month, local_now.day) >= (1, 14) else local_now.year
    request = CampaignRequest(
        commune_code=COMMUNE[0], title=f"Đề xuất nhu cầu thu hút người có tài năng, NNLCLC năm {year}",
        target_year=year, launch_doc="64/UBND-VHXH")
    return open_campaign(session, runtime, "vhxh.canbo", request, at).id
