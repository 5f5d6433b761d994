"""A talent database of several cohorts, carried over row by row (services.demo.add_past_talents,
without the selection and commitment processes, which their own tests drive)."""

from __future__ import annotations

from datetime import date, datetime

from factories.dates import local
from services import demo
from services.demo import PastTalent

# The talent database the targets' tests build (people are fictional):
# - 2020 cohort, 4 talents: Trường THCS Cẩm Giang 2 (both trained in science and technology
#   in 2023), Sở KH&CN 2; all still working in 2025 -> 4/4 = 100% against 100% by 2030: met.
# - 2021 cohort, 10 talents: Cẩm Giang 6 (Văn phòng 3, Phòng Kinh tế 3), Lê Thanh Nghị 3,
#   Sở KH&CN 1. Gone before their five years: one of Phòng Kinh tế (01/03/2024, trained in
#   2022), one of Lê Thanh Nghị (30/06/2025). One of Văn phòng left on 01/03/2026, after his
#   five years (from 01/02/2021): he counts as still working. In 2026: 8/10 = 80% against
#   100% by 2030: not yet met, milestone ahead. Trained in 05/2026: one of Văn phòng, one of
#   Lê Thanh Nghị.
# - 2025: 2 talents attracted, both in Lê Thanh Nghị; 2026: 3, Văn phòng Cẩm Giang 2 and
#   Sở KH&CN 1.
COHORTS = [
    *(
        PastTalent(f"Nguyễn Văn An {n}", "cg_thcs", date(2020, 9, 1), trained_on=date(2023, 6, 1))
        for n in (1, 2)
    ),
    *(PastTalent(f"Lê Thị Bình {n}", "tp_hai_phong_skhcn", date(2020, 3, 2)) for n in (1, 2)),
    PastTalent("Trần Văn Cường", "cg_vp", date(2021, 2, 1), left_on=date(2026, 3, 1)),
    PastTalent("Phạm Thị Dung", "cg_vp", date(2021, 4, 1), trained_on=date(2026, 5, 20)),
    PastTalent("Hoàng Văn Em", "cg_vp", date(2021, 4, 1)),
    PastTalent(
        "Vũ Thị Giang", "cg_pkt", date(2021, 5, 4), left_on=date(2024, 3, 1), trained_on=date(2022, 5, 1)
    ),
    *(PastTalent(f"Đỗ Văn Hải {n}", "cg_pkt", date(2021, 5, 4)) for n in (1, 2)),
    PastTalent("Bùi Thị Hoa", "ltn_thcs", date(2021, 8, 16), left_on=date(2025, 6, 30)),
    PastTalent("Ngô Văn Khánh", "ltn_thcs", date(2021, 8, 16), trained_on=date(2026, 5, 20)),
    PastTalent("Đặng Thị Lan", "ltn_thcs", date(2021, 8, 16)),
    PastTalent("Lý Văn Minh", "tp_hai_phong_skhcn", date(2021, 10, 1)),
    *(PastTalent(f"Trịnh Thị Ngọc {n}", "ltn_thcs", date(2025, 9, 1)) for n in (1, 2)),
    *(PastTalent(f"Mai Văn Phúc {n}", "cg_vp", date(2026, 2, 1)) for n in (1, 2)),
    PastTalent("Tạ Thị Quỳnh", "tp_hai_phong_skhcn", date(2026, 3, 1)),
]


def build_talents(services, talents: list[PastTalent], at: datetime | None = None) -> dict[str, int]:
    """The talents written to the database; their person ids by name."""
    with services.db.transaction() as session:
        return demo.add_past_talents(session, talents, at or local(2026, 1, 5, 9, 0))
