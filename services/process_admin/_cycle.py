"""Where a whole cycle stands, for the instance viewer (docs/processes.md, "The cycle, and
how each step starts the next"): from the instance at its top (the city's year) down to
each unit's proposal, whichever instance of it the administrator opened.

The cycle is what the parent links (a call activity's children, a case a message or the
code started) and the capabilities' ``CycleLink`` (a commune's campaign feeds the city's
year) join. A node shows its status and its open tasks; more than ``LISTED`` children of
one process are counted by status (a campaign's 5,000 units cost one GROUP BY), except
the one on the way to the instance opened."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import HumanTask, ProcessInstance
from engine.runtime import WorkflowRuntime

LISTED = 10  # children of one process shown one by one; beyond, counted
DEPTH = 6  # levels below the top: the cycle has five (year, campaign, unit...)


@dataclass(frozen=True)
class CycleGroup:
    """Children of one process too many to list: how many in each status."""

    process_key: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class CycleNode:
    id: int
    process_key: str
    business_key: str | None
    status: str
    open_tasks: list[str]  # the titles of its open tasks
    feeds: bool = False  # it feeds its parent in the tree (a CycleLink), rather than being its child
    children: list[CycleNode] = field(default_factory=list)
    groups: list[CycleGroup] = field(default_factory=list)


def cycle(session: Session, runtime: WorkflowRuntime, instance_id: int) -> CycleNode | None:
    """The cycle the instance belongs to, from its top; None when the instance stands
    alone (no parent, no child, nothing it feeds or is fed by)."""
    path = _path_to_top(session, runtime, instance_id)
    top = _node(session, path[-1])
    seen = {top.id}
    _grow(session, runtime, top, set(path), seen, DEPTH)
    return top if len(seen) > 1 or top.groups else None


def _path_to_top(session: Session, runtime: WorkflowRuntime, instance_id: int) -> list[int]:
    """The instance, its parent, what that one feeds... up to the top."""
    path = [instance_id]
    while len(path) <= DEPTH * 2:
        row = session.execute(
            select(ProcessInstance.parent_id, ProcessInstance.process_key).where(
                ProcessInstance.id == path[-1]
            )
        ).one()
        above = row.parent_id or runtime.reactions.cycle_target(session, row.process_key, path[-1])
        if above is None or above in path:
            break
        path.append(above)
    return path


def _node(session: Session, instance_id: int, feeds: bool = False) -> CycleNode:
    instance = session.execute(  # not the stored workflow: only what the tree shows
        select(
            ProcessInstance.id,
            ProcessInstance.process_key,
            ProcessInstance.business_key,
            ProcessInstance.status,
        ).where(ProcessInstance.id == instance_id)
    ).one()
    tasks = session.scalars(
        select(HumanTask.title)
        .where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
        .order_by(HumanTask.created_at)
        .limit(LISTED)
    ).all()
    return CycleNode(
        instance.id, instance.process_key, instance.business_key, instance.status, list(tasks), feeds
    )


def _grow(
    session: Session, runtime: WorkflowRuntime, node: CycleNode, path: set[int], seen: set[int], depth: int
) -> None:
    if depth == 0:
        return
    fed_by = runtime.reactions.cycle_sources(session, node.process_key, node.id)
    counts: dict[str, dict[str, int]] = {}
    first: dict[str, int] = {}  # each process's first child: the processes in the order they started
    for key, status, count, first_id in session.execute(
        select(
            ProcessInstance.process_key, ProcessInstance.status, func.count(), func.min(ProcessInstance.id)
        )
        .where(ProcessInstance.parent_id == node.id)
        .group_by(ProcessInstance.process_key, ProcessInstance.status)
    ):
        counts.setdefault(key, {})[status] = count
        first[key] = min(first_id, first.get(key, first_id))
    below: list[tuple[int, bool]] = [(source, True) for source in fed_by[:LISTED]]
    if len(fed_by) > LISTED:
        below += [(source, True) for source in fed_by[LISTED:] if source in path]
        node.groups.append(_group_of(session, fed_by))
    for key, by_status in sorted(counts.items(), key=lambda item: first[item[0]]):
        children = select(ProcessInstance.id).where(
            ProcessInstance.parent_id == node.id, ProcessInstance.process_key == key
        )
        if sum(by_status.values()) <= LISTED:
            below += [(child, False) for child in session.scalars(children.order_by(ProcessInstance.id))]
        else:
            node.groups.append(CycleGroup(key, by_status))
            below += [
                (child, False) for child in session.scalars(children.where(ProcessInstance.id.in_(path)))
            ]
    for instance_id, feeds in below:
        if instance_id in seen:
            continue
        seen.add(instance_id)
        child = _node(session, instance_id, feeds)
        node.children.append(child)
        _grow(session, runtime, child, path, seen, depth - 1)


def _group_of(session: Session, instance_ids: list[int]) -> CycleGroup:
    rows = session.execute(
        select(ProcessInstance.process_key, ProcessInstance.status, func.count())
        .where(ProcessInstance.id.in_(instance_ids))
        .group_by(ProcessInstance.process_key, ProcessInstance.status)
    ).all()
    return CycleGroup(rows[0].process_key, {status: count for _, status, count in rows})
