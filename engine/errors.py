"""Errors the engine raises. Each carries a stable ``code`` so that the web layer
can map it to an HTTP status, and a ``message`` for people: an ``engine.messages.Message``
translated at the edge (``web.i18n.say``); ``str(error)`` is a clear English message for
logs and the CLI."""

from collections.abc import Sequence
from datetime import datetime

from engine.helpers import OFFICE_TZ
from engine.messages import Message


class EngineError(Exception):
    code = "engine_error"
    # Whether what the caller's transaction did before the error is committed all the same
    # (timers that fired before a completion was refused stand); otherwise it rolls back.
    keeps_changes = False

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params


class DefinitionRejected(EngineError):
    """A BPMN bundle is unsafe or invalid; nothing from it was stored or run."""

    code = "definition_rejected"

    def __init__(self, message: str, problems: Sequence[str] | None = None, **params):
        super().__init__(message, **params)
        self.problems = list(problems or [message])

    def __str__(self):
        if self.problems == [self.message]:
            return self.message
        return self.message + "\n" + "\n".join(f"- {p}" for p in self.problems)


class ScriptRejected(EngineError):
    """A script or expression uses something the sandbox does not allow."""

    code = "script_rejected"


class BudgetExceeded(EngineError):
    """A run of user code went over its budget (engine.budget) and was stopped."""

    code = "budget_exceeded"


class FormInvalid(EngineError):
    """Submitted task data does not satisfy the task's form schema."""

    code = "form_invalid"

    def __init__(self, errors):
        super().__init__(Message("The form has errors."))
        self.errors = errors

    def __str__(self):  # each field's error, for logs and the CLI
        return self.message + " " + "; ".join(f"{e.field}: {e.message}" for e in self.errors)


class NotFound(EngineError):
    code = "not_found"


class TaskNotReady(EngineError):
    """The task was already completed, cancelled, or is not yet available."""

    code = "task_not_ready"


class ConcurrencyConflict(EngineError):
    """Someone else changed the same instance first; nothing was saved."""

    code = "concurrency_conflict"

    def __init__(self, instance_id: int):
        super().__init__(
            Message("Case %(instance)s was changed by someone else; nothing was saved.", instance=instance_id)
        )
        self.instance_id = instance_id


class ContractBroken(EngineError):
    """An instance of a version published before the contracts between the BPMN and the
    code existed entered an element the code does not know (a renamed task, an end event
    no outcome maps). Nothing of the operation was saved; the caller parks the instance
    in error with this message, which says what an administrator does about it."""

    code = "contract_broken"

    # instance_id is None for an instance being started (not inserted yet).
    def __init__(self, instance_id: int | None, process_key: str, version: int | None, elements: list[str]):
        super().__init__(
            Message(
                "The case stopped: version %(version)s of the process «%(process)s» reaches %(elements)s, "
                "which the system does not know how to handle (this version was published before the "
                "checks between the diagram and the code existed). An administrator moves the case to "
                "the latest version and runs it again; nothing of this operation was saved.",
                version=version,
                process=process_key,
                elements=", ".join(elements),
            ),
            instance_id=instance_id,
        )
        self.instance_id, self.elements = instance_id, elements


class DeadlinePassed(EngineError):
    """A task was completed after its interrupting timer had fallen due, before the
    scheduler fired it, and that deadline would have closed what the completion led to
    in the same instant. The completion was not saved; the timers fired instead, in the
    caller's session, as the scheduler would have fired them. ``outcome`` names where
    their path led (end events reached, else tasks opened), as the BPMN labels them."""

    code = "deadline_passed"

    def __init__(self, due_at: datetime, outcome: list[str]):
        when = due_at.astimezone(OFFICE_TZ).strftime("%H:%M %d/%m/%Y")
        super().__init__(
            Message(
                "Overdue since %(when)s — %(outcome)s. What you just sent was not recorded.",
                when=when,
                outcome=", ".join(f"«{label}»" for label in outcome),
            )
            if outcome
            else Message("Overdue since %(when)s. What you just sent was not recorded.", when=when)
        )
        self.due_at, self.outcome = due_at, outcome


class MigrationRefused(EngineError):
    """An instance cannot move to another version safely; nothing was changed."""

    code = "migration_refused"

    def __init__(self, message: str, reasons: Sequence[str], **params):
        super().__init__(message, **params)
        self.reasons = reasons

    def __str__(self):
        return self.message + "\n" + "\n".join(f"- {reason}" for reason in self.reasons)


class NotRecallable(EngineError):
    """A completed task cannot be taken back (recalled): what followed it was already
    acted on, the case moved on or ended, or its completion did something that no
    capability knows how to undo. Nothing was changed; the message is for the person."""

    code = "not_recallable"
