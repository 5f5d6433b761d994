"""A process's decision tables as admins edit them (docs/decision-tables.md): each table is a
file of the draft (``decisions/<name>.dmn``), saved with the draft's other files and checked
like them; a table is tried on example inputs before it is published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.call_activity import names_read
from engine.decision_tables import DecisionError, DecisionTable, evaluate, parse_table
from engine.errors import BudgetExceeded, DefinitionRejected, NotFound, ScriptRejected
from engine.messages import Message
from engine.runtime import WorkflowRuntime
from services.common.errors import InvalidInput
from services.process_admin._drafts import DECISION_FILE, draft_of, save_draft, version_of

NEW_TABLE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="{id}_definitions"
             name="{id}" namespace="http://talentflow.local/dmn">
  <decision id="{id}" name="{id}">
    <decisionTable id="{id}_table" hitPolicy="UNIQUE">
      <input id="{id}_input" label="Đầu vào">
        <inputExpression id="{id}_input_expression" typeRef="string"><text></text></inputExpression>
      </input>
      <output id="{id}_output" label="Kết quả" name="result" typeRef="string"/>
    </decisionTable>
  </decision>
</definitions>
"""


@dataclass(frozen=True)
class DecisionTest:
    """A table tried on example inputs: its result, or why there is none (a message)."""

    result: object = None
    error: str | None = None


def decision_files(session: Session, key: str) -> dict[str, str]:
    """The draft's decision tables (the newest version's when there is no draft)."""
    return draft_of(session, key).decisions


def decision_file_diff(
    session: Session, key: str, from_version: int, to_version: int
) -> dict[str, list[str]]:
    """The decision files added, removed and changed between two versions (the diff page;
    the business-rule tasks whose table changed are listed with the elements)."""
    old = version_of(session, key, from_version).decisions or {}
    new = version_of(session, key, to_version).decisions or {}
    return {
        "added": sorted(new.keys() - old.keys()),
        "removed": sorted(old.keys() - new.keys()),
        "changed": sorted(name for name in old.keys() & new.keys() if old[name] != new[name]),
    }


def save_decision(
    session: Session,
    runtime: WorkflowRuntime,
    actor_id: int,
    key: str,
    file: str,
    dmn: str | None,
    at: datetime,
) -> list[str]:
    """Put one table into the draft (``dmn`` None: remove it; a new name with an empty
    ``dmn``: a new table from a template) and answer what still blocks publishing."""
    if not DECISION_FILE.fullmatch(file or ""):
        raise InvalidInput(
            "file", Message("A table's file name is lower-case letters, digits and _, ending in .dmn.")
        )
    current = draft_of(session, key)
    decisions = dict(current.decisions)
    if dmn is None:
        if file not in decisions:
            raise NotFound(Message("There is no decision table %(file)s.", file=file))
        del decisions[file]
    else:
        decisions[file] = dmn or NEW_TABLE.format(id=file.removesuffix(".dmn"))
    return save_draft(
        session, runtime, actor_id, key, current.bpmn, current.forms, current.meta, at, decisions
    )


def test_decision(runtime: WorkflowRuntime, dmn: str, data: dict) -> DecisionTest:
    """Evaluate a table as written (saved or not) on ``data``, in the sandbox."""
    try:
        table = read_table(dmn)
        return DecisionTest(result=evaluate(table, data, runtime.helpers))
    except (DecisionError, ScriptRejected, BudgetExceeded, DefinitionRejected) as error:
        return DecisionTest(error=error.message)


def read_table(dmn: str) -> DecisionTable:
    return parse_table(dmn.encode("utf-8"), "decision.dmn")


def decision_tables(decisions: dict[str, str]) -> list[dict]:
    """Each table of ``decisions`` (file -> DMN): its file, decision id and label (None for
    the id and label of a table that cannot be read; saving the draft says why)."""
    found = []
    for file, dmn in sorted(decisions.items()):
        try:
            table = read_table(dmn)
        except (DecisionError, DefinitionRejected):
            found.append({"file": file, "id": None, "label": None})
            continue
        found.append({"file": file, "id": table.id, "label": table.label})
    return found


def input_names(dmn: str) -> list[str]:
    """The data names a table's input expressions read: what the test panel asks for
    ([] when the table cannot be read; saving it says why)."""
    try:
        table = read_table(dmn)
    except (DecisionError, DefinitionRejected):
        return []
    return sorted({name for column in table.inputs for name in names_read(column.expression)})
