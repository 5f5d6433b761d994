"""The hostile corpus: uploads that try to read server files, exhaust memory or run code.

Each one goes through the real publishing path, once as a Bundle handed to publish() and
once as files on disk read with read_bundle(); each must be refused with a message that
says why, must run nothing (a marker file that the payload would create stays absent),
and must store nothing (the transaction is committed after the refusal on purpose). The
controls showing these checks can fail: tests/unit/test_hostile_bpmn.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories.bpmn import stored_text
from factories.hostile_bpmn import BIG, CASES, FORM, FORM_FILE, KEY, META, process_xml, script_task
from sqlalchemy import func, select

from engine.definitions import Bundle, publish, read_bundle
from engine.errors import DefinitionRejected
from engine.models import HumanTask, ProcessDefinition, ProcessInstance


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
