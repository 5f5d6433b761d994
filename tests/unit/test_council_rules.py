"""The selection council's rules (docs/legal-rules.md, from "The council's composition follows
Decree 170 by analogy" on): properties over generated councils and scores, and examples with
the council of 5 of docs/example.md#the-council-hdtc-hp-2026-01."""

from decimal import Decimal

import pytest
from factories.words import in_vietnamese
from hypothesis import given, strategies as st

from services.common.errors import InvalidInput
from services.selection._council_rules import (
    Council,
    CouncilCompositionInvalid,
    CouncilMember,
    CouncilRole,
    MemberScore,
    NotCouncilMember,
    Outcome,
    Recusal,
    RecusedMemberCannotScore,
    Result,
    Vote,
    composition_problems,
    decide,
    mean_score,
    parse_score,
    quorum_required,
    rank_passed,
    record_score,
    vote_of,
)

CANDIDATE = "C1"
PASSING_SCORES = st.integers(5000, 10000).map(lambda hundredths: Decimal(hundredths).scaleb(-2))
FAILING_SCORES = st.integers(0, 4999).map(lambda hundredths: Decimal(hundredths).scaleb(-2))
ANY_SCORES = st.integers(0, 10000).map(lambda hundredths: Decimal(hundredths).scaleb(-2))


def members_of_size(size: int, with_vice_chair: bool = True) -> list[CouncilMember]:
    roles = [CouncilRole.CHAIR, CouncilRole.SECRETARY]
    if with_vice_chair:
        roles.append(CouncilRole.VICE_CHAIR)
    roles += [CouncilRole.MEMBER] * (size - len(roles))
    return [CouncilMember(f"m{index}", f"Thành viên {index}", role) for index, role in enumerate(roles)]


@st.composite
def councils(draw, recusable: int = 0) -> Council:
    """A valid council of odd size, members in any order, with up to ``recusable``
    members recused for CANDIDATE."""
    size = draw(st.sampled_from([3, 5, 7, 9, 11]))
    members = draw(st.permutations(members_of_size(size, with_vice_chair=draw(st.booleans()))))
    recused = draw(st.lists(st.sampled_from(members), max_size=recusable, unique=True))
    return Council(members, [Recusal(member.person_id, CANDIDATE, "Quan hệ gia đình") for member in recused])


@st.composite
def scoring_sessions(draw, recusable: int = 0) -> tuple[Council, list[MemberScore]]:
    """A council and the scores for CANDIDATE of any subset of the members who may score."""
    council = draw(councils(recusable))
    scorers = [member for member in council.members_who_may_score(CANDIDATE) if draw(st.booleans())]
    return council, [MemberScore(member.person_id, draw(ANY_SCORES)) for member in scorers]


@st.composite
def tied_sessions(draw, presiding: CouncilRole) -> tuple[Council, list[MemberScore], Vote]:
    """A quorate council split evenly, in which ``presiding`` scored and the chair did
    not unless presiding is the chair; returns the presiding member's vote."""
    size = draw(st.sampled_from([3, 5, 7, 9, 11]))
    council = Council(draw(st.permutations(members_of_size(size))))
    quorum = quorum_required(size)
    scorer_count = draw(st.sampled_from([count for count in range(quorum, size + 1) if count % 2 == 0]))
    presiding_member = council.holder_of(presiding)
    others = [member for member in council.members if member.role not in (CouncilRole.CHAIR, presiding)]
    other_scorers = draw(st.permutations(others))[: scorer_count - 1]
    side = draw(st.sampled_from(Vote))
    same_side, other_side = (
        (PASSING_SCORES, FAILING_SCORES) if side == Vote.PASS else (FAILING_SCORES, PASSING_SCORES)
    )
    half = scorer_count // 2
    scores = [MemberScore(presiding_member.person_id, draw(same_side))]
    scores += [MemberScore(member.person_id, draw(same_side)) for member in other_scorers[: half - 1]]
    scores += [MemberScore(member.person_id, draw(other_side)) for member in other_scorers[half - 1 :]]
    return council, draw(st.permutations(scores)), side


# --- properties -------------------------------------------------------------------------


@given(st.integers(1, 500))
def test_quorum_required_is_the_smallest_count_reaching_two_thirds(size):
    required = quorum_required(size)
    assert required * 3 >= size * 2
    assert (required - 1) * 3 < size * 2


@given(scoring_sessions(recusable=2))
def test_quorum_is_met_exactly_when_scorers_times_three_reach_twice_the_size(session):
    council, scores = session
    outcome = decide(council, CANDIDATE, scores)
    quorate = len(scores) * 3 >= council.size * 2
    assert (outcome.result != Result.NO_QUORUM) == quorate
    assert (outcome.score is not None) == quorate


