"""The campaign's Công văn to the city (docs/records.md#the-campaigns-cong-van): drafted
from the aggregation when Phòng VH-XH completes it, approved with the chair's approval
(signed in the chair's name), issued by the commune's records clerk, who gives it its
number and date from the register of documents sent."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from services import documents, records
from services.campaigns._models import Campaign
from services.common.errors import Conflict
from services.identity import HOME_AFFAIRS, AppUser, OrgUnit, city_of, department_of

TYPE = "cong_van"
DRAFT_KIND = "outgoing_draft"
_ADMINISTRATIVE_WORDS = re.compile(r"^(?:UBND\s+)?(?:xã|phường|đặc khu|thị trấn)\s+", re.IGNORECASE)


def case_of(campaign: Campaign) -> str:
    return f"campaign:{campaign.id}"


def dispatch_of(session: Session, campaign: Campaign) -> records.OutgoingDocument | None:
    """The campaign's Công văn, whatever its status (the newest if it was drafted again)."""
    return session.scalar(
        select(records.OutgoingDocument)
        .where(
            records.OutgoingDocument.case_subject == case_of(campaign),
            records.OutgoingDocument.doc_type == TYPE,
        )
        .order_by(records.OutgoingDocument.id.desc())
        .limit(1)
    )


def draft_file_of(session: Session, campaign: Campaign) -> int | None:
    """The stored .docx of the Công văn as it stands: issued, its file; else its latest draft."""
    document = dispatch_of(session, campaign)
    if document is None:
        return None
    if document.docx_id is not None:
        return document.docx_id
    return session.scalar(
        select(documents.StoredDocument.id)
        .where(
            documents.StoredDocument.subject == f"outgoing_document:{document.id}",
            documents.StoredDocument.kind == DRAFT_KIND,
        )
        .order_by(documents.StoredDocument.id.desc())
        .limit(1)
    )


def _keep_draft_file(
    session: Session, document: records.OutgoingDocument, at: datetime, actor_id: int | None
):
    """The draft as the chair and the records clerk will read it, kept with the document."""
    documents.store(
        session,
        at,
        actor_id,
        kind=DRAFT_KIND,
        subject=f"outgoing_document:{document.id}",
        filename=f"du-thao-cong-van-{document.id}.docx",
        media_type=documents.DOCX,
        content=records.preview_docx(session, document),
    )


def place_of(commune: OrgUnit) -> str:
    """ "UBND xã Cẩm Giang" -> "Cẩm Giang": the place name of the date line."""
    return _ADMINISTRATIVE_WORDS.sub("", commune.name).strip()


