"""A sample document of each kind, made up but true to life: what an uploaded template is
rendered with before it is kept (it must show each value) and what its preview shows."""

from __future__ import annotations

from services.records._layout import CENTRED, HEADING, Block, Layout, Signer, Table, paragraphs
from services.records._symbols import DOCUMENT_TYPES

COMMITMENT = "cam_ket"  # a person's document: no issuing body, no number

_PLACE_AND_DATE = "Cẩm Giang, ngày 05 tháng 01 năm 2027"
_CHAIR = Signer("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn Hùng")
_SCORES = Table(
    header=["STT", "Thành viên", "Vai trò", "Điểm"],
    rows=[["1", "Trần Thị Ánh", "Chủ tịch Hội đồng", "82"], ["2", "Lê Quốc Việt", "Ủy viên", "78"]],
    totals=["", "Điểm trung bình", "", "80"],
)


def _letter() -> Layout:
    return Layout(
        place_and_date=_PLACE_AND_DATE,
        subject="đề xuất nhu cầu thu hút người có tài năng năm 2027",
        letter=True,
        body_lines=["ỦY BAN NHÂN DÂN", "XÃ CẨM GIANG"],
        number_and_symbol="07/UBND-VHXH",
        addressees=["Sở Nội vụ thành phố Hải Phòng"],
        blocks=[
            *paragraphs("Ủy ban nhân dân xã Cẩm Giang tổng hợp nhu cầu theo lĩnh vực như bảng dưới đây."),
            Block(
                table=Table(
                    title="BẢNG TỔNG HỢP NHU CẦU NĂM 2027",
                    header=["STT", "Lĩnh vực", "Số lượng"],
                    rows=[["1", "Giáo dục", "3"], ["2", "Y tế", "2"]],
                    totals=["", "Tổng cộng", "5"],
                )
            ),
        ],
        recipients=["Như trên", "Lưu: VT, VHXH"],
        signers=[_CHAIR],
    )


def _decision(title: str) -> Layout:
    return Layout(
        place_and_date="Hải Phòng, ngày 12 tháng 3 năm 2027",
        title=title,
        subject="Về việc công nhận kết quả tuyển chọn người có tài năng năm 2027",
        body_lines=["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HẢI PHÒNG"],
        number_and_symbol="302/QĐ-UBND",
        blocks=[
            Block("ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG", CENTRED),
            *paragraphs(
                "Căn cứ Luật Tổ chức chính quyền địa phương;", "Theo đề nghị của Giám đốc Sở Nội vụ."
            ),
            Block("QUYẾT ĐỊNH:", CENTRED),
            Block("Điều 1. Công nhận kết quả tuyển chọn đối với các ông, bà có tên sau:", HEADING),
            Block(
                table=Table(header=["STT", "Họ và tên", "Vị trí"], rows=[["1", "Phạm Minh Đức", "Bác sĩ"]])
            ),
            Block("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.", HEADING),
        ],
        recipients=["Như Điều 2", "Lưu: VT, SNV"],
        signers=[_CHAIR],
    )


def _minutes() -> Layout:
    return Layout(
        place_and_date=_PLACE_AND_DATE,
        title="BIÊN BẢN",
        subject="Họp Hội đồng tuyển chọn người có tài năng năm 2027",
        superior="ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG",
        body_lines=["HỘI ĐỒNG TUYỂN CHỌN"],
        number_and_symbol="    /BB-HĐTC",
        blocks=[
            *paragraphs("Thời gian: ngày 05/01/2027.", "Địa điểm: Phòng họp số 2, Sở Nội vụ."),
            Block("1. Ứng viên Phạm Minh Đức — Bác sĩ", HEADING),
            Block(table=_SCORES),
            *paragraphs("Kết quả: Đạt."),
        ],
        signers=[
            Signer(title="THƯ KÝ HỘI ĐỒNG", name="Lê Quốc Việt", hint="(Ký, ghi rõ họ tên)"),
            Signer(title="CHỦ TỊCH HỘI ĐỒNG", name="Trần Thị Ánh", hint="(Ký, ghi rõ họ tên)"),
        ],
    )


def _commitment() -> Layout:
    return Layout(
        place_and_date="............, ngày ...... tháng ...... năm ..........",
        title="BẢN CAM KẾT",
        subject="Thực hiện nghĩa vụ của người được thu hút là người có tài năng",
        blocks=[
            *paragraphs("Tôi là: Phạm Minh Đức", "Cơ quan, đơn vị sử dụng: Trạm Y tế xã Cẩm Giang"),
            Block("Tôi xin cam kết:", HEADING),
            *paragraphs("1. Công tác tối thiểu 5 năm tại thành phố Hải Phòng."),
        ],
        signers=[
            Signer(title="THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ SỬ DỤNG", hint="(Ký, ghi rõ họ tên, đóng dấu)"),
            Signer(title="NGƯỜI CAM KẾT", name="Phạm Minh Đức", hint="(Ký, ghi rõ họ tên)"),
        ],
    )


def sample(key: str) -> Layout:
    if key == "cong_van":
        return _letter()
    if key == "bien_ban":
        return _minutes()
    if key == COMMITMENT:
        return _commitment()
    return _decision(DOCUMENT_TYPES[key].name)


def shown_values(layout: Layout) -> dict[str, str]:
    """What a template must show of a document (named for the refusal of one that does
    not): the values whose absence would make the document not what was decided."""
    values = {
        "place_and_date": layout.place_and_date,
        "subject": layout.subject,
        "number_and_symbol": layout.number_and_symbol.strip(),
        "title": layout.title if not layout.letter else "",
        "body_lines": layout.body_lines[-1] if layout.body_lines else "",
        "addressees": layout.addressees[0] if layout.addressees else "",
        "blocks": layout.blocks[0].text if layout.blocks else "",
        "table": next((block.table.rows[0][1] for block in layout.blocks if block.table), ""),
        "recipients": layout.recipients[-1] if layout.recipients else "",
        "signers": layout.signers[-1].name if layout.signers else "",
    }
    return {name: value for name, value in values.items() if value}
