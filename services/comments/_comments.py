"""Comments (ý kiến) on a case: see docs/working-together.md.

Who reads a comment follows the case's visibility: a unit's internal remark stays with
the people of that unit, one marked for the reviewing office is read by every participant
of the case. The caller decides who is a participant: the reader reaches the comments only
through a task or a board they may already see (services.work.visible_task, the campaign
board), so this context never imports work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from engine.models import HumanTask
from services.comments._models import CaseComment
from services.common import audit
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.identity import AppUser, Membership, OrgUnit, role_word

UNIT, CASE = "unit", "case"
AUDIENCES = (UNIT, CASE)
MAX_BODY = 2000
MAX_REASON = 500


@dataclass(frozen=True)
class CommentView:
    """A comment as its reader sees it: the body is None once withdrawn (never shown again)."""

    id: int
    at: datetime
    author: str
    role: str  # a message
    unit: str | None
    audience: str
    body: str | None
    withdrawn_at: datetime | None
    reason: str | None
    own: bool  # written by the reader: they may withdraw it

    @property
    def who(self) -> str:
        """The author with their place in the case: "Name (role — unit)", a message."""
        place = Message("%(role)s — %(unit)s", role=self.role, unit=self.unit) if self.unit else self.role
        return Message("%(author)s (%(place)s)", author=self.author, place=place) if place else self.author


def post(
    session: Session, author: AppUser, task: HumanTask, body: str, audience: str, at: datetime
) -> CaseComment:
    """Write a comment on the task's case. The caller has checked that ``author`` may see
    ``task``; the comment takes the task's lane and unit as its author's place."""
    # A browser sends a line break as CRLF: counted as one character, as the page counts it.
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput("body", Message("The comment may not be empty."))
    if len(text) > MAX_BODY:
        raise InvalidInput(
            "body", Message("The comment may not be longer than %(limit)s characters.", limit=MAX_BODY)
        )
    if audience not in AUDIENCES:
        raise InvalidInput("audience", Message("The comment's readers are not valid."))
    comment = CaseComment(
        instance_id=task.instance_id,
        task_id=task.id,
        author_id=author.id,
        role_code=task.lane,
        org_unit_id=task.org_unit_id,
        audience=audience,
        body=text,
        created_at=at,
    )
    session.add(comment)
    session.flush()
    # Never the body in the audit: it may hold personal data; the row keeps it.
    audit.record(
        session,
        at,
        author.id,
        "comment.post",
        f"case_comment:{comment.id}",
        instance_id=task.instance_id,
        task_id=task.id,
        audience=audience,
    )
    return comment


def withdraw(
    session: Session, user: AppUser, instance_id: int, comment_id: int, reason: str, at: datetime
) -> CaseComment:
    """Withdraw one's own comment on the case, once, with a reason. The row keeps its
    body (never shown again) and gets the instant and the reason: nothing is edited."""
    comment = session.get(CaseComment, comment_id)
    if comment is None or comment.instance_id != instance_id or not _may_read(session, comment, user):
        raise NotFound(f"no comment {comment_id}")
    if comment.author_id != user.id:
        raise PermissionDenied(Message("Only the comment's author may withdraw it."))
    if comment.withdrawn_at is not None:
        raise Conflict(Message("This comment is already withdrawn."))
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("reason", Message("The reason for withdrawing may not be empty."))
    if len(text) > MAX_REASON:
        raise InvalidInput(
            "reason",
            Message(
                "The reason for withdrawing may not be longer than %(limit)s characters.", limit=MAX_REASON
            ),
        )
    comment.withdrawn_at, comment.withdrawn_reason = at, text
    audit.record(
        session,
        at,
        user.id,
        "comment.withdraw",
        f"case_comment:{comment.id}",
        instance_id=instance_id,
        reason=text,
    )
    return comment


def readable(session: Session, instance_id: int, reader: AppUser) -> list[CommentView]:
    """The case's comments ``reader`` may read, oldest first."""
    units = _units_of(session, reader)
    rows = [
        comment
        for comment in session.scalars(
            select(CaseComment)
            .where(CaseComment.instance_id == instance_id)
            .order_by(CaseComment.created_at, CaseComment.id)
        )
        if _readable_by(comment, reader, units)
    ]
    if not rows:
        return []
    names = dict(
        session.execute(
            select(AppUser.id, AppUser.full_name).where(AppUser.id.in_({row.author_id for row in rows}))
        )
        .tuples()
        .all()
    )
    unit_names = dict(
        session.execute(
            select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_({row.org_unit_id for row in rows}))
        )
        .tuples()
        .all()
    )
    return [
        CommentView(
            id=row.id,
            at=row.created_at,
            author=names.get(row.author_id, ""),
            role=role_word(row.role_code),
            unit=unit_names.get(row.org_unit_id) if row.org_unit_id is not None else None,
            audience=row.audience,
            body=None if row.withdrawn_at else row.body,
            withdrawn_at=row.withdrawn_at,
            reason=row.withdrawn_reason,
            own=row.author_id == reader.id,
        )
        for row in rows
    ]


def history_steps(session: Session, instance_id: int, reader: AppUser) -> list[dict]:
    """This context's steps of the case's history that ``reader`` may see (see services.work.history)."""
    return [
        {
            "at": view.at,
            "what": "comment",
            "who": view.who,
            "audience": view.audience,
            "body": view.body,
            "withdrawn_at": view.withdrawn_at,
            "reason": view.reason,
        }
        for view in readable(session, instance_id, reader)
    ]


def _units_of(session: Session, reader: AppUser) -> set[int]:
    return set(session.scalars(select(Membership.org_unit_id).where(Membership.user_id == reader.id)))


def _readable_by(comment: CaseComment, reader: AppUser, units: set[int]) -> bool:
    return comment.author_id == reader.id or comment.audience == CASE or comment.org_unit_id in units


def _may_read(session: Session, comment: CaseComment, reader: AppUser) -> bool:
    return _readable_by(comment, reader, _units_of(session, reader))
