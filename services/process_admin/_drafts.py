"""Admins change processes without a code release: edit a draft, validate it, publish
it as a new immutable version, import and download .bpmn files, compare versions.
Running instances stay on the version they started with. Every change is audited."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.contracts import END_EVENT
from engine.definitions import (
    MAX_FORM_BYTES,
    MEANINGFUL_ID,
    Bundle,
    Problem,
    compile_bundle,
    latest_definition,
    publish,
    unsupported_problems,
)
from engine.errors import DefinitionRejected, NotFound
from engine.importing import prepare_import
from engine.messages import Message
from engine.models import ProcessDefinition, ProcessInstance
from engine.runtime import WorkflowRuntime
from engine.versions import ESCALATION, FORM, TIMER, VersionDiff, diff_versions
from services.common import audit
from services.common.errors import InvalidInput
from services.identity import task_roles
from services.process_admin._models import ProcessDraft

if TYPE_CHECKING:  # only a type here: the result hands the engine's renamings on as they are
    from engine.importing import Renaming

FORM_FILE = re.compile(r"[A-Za-z0-9_.-]{1,90}\.json")
DECISION_FILE = re.compile(r"[a-z0-9_]{1,90}\.dmn")
MAX_META_BYTES = 64 * 1024


@dataclass(frozen=True)
class ProcessSummary:
    key: str
    title: str
    latest_version: int | None
    versions: int
    running: int
    has_draft: bool


@dataclass(frozen=True)
class DraftView:
    key: str
    bpmn: str
    forms: dict
    meta: dict
    base_version: int | None
    saved_at: datetime | None
    decisions: dict = field(default_factory=dict)  # decisions/<file>.dmn -> DMN XML


def summaries(session: Session) -> list[ProcessSummary]:
    """Every process key with a published version or a draft."""
    newest = (
        select(
            ProcessDefinition.key,
            func.max(ProcessDefinition.version).label("version"),
            func.count().label("versions"),
        )
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    latest, counts = {}, {}
    for definition, versions in session.execute(
        select(ProcessDefinition, newest.c.versions).join(
            newest, (newest.c.key == ProcessDefinition.key) & (newest.c.version == ProcessDefinition.version)
        )
    ):
        latest[definition.key], counts[definition.key] = definition, versions
    running: dict[str, int] = dict(
        session.execute(
            select(ProcessInstance.process_key, func.count())
            .where(ProcessInstance.status.in_(("running", "suspended", "error")))
            .group_by(ProcessInstance.process_key)
        )
        .tuples()
        .all()
    )
    drafts = {draft.key: draft for draft in session.scalars(select(ProcessDraft))}
    keys = sorted(set(latest) | set(drafts))
    return [
        ProcessSummary(
            key,
            (latest[key].title if key in latest else drafts[key].meta.get("title", key)),
            latest[key].version if key in latest else None,
            counts.get(key, 0),
            running.get(key, 0),
            key in drafts,
        )
        for key in keys
    ]


def versions_of(session: Session, key: str) -> list[ProcessDefinition]:
    found = list(
        session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc())
        )
    )
    if not found and session.get(ProcessDraft, key) is None:
        raise NotFound(f"no process {key!r}")
    return found


def version_of(session: Session, key: str, version: int) -> ProcessDefinition:
    definition = session.scalar(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
    )
    if definition is None:
        raise NotFound(f"no version {version} of {key!r}")
    return definition


def draft_of(session: Session, key: str) -> DraftView:
    """The saved draft, else the newest version as the starting point of one."""
    draft = session.get(ProcessDraft, key)
    if draft is not None:
        return DraftView(
            key,
            draft.bpmn_xml,
            draft.forms,
            draft.meta,
            draft.base_version,
            draft.updated_at,
            draft.decisions,
        )
    latest = latest_definition(session, key)
    if latest is None:
        raise NotFound(f"no process {key!r}")
    return DraftView(key, latest.bpmn_xml, latest.forms, latest.meta, latest.version, None, latest.decisions)


def contracted_elements(runtime: WorkflowRuntime, key: str) -> list[dict]:
    """The elements of the process that the code needs, each with what needs it
    (engine/contracts.py): renaming or deleting one is refused at publish."""
    found: dict[str, dict] = {}
    for contract in runtime.contracts:
        if contract.key != key:
            continue
        kinds = {element.id: element.kind for element in contract.elements}
        kinds.update({end_event: END_EVENT for end_event in contract.outcomes or ()})
        for element_id, kind in kinds.items():
            entry = found.setdefault(element_id, {"element": element_id, "kind": kind, "needed_by": []})
            entry["needed_by"].append(
                Message(
                    "%(needed_by)s (%(capability)s)",
                    needed_by=contract.needed_by,
                    capability=contract.capability,
                )
            )
    return list(found.values())


def save_draft(
    session: Session,
    runtime: WorkflowRuntime,
    actor_id: int,
    key: str,
    bpmn: str,
    forms: dict,
    meta: dict,
    at: datetime,
    decisions: dict | None = None,
) -> list[str]:
    """Keep the draft and answer what still blocks publishing. A file that cannot run
    here at all (unsafe XML, unsupported elements, code the sandbox refuses) is not
    kept: DefinitionRejected lists why. Without ``decisions``, the draft keeps the decision
    tables it has (the BPMN editor saves the diagram, forms and metadata only)."""
    if decisions is None:
        decisions = _current_decisions(session, key)
    bundle = _bundle(key, bpmn, forms, meta, decisions)
    problems = _problems_of(session, bundle, runtime, at, f"{key}.bpmn")
    draft = _store(session, actor_id, bundle, at)
    audit.record(
        session,
        at,
        actor_id,
        "process.draft_saved",
        f"process:{key}",
        base_version=draft.base_version,
        problems=len(problems),
    )
    return problems


def publish_draft(
    session: Session, runtime: WorkflowRuntime, actor_id: int, key: str, at: datetime
) -> ProcessDefinition:
    """The saved draft as the next version (DefinitionRejected with every problem when
    it does not validate). New instances start on it; running ones keep theirs."""
    draft = session.get(ProcessDraft, key)
    if draft is None:
        raise NotFound(f"no draft of {key!r}")
    previous = latest_definition(session, key)
    bundle = Bundle(key, draft.bpmn_xml.encode("utf-8"), draft.forms, draft.meta, draft.decisions)
    definition, created = publish(
        session, bundle, at, runtime.helpers, set(task_roles()), runtime.contracts, runtime.connectors
    )
    session.delete(draft)
    audit.record(
        session,
        at,
        actor_id,
        "process.published",
        f"process:{key}",
        before_version=previous.version if previous else None,
        after_version=definition.version,
        new_version=created,
    )
    return definition


@dataclass(frozen=True)
class ImportResult:
    """What an import did, for the admin to check: each draft (key, title, problems), every id
    renamed (engine.importing.Renaming), what else changed (messages), and the collaboration's
    label when the file's pools became several processes."""

    drafts: list[tuple[str, str, list[str]]]
    renamed: list[Renaming]
    notes: list[Message]
    collaboration: str | None