@given(scoring_sessions(recusable=3), ANY_SCORES)
def test_recused_members_may_not_score_and_are_never_counted(session, value):
    council, scores = session
    recused = [member for member in council.members if council.is_recused(member.person_id, CANDIDATE)]
    assert not set(recused) & set(council.members_who_may_score(CANDIDATE))
    assert decide(council, CANDIDATE, scores).scorers == len(scores)
    for member in recused:
        with pytest.raises(RecusedMemberCannotScore):
            record_score(council, CANDIDATE, member.person_id, value)
        with pytest.raises(RecusedMemberCannotScore):
            decide(council, CANDIDATE, [*scores, MemberScore(member.person_id, value)])


@given(ANY_SCORES)
def test_a_vote_is_pass_exactly_from_the_pass_mark(value):
    assert (vote_of(value) == Vote.PASS) == (value >= Decimal(50))


@given(tied_sessions(CouncilRole.CHAIR))
def test_a_tie_goes_to_the_side_the_chair_voted_on(session):
    council, scores, chair_side = session
    outcome = decide(council, CANDIDATE, scores)
    assert outcome.pass_votes == outcome.fail_votes
    assert outcome.result == (Result.PASSED if chair_side == Vote.PASS else Result.FAILED)
    assert outcome.tie_broken_by == CouncilRole.CHAIR


@given(tied_sessions(CouncilRole.VICE_CHAIR))
def test_without_the_chair_a_tie_goes_to_the_vice_chairs_side(session):
    council, scores, vice_chair_side = session
    outcome = decide(council, CANDIDATE, scores)
    assert outcome.result == (Result.PASSED if vice_chair_side == Vote.PASS else Result.FAILED)
    assert outcome.tie_broken_by == CouncilRole.VICE_CHAIR


@given(scoring_sessions(recusable=2), st.randoms(use_true_random=False))
def test_the_outcome_does_not_depend_on_the_order_of_members_or_scores(session, random):
    council, scores = session
    shuffled_members, shuffled_scores = list(council.members), list(scores)
    random.shuffle(shuffled_members)
    random.shuffle(shuffled_scores)
    reordered = Council(shuffled_members, council.recusals)
    assert decide(reordered, CANDIDATE, shuffled_scores) == decide(council, CANDIDATE, scores)


@given(st.lists(ANY_SCORES, min_size=1, max_size=15))
def test_the_mean_lies_between_the_lowest_and_highest_score_with_two_decimals(values):
    mean = mean_score(values)
    assert min(values) <= mean <= max(values)
    assert mean.as_tuple().exponent == -2


@given(scoring_sessions(recusable=2))
def test_the_result_follows_the_majority_of_votes_when_there_is_one(session):
    council, scores = session
    outcome = decide(council, CANDIDATE, scores)
    passes = sum(1 for score in scores if score.value >= 50)
    fails = len(scores) - passes
    assert (outcome.pass_votes, outcome.fail_votes) == (passes, fails)
    if outcome.result != Result.NO_QUORUM and passes != fails:
        assert outcome.result == (Result.PASSED if passes > fails else Result.FAILED)
        assert outcome.tie_broken_by is None


@given(st.lists(st.tuples(st.sampled_from(Result), ANY_SCORES), max_size=12))
def test_the_ranking_holds_only_passed_candidates_best_first_ties_in_given_order(findings):
    outcomes = [
        Outcome(f"C{index}", result, score, 3, 0, 2) for index, (result, score) in enumerate(findings)
    ]
    ranking = rank_passed(outcomes)
    passed = [outcome for outcome in outcomes if outcome.result == Result.PASSED]
    assert sorted(entry.outcome.candidate_id for entry in ranking) == sorted(o.candidate_id for o in passed)
    for earlier, later in zip(ranking, ranking[1:]):
        assert earlier.outcome.score >= later.outcome.score
        if earlier.outcome.score == later.outcome.score:
            assert earlier.rank == later.rank
            assert passed.index(earlier.outcome) < passed.index(later.outcome)
        else:
            assert later.rank == ranking.index(later) + 1


# --- examples: the council HDTC-HP-2026-01 (docs/example.md) -------------------------------

THAI, MAI, LONG, YEN, TUNG = (
    "dang_quoc_thai",
    "bui_thi_ngoc_mai",
    "hoang_duc_long",
    "vu_thi_hai_yen",
    "ngo_thanh_tung",
)
REPORT_MEMBERS = [
    CouncilMember(THAI, "Đặng Quốc Thái", CouncilRole.CHAIR),
    CouncilMember(MAI, "Bùi Thị Ngọc Mai", CouncilRole.VICE_CHAIR),
    CouncilMember(LONG, "Hoàng Đức Long", CouncilRole.SECRETARY),
    CouncilMember(YEN, "Vũ Thị Hải Yến", CouncilRole.MEMBER),
    CouncilMember(TUNG, "Ngô Thanh Tùng", CouncilRole.MEMBER),  # the commune's representative (64/UBND-VHXH)
]
TUNG_RECUSED_FOR_C3 = Recusal(TUNG, "C3", "Cùng xã Cẩm Giang với ứng viên (theo quy chế, không theo luật)")


