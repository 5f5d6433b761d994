"""The selection council's rules, as pure code (docs/legal-rules.md, from "The council's
composition follows Decree 170 by analogy" to "Scores have two decimals and the mean only
ranks").

The composition, quorum and voting of the Hải Phòng talent selection council (Res. 53)
were not found. The rules here follow the default docs/legal-rules.md states, taken by
analogy from Decree 170/2025/NĐ-CP:

- Art. 8(1): a council of 5 or 7 members — a chair, a vice-chair, a member-secretary and
  other members — that works collectively, decides by majority, and on a tie follows
  the side the chair voted with; Art. 8(3): relatives of a candidate take no part;
- Art. 24: an odd number of members and a quorum of two thirds;
- Art. 12: the oral round is scored out of 100 and passes at 50.

No database and no Flask: the services that store councils and scores call these
functions, so that every rule lives (and is tested) in one place. Where the law is silent,
the choice made ("[our choice]" in docs/legal-rules.md) is written in the docstring of the
function that makes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Iterable

from engine.messages import Message
from services.common.display import joined
from services.common.errors import InvalidInput, PermissionDenied

# Decree 170 Art. 24 (docs/legal-rules.md#quorum-votes-ties-and-the-pass-mark). A Fraction
# keeps the quorum exact.
QUORUM = Fraction(2, 3)
MINIMUM_SIZE = 3
MAXIMUM_SCORE = Decimal(100)
PASS_MARK = Decimal(50)
CENT = Decimal("0.01")


class CouncilRole(StrEnum):
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    SECRETARY = "secretary"
    MEMBER = "member"


ROLE_LABELS = {
    CouncilRole.CHAIR: Message("Chair"),
    CouncilRole.VICE_CHAIR: Message("Vice chair"),
    CouncilRole.SECRETARY: Message("Member and secretary"),
    CouncilRole.MEMBER: Message("Council member"),
}


class Vote(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class Result(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NO_QUORUM = "no_quorum"


class CouncilCompositionInvalid(InvalidInput):
    """The council cannot be formed as given; ``problems`` lists every reason."""

    def __init__(self, problems: list[Message]):
        super().__init__("members", joined(problems, " "))
        self.problems = problems


class NotCouncilMember(PermissionDenied):
    def __init__(self, member_id: str):
        super().__init__(
            Message("%(member)s is not a member of the council and may not score.", member=member_id),
            member_id=member_id,
        )


class RecusedMemberCannotScore(PermissionDenied):
    """Decree 170 Art. 8(3): a member related to a candidate takes no part in judging them."""

    def __init__(self, member: CouncilMember, candidate_id: str):
        super().__init__(
            Message(
                "%(member)s (%(role)s) is recorded as not taking part in judging candidate %(candidate)s "
                "and may not score this candidate.",
                member=member.full_name,
                role=ROLE_LABELS[member.role],
                candidate=candidate_id,
            ),
            member_id=member.person_id,
            candidate_id=candidate_id,
        )


@dataclass(frozen=True)
class CouncilMember:
    person_id: str
    full_name: str
    role: CouncilRole


@dataclass(frozen=True)
class Recusal:
    """A recorded relation between a member and a candidate, e.g. kinship under Decree 170
    Art. 8(3), or a recusal by policy (docs/legal-rules.md, "Recusals are recorded with a reason")."""

    member_id: str
    candidate_id: str
    reason: str


@dataclass(frozen=True)
class Council:
    """A council as formed for one round. It cannot be built with an invalid composition
    or with a recusal of someone who is not a member: the constructor raises
    ``CouncilCompositionInvalid`` listing every problem."""

    members: tuple[CouncilMember, ...]
    recusals: tuple[Recusal, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "members", tuple(self.members))
        object.__setattr__(self, "recusals", tuple(self.recusals))
        problems = composition_problems(self.members) + recusal_problems(self.members, self.recusals)
        if problems:
            raise CouncilCompositionInvalid(problems)

    @property
    def size(self) -> int:
        return len(self.members)

    def member(self, person_id: str) -> CouncilMember:
        for member in self.members:
            if member.person_id == person_id:
                return member
        raise NotCouncilMember(person_id)

    def holder_of(self, role: CouncilRole) -> CouncilMember | None:
        """The chair, vice-chair or secretary (each is held by at most one member)."""
        return next((member for member in self.members if member.role == role), None)

    def is_recused(self, member_id: str, candidate_id: str) -> bool:
        return any(
            recusal.member_id == member_id and recusal.candidate_id == candidate_id
            for recusal in self.recusals
        )

    def members_who_may_score(self, candidate_id: str) -> tuple[CouncilMember, ...]:
        return tuple(member for member in self.members if not self.is_recused(member.person_id, candidate_id))


@dataclass(frozen=True)
class MemberScore:
    """One member's score for one candidate; the value is validated by ``parse_score``."""

    member_id: str
    value: Decimal

    def __post_init__(self):
        object.__setattr__(self, "value", parse_score(self.value))

    @property
    def vote(self) -> Vote:
        return vote_of(self.value)