def import_file(
    session: Session,
    runtime: WorkflowRuntime,
    actor_id: int,
    data: bytes,
    key: str | None,
    filename: str,
    at: datetime,
) -> ImportResult:
    """An uploaded .bpmn becomes one draft per process (one per pool of a collaboration),
    each keeping its process's forms and metadata. All or nothing: when any process cannot run
    here, every problem is listed (DefinitionRejected) and nothing is stored."""
    plan = prepare_import(data, key or None, filename)
    keys = [process.key for process in plan.processes]
    bundles = []
    for process in plan.processes:
        try:
            current = draft_of(session, process.key)
            forms, meta, decisions = current.forms, dict(current.meta), current.decisions
        except NotFound:  # a new process
            forms, meta, decisions = {}, {}, {}
        meta["title"] = process.title or meta.get("title") or process.key
        meta.pop("collaboration", None)
        if plan.collaboration is not None:  # the admin sees the set from each of its drafts
            meta["collaboration"] = {"title": plan.collaboration, "processes": keys}
        bundles.append(_bundle(process.key, process.bpmn.decode("utf-8"), forms, meta, decisions))
    found, refused = [], []
    for bundle in bundles:
        # Each pool of a collaboration is named beside the file, so that its problems say which.
        named = f"{filename} «{bundle.meta['title']}»" if len(bundles) > 1 else filename
        try:
            found.append(_problems_of(session, bundle, runtime, at, named))
        except DefinitionRejected as error:
            refused += error.problems
    if refused:
        raise DefinitionRejected(_cannot_run(filename), refused)
    drafts = []
    for bundle, problems in zip(bundles, found, strict=True):
        draft = _store(session, actor_id, bundle, at)
        audit.record(
            session,
            at,
            actor_id,
            "process.imported",
            f"process:{bundle.key}",
            filename=filename[:200],
            base_version=draft.base_version,
            problems=len(problems),
        )
        drafts.append((bundle.key, bundle.meta["title"], problems))
    return ImportResult(drafts, plan.renamed, plan.notes, plan.collaboration)


def diff(
    session: Session, runtime: WorkflowRuntime, key: str, from_version: int, to_version: int
) -> VersionDiff:
    """The diff between two versions, each element's changes as words (messages)."""
    old, new = version_of(session, key, from_version), version_of(session, key, to_version)
    found = diff_versions(runtime.specs.get(old), runtime.specs.get(new))
    changed: dict[str, list[str]] = {  # each a message
        element: list(dict.fromkeys(CHANGE_WORDS.get(kind, OTHER_CHANGE) for kind in kinds))
        for element, kinds in found.changed.items()
    }
    return replace(found, changed=changed)