@pytest.fixture
def report_council() -> Council:
    return Council(REPORT_MEMBERS, [TUNG_RECUSED_FOR_C3])


def scores_of(**values: str) -> list[MemberScore]:
    return [MemberScore(member_id, value) for member_id, value in values.items()]


def test_the_reports_council_of_five_is_valid(report_council):
    assert composition_problems(REPORT_MEMBERS) == []
    assert report_council.size == 5
    assert quorum_required(report_council.size) == 4


def test_all_five_score_c1_and_c1_passes_with_the_mean(report_council):
    outcome = decide(
        report_council,
        "C1",
        scores_of(
            dang_quoc_thai="85",
            bui_thi_ngoc_mai="80",
            hoang_duc_long="82.5",
            vu_thi_hai_yen="84",
            ngo_thanh_tung="81",
        ),
    )
    assert outcome == Outcome("C1", Result.PASSED, Decimal("82.50"), 5, 0, 4)


def test_the_recused_commune_representative_cannot_score_c3_and_four_make_the_quorum(report_council):
    with pytest.raises(RecusedMemberCannotScore, match="Ngô Thanh Tùng"):
        record_score(report_council, "C3", TUNG, "90")
    assert record_score(report_council, "C1", TUNG, "90") == MemberScore(TUNG, Decimal("90.00"))
    assert [m.person_id for m in report_council.members_who_may_score("C3")] == [THAI, MAI, LONG, YEN]
    outcome = decide(
        report_council,
        "C3",
        scores_of(dang_quoc_thai="78", bui_thi_ngoc_mai="74.25", hoang_duc_long="70", vu_thi_hai_yen="72"),
    )
    assert (outcome.result, outcome.score, outcome.scorers) == (Result.PASSED, Decimal("73.56"), 4)


def test_with_two_recusals_for_one_candidate_the_council_of_five_has_no_quorum():
    council = Council(REPORT_MEMBERS, [TUNG_RECUSED_FOR_C3, Recusal(YEN, "C3", "Chị ruột của ứng viên")])
    outcome = decide(
        council, "C3", scores_of(dang_quoc_thai="90", bui_thi_ngoc_mai="90", hoang_duc_long="90")
    )
    assert (outcome.result, outcome.score, outcome.quorum_required) == (Result.NO_QUORUM, None, 4)


def test_two_two_tie_follows_the_chair_then_the_vice_chair_and_fails_without_either(report_council):
    with_chair = decide(
        report_council,
        "C3",
        scores_of(
            dang_quoc_thai="50.00", bui_thi_ngoc_mai="49.99", hoang_duc_long="49.99", vu_thi_hai_yen="95"
        ),
    )
    assert (with_chair.result, with_chair.tie_broken_by) == (Result.PASSED, CouncilRole.CHAIR)

    chair_recused = Council(REPORT_MEMBERS, [Recusal(THAI, "C2", "Cha của ứng viên")])
    with_vice_chair = decide(
        chair_recused,
        "C2",
        scores_of(bui_thi_ngoc_mai="49.99", hoang_duc_long="60", vu_thi_hai_yen="40", ngo_thanh_tung="70"),
    )
    assert (with_vice_chair.result, with_vice_chair.tie_broken_by) == (Result.FAILED, CouncilRole.VICE_CHAIR)

    no_vice_chair = Council(
        members_of_size(5, with_vice_chair=False), [Recusal("m0", "C2", "Cha của ứng viên")]
    )
    nobody_presiding = decide(no_vice_chair, "C2", scores_of(m1="90", m2="90", m3="10", m4="10"))
    assert (nobody_presiding.result, nobody_presiding.tie_broken_by) == (Result.FAILED, None)


def test_the_pass_mark_boundary_decides_each_vote():
    council = Council(members_of_size(3))
    just_below = decide(council, "C1", scores_of(m0="49.99", m1="49.99", m2="49.99"))
    at_the_mark = decide(council, "C1", scores_of(m0="50.00", m1="50", m2="50.00"))
    assert (just_below.result, just_below.fail_votes) == (Result.FAILED, 3)
    assert (at_the_mark.result, at_the_mark.pass_votes) == (Result.PASSED, 3)