@dataclass(frozen=True)
class Outcome:
    """The council's finding for one candidate, before the competent authority decides.
    ``score`` is None without quorum; ``tie_broken_by`` names who held the casting side."""

    candidate_id: str
    result: Result
    score: Decimal | None
    pass_votes: int
    fail_votes: int
    quorum_required: int
    tie_broken_by: CouncilRole | None = None

    @property
    def scorers(self) -> int:
        return self.pass_votes + self.fail_votes


@dataclass(frozen=True)
class RankedCandidate:
    rank: int
    outcome: Outcome


def composition_problems(members: Iterable[CouncilMember]) -> list[Message]:
    """Every reason why these members cannot form a council; empty when valid.

    Decree 170 Art. 24 (odd size) and Art. 8(1) (one chair, a vice-chair, one
    member-secretary). Any odd size from 3 is accepted: the default offered is 5, and
    Art. 8 allows 5 or 7 for a recruitment council; the vice-chair is optional because a
    council of 3 has no room for one beside the chair and the secretary (docs/legal-rules.md,
    "The council's composition follows Decree 170 by analogy").
    """
    members = list(members)
    role_counts = Counter(member.role for member in members)
    return [
        problem
        for problem in (
            _size_too_small(len(members)),
            _size_not_odd(len(members)),
            _role_count_problem(CouncilRole.CHAIR, role_counts[CouncilRole.CHAIR], exactly_one=True),
            _role_count_problem(CouncilRole.SECRETARY, role_counts[CouncilRole.SECRETARY], exactly_one=True),
            _role_count_problem(
                CouncilRole.VICE_CHAIR, role_counts[CouncilRole.VICE_CHAIR], exactly_one=False
            ),
        )
        if problem
    ] + _people_holding_several_seats(members)


def _size_too_small(size: int) -> Message | None:
    if size < MINIMUM_SIZE:
        return Message(
            "The council must have at least %(minimum)s members (it has %(size)s).",
            minimum=MINIMUM_SIZE,
            size=size,
        )
    return None


def _size_not_odd(size: int) -> Message | None:
    if size % 2 == 0:
        return Message("The council must have an odd number of members (it has %(size)s).", size=size)
    return None


def _role_count_problem(role: CouncilRole, count: int, exactly_one: bool) -> Message | None:
    if exactly_one and count != 1:
        return Message(
            "The council must have exactly one %(role)s (it has %(count)s).",
            role=ROLE_LABELS[role],
            count=count,
        )
    if not exactly_one and count > 1:
        return Message(
            "The council has at most one %(role)s (it has %(count)s).", role=ROLE_LABELS[role], count=count
        )
    return None


def _people_holding_several_seats(members: list[CouncilMember]) -> list[Message]:
    seats = Counter(member.person_id for member in members)
    names = {member.person_id: member.full_name for member in members}
    return [
        Message(
            "Each person holds one seat on the council: %(name)s (%(person)s) holds %(count)s seats.",
            name=names[person_id],
            person=person_id,
            count=count,
        )
        for person_id, count in seats.items()
        if count > 1
    ]


