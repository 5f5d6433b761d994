"""What the BPMN editor and the instance viewer call (administrators): roles, the draft
of a process, publishing it, the live form preview, and an instance's diagram."""

from __future__ import annotations

from flask import render_template, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.errors import DefinitionRejected, NotFound
from engine.forms import check_form_schema
from engine.messages import Message
from engine.xml_safety import MAX_BPMN_BYTES
from services import connectors as service_connectors, process_admin
from services.common.display import deadline_message
from services.identity import task_roles
from web.admin import status_labels
from web.api.auth import require_admin, services
from web.api.errors import ProblemSchema, problem_list
from web.api.fields import UtcDateTime
from web.i18n import say
from web.work.form_fields import fields_of

blp = Blueprint("admin_api", __name__, description="Soạn thảo và xuất bản quy trình (quản trị)")

# A draft carries a BPMN of up to MAX_BPMN_BYTES (the engine says so clearly when it is
# over) and its forms; anything far larger is cut off before it is read.
MAX_ADMIN_REQUEST_BYTES = MAX_BPMN_BYTES + 1024 * 1024


@blp.before_request
def larger_requests_for_drafts():
    request.max_content_length = MAX_ADMIN_REQUEST_BYTES


class RoleSchema(Schema):
    code = fields.String()
    name = fields.String()


class ParameterSchema(Schema):
    name = fields.String()
    kind = fields.String(metadata={"description": "text, number, boolean, list, object or any"})
    title = fields.String()
    required = fields.Boolean()


class ConnectorSchema(Schema):
    name = fields.String()
    title = fields.String()
    parameters = fields.List(fields.Nested(ParameterSchema))


class ContractedElementSchema(Schema):
    element = fields.String()
    kind = fields.String()
    needed_by = fields.List(fields.String())


class DecisionTableSchema(Schema):
    file = fields.String()
    id = fields.String()
    label = fields.String()


class DraftSchema(Schema):
    key = fields.String()
    bpmn = fields.String()
    forms = fields.Dict(keys=fields.String(), values=fields.Dict())
    meta = fields.Dict()
    base_version = fields.Integer(allow_none=True)
    saved_at = UtcDateTime(allow_none=True)
    contract = fields.List(fields.Nested(ContractedElementSchema))  # what the code needs: the editor locks it
    decision_tables = fields.List(fields.Nested(DecisionTableSchema))  # what a business-rule task may name


class DraftInputSchema(Schema):
    bpmn = fields.String(required=True, validate=validate.Length(min=1))
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    meta = fields.Dict(required=True)


class DecisionFileSchema(Schema):
    file = fields.String()
    dmn = fields.String()
    names = fields.List(fields.String(), metadata={"description": "the data names its inputs read"})


class DecisionInputSchema(Schema):
    dmn = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BPMN_BYTES))


class DecisionTestInputSchema(Schema):
    dmn = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BPMN_BYTES))
    data = fields.Dict(keys=fields.String(), required=True)


class DecisionTestSchema(Schema):
    result = fields.Raw(allow_none=True)
    error = fields.String(allow_none=True)


class SavedDraftSchema(Schema):
    saved_at = UtcDateTime()
    problems = fields.List(fields.Nested(ProblemSchema))


class PublishedSchema(Schema):
    version = fields.Integer()


class PreviewInputSchema(Schema):
    schema = fields.Dict(required=True)


class PreviewSchema(Schema):
    html = fields.String()


class DiagramSchema(Schema):
    bpmn = fields.String()
    completed = fields.List(fields.String())
    current = fields.List(fields.String())
    failed = fields.List(fields.String())


class DryRunStepSchema(Schema):
    element = fields.String(required=True, validate=validate.Length(min=1, max=200))
    data = fields.Dict(keys=fields.String(), load_default=dict)


class DryRunInputSchema(Schema):
    steps = fields.List(
        fields.Nested(DryRunStepSchema),
        load_default=list,
        validate=validate.Length(max=process_admin.MAX_STEPS),
        metadata={"description": "user tasks to complete after the start, in order, as a person would"},
    )
    data = fields.Dict(
        keys=fields.String(), load_default=None, metadata={"description": "start data (default: the example)"}
    )


class DryRunTaskSchema(Schema):
    process_key = fields.String()
    element = fields.String()
    title = fields.String()
    lane = fields.String(metadata={"description": "the role code of its lane"})
    role = fields.String(metadata={"description": "the role, in words"})
    due_at = UtcDateTime(allow_none=True)
    due = fields.String(allow_none=True, metadata={"description": "the due instant in the law's words"})


