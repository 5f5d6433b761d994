"""Who is who: users, their roles in the org chart (units, lanes, deputies), sign-in,
browser sessions and API tokens.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.identity._accounts import account_page, act, create_account, find
from services.identity._api_tokens import issue, revoke, user_of
from services.identity._directory import (
    ADMIN,
    CITY_CHAIR,
    COMMUNE_CHAIR,
    COUNCIL_MEMBER,
    FINANCE,
    FINANCE_OFFICER,
    HOME_AFFAIRS,
    ROLES,
    SNV_OFFICER,
    TALENT,
    UNIT_HEAD,
    UNIT_OFFICER,
    VHXH_OFFICER,
    addressable_units,
    city_of,
    culture_society_office,
    department_of,
    ensure_roles,
    grant_role,
    holds_role,
    is_admin,
    task_roles,
    unit_by_code,
    user_by_username,
)
from services.identity._models import AppUser, Membership, OrgUnit
from services.identity._org_chart import OrgChart
from services.identity._sign_in import THROTTLED, forget_expired_sign_ins, set_password, sign_in
from services.identity._web_sessions import LIFETIME, end_all, forget_expired_sessions, owner

__all__ = [
    "create_account",
    "ADMIN",
    "AppUser",
    "CITY_CHAIR",
    "COMMUNE_CHAIR",
    "COUNCIL_MEMBER",
    "FINANCE",
    "FINANCE_OFFICER",
    "HOME_AFFAIRS",
    "LIFETIME",
    "Membership",
    "OrgChart",
    "OrgUnit",
    "ROLES",
    "SNV_OFFICER",
    "TALENT",
    "THROTTLED",
    "UNIT_HEAD",
    "UNIT_OFFICER",
    "VHXH_OFFICER",
    "account_page",
    "act",
    "addressable_units",
    "city_of",
    "culture_society_office",
    "department_of",
    "end_all",
    "ensure_roles",
    "find",
    "forget_expired_sessions",
    "forget_expired_sign_ins",
    "grant_role",
    "holds_role",
    "is_admin",
    "issue",
    "owner",
    "revoke",
    "set_password",
    "sign_in",
    "task_roles",
    "unit_by_code",
    "user_by_username",
    "user_of",
]
