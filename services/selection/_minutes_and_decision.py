"""The council's minutes (biên bản) and the decision on the selection results (quyết định),
laid out as Decree 30 lays out a document (services.records, docs/records.md#templates).

Both are made from the outcome the selection module stores (``Council.outcome``), so
that they say exactly what was decided. The minutes: the council and its establishing
decision, the date and place, the members present with their roles, the recusals with
their reasons, per candidate each member's score, the mean, the votes, the result and the
rank, the quorum statement (Decree 170 Art. 24 by analogy: 2/3 of the council), and the
signatures of the secretary and the chair. The decision: who is selected, for which
position of which unit, signed for the city's People's Committee.
"""

from __future__ import annotations

from datetime import date

from services import records
from services.common.display import in_language
from services.records import CENTRED, HEADING, Block, Layout, Signer, Table, paragraphs
from services.selection._council_rules import ROLE_LABELS, CouncilRole

RESULT_LABELS = {
    "passed": "Đạt",
    "failed": "Không đạt",
    "no_quorum": "Không đủ số thành viên tham gia đánh giá",
}
HAND_SIGNED = "(Ký, ghi rõ họ tên)"


def minutes_layout(council_name: str, establishing_decision: str | None, outcome: dict, city: str) -> Layout:
    """``city``: the city's People's Committee ("UBND thành phố Hải Phòng")."""
    meeting_day = date.fromisoformat(outcome["meeting_date"])
    blocks = [
        *(
            paragraphs(f"{council_name} (thành lập theo Quyết định số {establishing_decision}).")
            if establishing_decision
            else []
        ),
        *paragraphs(f"Thời gian: ngày {meeting_day:%d/%m/%Y}.", f"Địa điểm: {outcome['place']}."),
        *_members(outcome),
        *_recusals(outcome),
        *_absences(outcome),
    ]
    for number, entry in enumerate(outcome["candidates"], start=1):
        blocks += _candidate(number, entry, outcome["council_size"])
    blocks += _conclusion(outcome)
    holders = {member["role"]: member["full_name"] for member in outcome["members"]}
    return Layout(
        place_and_date=records.date_words(_place(city), meeting_day, meeting_day.year),
        title="BIÊN BẢN",
        subject=f"Họp {council_name}",
        superior=_committee(city),
        body_lines=["HỘI ĐỒNG TUYỂN CHỌN"],
        number_and_symbol="    /BB-HĐTC",  # numbered by hand when signed: the council keeps no register here
        blocks=blocks,
        signers=[
            Signer(title="THƯ KÝ HỘI ĐỒNG", name=holders.get("secretary", ""), hint=HAND_SIGNED),
            Signer(title="CHỦ TỊCH HỘI ĐỒNG", name=holders.get("chair", ""), hint=HAND_SIGNED),
        ],
    )


def decision_layout(
    round_title: str,
    legal_basis: str,
    decision_code: str,
    decision_day: date,
    outcome: dict,
    city: str,
    chair_name: str,
) -> Layout:
    """The decision the city's chair signs when approving the council's results."""
    selected = [
        entry for entry in outcome["candidates"] if entry["result"] == "passed" and entry["within_quota"]
    ]
    rows = [
        [str(index), entry["full_name"], entry["position_title"], str(entry["mean"])]
        for index, entry in enumerate(selected, start=1)
    ]
    committee, meeting_day = _committee(city), date.fromisoformat(outcome["meeting_date"])
    return Layout(
        place_and_date=records.date_words(_place(city), decision_day, decision_day.year),
        title="QUYẾT ĐỊNH",
        subject=f"Về việc công nhận kết quả tuyển chọn: {round_title}",
        body_lines=["ỦY BAN NHÂN DÂN", committee.removeprefix("ỦY BAN NHÂN DÂN ")],
        number_and_symbol=decision_code,
        blocks=[
            Block(f"CHỦ TỊCH {committee}", CENTRED),
            *paragraphs(
                "Căn cứ Luật Tổ chức chính quyền địa phương;",
                f"Căn cứ {legal_basis};",
                f"Căn cứ Biên bản họp Hội đồng tuyển chọn ngày {meeting_day:%d/%m/%Y};",
                "Theo đề nghị của Giám đốc Sở Nội vụ.",
            ),
            Block("QUYẾT ĐỊNH:", CENTRED),
            Block(
                f"Điều 1. Công nhận kết quả tuyển chọn đối với {len(selected)} người có tên sau:"
                if selected
                else "Điều 1. Không có ứng viên đạt trong chỉ tiêu.",
                HEADING,
            ),
            *(
                [
                    Block(
                        table=Table(
                            header=["STT", "Họ và tên", "Vị trí việc làm", "Điểm trung bình"], rows=rows
                        )
                    )
                ]
                if rows
                else []
            ),
            *paragraphs(
                "Điều 2. Cơ quan, đơn vị sử dụng thực hiện tuyển dụng, tiếp nhận và ký cam kết với người "
                "được tuyển chọn theo quy định.",
                "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Ủy ban nhân dân thành "
                "phố, Giám đốc Sở Nội vụ, thủ trưởng các cơ quan, đơn vị liên quan và các ông, bà có tên tại "
                "Điều 1 chịu trách nhiệm thi hành Quyết định này.",
            ),
        ],
        recipients=["Như Điều 3", "Lưu: VT, SNV"],
        signers=[Signer("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", chair_name)],
    )


