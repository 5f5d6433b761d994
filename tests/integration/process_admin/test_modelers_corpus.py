"""Every file of tests/fixtures/modelers/ (as Camunda 7 and 8, bpmn.io, Signavio, Bizagi,
spiff-arena and other tools export them) through the admin's import, on both databases: what
must stay refused is refused in Vietnamese, naming the file and the elements by their labels,
and stores nothing; the others become drafts whose problems name their elements; and those
drawn with supported elements only, once finished as an admin finishes them, publish and run
to their end."""

from __future__ import annotations

import re
import threading

import pytest
from databases import BACKENDS
from factories.modelers import CORPUS, EXPECTED, finish_and_publish, run_to_end
from factories.words import in_vietnamese
from sqlalchemy import func, select

from engine.definitions import Problem
from engine.errors import DefinitionRejected
from engine.messages import Message
from services.common.models import AuditEvent
from services.identity import create_account
from services.process_admin import import_file
from services.process_admin._models import ProcessDraft

FILES = sorted(EXPECTED)
# A guard against an import that hangs, not a speed figure: an import takes well under it.
HANG_GUARD_S = 2.0
VIETNAMESE = re.compile(r"[ăâđêôơưàáạảãằắặẳẵầấậẩẫèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ]", re.I)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
GENERATED_ID = re.compile(
    r"\b(?:Activity|Flow|Gateway|Event|StartEvent|Participant|Process|Lane|LaneSet|Collaboration|Message"
    r"|Signal|Error|Escalation|Definitions|\w+EventDefinition)_[0-9a-z]{1,7}\b|\bsid-[0-9A-F]{8}|\bId_[0-9a-f]{8}"
)
SPIFF_CLASS = re.compile(
    r"\b(?:UserTask|ManualTask|NoneTask|ScriptTask|ServiceTask|SendTask|ReceiveTask|StartEvent|EndEvent"
    r"|IntermediateCatchEvent|IntermediateThrowEvent|BoundaryEvent\w*|(?:Exclusive|Inclusive|Parallel|EventBased)Gateway"
    r"|SubWorkflowTask|CallActivity|TransactionSubprocess|\w+EventDefinition|BpmnWorkflow|BpmnProcessSpec"
    r"|ValidationException|WorkflowException|SpiffWorkflow)\b"
)


@pytest.fixture
def admin(services) -> int:
    with services.db.transaction() as session:
        return create_account(session, "quan_tri", "Quản trị viên", None).id


def _import(services, admin: int, data: bytes, filename: str):
    """The import, in a thread so that a hang fails the test instead of stopping the run."""
    outcome: dict = {}

    def work():
        try:
            with services.db.transaction() as session:
                outcome["result"] = import_file(
                    session, services.runtime, admin, data, None, filename, services.clock.now()
                )
        except Exception as error:  # noqa: BLE001 (handed to the test below)
            outcome["error"] = error

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(HANG_GUARD_S)
    assert not thread.is_alive(), f"{filename}: the import still runs after {HANG_GUARD_S} s"
    return outcome


def _worded_for_people(texts: list[str], name: str) -> None:
    """Each text is Vietnamese, names things by their labels, never by an id a modeler
    generated, a UUID or a SpiffWorkflow class."""
    for text in texts:
        assert VIETNAMESE.search(text), f"{name}: not in Vietnamese: {text!r}"
        for pattern in (UUID, GENERATED_ID, SPIFF_CLASS):
            assert not pattern.search(text), f"{name}: {pattern.search(text).group()!r} shown in {text!r}"


def _stored(services) -> tuple[int, int]:
    with services.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(ProcessDraft)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def _runs_here(services, name: str) -> bool:
    """Running to the end is checked once per file, on one backend or the other in turn
    (both import it): enough to catch a backend's difference, half the cost."""
    backend = services.db.engine.dialect.name
    return len(BACKENDS) == 1 or BACKENDS[FILES.index(name) % len(BACKENDS)] == backend


@pytest.mark.parametrize("name", FILES)
def test_a_file_as_its_modeler_exports_it(services, admin, name):
    expected = EXPECTED[name]
    filename = f"Bản vẽ {name}"  # the name the admin uploads it under
    before = _stored(services)
    outcome = _import(services, admin, (CORPUS / name).read_bytes(), filename)
    error = outcome.get("error")
    if error is not None and not isinstance(error, DefinitionRejected):
        raise error

    if expected["outcome"] == "refused":
        assert error is not None, f"{name}: imported as {outcome['result'].drafts}, expected a refusal"
        texts = [in_vietnamese(text) for text in [error.message, *error.problems]]
        _worded_for_people(texts, name)
        assert any(filename in text for text in texts), f"{name}: the file is not named: {texts}"
        for label in expected["labels"]:
            assert any(label in text for text in texts), f"{name}: «{label}» is not named: {texts}"
        assert _stored(services) == before, f"{name}: something was stored"
        return

    assert error is None, f"{name}: refused: {[in_vietnamese(p) for p in [error.message, *error.problems]]}"
    result = outcome["result"]
    assert len(result.drafts) == expected["processes"], f"{name}: {result.drafts}"
    keys = [key for key, _title, _problems in result.drafts]
    with services.db.read() as session:
        stored = {draft.key: draft.bpmn_xml for draft in session.scalars(select(ProcessDraft))}
    assert set(stored) == set(keys)
    for key, _title, problems in result.drafts:
        _worded_for_people([in_vietnamese(problem) for problem in problems], name)
        for problem in problems:
            assert isinstance(problem, Problem) and problem.element, f"{name}: not on an element: {problem!r}"
            assert f'id="{problem.element}"' in stored[key], f"{name}: no element {problem.element} in {key}"
    _worded_for_people([in_vietnamese(note) for note in result.notes if isinstance(note, Message)], name)

    if expected["runs"] and _runs_here(services, name):
        finish_and_publish(services, admin, keys)
        run_to_end(services, keys)
