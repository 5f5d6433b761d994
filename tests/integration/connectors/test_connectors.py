"""The product's connectors drawn in service tasks: ``notify`` a role of a unit and
``generate_document`` in the step's transaction; ``http_request`` to a real server on
loopback through the outbox (retries with one idempotency key, the answer back in the
instance, a final failure caught by an error boundary); an endpoint outside the
allow-list refused at publish. Both backends."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import docx
import pytest
from factories.bpmn import user_task
from factories.calls import boundary, bundle, error_catch, process
from factories.connectors import Endpoint, publish_with, service_task, state
from factories.linked_runs import T0
from sqlalchemy import select

from engine.connectors import FAILED_CODE
from engine.errors import DefinitionRejected
from services import documents
from services.bootstrap import bootstrap
from services.identity import OrgUnit
from services.notifications import Notification


@pytest.fixture
def allowing(services):
    """Services whose http_request may reach a loopback server: built on the same database
    with the allow-list set, as an operator sets TALENTFLOW_HTTP_ALLOWLIST."""

    def build(url: str):
        config = dataclasses.replace(
            services.config, http_allowlist=(url,), connector_backoff_s=10, connector_attempts=3
        )
        return bootstrap(config, services.clock)

    return build


def start(services, key, data, lanes=None):
    with services.db.transaction() as session:
        return services.runtime.start(session, key, data, lane_orgs=lanes or {}, at=T0).instance.id


def test_notify_tells_the_head_of_the_unit_acting_in_the_case(commune):
    services = commune
    publish_with(
        services,
        bundle(
            "telling",
            process(
                "telling",
                service_task(
                    "tell_head", "notify", "told", role="'unit_head'", subject="'Có hồ sơ mới: ' + title"
                ),
                user_task("next"),
            ),
        ),
    )
    with services.db.read() as session:
        office = session.scalars(select(OrgUnit).where(OrgUnit.code == "cg_vp")).one()
    instance_id = start(services, "telling", {"title": "Đề xuất 2027"}, {"unit_head": office.id})
    row, data, ready, calls = state(services, instance_id)
    assert data["told"] == {"notified": 1, "unit": "cg_vp"} and ready == ["next"]
    with services.db.read() as session:
        subjects = session.scalars(select(Notification.subject)).all()
    assert subjects == ["Có hồ sơ mới: Đề xuất 2027"]
    assert [(call.connector, call.target, call.status) for call in calls] == [
        ("notify", "unit_head@-", "done")
    ]


def test_generate_document_keeps_a_word_file_with_the_case(services):
    publish_with(
        services,
        bundle(
            "writing",
            process(
                "writing",
                service_task(
                    "write_notice",
                    "generate_document",
                    "notice",
                    template="'thong_bao'",
                    fields="{'issuer': 'UBND XÃ CẨM GIANG', 'title': 'Thông báo', 'body': body}",
                    filename="'thong-bao.docx'",
                ),
                user_task("next"),
            ),
        ),
    )
    instance_id = start(services, "writing", {"body": "Các đơn vị gửi đề xuất trước 12 giờ ngày 14/01/2027."})
    row, data, ready, calls = state(services, instance_id)
    assert data["notice"]["filename"] == "thong-bao.docx"
    with services.db.read() as session:
        stored = documents.get(session, data["notice"]["document_id"])
        assert stored.subject == f"process_instance:{instance_id}"
        word = docx.Document(io.BytesIO(stored.content))
        cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
        text = "\n".join([paragraph.text for paragraph in word.paragraphs] + cells)
        # Laid out as Decree 30 lays out a document (the records office's template of the kind).
        for expected in (
            "UBND XÃ CẨM GIANG",
            "Độc lập - Tự do",
            "THÔNG BÁO",
            "trước 12 giờ ngày 14/01/2027.",
        ):
            assert expected in text, text
    assert ready == ["next"]


def test_an_http_call_that_fails_twice_is_answered_on_the_third_attempt(services, allowing):
    with Endpoint(
        (503, {"error": "busy"}, 0), (503, {"error": "busy"}, 0), (200, {"data": {"id": 42}, "x": 1}, 0)
    ) as server:
        calling = allowing(server.url)
        publish_with(
            calling,
            bundle(
                "asking",
                process(
                    "asking",
                    service_task(
                        "ask_city",
                        "http_request",
                        "reply",
                        url=repr(server.url + "dossiers"),
                        body="{'unit': unit}",
                        fields="['data.id']",
                    ),
                    user_task("next"),
                ),
            ),
        )
        instance_id = start(calling, "asking", {"unit": "cg_vp"})
        for seconds in (0, 10, 30):
            calling.perform_connector_calls(T0 + timedelta(seconds=seconds))
        row, data, ready, calls = state(calling, instance_id)
    assert data["reply"] == {"status": 200, "data": {"data.id": 42}} and ready == ["next"]
    keys = server.keys()
    assert len(keys) == 3 and len(set(keys)) == 1 and keys[0] == calls[0].idempotency_key
    assert [request["body"] for request in server.received] == [{"unit": "cg_vp"}] * 3
    assert (calls[0].status, calls[0].attempts, calls[0].params) == ("done", 3, None)
    assert calls[0].target == server.url + "dossiers"


def test_a_refused_http_call_is_caught_by_the_error_boundary(services, allowing):
    with Endpoint((400, {"error": "bad request"}, 0)) as server:
        calling = allowing(server.url)
        caught = boundary("ask_city", "call_failed", error_catch(FAILED_CODE), then=user_task("by_hand"))
        publish_with(
            calling,
            bundle(
                "asking",
                process(
                    "asking",
                    service_task("ask_city", "http_request", url=repr(server.url)),
                    side=(caught,),
                    codes=(FAILED_CODE,),
                ),
            ),
        )
        instance_id = start(calling, "asking", {})
        calling.perform_connector_calls(T0)
        row, data, ready, calls = state(calling, instance_id)
    assert ready == ["by_hand"] and row.status == "running"
    assert calls[0].status == "failed" and "HTTP 400" in calls[0].last_error


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("'https://example.org/api'", "is not in the allow-list"),
        ("'http://127.0.0.1:1@evil.example/'", "is not in the allow-list"),
        ("address", "must be written as text"),
    ],
)
def test_an_endpoint_outside_the_allow_list_is_refused_at_publish(services, allowing, url, expected):
    calling = allowing("http://127.0.0.1:1/")
    with pytest.raises(DefinitionRejected) as refused:
        publish_with(
            calling, bundle("asking", process("asking", service_task("ask", "http_request", url=url)))
        )
    assert any(expected in str(problem) for problem in refused.value.problems), refused.value.problems