# What changed in an element, in words: SpiffWorkflow's attribute codes (SpecDiff) and our
# layers (engine.versions), never shown as codes (docs/languages.md).
CHANGE_WORDS = {
    "bpmn_name": Message("name"),
    "documentation": Message("documentation"),
    "lane": Message("lane"),
    "script": Message("script"),
    "prescript": Message("script"),
    "postscript": Message("script"),
    "cond_task_specs": Message("conditions"),
    "default_task_spec": Message("conditions"),
    "inputs": Message("connections"),
    "outputs": Message("connections"),
    "event_definition": Message("event"),
    "cancel_activity": Message("interrupting or not"),
    "data_input_associations": Message("data"),
    "data_output_associations": Message("data"),
    "io_specification": Message("data"),
    "extensions": Message("settings"),
    "table_digest": Message("decision table"),
    "decision_id": Message("decision table"),
    "result_variable": Message("decision table"),
    FORM: Message("form"),
    ESCALATION: Message("escalation policy"),
    TIMER: Message("timer"),
}
OTHER_CHANGE = Message("other settings")


def _store(session: Session, actor_id: int, bundle: Bundle, at: datetime) -> ProcessDraft:
    draft = session.get(ProcessDraft, bundle.key)
    if draft is None:
        latest = latest_definition(session, bundle.key)
        draft = ProcessDraft(key=bundle.key, base_version=latest.version if latest else None)
        session.add(draft)
    draft.bpmn_xml, draft.forms, draft.meta = bundle.bpmn.decode("utf-8"), bundle.forms, bundle.meta
    draft.decisions = bundle.decisions
    draft.updated_by, draft.updated_at = actor_id, at
    return draft


def _cannot_run(filename: str) -> Message:
    return Message("%(file)s uses elements that cannot run here", file=filename)


def _problems_of(
    session: Session, bundle: Bundle, runtime: WorkflowRuntime, at: datetime, filename: str
) -> list[str]:
    """What the admin completes in the editor: Problem objects (naming their element), or plain
    messages. What cannot run at all is refused (DefinitionRejected naming ``filename``, the
    file as the admin knows it)."""
    latest = latest_definition(session, bundle.key)
    try:
        compile_bundle(
            bundle,
            at,
            runtime.helpers,
            set(task_roles()),
            runtime.contracts,
            latest.bpmn_xml.encode("utf-8") if latest else None,
            connectors=runtime.connectors,
        )
    except DefinitionRejected as error:
        problems = [_named_as_uploaded(problem, f"{bundle.key}.bpmn", filename) for problem in error.problems]
        if unsupported_problems(error):  # listed with every other problem found
            raise DefinitionRejected(_cannot_run(filename), problems) from None
        return problems
    return []


def _named_as_uploaded(problem: str, checked_as: str, filename: str) -> str:
    """The engine names the file it checks by the process key; the admin knows it by the name
    it was uploaded under."""
    if not isinstance(problem, Message) or problem.params.get("file") != checked_as:
        return problem
    renamed = Message(problem.template, **{**problem.params, "file": filename})
    if isinstance(problem, Problem):
        return Problem(renamed, problem.element, problem.unsupported)
    return renamed


def _current_decisions(session: Session, key: str) -> dict:
    try:
        return draft_of(session, key).decisions
    except NotFound:  # a new process
        return {}


def _bundle(key: str, bpmn: str, forms, meta, decisions: dict) -> Bundle:
    if not MEANINGFUL_ID.fullmatch(key or ""):
        raise InvalidInput("key", "phải là tên snake_case có nghĩa, ví dụ unit_proposal")
    if not isinstance(bpmn, str):
        raise InvalidInput("bpmn", "phải là nội dung tệp BPMN (XML)")
    if not isinstance(forms, dict) or not all(isinstance(v, dict) for v in forms.values()):
        raise InvalidInput("forms", "phải là một đối tượng: tên tệp -> JSON Schema")
    for name, schema in forms.items():
        if not FORM_FILE.fullmatch(name):
            raise InvalidInput(
                "forms", f"tên tệp biểu mẫu {name!r} không hợp lệ (chữ, số, _ . -, đuôi .json)"
            )
        if len(json.dumps(schema, ensure_ascii=False).encode()) > MAX_FORM_BYTES:
            raise InvalidInput("forms", f"biểu mẫu {name} vượt quá {MAX_FORM_BYTES // 1024} KB")
    if not isinstance(meta, dict) or len(json.dumps(meta, ensure_ascii=False).encode()) > MAX_META_BYTES:
        raise InvalidInput("meta", f"phải là một đối tượng JSON không quá {MAX_META_BYTES // 1024} KB")
    _check_decision_files(decisions)
    return Bundle(key, bpmn.encode("utf-8"), forms, meta, dict(decisions))


def _check_decision_files(decisions: dict) -> None:
    for name, table in decisions.items():
        if not DECISION_FILE.fullmatch(name) or not isinstance(table, str):
            raise InvalidInput(
                "decisions", f"tên tệp bảng quyết định {name!r} không hợp lệ (chữ thường, số, _, đuôi .dmn)"
            )
        if len(table.encode("utf-8")) > MAX_FORM_BYTES:
            raise InvalidInput("decisions", f"bảng quyết định {name} vượt quá {MAX_FORM_BYTES // 1024} KB")
