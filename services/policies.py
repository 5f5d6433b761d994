"""Policy parameters per legal basis (NQ 53/2025 Hải Phòng, NQ 798/2025 Hưng Yên...): the
commitment length and its start, the support amounts, the refund formula on a breach.

They are data (``services/policy_data/legal_bases.json``), checked when read: a new
resolution or an amended amount is a data change, not a code change. A commitment keeps a
copy of the terms it was signed under (``Commitment.terms``), so amending the data never
changes a commitment already made.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from functools import cache
from pathlib import Path

from marshmallow import Schema, ValidationError, fields, validate

from services.errors import InvalidInput

POLICY_FILE = Path(__file__).parent / "policy_data" / "legal_bases.json"
START_BASES = ("recruitment_decision_date", "report_for_duty_date")
REFUND_FORMULAS = ("full", "prorata_unserved_months")


class _CommitmentSchema(Schema):
    min_years = fields.Integer(required=True, validate=validate.Range(min=1, max=30))
    start_basis = fields.String(required=True, validate=validate.OneOf(START_BASES))
    field_lock = fields.Boolean(required=True)
    min_remaining_service_years = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=0))
    place = fields.String(required=True, validate=validate.Length(min=1))


class _MonthlySupportSchema(Schema):
    multiplier = fields.Decimal(required=True, as_string=True, validate=validate.Range(min=0))
    of = fields.String(required=True, validate=validate.Equal("regional_minimum_wage"))
    region = fields.String(required=True, validate=validate.OneOf(("I", "II", "III", "IV")))


class _RefundSchema(Schema):
    formula = fields.String(required=True, validate=validate.OneOf(REFUND_FORMULAS))
    exempt_reasons = fields.List(fields.String(), required=True)


class _LegalBasisSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1))
    jurisdiction = fields.String(required=True)
    effective_from = fields.Date(required=True)
    commitment = fields.Nested(_CommitmentSchema, required=True)
    one_time_support_vnd = fields.Dict(keys=fields.String(), values=fields.Integer(validate=validate.Range(min=0)),
                                       required=True)
    monthly_income_support = fields.Dict(keys=fields.String(), values=fields.Nested(_MonthlySupportSchema),
                                         required=True)
    refund = fields.Nested(_RefundSchema, required=True)
    budget_source = fields.String(required=True)


class _PolicyFileSchema(Schema):
    regional_minimum_wage_vnd = fields.Dict(required=True)
    legal_bases = fields.Dict(keys=fields.String(), values=fields.Nested(_LegalBasisSchema), required=True)


@dataclass(frozen=True)
class LegalBasis:
    code: str
    title: str
    jurisdiction: str
    effective_from: date
    commitment: dict
    one_time_support_vnd: dict[str, int]
    monthly_income_support: dict[str, dict]
    refund: dict
    budget_source: str

    def terms(self) -> dict:
        """What a commitment keeps of the policy (JSON-ready)."""
        return {"legal_basis": self.code, "title": self.title, "jurisdiction": self.jurisdiction,
                "commitment": dict(self.commitment), "one_time_support_vnd": dict(self.one_time_support_vnd),
                "monthly_income_support": {key: {**value, "multiplier": str(value["multiplier"])}
                                           for key, value in self.monthly_income_support.items()},
                "refund": dict(self.refund), "budget_source": self.budget_source}


@dataclass(frozen=True)
class PolicyBook:
    legal_bases: dict[str, LegalBasis]
    regional_minimum_wage_vnd: dict[str, int]  # per region, monthly

    def legal_basis(self, code: str) -> LegalBasis:
        try:
            return self.legal_bases[code]
        except KeyError:
            raise InvalidInput("legal_basis", "Căn cứ pháp lý không có trong danh mục chính sách: "
                               + ", ".join(sorted(self.legal_bases))) from None


def read_policy_book(path: Path = POLICY_FILE) -> PolicyBook:
    """Read and check a policy file; a malformed one is refused whole, naming its fields."""
    try:
        raw = _PolicyFileSchema().load(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as error:
        raise ValueError(f"policy file {path} is invalid: {error}") from error
    bases = {code: LegalBasis(code=code, **values) for code, values in raw["legal_bases"].items()}
    return PolicyBook(bases, {region: int(amount)
                              for region, amount in raw["regional_minimum_wage_vnd"]["monthly"].items()})


@cache
def policy_book() -> PolicyBook:
    return read_policy_book()


# -- what the terms mean -------------------------------------------------------------------

def commitment_end(start: date, years: int) -> date:
    """The last day of a commitment of ``years`` from ``start`` (16/03/2026 + 5 years ->
    15/03/2031)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        anniversary = date(start.year + years, 3, 1)
    return date.fromordinal(anniversary.toordinal() - 1)


def one_time_support(terms: dict, category: str) -> int | None:
    """The one-time support for the person's category under the terms, None when none."""
    return terms["one_time_support_vnd"].get(category)


def monthly_income_support(terms: dict, category: str, minimum_wage: dict[str, int]) -> int | None:
    """The monthly income support for the category, VND per month actually worked."""
    rule = terms["monthly_income_support"].get(category)
    if rule is None:
        return None
    amount = Decimal(rule["multiplier"]) * minimum_wage[rule["region"]]
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


def refund_amount(terms: dict, received_vnd: int, served_months: int) -> int:
    """What a person who breached the commitment pays back of the support received:
    everything (``full``) or the share of the months not served, rounded down."""
    total_months = terms["commitment"]["min_years"] * 12
    served = max(0, min(served_months, total_months))
    if terms["refund"]["formula"] == "full":
        return received_vnd
    return received_vnd * (total_months - served) // total_months
