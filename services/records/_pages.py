"""What the records clerk sees (docs/records.md#the-register-pages): the bodies whose
registers they keep, a year's registers of one body, who may download a document."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from services.identity import RECORDS_CLERK, Membership, OrgUnit
from services.records._models import IncomingDocument, OutgoingDocument
from services.records._registers import APPROVED, received_register, sent_register


@dataclass(frozen=True)
class Registers:
    body: OrgUnit
    year: int
    waiting: list[OutgoingDocument]  # approved, not issued yet
    sent: list[OutgoingDocument]
    received: list[IncomingDocument]


def _kept_by(user_id: int):
    return select(Membership.org_unit_id).where(
        Membership.user_id == user_id, Membership.role_code == RECORDS_CLERK
    )


def bodies_of_clerk(session: Session, user_id: int) -> list[OrgUnit]:
    """The bodies whose registers the user keeps, by name."""
    return list(
        session.scalars(select(OrgUnit).where(OrgUnit.id.in_(_kept_by(user_id))).order_by(OrgUnit.name))
    )


def may_keep_registers(session: Session, user_id: int) -> bool:
    return bool(session.scalar(select(exists(_kept_by(user_id)))))


def registers_of(session: Session, user_id: int, org_unit_id: int, year: int) -> Registers:
    """A body's registers of ``year``, for its records clerk only (anyone else: not found)."""
    body = session.get(OrgUnit, org_unit_id)
    if body is None or org_unit_id not in set(session.scalars(_kept_by(user_id))):
        raise NotFound(Message("There are no registers of this body for you."))
    waiting = list(
        session.scalars(
            select(OutgoingDocument)
            .where(OutgoingDocument.org_unit_id == org_unit_id, OutgoingDocument.status == APPROVED)
            .order_by(OutgoingDocument.approved_at)
        )
    )
    return Registers(
        body,
        year,
        waiting,
        sent_register(session, org_unit_id, year),
        received_register(session, org_unit_id, year),
    )


def readable_document(session: Session, user_id: int, document_id: int) -> OutgoingDocument:
    """A document the user may download: its author, approver or issuer, the records clerk of
    the body that issued it or of a body that registered it received. Anyone else is told
    it does not exist."""
    document = session.get(OutgoingDocument, document_id)
    if document is None:
        raise NotFound(Message("There is no document %(id)s.", id=document_id))
    if user_id in (document.created_by, document.approved_by, document.issued_by):
        return document
    kept = _kept_by(user_id)
    receivers = select(IncomingDocument.org_unit_id).where(IncomingDocument.outgoing_id == document_id)
    clerk = session.scalar(
        select(
            exists().where(
                OrgUnit.id.in_(kept),
                or_(OrgUnit.id == document.org_unit_id, OrgUnit.id.in_(receivers)),
            )
        )
    )
    if not clerk:
        raise NotFound(Message("There is no document %(id)s.", id=document_id))
    return document
