"""The dossier check's rules, without a database (docs/processes.md#candidates-and-screening;
docs/legal-rules.md, "Nominated officials are under 40 on the nomination date"): how recent an
item must be, duplicates, ages. Candidates through the service layer and the inbox:
tests/integration/selection/test_candidates_and_screening.py."""

from __future__ import annotations

from datetime import date

from factories import REPO_ROOT
from factories.selection import (
    item,
)

from engine.decision_tables import evaluate, parse_table
from engine.helpers import BASE_HELPERS
from services.selection import _candidacy as candidacy
from services.selection._candidacy import screening_problems

# The checklist as the shipped bundle's decision table says it.
CHECKLIST = parse_table(
    (REPO_ROOT / "bpmn/candidate_dossier/decisions/dossier_checklist.dmn").read_bytes(),
    "dossier_checklist.dmn",
)


def required(procedure: str) -> list[dict]:
    return evaluate(CHECKLIST, {"procedure": procedure}, BASE_HELPERS)


def test_the_required_items_boundaries():
    day = date(2026, 2, 25)

    def problems(cv: str, health: str) -> list[tuple[str, str]]:
        data = {
            "procedure": "tiep_nhan",
            "decision": "eligible",
            "dossier": [
                item("so_yeu_ly_lich", cv),
                item("van_bang"),
                item("giay_chung_nhan_suc_khoe", health),
                item("ban_tu_nhan_xet"),
            ],
        }
        return [
            (error.field, error.code)
            for error in screening_problems(data, required("tiep_nhan"), day, eligible=True)
        ]

    # The CV within 30 days, the health certificate within 6 months (25/08/2025), both inclusive.
    assert problems("2026-01-26", "2025-08-25") == []
    assert problems("2026-01-25", "2025-08-24") == [
        ("dossier[0].issued_on", "too_old"),
        ("dossier[2].issued_on", "too_old"),
    ]
    assert problems("2026-02-26", "2025-08-25") == [("dossier[0].issued_on", "future")]
    duplicated = {
        "procedure": "xet_tuyen",
        "decision": "eligible",
        "dossier": [item("phieu_dang_ky"), item("phieu_dang_ky")],
    }
    assert [
        (e.field, e.code) for e in screening_problems(duplicated, required("xet_tuyen"), day, eligible=True)
    ] == [("dossier[1].kind", "duplicate")]
    assert candidacy._months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert candidacy.age_on(date(1988, 8, 8), date(2026, 2, 15)) == 37
    assert candidacy.age_on(date(1986, 2, 15), date(2026, 2, 15)) == 40