def recusal_problems(members: Iterable[CouncilMember], recusals: Iterable[Recusal]) -> list[Message]:
    """A recusal must name a member of this council and say why (docs/legal-rules.md,
    "Recusals are recorded with a reason")."""
    member_ids = {member.person_id for member in members}
    problems = []
    for recusal in recusals:
        if recusal.member_id not in member_ids:
            problems.append(
                Message(
                    "The person not taking part in judging candidate %(candidate)s (%(member)s) is not a "
                    "member of the council.",
                    candidate=recusal.candidate_id,
                    member=recusal.member_id,
                )
            )
        elif not recusal.reason.strip():
            problems.append(
                Message(
                    "The reason why %(member)s takes no part in judging candidate %(candidate)s "
                    "must be written.",
                    member=recusal.member_id,
                    candidate=recusal.candidate_id,
                )
            )
    return problems


def parse_score(raw: Decimal | int | str | float) -> Decimal:
    """A score out of 100 (Decree 170 Art. 12), with at most 2 decimals, returned with
    exactly 2 decimals (docs/legal-rules.md, "Scores have two decimals and the mean only
    ranks"). A float (how a JSON number arrives) is read from its shortest representation,
    i.e. what was typed: 49.99 stays 49.99."""
    value = _as_decimal(raw)
    if value.is_signed() or value > MAXIMUM_SCORE:
        raise InvalidInput("score", Message("The score must be from 0 to 100 (received: %(raw)s).", raw=raw))
    if value != value.quantize(CENT):
        raise InvalidInput(
            "score", Message("The score may have at most 2 decimal places (received: %(raw)s).", raw=raw)
        )
    return value.quantize(CENT)


def _as_decimal(raw) -> Decimal:
    # bool is an int: True would silently become a score of 1.
    if isinstance(raw, bool) or not isinstance(raw, (Decimal, int, str, float)):
        raise _not_a_number(raw)
    try:
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    except InvalidOperation:
        raise _not_a_number(raw) from None
    if not value.is_finite():
        raise _not_a_number(raw)
    return value


def _not_a_number(raw) -> InvalidInput:
    return InvalidInput(
        "score", Message("The score must be a number, for example 82.50 (received: %(raw)s).", raw=repr(raw))
    )


def vote_of(score: Decimal) -> Vote:
    """A member's score is a pass vote from the pass mark of 50 (Decree 170 Art. 12)."""
    return Vote.PASS if score >= PASS_MARK else Vote.FAIL


