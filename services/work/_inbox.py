"""The inbox: the open tasks a user may see, filtered and searched, and the tasks they
completed ("Đã xử lý"). Every query keeps the visibility condition, which runs on the
queue and assignee indexes, so that a search only filters the user's own rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.text import fold
from services.identity import AppUser, Membership, OrgUnit

DUE_SOON = timedelta(hours=24)
QUEUES = ("all", "mine", "unclaimed")
DUE_FILTERS = ("soon", "overdue")
VIEWS = ("open", "done")  # the open tasks, or those I completed
MAX_SEARCH = 100  # characters of the search box
MAX_PROCESSES = 50  # process keys of one filter


@dataclass(frozen=True)
class InboxQuery:
    queue: str = "all"  # all | mine (assigned to me) | unclaimed (open to my roles, nobody's yet)
    process_keys: tuple[str, ...] = ()  # any of these processes; none: every process
    campaign_id: int | None = None
    due: str | None = None  # soon (within 24 h) | overdue
    q: str = ""  # words of the title, the unit's or the process's name
    view: str = "open"  # open | done
    page: int = 1
    per_page: int = 100

    def plain(self) -> dict:
        """The query as a saved filter keeps it (no page)."""
        return {
            "q": self.q,
            "process": list(self.process_keys),
            "queue": self.queue,
            "due": self.due,
            "campaign": self.campaign_id,
            "view": self.view,
        }

    @classmethod
    def from_plain(cls, values: dict, page: int = 1, per_page: int = 100) -> InboxQuery:
        """A query from stored or typed values; a value it does not know falls back to its
        default, as an unknown argument of the inbox's address does."""
        queue, due, view = values.get("queue"), values.get("due"), values.get("view")
        processes = values.get("process") or []
        if isinstance(processes, str):
            processes = [processes]
        campaign = values.get("campaign")
        q = values.get("q")
        return cls(
            queue=queue if queue in QUEUES else "all",
            process_keys=tuple(
                dict.fromkeys(key for key in processes if isinstance(key, str) and 0 < len(key) <= 100)
            )[:MAX_PROCESSES],
            campaign_id=campaign if isinstance(campaign, int) and campaign > 0 else None,
            due=due if due in DUE_FILTERS else None,
            q=" ".join(q.split())[:MAX_SEARCH] if isinstance(q, str) else "",
            view=view if view in VIEWS else "open",
            page=max(1, page),
            per_page=per_page,
        )


@dataclass
class InboxPage:
    tasks: list[HumanTask]
    total: int  # matching the query, all pages
    counts: dict[str, int]  # per queue and deadline state, whatever the filters
    page: int
    per_page: int
    assignees: dict[int, str] = field(default_factory=dict)  # the page's assignees' names

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def inbox(session: Session, user: AppUser, query: InboxQuery, at: datetime) -> InboxPage:
    """The user's open tasks, filtered, sorted by due date (none last), one page."""
    visible = _visible_to(session, user)
    filtered = visible & open_filters(session, user, query, at)
    page = max(1, query.page)
    rows = session.scalars(
        select(HumanTask)
        .where(filtered)
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
        .offset((page - 1) * query.per_page)
        .limit(query.per_page)
    ).all()
    total = session.execute(select(func.count()).where(filtered)).scalar_one()
    return InboxPage(list(rows), total, _counts(session, user, visible, at), page, query.per_page)


def done(session: Session, user: AppUser, query: InboxQuery) -> InboxPage:
    """The tasks the user completed, newest first, searched and filtered by process like
    the inbox; one page. Its counts are left empty (``counts`` gives the inbox's)."""
    filtered = done_filter(session, user, query)
    page = max(1, query.page)
    rows = session.scalars(
        select(HumanTask)
        .where(filtered)
        .order_by(HumanTask.completed_at.desc())
        .offset((page - 1) * query.per_page)
        .limit(query.per_page)
    ).all()
    total = session.execute(select(func.count()).where(filtered)).scalar_one()
    return InboxPage(list(rows), total, {}, page, query.per_page)


def counts(session: Session, user: AppUser, at: datetime) -> dict[str, int]:
    """The inbox's counts per queue and deadline state."""
    return _counts(session, user, _visible_to(session, user), at)


def count_matching(session: Session, user: AppUser, query: InboxQuery, at: datetime, visible=None) -> int:
    """How many tasks the query finds (all pages): open ones, or completed ones for 'done'.
    ``visible``: the user's visibility condition, when the caller built it already."""
    if query.view == "done":
        condition = done_filter(session, user, query)
    else:
        visible = _visible_to(session, user) if visible is None else visible
        condition = visible & open_filters(session, user, query, at)
    return session.execute(select(func.count()).where(condition)).scalar_one()


