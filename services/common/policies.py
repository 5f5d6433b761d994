"""Policy parameters per legal basis (NQ 53/2025 Hải Phòng, NQ 798/2025 Hưng Yên...): the
commitment length and its start, the refund formula on a breach, and what the support
amounts mean (the amounts themselves are the commitment bundle's decision table
``support_amounts``, docs/decision-tables.md).

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

from jsonschema import Draft202012Validator

from engine.messages import Message
from services.common.errors import InvalidInput

POLICY_FILE = Path(__file__).parent / "policy_data" / "legal_bases.json"
# What a policy file must hold (types, allowed values, required keys), as JSON Schema.
POLICY_SCHEMA = Path(__file__).parent / "policy_data" / "legal_bases.schema.json"


@dataclass(frozen=True)
class LegalBasis:
    code: str
    title: str
    jurisdiction: str
    effective_from: date
    commitment: dict
    refund: dict
    budget_source: str

    def terms(self) -> dict:
        """What a commitment keeps of the policy (JSON-ready)."""
        return {
            "legal_basis": self.code,
            "title": self.title,
            "jurisdiction": self.jurisdiction,
            "commitment": dict(self.commitment),
            "refund": dict(self.refund),
            "budget_source": self.budget_source,
        }


@dataclass(frozen=True)
class PolicyBook:
    legal_bases: dict[str, LegalBasis]
    regional_minimum_wage_vnd: dict[str, int]  # per region, monthly

    def legal_basis(self, code: str) -> LegalBasis:
        try:
            return self.legal_bases[code]
        except KeyError:
            raise InvalidInput(
                "legal_basis",
                Message(
                    "The legal basis is not in the policy list: %(known)s",
                    known=", ".join(sorted(self.legal_bases)),
                ),
            ) from None


def read_policy_book(path: Path = POLICY_FILE) -> PolicyBook:
    """Read and check a policy file; a malformed one is refused whole, naming its fields."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"policy file {path} is not JSON: {error}") from error
    problems = [
        f"{'/'.join(map(str, problem.absolute_path)) or '(file)'}: {problem.message}"
        for problem in _policy_validator().iter_errors(raw)
    ]
    if problems:
        raise ValueError(f"policy file {path} is invalid: " + "; ".join(sorted(problems)))
    bases = {
        code: LegalBasis(
            code=code, **{**values, "effective_from": date.fromisoformat(values["effective_from"])}
        )
        for code, values in raw["legal_bases"].items()
    }
    return PolicyBook(
        bases, {region: int(amount) for region, amount in raw["regional_minimum_wage_vnd"]["monthly"].items()}
    )


@cache
def _policy_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(POLICY_SCHEMA.read_text(encoding="utf-8")))


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
