"""Builders shared by the tests, one module per thing they build or drive:

- ``dates``: instants in Vietnam's time zone;
- ``bpmn``: the shipped process bundles, small probe bundles built in a test, a stored workflow read back;
- ``bpmn_edits``: edits of a BPMN file as an admin makes them in the editor;
- ``hostile_bpmn``: uploads that try to read server files, exhaust memory or run code;
- ``abusive_scripts``: user code that tries to hold a worker past its budget;
- ``process_versions``: two versions of a probe process to migrate instances between;
- ``tasks``: a user's inbox and completing their task;
- ``campaigns``, ``city``, ``selection``, ``commitments``, ``evaluation``: each stage of the
  talent cycle driven in simulated time through the service layer;
- ``web``: signing in through the real pages (Flask's test client or a browser);
- ``mail``: a real SMTP server on loopback.
- ``words``: a message from the engine or a service as the Vietnamese reader sees it.

The paths below are the one place the tests locate the repository from: a test module may sit
at any depth under tests/.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
