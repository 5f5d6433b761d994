"""Controls for the hostile corpus (factories/hostile_bpmn.py), without a database: the file
its external entity points at exists, and its code payloads, run without the sandbox, do
create the marker. So "nothing leaked" and "the marker stays absent" in the publishing tests
(tests/integration/engine/test_hostile_bpmn_publishing.py) are checks that can fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories.hostile_bpmn import touch


@pytest.fixture
def marker(tmp_path) -> Path:
    path = (tmp_path / "MARKER").resolve()
    assert path.is_absolute() and not path.exists()
    return path


def test_the_xxe_target_would_have_been_readable(tmp_path):
    # Control for the corpus: the entity points at a file that exists and is not empty, so a
    # parser that resolved it would have leaked something.
    assert Path("/etc/hostname").read_text().strip()


@pytest.mark.parametrize("mode", ["exec", "eval"])
def test_the_code_payloads_do_create_the_marker_without_the_sandbox(marker, mode):
    # Control for the corpus: run unrestricted, the payload the corpus uses really creates the
    # marker, so "the marker does not exist" when publishing is a check that can fail.
    source = touch(marker) if mode == "exec" else f'{touch(marker)} and "PT0S" or "PT0S"'
    result = (exec if mode == "exec" else eval)(compile(source, "<payload>", mode), {})
    assert marker.exists()
    assert mode == "exec" or result == "PT0S"