def quorum_required(council_size: int) -> int:
    """The fewest scorers that make a quorum: ceil(2/3 × size), in integers (Decree 170
    Art. 24). Counted against the whole council, recused members included — the law
    does not say otherwise — so with 5 members two recusals for one candidate leave only
    3 possible scorers and no quorum: the authority must then complete the council."""
    return -(-council_size * QUORUM.numerator // QUORUM.denominator)


def record_score(
    council: Council, candidate_id: str, member_id: str, value: Decimal | int | str | float
) -> MemberScore:
    """A member's score for a candidate, refused for a non-member
    (``NotCouncilMember``), a recused member (``RecusedMemberCannotScore``) or an invalid
    value (``InvalidInput`` on ``score``)."""
    _check_may_score(council, candidate_id, member_id)
    return MemberScore(member_id, parse_score(value))


def _check_may_score(council: Council, candidate_id: str, member_id: str) -> None:
    member = council.member(member_id)
    if council.is_recused(member_id, candidate_id):
        raise RecusedMemberCannotScore(member, candidate_id)


def decide(council: Council, candidate_id: str, scores: Iterable[MemberScore]) -> Outcome:
    """The council's finding for one candidate; the competent authority decides after it.

    - Every score is checked again as ``record_score`` does: a recused member's or a
      non-member's score is refused, never silently dropped; two scores from one member
      are refused (``InvalidInput`` on ``scores``).
    - Quorum (Decree 170 Art. 24): the members who scored are at least two thirds of the
      council size (``quorum_required``). Without it there is no result: ``no_quorum``,
      no score.
    - Votes: a score from 50 is a pass vote (Art. 12). The candidate passes when pass
      votes outnumber fail votes among those who scored (Art. 8 "by majority"; the law
      does not say majority of what, and counting the council's absent members as "fail"
      would punish the candidate for a recusal).
    - Tie (possible once a member is recused or absent): the side the chair voted with
      wins (Art. 8, Art. 24). When the chair did not score this candidate, the vice-chair
      presides in their place and their side wins [our choice]. When neither scored, the
      tie fails [our choice]: nobody holds the casting side, and a pass needs a majority.
    - Score: the mean of the scores, 2 decimals, rounded half up. It ranks the passed
      candidates; it does not decide the result, which is the vote [our choice: the
      law gives the pass mark per score and the majority per vote, never a mean;
      docs/legal-rules.md, "Scores have two decimals and the mean only ranks"].
    """
    scores = list(scores)
    _check_scores_admissible(council, candidate_id, scores)
    votes = Counter(score.vote for score in scores)
    required = quorum_required(council.size)
    if len(scores) < required:
        return Outcome(candidate_id, Result.NO_QUORUM, None, votes[Vote.PASS], votes[Vote.FAIL], required)
    result, tie_broken_by = _majority_or_casting_side(council, scores, votes)
    return Outcome(
        candidate_id,
        result,
        mean_score(score.value for score in scores),
        votes[Vote.PASS],
        votes[Vote.FAIL],
        required,
        tie_broken_by,
    )


def _check_scores_admissible(council: Council, candidate_id: str, scores: list[MemberScore]) -> None:
    for score in scores:
        _check_may_score(council, candidate_id, score.member_id)
    repeated = sorted(
        member_id for member_id, count in Counter(s.member_id for s in scores).items() if count > 1
    )
    if repeated:
        raise InvalidInput(
            "scores",
            Message(
                "Each member gives candidate %(candidate)s one score (scored more than once: %(members)s).",
                candidate=candidate_id,
                members=", ".join(repeated),
            ),
        )


def _majority_or_casting_side(
    council: Council, scores: list[MemberScore], votes: Counter[Vote]
) -> tuple[Result, CouncilRole | None]:
    if votes[Vote.PASS] != votes[Vote.FAIL]:
        return (Result.PASSED if votes[Vote.PASS] > votes[Vote.FAIL] else Result.FAILED), None
    vote_by_member = {score.member_id: score.vote for score in scores}
    for role in (CouncilRole.CHAIR, CouncilRole.VICE_CHAIR):
        presiding = council.holder_of(role)
        if presiding is not None and presiding.person_id in vote_by_member:
            side = vote_by_member[presiding.person_id]
            return (Result.PASSED if side == Vote.PASS else Result.FAILED), role
    return Result.FAILED, None


def mean_score(values: Iterable[Decimal]) -> Decimal:
    """The mean of one or more validated scores, rounded half up (ROUND_HALF_UP) to 2
    decimals. It is computed in integer hundredths so that no intermediate rounding
    can move the last digit."""
    hundredths = [int(value * 100) for value in values]
    total, count = sum(hundredths), len(hundredths)
    rounded_hundredths = (2 * total + count) // (2 * count)  # floor(total / count + 1/2)
    return Decimal(rounded_hundredths).scaleb(-2)


def rank_passed(outcomes: Iterable[Outcome]) -> list[RankedCandidate]:
    """The passed candidates, highest score first, ranked 1, 2, 2, 4…

    Equal scores share a rank and keep the order they were given in (e.g. the order of
    application). Decree 170 Art. 12 breaks such ties by the higher round-2 score, then
    by the head's decision; with a single score here, the tie is left visible for the
    competent authority rather than broken by the software [our choice]. Priority
    points (Art. 6) are not part of this score.
    """
    passed = sorted(
        (outcome for outcome in outcomes if outcome.result == Result.PASSED), key=_passed_score, reverse=True
    )
    ranked: list[RankedCandidate] = []
    for position, outcome in enumerate(passed, start=1):
        shares_rank = ranked and ranked[-1].outcome.score == outcome.score
        ranked.append(RankedCandidate(ranked[-1].rank if shares_rank else position, outcome))
    return ranked


def _passed_score(outcome: Outcome) -> Decimal:
    assert outcome.score is not None  # only an outcome without quorum has no score
    return outcome.score
