"""How the code reacts to what happens in process instances, as tables.

A capability (a package of ``services/``) registers one ``Capability``: the contracts it
holds the BPMN to (``engine.contracts``) and its reactions, one row each: a process event
(instance started, user task completed, element reached, end event reached, instance
cancelled, user task recalled) of one element of one process -> the handler to call.
The runtime computes the events of each operation, looks each up once, and calls the
handlers in the same transaction, event by event in the order they happened (started,
completed or recalled, reached, ended, cancelled), and for one event in the order the
capabilities were registered (``services/bootstrap.py``). A handler that refuses raises
(``FormInvalid``...): the whole operation rolls back. A capability may also offer case
data it keeps outside the workflow to a user task's case view (``CaseSource``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from engine.contracts import END_EVENT, USER_TASK, ProcessContract

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from engine.runtime import InstanceChange

STARTED, COMPLETED, REACHED, ENDED, CANCELLED = "started", "completed", "reached", "ended", "cancelled"
RECALLED = "recalled"
Handler = Callable[["Session", "InstanceChange"], None]


@dataclass(frozen=True)
class Reaction:
    process_key: str
    event: str
    element: str | None  # None for STARTED and CANCELLED
    handler: Handler


def started(process_key: str, handler: Handler) -> Reaction:
    return Reaction(process_key, STARTED, None, handler)


def completed(process_key: str, task: str, handler: Handler) -> Reaction:
    """A person completed the user task ``task``."""
    return Reaction(process_key, COMPLETED, task, handler)


def reached(process_key: str, element: str, handler: Handler) -> Reaction:
    """The instance entered ``element``: a user task opened, or an engine element (a
    script, a gateway, an event) ran, in this operation."""
    return Reaction(process_key, REACHED, element, handler)


def ended(process_key: str, end_event: str, handler: Handler) -> Reaction:
    """The instance finished at ``end_event``."""
    return Reaction(process_key, ENDED, end_event, handler)


def cancelled(process_key: str, handler: Handler) -> Reaction:
    return Reaction(process_key, CANCELLED, None, handler)


def recalled(process_key: str, task: str, handler: Handler) -> Reaction:
    """The person who completed the user task ``task`` took it back (engine.runtime,
    ``recall``): the handler undoes what the capability's reactions to that completion
    did. A completion that set off a reaction can be recalled only if one is declared."""
    return Reaction(process_key, RECALLED, task, handler)


@dataclass(frozen=True)
class CaseSource:
    """Case data a capability keeps outside the workflow (the aggregation table of a
    campaign...), offered to a user task's case view: ``provide(session, instance_id, at)``
    returns keys that the task's case schema may name."""

    process_key: str
    task: str
    provide: Callable[[Session, int, datetime], dict]


@dataclass(frozen=True)
class LaneSource:
    """Which organisation plays each lane of a case that a message or signal starts
    (its start event catches it): ``resolve(session, payload)`` from what started it. A
    FormInvalid it raises refuses the sender's step, with nothing written."""

    process_key: str
    resolve: Callable[[Session, dict], dict[str, int]]


@dataclass(frozen=True)
class CycleLink:
    """A case that feeds another one of its cycle without being its parent or child: an
    instance of ``source_key`` feeds the instance of ``target_key`` that ``target(session,
    instance id)`` finds (a commune's campaign feeds the city's year through its dispatch);
    ``sources(session, target instance id)`` finds them back. The instance viewer draws a
    whole cycle with these and the parent links (docs/processes.md)."""

    source_key: str
    target_key: str
    target: Callable[[Session, int], int | None]
    sources: Callable[[Session, int], list[int]]


