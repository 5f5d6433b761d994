"""The REST API against its own OpenAPI document (schemathesis, in-process over WSGI):
for every operation, as an admin and as an officer, generated valid and invalid requests,
and no server error, every status documented, every body the shape the spec declares.

Bounded and reproducible: 30 examples per operation, user and mode, derandomized (no
example database), no shrinking: about 30 s per database. No operation is excluded: those
that change state run against the test database, which each test gets fresh."""

from __future__ import annotations

import time

import schemathesis
from factories.web import web_app
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from services.identity import _api_tokens as api_tokens

USERS = ("admin", "cg_vp.canbo")  # an admin, and an officer of a unit (Văn phòng)
EXAMPLES = 30  # per operation, user and mode
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)  # valid requests, and invalid ones (must be 4xx)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def test_every_operation_answers_as_its_schema_says(commune):
    app = web_app(commune)
    with commune.db.transaction() as session:
        tokens = {name: api_tokens.issue(session, name, "api", commune.clock.now()) for name in USERS}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10
    failures: list[str] = []
    started = time.monotonic()
    for operation in operations:
        for name, mode in ((name, mode) for name in USERS for mode in MODES):
            headers = {"Authorization": f"Bearer {tokens[name]}"}

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - report every operation's failures
                failures.append(f"{operation.label} as {name}, {mode.value}: {error}")
    print(f"{len(operations)} operations in {time.monotonic() - started:.1f}s")
    assert not failures, "\n\n".join(failures)