def test_the_vote_decides_not_the_mean():
    outcome = decide(Council(members_of_size(3)), "C1", scores_of(m0="100", m1="40", m2="40"))
    assert (outcome.result, outcome.score) == (Result.FAILED, Decimal("60.00"))


def test_the_mean_rounds_half_up_on_the_exact_value():
    assert mean_score([Decimal("0.01"), Decimal("0.00")]) == Decimal("0.01")
    assert mean_score([Decimal("50.01"), Decimal("50.00"), Decimal("50.00")]) == Decimal("50.00")
    assert mean_score([Decimal("50.01"), Decimal("50.01"), Decimal("50.00")]) == Decimal("50.01")


def test_a_member_scoring_a_candidate_twice_or_an_outsider_is_refused(report_council):
    with pytest.raises(InvalidInput) as refused:
        decide(
            report_council,
            "C1",
            scores_of(dang_quoc_thai="80", hoang_duc_long="80") + scores_of(dang_quoc_thai="70"),
        )
    assert "chấm nhiều lần: dang_quoc_thai" in in_vietnamese(refused.value.message)
    with pytest.raises(NotCouncilMember):
        record_score(report_council, "C1", "someone_else", "80")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("82.5", Decimal("82.50")),
        (49.99, Decimal("49.99")),
        (100, Decimal("100.00")),
        (Decimal("0"), Decimal("0.00")),
        ("50.000", Decimal("50.00")),
    ],
)
def test_valid_scores_are_kept_with_two_decimals(raw, expected):
    parsed = parse_score(raw)
    assert parsed == expected and parsed.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "raw, message",
    [
        ("100.01", "Điểm phải từ 0 đến 100 (nhận được: 100.01)."),
        (-1, "Điểm phải từ 0 đến 100 (nhận được: -1)."),
        ("82.555", "Điểm chỉ được có tối đa 2 chữ số thập phân (nhận được: 82.555)."),
        ("tám mươi", "Điểm phải là một số, ví dụ 82.50 (nhận được: 'tám mươi')."),
        ("NaN", "Điểm phải là một số, ví dụ 82.50 (nhận được: 'NaN')."),
        (True, "Điểm phải là một số, ví dụ 82.50 (nhận được: True)."),
        (None, "Điểm phải là một số, ví dụ 82.50 (nhận được: None)."),
    ],
)
def test_invalid_scores_are_refused_with_a_vietnamese_message_on_the_score_field(raw, message):
    with pytest.raises(InvalidInput) as refused:
        parse_score(raw)
    assert (refused.value.field, in_vietnamese(refused.value.message)) == ("score", message)


def test_every_composition_problem_is_listed_in_vietnamese():
    chair = CouncilMember("a", "Nguyễn Văn A", CouncilRole.CHAIR)
    problems = composition_problems(
        [
            chair,
            chair,
            CouncilMember("b", "Trần Thị B", CouncilRole.VICE_CHAIR),
            CouncilMember("c", "Lê Văn C", CouncilRole.VICE_CHAIR),
        ]
    )
    assert [in_vietnamese(problem) for problem in problems] == [
        "Số thành viên phải là số lẻ (hiện có 4).",
        "Hội đồng phải có đúng một Chủ tịch Hội đồng (hiện có 2).",
        "Hội đồng phải có đúng một Ủy viên kiêm Thư ký (hiện có 0).",
        "Hội đồng có tối đa một Phó Chủ tịch Hội đồng (hiện có 2).",
        "Mỗi người chỉ giữ một vị trí trong Hội đồng: Nguyễn Văn A (a) đang giữ 2 vị trí.",
    ]
    assert [in_vietnamese(problem) for problem in composition_problems(members_of_size(1)[:1])] == [
        "Số thành viên phải từ 3 trở lên (hiện có 1).",
        "Hội đồng phải có đúng một Ủy viên kiêm Thư ký (hiện có 0).",
    ]


def test_a_council_cannot_be_formed_invalid_nor_with_a_recusal_of_an_outsider():
    with pytest.raises(CouncilCompositionInvalid) as refused:
        Council(REPORT_MEMBERS[:4])
    assert [in_vietnamese(problem) for problem in refused.value.problems] == [
        "Số thành viên phải là số lẻ (hiện có 4)."
    ]
    with pytest.raises(CouncilCompositionInvalid) as refused:
        Council(REPORT_MEMBERS, [Recusal("someone_else", "C1", "Anh ruột")])
    assert "không phải thành viên Hội đồng" in in_vietnamese(refused.value.message)
    with pytest.raises(CouncilCompositionInvalid) as refused:
        Council(REPORT_MEMBERS, [Recusal(TUNG, "C1", "  ")])
    assert "Phải ghi lý do" in in_vietnamese(refused.value.message)
