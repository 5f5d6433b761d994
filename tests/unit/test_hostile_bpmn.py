"""The hostile corpus: uploads that try to read server files, exhaust memory or run code.

Each one goes through the real publishing path, once as a Bundle handed to publish() and
once as files on disk read with read_bundle(); each must be refused with a message that
says why, must run nothing (a marker file that the payload would create stays absent),
and must store nothing (the transaction is committed after the refusal on purpose)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.definitions import Bundle, publish, read_bundle
from engine.errors import DefinitionRejected
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from support import stored_text

KEY = "hostile"
FORM_FILE = "review.schema.json"
FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Xem xét",
    "type": "object",
    "additionalProperties": False,
    "properties": {"approved": {"title": "Đồng ý", "type": "boolean"}},
}
META = {"title": "Quy trình thử", "start_data_example": {"amount": 1}}
NAMESPACES = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
              'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')
BIG = 20 * 1024 * 1024


def process_xml(*, prolog: str = "", documentation: str = "Bắt đầu", before_review: str = "",
                after_review: str = "", extra: str = "") -> bytes:
    """start -> [before_review] -> review (user task) -> [after_review] -> end.

    ``before_review``/``after_review`` are a node with id "probe" or "" for none."""
    chain = ["start", *(["probe"] if before_review else []), "review", *(["probe"] if after_review else []), "end"]
    flows = "".join(f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(chain, chain[1:])))
    refs = "".join(f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" for node in chain)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
        f'<bpmn:definitions {NAMESPACES} id="defs" targetNamespace="http://talentflow.local/test">'
        f'<bpmn:process id="{KEY}" isExecutable="true">'
        f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_clerk" name="clerk">{refs}</bpmn:lane></bpmn:laneSet>'
        f'<bpmn:startEvent id="start"><bpmn:documentation>{documentation}</bpmn:documentation></bpmn:startEvent>'
        f"{before_review}"
        '<bpmn:userTask id="review" name="Xem xét"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="{FORM_FILE}"/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
        f'{after_review}<bpmn:endEvent id="end"/>{flows}{extra}'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


def script_task(script: str) -> str:
    return f'<bpmn:scriptTask id="probe" name="Tính"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'


def gateway(condition: str) -> str:
    # "probe" is the gateway; its conditional flow and its default flow both reach the end.
    return (f'<bpmn:exclusiveGateway id="probe" default="probe_default"/>'
            f'<bpmn:endEvent id="probe_end"/>'
            f'<bpmn:sequenceFlow id="probe_if" sourceRef="probe" targetRef="probe_end">'
            f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>")


def boundary_timer(expression: str) -> str:
    return ('<bpmn:boundaryEvent id="review_timer" attachedToRef="review">'
            f'<bpmn:timerEventDefinition id="review_timer_def"><bpmn:timeDuration>{expression}'
            "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
            '<bpmn:endEvent id="timer_end"/>'
            '<bpmn:sequenceFlow id="timer_flow" sourceRef="review_timer" targetRef="timer_end"/>')


def touch(marker: Path) -> str:
    return f"__import__('os').system('touch {marker}')"


BILLION_LAUGHS_DTD = (
    '<!DOCTYPE bpmn:definitions [\n<!ENTITY lol0 "lol">\n'
    + "".join(f'<!ENTITY lol{level} "{("&lol%d;" % (level - 1)) * 10}">\n' for level in range(1, 10))
    + "]>\n"
)


def _gateway_process(marker: Path) -> bytes:
    # The default flow of the gateway goes on to the review task.
    return process_xml(before_review=gateway(touch(marker))).replace(
        b'<bpmn:sequenceFlow id="flow_1" sourceRef="probe" targetRef="review"/>',
        b'<bpmn:sequenceFlow id="probe_default" sourceRef="probe" targetRef="review"/>')


# case id -> (bpmn bytes for a marker path, fragments the rejection must contain)
CASES = {
    "external-entity": (
        lambda marker: process_xml(
            prolog='<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>\n',
            documentation="Máy chủ: &xxe;"),
        ["hostile.bpmn", "DOCTYPE"]),
    "external-dtd": (
        lambda marker: process_xml(prolog='<!DOCTYPE bpmn:definitions SYSTEM "http://127.0.0.1:9/evil.dtd">\n'),
        ["hostile.bpmn", "DOCTYPE"]),
    "billion-laughs": (
        lambda marker: process_xml(prolog=BILLION_LAUGHS_DTD, documentation="&lol9;"),
        ["hostile.bpmn", "DOCTYPE"]),
    "script-import-os": (
        lambda marker: process_xml(after_review=script_task(touch(marker))),
        ["probe (ScriptTask)", "rejected by the sandbox", "__import__"]),
    "gateway-import-os": (
        _gateway_process,
        ["probe (ExclusiveGateway)", "Expression rejected by the sandbox", "__import__"]),
    "timer-import-os": (
        lambda marker: process_xml(extra=boundary_timer(f'{touch(marker)} and "PT0S" or "PT0S"')),
        ["review_timer (BoundaryEvent)", "timer expression", "rejected by the sandbox", "__import__"]),
    "script-subclasses-escape": (
        lambda marker: process_xml(after_review=script_task(
            "found = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen']\n"
            f"found[0](['touch', '{marker}'])")),
        ["probe (ScriptTask)", "rejected by the sandbox", "__class__"]),
    "twenty-megabytes": (
        lambda marker: process_xml(documentation="a" * BIG),
        ["hostile.bpmn", "larger than the limit"]),
    "not-xml": (
        lambda marker: b"name,amount\nreview,1\n" * 10,
        ["hostile.bpmn", "not well-formed XML"]),
    "empty-file": (
        lambda marker: b"",
        ["hostile.bpmn", "empty"]),
}


def definition_count(services) -> int:
    with services.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(ProcessDefinition))


def write_bundle_dir(root: Path, bpmn: bytes) -> Path:
    directory = root / KEY
    (directory / "forms").mkdir(parents=True)
    (directory / f"{KEY}.bpmn").write_bytes(bpmn)
    (directory / "forms" / FORM_FILE).write_text(json.dumps(FORM, ensure_ascii=False), encoding="utf-8")
    (directory / "process.json").write_text(json.dumps(META, ensure_ascii=False), encoding="utf-8")
    return directory


def bundle_by_route(route: str, bpmn: bytes, tmp_path: Path) -> Bundle:
    if route == "bundle":
        return Bundle(key=KEY, bpmn=bpmn, forms={FORM_FILE: FORM}, meta=META)
    bundle = read_bundle(write_bundle_dir(tmp_path / "upload", bpmn))
    assert (bundle.key, bundle.bpmn, bundle.forms, bundle.meta) == (KEY, bpmn, {FORM_FILE: FORM}, META)
    return bundle


@pytest.fixture
def marker(tmp_path) -> Path:
    path = (tmp_path / "MARKER").resolve()
    assert path.is_absolute() and not path.exists()
    return path


@pytest.mark.parametrize("route", ["bundle", "directory"])
@pytest.mark.parametrize("case", list(CASES))
def test_hostile_bundle_is_rejected_runs_nothing_and_stores_nothing(services, tmp_path, marker, case, route):
    make, fragments = CASES[case]
    bpmn = make(marker)
    if case == "twenty-megabytes":
        assert len(bpmn) > BIG
    bundle = bundle_by_route(route, bpmn, tmp_path)
    before = definition_count(services)

    with services.db.transaction() as session:
        with pytest.raises(DefinitionRejected) as caught:
            publish(session, bundle, services.clock.now())
        # committed on purpose: anything publish() added before refusing would now be stored

    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    assert len(message) < 4000  # a clear message, not an echo of the upload
    assert not marker.exists()
    assert definition_count(services) == before
    with services.db.transaction() as session:
        assert session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == KEY)) is None


def test_the_xxe_target_would_have_been_readable(tmp_path):
    # Control for the corpus: the entity points at a file that exists and is not empty, so a
    # parser that resolved it would have leaked something.
    assert Path("/etc/hostname").read_text().strip()


@pytest.mark.parametrize("mode", ["exec", "eval"])
def test_the_code_payloads_do_create_the_marker_without_the_sandbox(marker, mode):
    # Control for the corpus: run unrestricted, the payload used above really creates the
    # marker, so "the marker does not exist" above is a check that can fail.
    source = touch(marker) if mode == "exec" else f'{touch(marker)} and "PT0S" or "PT0S"'
    result = (exec if mode == "exec" else eval)(compile(source, "<payload>", mode), {})
    assert marker.exists()
    assert mode == "exec" or result == "PT0S"


# ------------------------------------------------------------------ open() passes the compile check

READ_PASSWD = "content = open('/etc/passwd').read()"


def test_reading_a_server_file_from_a_script_cannot_leak_it(services, tmp_path):
    passwd = Path("/etc/passwd").read_text()
    first_line = passwd.splitlines()[0]
    assert first_line  # the control: there is something that could leak
    bundle = bundle_by_route("directory", process_xml(before_review=script_task(READ_PASSWD)), tmp_path)
    before = definition_count(services)

    with services.db.transaction() as session:
        try:
            publish(session, bundle, services.clock.now())
        except DefinitionRejected as error:
            rejected = error
        else:
            rejected = None

    if rejected is not None:
        assert "open" in str(rejected)
        assert definition_count(services) == before
        return

    # Accepted at load: the real runtime must refuse to run it.
    assert definition_count(services) == before + 1
    with services.db.transaction() as session:
        change = services.runtime.start(session, KEY, {}, lane_orgs={"clerk": 1}, business_key="hostile:1")
        instance_id = change.instance.id
    with services.db.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert instance.status == "error"
        assert "open" in instance.error_message
        assert first_line not in instance.error_message
        stored = stored_text(instance.serialization)
        assert "review" in stored  # the decoded workflow, not noise
        assert first_line not in stored
        assert "root:" not in stored
        assert '"content"' not in stored
        assert instance.next_timer_at is None
        # The failure happened before the user task: nobody was given work.
        assert session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).all() == []
