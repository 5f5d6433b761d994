"""The targets of Resolution 17-NQ/TU as data (docs/targets.md): what each measures (a
numerator over a denominator, or a count), its milestones over the years, where it
applies (the city, or each commune too) and its legal source; and the measures they are
made of, each either computed from the talent database or entered by the officers who
hold the figure.

The definitions are the resolution's own words: legal text, shown as it is, never
translated. The short names are messages, translated at the edge."""

from __future__ import annotations

from dataclasses import dataclass

from engine.messages import Message

CITY, COMMUNE = "city", "commune"
SOURCE = "Nghị quyết số 17-NQ/TU của Ban Thường vụ Thành ủy Hải Phòng"

# How a target's milestones bind the years between them (docs/targets.md#milestones):
# EACH_YEAR: the latest milestone's value is the target of every later year;
# BY_MILESTONES: the value is due by the milestone's year; a year between two milestones is
# held to the straight line joining them (on track or behind), a year before the first
# one to nothing yet (pending until it is met).
EACH_YEAR, BY_MILESTONES = "each_year", "by_milestones"
SHARE, COUNT = "share", "count"


@dataclass(frozen=True)
class Measure:
    code: str
    name: Message
    computed: bool  # from the talent database; otherwise entered (services/targets/_figures.py)
    levels: tuple[str, ...]  # where the figure exists: the city, and each commune too


@dataclass(frozen=True)
class Target:
    code: str
    name: Message
    definition: str  # the resolution's words
    kind: str  # SHARE (numerator / denominator, in %) | COUNT (the numerator alone)
    numerator: str
    denominator: str | None
    milestones: tuple[tuple[int, int], ...]  # (year, value), the years increasing
    pace: str  # EACH_YEAR | BY_MILESTONES
    levels: tuple[str, ...]
    legal_source: str
    period: Message  # in words, as the resolution states it

    @property
    def first_year(self) -> int:
        return self.milestones[0][0]

    def shown(self, value: float | None) -> str:
        """A value as Vietnamese writes it: "80%", "80,5%" (the decimal comma), a count whole."""
        if value is None:
            return "—"
        if self.kind != SHARE:
            return f"{value:.0f}"
        return f"{value:g}".replace(".", ",") + "%"


MEASURES = {
    measure.code: measure
    for measure in (
        Measure("talents_recruited", Message("Talents attracted in the year"), True, (CITY, COMMUNE)),
        Measure(
            "cohort_attracted", Message("Talents attracted five years before the year"), True, (CITY, COMMUNE)
        ),
        Measure(
            "cohort_still_serving",
            Message("Of them, still working five years after being attracted"),
            True,
            (CITY, COMMUNE),
        ),
        Measure(
            "talents_listed",
            Message("Talents on the talent list at the end of the year"),
            True,
            (CITY, COMMUNE),
        ),
        Measure(
            "talents_trained",
            Message("Of them, trained in science and technology"),
            True,
            (CITY, COMMUNE),
        ),
        Measure("new_recruits", Message("New recruits of the year"), False, (CITY, COMMUNE)),
        Measure(
            "excellent_graduates", Message("Excellent upper-secondary graduates of the year"), False, (CITY,)
        ),
        Measure(
            "student_talents_found", Message("Students found and chosen as a talent source"), False, (CITY,)
        ),
        Measure("dedicated_classes", Message("Dedicated classes held in the year"), False, (CITY,)),
        Measure("university_agreements", Message("Universities with an agreement in force"), False, (CITY,)),
        Measure(
            "leadership_appointments", Message("New leadership appointments of the year"), False, (CITY,)
        ),
        Measure(
            "leadership_appointments_by_exam",
            Message("Of them, appointed through a competitive exam"),
            False,
            (CITY,),
        ),
    )
}