@dataclass(frozen=True)
class Capability:
    name: str
    contracts: tuple[ProcessContract, ...]
    reactions: tuple[Reaction, ...]
    case_sources: tuple[CaseSource, ...] = ()
    lane_sources: tuple[LaneSource, ...] = ()
    cycle_links: tuple[CycleLink, ...] = ()

    def __post_init__(self):
        problems = list(self.problems())
        if problems:
            raise ValueError(f"capability {self.name}: " + "; ".join(problems))

    def problems(self) -> Iterable[str]:
        """Every element a reaction or a case source names must be in this capability's
        contract, as the kind the event needs: the contract is what the BPMN is checked against."""
        for source in self.case_sources:
            contract = next((c for c in self.contracts if c.key == source.process_key), None)
            element = contract.element(source.task) if contract else None
            if element is None or element.kind != USER_TASK:
                yield f"{source.process_key}.{source.task}: a case source needs a user task of the contract"
        for reaction in self.reactions:
            if reaction.element is not None:
                yield from self._reaction_problems(reaction, reaction.element)

    def _reaction_problems(self, reaction: Reaction, element_id: str) -> Iterable[str]:
        """The problems of a reaction to the element ``element_id`` (its ``element``)."""
        named = f"{reaction.process_key}.{element_id}"
        contract = next((c for c in self.contracts if c.key == reaction.process_key), None)
        if contract is None:
            yield f"no contract for process {reaction.process_key}"
            return
        element = contract.element(element_id)
        if reaction.event == ENDED:
            if element_id not in (contract.outcomes or {}):
                yield f"{named} is not an outcome of the contract"
        elif element is None:
            yield f"{named} is not in the contract"
        elif reaction.event in (COMPLETED, RECALLED) and element.kind != USER_TASK:
            yield f"{named}: only a user task is completed (or recalled) by a person"
        elif element.kind == END_EVENT:
            yield f"{named}: react to an end event as an outcome (ended)"


class ReactionTable:
    """The rows of every capability, by (process key, event, element)."""

    def __init__(self):
        self.capabilities: list[Capability] = []
        self._rows: dict[tuple[str, str, str | None], list[Handler]] = defaultdict(list)
        self._keys: set[str] = set()

    def add(self, capability: Capability) -> None:
        if any(existing.name == capability.name for existing in self.capabilities):
            raise ValueError(f"capability {capability.name} is registered twice")
        self.capabilities.append(capability)
        for reaction in capability.reactions:
            self._rows[(reaction.process_key, reaction.event, reaction.element)].append(reaction.handler)
            self._keys.add(reaction.process_key)

    def reacts_to(self, process_key: str, event: str, element: str | None) -> bool:
        return bool(self._rows.get((process_key, event, element)))

    def contracts(self) -> list[ProcessContract]:
        return [contract for capability in self.capabilities for contract in capability.contracts]

    def case_data(
        self, session: Session, process_key: str, task: str, instance_id: int, at: datetime
    ) -> dict:
        """What the capabilities offer to the case view of ``task``, merged."""
        return {
            key: value
            for capability in self.capabilities
            for source in capability.case_sources
            if (source.process_key, source.task) == (process_key, task)
            for key, value in source.provide(session, instance_id, at).items()
        }

    def start_lanes(self, session: Session, process_key: str, payload: dict) -> dict[str, int]:
        """The lanes the capabilities resolve for a case of ``process_key`` that an event starts."""
        return {
            lane: org
            for capability in self.capabilities
            for source in capability.lane_sources
            if source.process_key == process_key
            for lane, org in source.resolve(session, payload).items()
        }

    def cycle_target(self, session: Session, process_key: str, instance_id: int) -> int | None:
        """The instance that ``instance_id`` feeds (``CycleLink``), if any."""
        for capability in self.capabilities:
            for link in capability.cycle_links:
                if link.source_key == process_key and (target := link.target(session, instance_id)):
                    return target
        return None

    def cycle_sources(self, session: Session, process_key: str, instance_id: int) -> list[int]:
        """The instances that feed ``instance_id`` (``CycleLink``)."""
        return [
            source
            for capability in self.capabilities
            for link in capability.cycle_links
            if link.target_key == process_key
            for source in link.sources(session, instance_id)
        ]

    def dispatch(self, session: Session, change: InstanceChange) -> None:
        key = change.instance.process_key
        if key not in self._keys:
            return
        for event, element in change.events():
            for handler in self._rows.get((key, event, element), ()):
                handler(session, change)