class DryRunTimerSchema(Schema):
    process_key = fields.String()
    element = fields.String()
    label = fields.String()
    due_at = UtcDateTime()
    due = fields.String()


class DryRunMessageSchema(Schema):
    kind = fields.String(metadata={"description": "message or signal"})
    name = fields.String()
    payload = fields.Dict()
    outcome = fields.String(metadata={"description": "delivered, started, outside, buffered or broadcast"})
    said = fields.String(metadata={"description": "what became of it, in words"})


class DryRunCaseSchema(Schema):
    process_key = fields.String()
    status = fields.String()
    said = fields.String(metadata={"description": "its status, in words"})


class DryRunConnectorSchema(Schema):
    element = fields.String()
    title = fields.String()
    connector = fields.String()
    target = fields.String(allow_none=True)
    status = fields.String()
    said = fields.String(metadata={"description": "its status, in words"})


class DryRunSchema(Schema):
    key = fields.String()
    version = fields.Integer(metadata={"description": "the version the draft would be published as"})
    status = fields.String(metadata={"description": "running, completed, error, or refused (at the start)"})
    error = fields.String(allow_none=True)
    refusals = fields.List(fields.String())
    steps_done = fields.Integer()
    completed = fields.List(fields.String())
    current = fields.List(fields.String())
    failed = fields.List(fields.String())
    tasks = fields.List(fields.Nested(DryRunTaskSchema))
    task_count = fields.Integer()
    timers = fields.List(fields.Nested(DryRunTimerSchema))
    messages = fields.List(fields.Nested(DryRunMessageSchema))
    cases = fields.List(fields.Nested(DryRunCaseSchema))
    case_count = fields.Integer()
    connector_calls = fields.List(fields.Nested(DryRunConnectorSchema))


@blp.get("/roles")
@blp.response(200, RoleSchema(many=True))
def roles():
    """The role codes a lane may name."""
    require_admin()
    return [{"code": code, "name": name} for code, name in task_roles().items()]


@blp.get("/connectors")
@blp.response(200, ConnectorSchema(many=True))
def connectors():
    """What a service task may call, with its parameters (docs/connectors.md)."""
    require_admin()
    return [
        {
            "name": connector.name,
            "title": say(connector.title),
            "parameters": [
                {"name": p.name, "kind": p.kind, "title": say(p.title), "required": p.required}
                for p in connector.parameters
            ],
        }
        for connector in service_connectors.connector_list(services().runtime)
    ]


@blp.get("/processes/<key>/draft")
@blp.response(200, DraftSchema)
def get_draft(key: str):
    """The saved draft, else the newest version as the start of one, with the elements
    the code needs (``contract``), which the editor marks."""
    require_admin()
    svc = services()
    with svc.db.read() as session:
        draft = process_admin.draft_of(session, key)
    contract = [
        {**entry, "needed_by": [say(who) for who in entry["needed_by"]]}
        for entry in process_admin.contracted_elements(svc.runtime, key)
    ]
    return {
        **vars(draft),
        "contract": contract,
        "decision_tables": [table for table in process_admin.decision_tables(draft.decisions) if table["id"]],
    }


@blp.put("/processes/<key>/draft")
@blp.arguments(DraftInputSchema)
@blp.response(200, SavedDraftSchema)
def save_draft(body: dict, key: str):
    """Save the draft; ``problems`` is what still blocks publishing. A file that cannot
    run here at all is refused (422) and not saved."""
    admin, svc = require_admin(), services()
    at = svc.clock.now()
    with svc.db.transaction() as session:
        problems = process_admin.save_draft(
            session, svc.runtime, admin.id, key, body["bpmn"], body["forms"], body["meta"], at
        )
    return {"saved_at": at, "problems": problem_list(problems)}


@blp.get("/processes/<key>/decisions/<file>")
@blp.response(200, DecisionFileSchema)
def get_decision(key: str, file: str):
    """One decision table of the draft (of the newest version when there is no draft)."""
    require_admin()
    with services().db.read() as session:
        dmn = process_admin.decision_files(session, key).get(file)
    if dmn is None:
        raise NotFound(Message("There is no decision table %(file)s.", file=file))
    return {"file": file, "dmn": dmn, "names": process_admin.input_names(dmn)}