def _content(session: Session, campaign: Campaign, commune: OrgUnit, field_titles: dict) -> dict:
    aggregation = campaign.aggregation or {"lines": [], "totals": {"quantity_year": 0, "quantity_period": 0}}
    place = place_of(commune)
    try:
        addressee = department_of(session, city_of(session, commune), HOME_AFFAIRS).name
    except NotFound:  # a gap in the directory: the dispatch itself is refused until it is filled
        addressee = "Sở Nội vụ"
    # By field: a Công văn stays a page or two whatever the number of units; the lines by
    # unit are the board's .xlsx, attached when it is sent.
    by_field: dict[str, list[int]] = {}
    for line in aggregation["lines"]:
        sums = by_field.setdefault(line["field"], [0, 0, 0])
        sums[0] += 1
        sums[1] += line["quantity_year"]
        sums[2] += line["quantity_period"]
    rows = [
        [str(index), field_titles.get(field, field), str(units), str(year), str(period)]
        for index, (field, (units, year, period)) in enumerate(sorted(by_field.items()), start=1)
    ]
    totals = aggregation["totals"]
    kind_word = commune.name.removeprefix("UBND ").removesuffix(place).strip()  # "xã", "phường"
    return {
        "body_lines": ["ỦY BAN NHÂN DÂN", f"{kind_word} {place}".upper()],
        "addressees": [addressee],
        "paragraphs": [
            f"Thực hiện kế hoạch thu hút người có tài năng, nguồn nhân lực chất lượng cao giai đoạn "
            f"{campaign.period_from}-{campaign.period_to}, Ủy ban nhân dân {kind_word} {place} đã đề "
            f"nghị các cơ quan, đơn vị trên địa bàn đề xuất nhu cầu năm {campaign.target_year}"
            + (f" (Công văn số {campaign.launch_doc})" if campaign.launch_doc else "")
            + ".",
            f"Trên cơ sở đề xuất của các cơ quan, đơn vị, Ủy ban nhân dân {kind_word} {place} tổng hợp nhu "
            f"cầu thu hút người có tài năng, nguồn nhân lực chất lượng cao năm {campaign.target_year} theo "
            f"lĩnh vực như bảng dưới đây (chi tiết theo cơ quan, đơn vị tại biểu kèm theo) và kính gửi "
            f"{addressee} tổng hợp, trình Ủy ban nhân dân thành phố xem xét.",
        ],
        "table": {
            "title": f"BẢNG TỔNG HỢP NHU CẦU NĂM {campaign.target_year}",
            "header": [
                "STT",
                "Lĩnh vực",
                "Số cơ quan, đơn vị",
                f"Năm {campaign.target_year}",
                f"Giai đoạn {campaign.period_from}-{campaign.period_to}",
            ],
            "rows": rows,
            "totals": [
                "",
                "Tổng cộng",
                str(len({line["unit_code"] for line in aggregation["lines"]})),
                str(totals["quantity_year"]),
                str(totals["quantity_period"]),
            ],
        },
        "recipients": ["Như trên", "Lưu: VT, VHXH"],
        "signer": {"authority": "TM. ỦY BAN NHÂN DÂN", "title": "CHỦ TỊCH", "name": ""},
    }


def draft_dispatch(
    session: Session, campaign: Campaign, at: datetime, actor_id: int | None, titles: dict
) -> None:
    """Phòng VH-XH completed the aggregation: the Công văn as it now stands (the draft of a
    returned aggregation is redrafted)."""
    commune = session.get_one(OrgUnit, campaign.commune_id)
    office = session.get_one(OrgUnit, campaign.aggregator_id)
    subject = (
        f"đề xuất nhu cầu thu hút người có tài năng, nguồn nhân lực chất lượng cao năm {campaign.target_year}"
    )
    content = _content(session, campaign, commune, titles)
    existing = dispatch_of(session, campaign)
    if existing is not None and existing.status == records.DRAFT:
        document = records.revise(session, existing.id, subject=subject, content=content)
    else:
        document = records.draft(
            session,
            at,
            actor_id,
            org_unit_id=commune.id,
            doc_type=TYPE,
            kind=records.ADMINISTRATIVE,
            body=records.unit_symbol(commune.symbol, commune.kind) or "UBND",
            unit=records.unit_symbol(office.symbol, office.kind),
            subject=subject,
            place_name=place_of(commune),
            content=content,
            case_subject=case_of(campaign),
        )
    _keep_draft_file(session, document, at, actor_id)


def approve_dispatch(session: Session, campaign: Campaign, at: datetime, chair_id: int | None) -> None:
    """The chair approved the aggregation: the Công văn, to be signed in their name."""
    document = dispatch_of(session, campaign)
    if document is None or document.status != records.DRAFT:
        return
    chair = session.get(AppUser, chair_id) if chair_id is not None else None
    signer = {**document.content.get("signer", {}), "name": chair.full_name if chair else ""}
    records.revise(
        session, document.id, subject=document.subject, content={**document.content, "signer": signer}
    )
    records.approve(session, at, chair_id, document.id)


def issue_dispatch(
    session: Session, campaign: Campaign, at: datetime, clerk_id: int | None
) -> records.OutgoingDocument:
    """The records clerk issues the Công văn: its number and date from the register."""
    document = dispatch_of(session, campaign)
    if document is None:
        raise Conflict(Message("The campaign's Công văn was never drafted: Phòng VH-XH aggregates first."))
    return records.issue(session, at, clerk_id, document.id)