def _committee(city: str) -> str:
    """ "UBND thành phố Hải Phòng" -> "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG"."""
    return ("Ủy ban nhân dân " + city.removeprefix("UBND ")).upper()


def _place(city: str) -> str:
    """ "UBND thành phố Hải Phòng" -> "Hải Phòng": the place name of the date line."""
    return city.removeprefix("UBND ").removeprefix("thành phố ").removeprefix("tỉnh ").strip()


def _role_label(role: str) -> str:
    # The documents are Vietnamese whatever the reader's language.
    return in_language(ROLE_LABELS[CouncilRole(role)], "vi")


def _members(outcome: dict) -> list[Block]:
    members = outcome["members"]
    lines = []
    for member in members:
        line = f"- {member['full_name']}, {member['title']} — {_role_label(member['role'])}"
        if member.get("nominating_unit"):
            line += f" (do {member['nominating_unit']} cử)"
        lines.append(line + ".")
    return paragraphs(f"Thành viên Hội đồng có mặt: {len(members)}/{outcome['council_size']}.", *lines)


def _recusals(outcome: dict) -> list[Block]:
    recusals = [
        (entry["full_name"], recused) for entry in outcome["candidates"] for recused in entry["recused"]
    ]
    if not recusals:
        return paragraphs("Không có thành viên nào không tham gia đánh giá ứng viên.")
    return paragraphs(
        "Thành viên không tham gia đánh giá ứng viên:",
        *(
            f"- {recused['full_name']} không tham gia đánh giá ứng viên {candidate_name}. "
            f"Lý do: {recused['reason']}."
            for candidate_name, recused in recusals
        ),
    )


def _absences(outcome: dict) -> list[Block]:
    """Members who had not scored a candidate by the scoring deadline: absent for them."""
    if not outcome.get("absent"):
        return []
    return paragraphs(
        "Thành viên không chấm điểm trong thời hạn (coi là vắng mặt):",
        *(f"- {absence['member']} đối với ứng viên {absence['candidate']}." for absence in outcome["absent"]),
    )


def _candidate(number: int, entry: dict, council_size: int) -> list[Block]:
    scores = Table(
        header=["STT", "Thành viên", "Vai trò", "Điểm"],
        rows=[
            [str(index), score["full_name"], _role_label(score["role"]), score["score"]]
            for index, score in enumerate(entry["scores"], start=1)
        ],
    )
    scorers = len(entry["scores"])
    blocks = [
        Block(f"{number}. Ứng viên {entry['full_name']} — {entry['position_title']}", HEADING),
        *([Block(table=scores)] if entry["scores"] else []),
        *paragraphs(
            f"Số thành viên chấm điểm: {scorers}/{council_size}; số tối thiểu để đủ 2/3 thành viên Hội đồng: "
            f"{entry['quorum_required']} — "
            f"{'đủ' if scorers >= entry['quorum_required'] else 'không đủ'} điều kiện đánh giá."
        ),
    ]
    if entry["mean"] is not None:
        blocks += paragraphs(
            f"Điểm trung bình: {entry['mean']}. Số phiếu đạt (từ 50 điểm): {entry['pass_votes']}; "
            f"không đạt: {entry['fail_votes']}."
        )
    result = RESULT_LABELS[entry["result"]]
    if entry["tie_broken_by"]:
        result += f" (số phiếu ngang nhau, theo ý kiến của {_role_label(entry['tie_broken_by'])})"
    if entry["rank"] is not None:
        quota = "trong chỉ tiêu" if entry["within_quota"] else "ngoài chỉ tiêu"
        result += f"; xếp thứ {entry['rank']} của vị trí ({quota} {entry['quantity']})"
    return blocks + paragraphs(f"Kết quả: {result}.")


def _conclusion(outcome: dict) -> list[Block]:
    passed = [
        entry for entry in outcome["candidates"] if entry["result"] == "passed" and entry["within_quota"]
    ]
    if not passed:
        return paragraphs("Không có ứng viên đạt trong chỉ tiêu.")
    names = "; ".join(f"{entry['full_name']} ({entry['position_title']})" for entry in passed)
    return paragraphs(f"Hội đồng đề nghị cấp có thẩm quyền công nhận kết quả tuyển chọn: {names}.")