@blp.put("/processes/<key>/decisions/<file>")
@blp.arguments(DecisionInputSchema)
@blp.response(200, SavedDraftSchema)
def save_decision(body: dict, key: str, file: str):
    """Put the table into the draft; ``problems`` is what still blocks publishing."""
    admin, svc = require_admin(), services()
    at = svc.clock.now()
    with svc.db.transaction() as session:
        problems = process_admin.save_decision(session, svc.runtime, admin.id, key, file, body["dmn"], at)
    return {"saved_at": at, "problems": problem_list(problems)}


@blp.post("/decision-test")
@blp.arguments(DecisionTestInputSchema)
@blp.response(200, DecisionTestSchema)
def test_decision(body: dict):
    """Evaluate a table as written (saved or not) on example data, in the sandbox."""
    require_admin()
    tried = process_admin.test_decision(services().runtime, body["dmn"], body["data"])
    return {"result": tried.result, "error": say(tried.error) if tried.error else None}


@blp.post("/processes/<key>/draft/publish")
@blp.response(201, PublishedSchema)
def publish_draft(key: str):
    """Publish the saved draft as the next version; running instances keep theirs."""
    admin, svc = require_admin(), services()
    with svc.db.transaction() as session:
        definition = process_admin.publish_draft(session, svc.runtime, admin.id, key, svc.clock.now())
        return {"version": definition.version}


@blp.post("/processes/<key>/draft/dry-run")
@blp.arguments(DryRunInputSchema)
@blp.response(200, DryRunSchema)
def dry_run(body: dict, key: str):
    """Run the saved draft (the newest version when there is none) with its example start
    data, then complete the ``steps``, in a transaction rolled back at the end: the path
    taken, the tasks that would open, the timers, messages, cases and connector calls.
    A draft that would not publish is refused (422) with its problems."""
    require_admin()
    svc = services()
    steps = [process_admin.Step(step["element"], step["data"]) for step in body["steps"]]
    with svc.db.transaction() as session:  # the run itself is rolled back (a savepoint)
        report = process_admin.dry_run(session, svc.runtime, key, steps, svc.clock.now(), body["data"])
    return _dry_run_view(report)


OUTCOME_WORDS = {
    "delivered": Message("reaches the case that waits for it"),
    "started": Message("starts a new case of the process that catches it"),
    "outside": Message("leaves the product (its receiver has no process here)"),
    "buffered": Message("is kept until a case waits for it"),
    "broadcast": Message("goes to every case that waits for it"),
}
CONNECTOR_STATUS_WORDS = {
    "pending": Message("would wait for the scheduler (a dry run never sends it)"),
    "answered": Message("answered"),
    "done": Message("done"),
    "failed": Message("failed"),
}


def _dry_run_view(report: process_admin.DryRunReport) -> dict:
    roles, case_words = task_roles(), status_labels()["status_labels"]
    return {
        **vars(report),
        "error": say(report.error) if report.error else None,
        "refusals": [say(refusal) for refusal in report.refusals],
        "tasks": [
            {
                **vars(task),
                "role": roles.get(task.lane, task.lane),
                "due": say(deadline_message(task.due_at)) if task.due_at else None,
            }
            for task in report.tasks
        ],
        "timers": [{**vars(timer), "due": say(deadline_message(timer.due_at))} for timer in report.timers],
        "messages": [{**vars(sent), "said": say(OUTCOME_WORDS[sent.outcome])} for sent in report.messages],
        "cases": [{**vars(case), "said": case_words.get(case.status, case.status)} for case in report.cases],
        "connector_calls": [
            {**vars(call), "said": say(CONNECTOR_STATUS_WORDS[call.status])}
            for call in report.connector_calls
        ],
    }


@blp.post("/form-preview")
@blp.arguments(PreviewInputSchema)
@blp.response(200, PreviewSchema)
def form_preview(body: dict):
    """A task form rendered exactly as the officer's task page renders it."""
    require_admin()
    schema = body["schema"]
    problems = check_form_schema(schema)
    if problems:
        raise DefinitionRejected("Biểu mẫu chưa hợp lệ.", problems)
    return {
        "html": render_template("admin/_form_preview.html", schema=schema, fields=fields_of(schema, {}, {}))
    }


@blp.get("/instances/<int:instance_id>/diagram")
@blp.response(200, DiagramSchema)
def instance_diagram(instance_id: int):
    """The instance's BPMN with the elements passed, current and failed."""
    require_admin()
    svc = services()
    with svc.db.read() as session:
        return process_admin.diagram(session, svc.runtime, instance_id)