TARGETS = {
    target.code: target
    for target in (
        Target(
            "kpi_retention_5y",
            Message("Talents still working five years after being attracted"),
            "Đến năm 2030, phấn đấu đạt 100% nhân tài, nhân lực chất lượng cao tiếp tục ở lại làm việc "
            "sau 05 năm được thu hút và trọng dụng làm việc tại các cơ quan, đơn vị của thành phố.",
            SHARE,
            "cohort_still_serving",
            "cohort_attracted",
            ((2030, 100),),
            BY_MILESTONES,
            (CITY, COMMUNE),
            f"{SOURCE}, mục II.3",
            Message("By 2030, each cohort five years on"),
        ),
        Target(
            "kpi_talent_share_new_recruits",
            Message("Talents among the new recruits"),
            "Năm 2025 thu hút nhân tài, nguồn nhân lực chất lượng cao vào làm việc trong cơ quan, đơn vị "
            "của thành phố khoảng 10% so với tổng số tuyển dụng mới. Đến năm 2030, định hướng đến năm "
            "2050, duy trì tỷ lệ nhân tài, nguồn nhân lực chất lượng cao thu hút vào làm việc ở các cơ "
            "quan, đơn vị của thành phố không dưới 20% so với tổng số các trường hợp tuyển dụng mới hàng "
            "năm.",
            SHARE,
            "talents_recruited",
            "new_recruits",
            ((2025, 10), (2030, 20)),
            BY_MILESTONES,
            (CITY, COMMUNE),
            f"{SOURCE}, mục II.3",
            Message("2025; each year from 2030"),
        ),
        Target(
            "kpi_sci_tech_training_share",
            Message("Talents trained in science and technology"),
            "Tỷ lệ nhân tài, nhân lực chất lượng cao được đào tạo, bồi dưỡng trong lĩnh vực khoa học và "
            "công nghệ đạt 30% vào năm 2025; đạt 60% vào năm 2030; đạt 100% vào năm 2050.",
            SHARE,
            "talents_trained",
            "talents_listed",
            ((2025, 30), (2030, 60), (2050, 100)),
            BY_MILESTONES,
            (CITY, COMMUNE),
            f"{SOURCE}, mục II.3",
            Message("Milestones 2025, 2030 and 2050"),
        ),
        Target(
            "kpi_student_talent_share",
            Message("Student talents found among the excellent graduates"),
            "Hàng năm tìm kiếm, phát hiện, lựa chọn để tạo nguồn bồi dưỡng nhân lực cho thành phố khoảng "
            "5% tổng số học sinh xuất sắc tốt nghiệp Trung học phổ thông; học viên, học sinh, sinh viên "
            "có thành tích đặc biệt xuất sắc trên tất cả các lĩnh vực của thành phố.",
            SHARE,
            "student_talents_found",
            "excellent_graduates",
            ((2025, 5),),
            EACH_YEAR,
            (CITY,),
            f"{SOURCE}, mục II.3",
            Message("Each year"),
        ),
        Target(
            "kpi_dedicated_classes",
            Message("Dedicated classes for high-quality human resources"),
            "Tổ chức ít nhất 02 lớp đào tạo, bồi dưỡng/năm dành riêng cho đối tượng nguồn nhân lực chất "
            "lượng cao.",
            COUNT,
            "dedicated_classes",
            None,
            ((2025, 2),),
            EACH_YEAR,
            (CITY,),
            f"{SOURCE}, Phụ lục, nhiệm vụ 5",
            Message("Each year"),
        ),
        Target(
            "kpi_university_network",
            Message("Universities in the city's network"),
            "Xây dựng mạng lưới kết nối với tối thiểu 20 Trường Đại học hàng đầu của Việt Nam, khu vực và"
            " quốc tế.",
            COUNT,
            "university_agreements",
            None,
            ((2030, 20),),
            BY_MILESTONES,
            (CITY,),
            f"{SOURCE}, Phụ lục, nhiệm vụ 5",
            Message("By 2030"),
        ),
        Target(
            "kpi_competitive_leadership_appointments",
            Message("New leadership appointments through a competitive exam"),
            "Dành tối thiểu 20% các vị trí lãnh đạo, quản lý được bổ nhiệm mới từ Giám đốc Sở trở xuống "
            "thực hiện theo cơ chế thi tuyển chức danh lãnh đạo, quản lý.",
            SHARE,
            "leadership_appointments_by_exam",
            "leadership_appointments",
            ((2025, 20),),
            EACH_YEAR,
            (CITY,),
            f"{SOURCE}, Phụ lục, nhiệm vụ 7",
            Message("Each year"),
        ),
    )
}


def check_catalogue() -> None:
    """Every target names measures that exist at each of its levels, and its milestones
    increase; a mistake in the data above stops the start, not a leader's page."""
    for target in TARGETS.values():
        parts = [target.numerator] + ([target.denominator] if target.denominator else [])
        for code in parts:
            measure = MEASURES.get(code)
            if measure is None or not set(target.levels) <= set(measure.levels):
                raise ValueError(f"target {target.code}: measure {code} is not there at {target.levels}")
        years = [year for year, _value in target.milestones]
        if not years or years != sorted(set(years)):
            raise ValueError(f"target {target.code}: milestones must be in increasing years")
        if (target.kind == SHARE) != (target.denominator is not None):
            raise ValueError(f"target {target.code}: a share has a denominator, a count none")


check_catalogue()
