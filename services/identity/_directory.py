"""The organisation directory: units, users, and the roles they hold where."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from services.identity._models import AppUser, Membership, OrgUnit, Role

UNIT_OFFICER = "unit_officer"
UNIT_HEAD = "unit_head"
VHXH_OFFICER = "vhxh_officer"
COMMUNE_CHAIR = "commune_chair"
SNV_OFFICER = "snv_officer"
CITY_CHAIR = "city_chair"
FINANCE_OFFICER = "finance_officer"
# Lanes of tasks given to one person (a council member, the talent), never held as a role.
COUNCIL_MEMBER = "council_member"
TALENT = "talent"
ADMIN = "admin"
RECORDS_CLERK = "records_clerk"  # văn thư: issues the body's documents, registers those received

ROLES = {
    UNIT_OFFICER: ("Cán bộ đơn vị", "Unit officer"),
    UNIT_HEAD: ("Thủ trưởng đơn vị", "Unit head"),
    VHXH_OFFICER: ("Cán bộ Phòng Văn hóa - Xã hội", "Culture-Society Office officer"),
    COMMUNE_CHAIR: ("Chủ tịch UBND xã", "Commune chairperson"),
    SNV_OFFICER: ("Chuyên viên Sở Nội vụ", "Department of Home Affairs officer"),
    CITY_CHAIR: ("Lãnh đạo UBND thành phố", "City People's Committee leader"),
    FINANCE_OFFICER: ("Cán bộ tài chính", "Finance officer"),
    COUNCIL_MEMBER: ("Thành viên Hội đồng tuyển chọn", "Selection council member"),
    RECORDS_CLERK: ("Văn thư", "Records clerk"),
    TALENT: ("Người có tài năng", "Talent"),
    ADMIN: ("Quản trị hệ thống", "Administrator"),
}
# How pages name a role (translated at the edge, docs/languages.md); ROLES seeds the table.
ROLE_WORDS = {
    UNIT_OFFICER: Message("Unit officer"),
    UNIT_HEAD: Message("Unit head"),
    VHXH_OFFICER: Message("Culture-Society Office officer"),
    COMMUNE_CHAIR: Message("Commune chairperson"),
    SNV_OFFICER: Message("Department of Home Affairs officer"),
    CITY_CHAIR: Message("City People's Committee leader"),
    FINANCE_OFFICER: Message("Finance officer"),
    COUNCIL_MEMBER: Message("Selection council member"),
    RECORDS_CLERK: Message("Records clerk"),
    TALENT: Message("Talent"),
    ADMIN: Message("Administrator"),
}

CULTURE_SOCIETY_OFFICE = "office_culture_society"
HOME_AFFAIRS = "dept_home_affairs"  # Sở Nội vụ
FINANCE = "dept_finance"  # Sở Tài chính


def ensure_roles(session: Session) -> None:
    known = set(session.scalars(select(Role.code)))
    for code, (name_vi, name_en) in ROLES.items():
        if code not in known:
            session.add(Role(code=code, name_vi=name_vi, name_en=name_en))


def user_by_username(session: Session, username: str) -> AppUser:
    user = session.scalar(select(AppUser).where(AppUser.username == username, AppUser.active.is_(True)))
    if user is None:
        raise NotFound(f"no active user {username!r}")
    return user


def unit_by_code(session: Session, code: str) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFound(f"no organisation unit {code!r}")
    return unit


def is_admin(session: Session, user_id: int) -> bool:
    return bool(
        session.scalar(select(exists().where(Membership.user_id == user_id, Membership.role_code == ADMIN)))
    )


def holds_role(session: Session, user_id: int, role: str, org_unit_id: int | None) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Membership.user_id == user_id,
                    Membership.role_code == role,
                    Membership.org_unit_id == org_unit_id,
                )
            )
        )
    )


def grant_role(
    session: Session, username: str, unit_code: str, role: str, acting: bool = False
) -> Membership:
    """Give a user a role in a unit (or change whether they hold it as acting)."""
    if role not in ROLES:
        raise NotFound(f"no role {role!r}")
    user, unit = user_by_username(session, username), unit_by_code(session, unit_code)
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.org_unit_id == unit.id, Membership.role_code == role
        )
    )
    if membership is None:
        membership = Membership(user_id=user.id, org_unit_id=unit.id, role_code=role)
        session.add(membership)
    membership.acting = acting
    return membership


def culture_society_office(session: Session, commune: OrgUnit) -> OrgUnit:
    office = session.scalar(
        select(OrgUnit).where(OrgUnit.commune_id == commune.id, OrgUnit.kind == CULTURE_SOCIETY_OFFICE)
    )
    if office is None:
        raise NotFound(f"{commune.name} has no Phòng Văn hóa - Xã hội in the directory")
    return office


def city_of(session: Session, unit: OrgUnit) -> OrgUnit:
    """The province-level unit (UBND thành phố) above a commune or unit."""
    current: OrgUnit | None = unit
    while current is not None and current.level != "province":
        current = session.get(OrgUnit, current.parent_id) if current.parent_id else None
    if current is None:
        raise NotFound(f"{unit.name} is not under a city in the directory")
    return current


def department_of(session: Session, city: OrgUnit, kind: str) -> OrgUnit:
    """The city's department of that kind (HOME_AFFAIRS, FINANCE)."""
    department = session.scalar(
        select(OrgUnit)
        .where(OrgUnit.parent_id == city.id, OrgUnit.kind == kind)
        .order_by(OrgUnit.id)
        .limit(1)
    )
    if department is None:
        raise NotFound(f"{city.name} has no department {kind!r} in the directory")
    return department


def addressable_units(session: Session, commune: OrgUnit) -> list[OrgUnit]:
    """Units a commune campaign addresses by default: every in-scope unit of the
    commune, the Party-building board included (docs/legal-rules.md, "A campaign addresses
    the commune's own units and the Party bloc")."""
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.commune_id == commune.id, OrgUnit.level == "unit", OrgUnit.in_scope.is_(True))
            .order_by(OrgUnit.id)
        )
    )


def role_word(code: str) -> str:
    """A role's name for people (a message), or its code when it is not one of ours."""
    return ROLE_WORDS.get(code, code)


def task_roles() -> dict[str, str]:
    """The roles a lane of a process may name (code -> Vietnamese name): everyone but
    the administrators, who change processes and do not work their tasks."""
    return {code: names[0] for code, names in ROLES.items() if code != ADMIN}
