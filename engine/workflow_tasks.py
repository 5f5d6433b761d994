"""Reading a loaded workflow: its tasks and its newest data, shared by the runtime, the
migration code and the instance viewer."""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState


def all_tasks(workflow: BpmnWorkflow):
    """Every task of the instance, sub-processes included. A plain scan of the task
    dicts: several times faster than SpiffWorkflow's depth-tracking task iterator."""
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def is_completed(workflow: BpmnWorkflow) -> bool:
    """``workflow.is_completed()`` by a plain scan of its task dict: SpiffWorkflow walks the
    tree with its task iterator each time it is asked of a running instance, and a save
    asks several times."""
    return workflow.completed or all(
        task.has_state(TaskState.FINISHED_MASK) for task in workflow.tasks.values()
    )


def find_task(workflow: BpmnWorkflow, task_id: UUID):
    """The task, sub-processes included, or None (SpiffWorkflow's lookup raises)."""
    for tasks in [workflow.tasks, *(subprocess.tasks for subprocess in workflow.subprocesses.values())]:
        if task_id in tasks:
            return tasks[task_id]
    return None


def newest_data(workflow: BpmnWorkflow) -> dict:
    if is_completed(workflow):
        return dict(workflow.data)
    return dict((workflow.last_task or workflow.task_tree).data)
