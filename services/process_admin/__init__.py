"""Process administration: BPMN drafts and published versions, running instances and their
migration, cancellation and retry.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.process_admin import _models  # noqa: F401  (registers the tables)
from services.process_admin._cycle import CycleNode, cycle
from services.process_admin._decisions import (
    DecisionTest,
    decision_file_diff,
    decision_files,
    decision_tables,
    input_names,
    read_table,
    save_decision,
    test_decision,
)
from services.process_admin._drafts import (
    contracted_elements,
    diff,
    draft_of,
    import_file,
    publish_draft,
    save_draft,
    summaries,
    version_of,
    versions_of,
)
from services.process_admin._dry_run import MAX_STEPS, DryRunReport, Step, dry_run
from services.process_admin._instances import (
    CHILD_STATES,
    STARTED_BY_CODE,
    ChildList,
    Family,
    ParentLink,
    act,
    cancel_preview,
    diagram,
    family,
    instance_page,
    instances_of,
    migrate,
    migration_plan,
)
from services.process_admin._processes import definitions, instance_view, start

__all__ = [
    "CycleNode",
    "cycle",
    "CHILD_STATES",
    "DecisionTest",
    "decision_file_diff",
    "decision_files",
    "decision_tables",
    "input_names",
    "read_table",
    "save_decision",
    "test_decision",
    "STARTED_BY_CODE",
    "ChildList",
    "Family",
    "ParentLink",
    "act",
    "cancel_preview",
    "contracted_elements",
    "definitions",
    "diagram",
    "diff",
    "dry_run",
    "MAX_STEPS",
    "DryRunReport",
    "Step",
    "draft_of",
    "family",
    "import_file",
    "instance_page",
    "instance_view",
    "instances_of",
    "migrate",
    "migration_plan",
    "publish_draft",
    "save_draft",
    "start",
    "summaries",
    "version_of",
    "versions_of",
]
