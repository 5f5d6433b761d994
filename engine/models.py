"""Engine tables: immutable definition versions, process instances, and the
human-task projection that inboxes query without deserializing any workflow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, OrderedJSONDocument, UTCDateTime
from engine.messages import stored_text


class ProcessDefinition(Base):
    """One published version of a process: BPMN, forms and metadata, never edited."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(OrderedJSONDocument)
    meta: Mapped[dict] = mapped_column(JSONDocument)
    # The decision tables (docs/decision-tables.md): file name -> DMN XML.
    decisions: Mapped[dict] = mapped_column(OrderedJSONDocument, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def title(self) -> str:
        return self.meta.get("title", self.key)


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_process_instance_due", "next_timer_at"),
        Index("ix_process_instance_call", "call_id", "status", "child_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    # Which organisation unit acts in each lane (role) of this instance.
    lane_orgs: Mapped[dict] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(20))  # running | completed | error
    serialization: Mapped[bytes] = mapped_column(LargeBinary)  # see engine.serializer
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_message: Mapped[str | None] = mapped_column(Text)
    # The error's template and parameters (engine.messages.to_json), worded for each reader;
    # None on rows written before, shown as their text.
    error_wording: Mapped[dict | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # A child started by a call activity (engine.linking): which call, its place in the
    # call's children, and what it gives back when it ends. (No foreign key: the call
    # refers to its caller, and a cycle would order neither table first.)
    call_id: Mapped[int | None] = mapped_column(Integer)
    child_index: Mapped[int | None] = mapped_column(Integer)
    call_output: Mapped[dict | None] = mapped_column(JSONDocument)

    # A save whose lock_version no longer matches the row raises StaleDataError.
    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def worded_error(self) -> str | None:
        """The error in words to translate for the reader (engine.messages.stored_text)."""
        return stored_text(self.error_wording, self.error_message)


class HumanTask(Base):
    """A user task as inboxes see it; kept in step with the workflow on every save."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_queue", "status", "lane", "org_unit_id", "due_at"),
        Index("ix_human_task_assignee", "assignee_id", "status", "due_at"),
        Index("ix_human_task_instance", "instance_id", "status"),
        Index("ix_human_task_next_alert", "next_alert_at"),
        Index("ix_human_task_done", "completed_by", "completed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    task_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    # The title folded for search: lower case, Vietnamese accents and đ taken off
    # (engine.text.fold), so that "truong" finds "Trường".
    search_text: Mapped[str] = mapped_column(String(300), default="")
    lane: Mapped[str] = mapped_column(String(100))
    org_unit_id: Mapped[int | None]
    assignee_id: Mapped[int | None]
    form_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))  # ready | completed | cancelled
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when due_at was counted through a calendar year whose days off nobody has
    # confirmed yet (the first such year): the deadline is provisional (README.md).
    due_provisional_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[int | None]
    completed_data: Mapped[dict | None] = mapped_column(JSONDocument)
    # The escalation policy's cursor (engine.escalation): the next alert and how many
    # planned alerts are done. Cleared when the task closes.
    next_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert_stage: Mapped[int] = mapped_column(Integer, default=0)


class CallActivity(Base):
    """One waiting call activity of a caller instance and the counters of its children
    (the BPMN standard's nrOfInstances, nrOfActiveInstances, nrOfCompletedInstances).
    A child's end updates this row alone: the caller is loaded only to join."""

    __tablename__ = "call_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)  # the caller's waiting task
    element: Mapped[str] = mapped_column(String(100))
    # The caller's version when the call started: its mappings and completion condition.
    parent_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))  # the called version
    sequential: Mapped[bool]
    nr_instances: Mapped[int] = mapped_column(Integer)
    nr_started: Mapped[int] = mapped_column(Integer)
    nr_active: Mapped[int] = mapped_column(Integer)
    nr_completed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # running | joining | joined | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallInput(Base):
    """The start data of a child not started yet (children start in batches)."""

    __tablename__ = "call_input"

    call_id: Mapped[int] = mapped_column(ForeignKey("call_activity.id"), primary_key=True)
    child_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[dict] = mapped_column(JSONDocument)


class InstanceInbox(Base):
    """Work the scheduler delivers to an instance, once: a call's children to start or
    to cancel, a join, an error or an escalation thrown by a child. Deleted in the
    transaction that delivers it."""

    __tablename__ = "instance_inbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call_activity.id"))
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageSubscription(Base):
    """A message or signal an instance waits for (engine.messaging): kept in step with
    its waiting catches at every save, so that a sender finds its receivers here
    without loading any instance."""

    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_message_subscription_match", "kind", "name", "correlation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # message | signal
    name: Mapped[str] = mapped_column(String(200))
    # The correlation values, canonical JSON ("" for none): equal strings correlate.
    correlation: Mapped[str] = mapped_column(Text)
    task_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BufferedMessage(Base):
    """A message nothing waited for when it was thrown, kept until a receiver subscribes
    or it expires (its bpmn:message declares a buffer)."""

    __tablename__ = "buffered_message"
    __table_args__ = (Index("ix_buffered_message_match", "name", "correlation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    correlation: Mapped[str] = mapped_column(Text)
    correlations: Mapped[dict] = mapped_column(JSONDocument)
    payload: Mapped[dict] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ConnectorCall(Base):
    """One call of a service task's connector (engine.connectors): the case history of
    what the instance asked (connector, target, status, duration) and, for a call that
    leaves the product, the outbox the scheduler works through. The parameters are kept
    only until the call is answered (they may hold personal data); secrets never are."""

    __tablename__ = "connector_call"
    __table_args__ = (Index("ix_connector_call_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element: Mapped[str] = mapped_column(String(200))  # the service task's BPMN id...
    title: Mapped[str] = mapped_column(String(300))  # ...and its label, as the history names it
    connector: Mapped[str] = mapped_column(String(100))
    target: Mapped[str | None] = mapped_column(String(300))  # what the history shows: a host, a role
    # pending (outbound, waiting for the scheduler) | answered (an answer waits to be
    # delivered) | done | failed (for good; delivered as a BPMN error or a stop)
    status: Mapped[str] = mapped_column(String(10))
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    params: Mapped[dict | None] = mapped_column(JSONDocument)
    answer: Mapped[dict | None] = mapped_column(JSONDocument)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