def open_filters(session: Session, user: AppUser, query: InboxQuery, at: datetime):
    """The query's conditions on open tasks, besides visibility."""
    conditions = _common_filters(session, query)
    if query.queue == "mine":
        conditions.append(HumanTask.assignee_id == user.id)
    elif query.queue == "unclaimed":
        conditions.append(HumanTask.assignee_id.is_(None))
    if query.campaign_id is not None:
        key = f"campaign:{query.campaign_id}"
        conditions.append(
            HumanTask.instance_id.in_(
                select(ProcessInstance.id).where(
                    (ProcessInstance.business_key == key) | ProcessInstance.business_key.like(f"{key}/%")
                )
            )
        )
    if query.due == "overdue":
        conditions.append(HumanTask.due_at <= at)
    elif query.due == "soon":
        conditions.append((HumanTask.due_at > at) & (HumanTask.due_at <= at + DUE_SOON))
    return and_(true(), *conditions)


def done_filter(session: Session, user: AppUser, query: InboxQuery):
    """Tasks the user completed (index ix_human_task_done), searched and filtered by
    process; the queue, deadline and campaign filters are about open work and do not apply."""
    return and_(HumanTask.completed_by == user.id, *_common_filters(session, query))


def _common_filters(session: Session, query: InboxQuery) -> list:
    conditions = []
    if query.process_keys:
        conditions.append(HumanTask.process_key.in_(query.process_keys))
    if query.q:
        conditions += _search(session, query.q)
    return conditions


def _search(session: Session, text: str) -> list:
    """One condition per word of ``text``, folded: in the task's folded title, or in the
    name of its unit or of its process. Unit and process names are few: they are matched
    here and turn into lists of ids and keys."""
    words = fold(text).split()
    if not words:
        return []
    units = session.execute(select(OrgUnit.id, OrgUnit.name)).tuples().all()
    folded_units = [(unit_id, _folded(name)) for unit_id, name in units]
    folded_processes = [(key, _folded(name)) for key, name in process_names(session).items()]
    conditions = []
    for word in dict.fromkeys(words):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        terms = [HumanTask.search_text.like(f"%{escaped}%", escape="\\")]
        unit_ids = [unit_id for unit_id, name in folded_units if word in name]
        if unit_ids:
            terms.append(HumanTask.org_unit_id.in_(unit_ids))
        keys = [key for key, name in folded_processes if word in name]
        if keys:
            terms.append(HumanTask.process_key.in_(keys))
        conditions.append(or_(*terms))
    return conditions


# A version's content (its title included) is never edited, and its sha256 names it: the
# titles are read once per version and process, whatever the database.
_TITLES: dict[str, str] = {}


def process_names(session: Session) -> dict[str, str]:
    """Each published process's key and the title of its newest version, by title."""
    newest: dict[str, tuple[int, str]] = {}
    for key, version, sha256 in session.execute(
        select(ProcessDefinition.key, ProcessDefinition.version, ProcessDefinition.sha256)
    ).tuples():
        if key not in newest or version > newest[key][0]:
            newest[key] = (version, sha256)
    missing = [sha256 for _, sha256 in newest.values() if sha256 not in _TITLES]
    if missing:
        for definition in session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.sha256.in_(missing))
        ):
            _TITLES[definition.sha256] = definition.title
    names = {key: _TITLES.get(sha256, key) for key, (_, sha256) in newest.items()}
    return dict(sorted(names.items(), key=lambda item: (_folded(item[1]), item[0])))


@lru_cache(maxsize=4096)
def _folded(name: str) -> str:
    """A unit's or a process's name folded: the same few names on every search."""
    return fold(name)


def assignee_names(session: Session, tasks: list[HumanTask]) -> dict[int, str]:
    """The full names of the tasks' assignees, in one query (none when nobody is assigned)."""
    ids = {task.assignee_id for task in tasks if task.assignee_id is not None}
    if not ids:
        return {}
    return dict(
        session.execute(select(AppUser.id, AppUser.full_name).where(AppUser.id.in_(ids))).tuples().all()
    )


def queues_of(session: Session, user: AppUser) -> set[tuple[str, int]]:
    """The (role, unit) queues the user holds: a task of one of them can go back to it."""
    return set(
        session.execute(
            select(Membership.role_code, Membership.org_unit_id).where(Membership.user_id == user.id)
        ).tuples()
    )


def _visible_to(session: Session, user: AppUser):
    """The condition for open tasks the user may see: of a (role, unit) they hold and
    not someone else's, or assigned to them. Each term of the OR is whole (status
    included) so that SQLite answers each from an index and unions them, instead of
    scanning every open task."""
    held = queues_of(session, user)
    ready, mine = HumanTask.status == "ready", HumanTask.assignee_id == user.id
    in_queues = [
        and_(
            ready,
            HumanTask.lane == role,
            HumanTask.org_unit_id == unit,
            or_(HumanTask.assignee_id.is_(None), mine),
        )
        for role, unit in held
    ]
    return or_(*in_queues, and_(ready, mine))


def _counts(session: Session, user: AppUser, visible, at: datetime) -> dict[str, int]:
    row = session.execute(
        select(
            func.count(),
            func.count(case((HumanTask.assignee_id == user.id, 1))),
            func.count(case((HumanTask.assignee_id.is_(None), 1))),
            func.count(case((and_(HumanTask.due_at > at, HumanTask.due_at <= at + DUE_SOON), 1))),
            func.count(case((HumanTask.due_at <= at, 1))),
        ).where(visible)
    ).one()
    return dict(zip(("all", "mine", "unclaimed", "soon", "overdue"), row))
