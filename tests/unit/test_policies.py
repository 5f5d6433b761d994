"""Policy parameters are data, checked when read: the shipped file is valid and a malformed
one is refused whole, naming what is wrong."""

from __future__ import annotations

import json
from datetime import date

import pytest

from services.common import policies


def test_the_shipped_policies_read_as_the_resolutions_say():
    book = policies.read_policy_book()
    hai_phong, hung_yen = book.legal_basis("hp_res_53_2025"), book.legal_basis("hy_res_798_2025")
    assert (hai_phong.commitment["min_years"], hung_yen.commitment["min_years"]) == (5, 7)
    assert hai_phong.effective_from == date(2026, 1, 1)
    assert book.regional_minimum_wage_vnd["I"] == 5_310_000


@pytest.mark.parametrize(
    "change, named",
    [
        (
            lambda data: data["legal_bases"]["hp_res_53_2025"]["commitment"].update(min_years=0),
            "legal_bases/hp_res_53_2025/commitment/min_years",
        ),
        (
            lambda data: data["legal_bases"]["hy_res_798_2025"]["refund"].update(formula="half"),
            "legal_bases/hy_res_798_2025/refund/formula",
        ),
        (
            lambda data: data["legal_bases"]["hp_res_53_2025"].pop("budget_source"),
            "legal_bases/hp_res_53_2025",
        ),
    ],
)
def test_a_malformed_policy_file_is_refused_naming_the_field(tmp_path, change, named):
    data = json.loads(policies.POLICY_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "legal_bases.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        policies.read_policy_book(path)
    assert named in str(refused.value)
