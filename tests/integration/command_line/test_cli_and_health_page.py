"""The `talentflow` command line and the web app, as an operator uses them: each CLI run
works on a SQLite database of its own in the instance folder."""

import json

import pytest
from click.testing import CliRunner
from factories.bpmn import BUNDLES

from engine.clock import FixedClock
from web import create_app
from web.cli import main

pytestmark = pytest.mark.database  # each CLI run works on a SQLite database of its own


def test_cli_runs_a_campaign_in_simulated_time(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTFLOW_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("TALENTFLOW_DATABASE_URL", raising=False)
    runner = CliRunner()

    def talentflow(*args):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    talentflow("db", "upgrade")
    assert "version 1 (new)" in talentflow("bpmn", "load")
    assert "unchanged" in talentflow("bpmn", "load")
    seeded = talentflow("--at", "2026-01-10T09:00:00+07:00", "seed-demo")
    assert "demo commune created" in seeded and "demo selection round 1 opened" in seeded
    assert "8 talents of the past five years carried over" in seeded  # 2021 to 02/01/2026
    again = talentflow("seed-demo")
    assert "opened" not in again and "carried over" not in again  # once
    assert "password of snv.canbo set" in talentflow(
        "users", "password", "snv.canbo", "--password", "mat-khau-du-dai"
    )
    screening = talentflow("--at", "2026-01-12T09:00", "tasks", "list", "--user", "snv.canbo")
    assert screening.count("Kiểm tra hồ sơ và điều kiện của ứng viên") == 3
    listed = talentflow("--at", "2026-01-12T09:00", "tasks", "list", "--user", "cg_vp.canbo")
    assert "due 14/01/2026 12:00:00, còn 2 ngày 3 giờ" in listed
    task_id = listed.split()[0]
    draft = talentflow(
        "--at",
        "2026-01-13T10:00",
        "tasks",
        "complete",
        task_id,
        "--user",
        "cg_vp.canbo",
        "--data",
        json.dumps({"no_demand": True}),
    )
    approve_id = draft.split()[1]
    talentflow(
        "--at",
        "2026-01-13T10:05",
        "tasks",
        "complete",
        approve_id,
        "--user",
        "cg_vp.truong",
        "--data",
        json.dumps({"head_decision": "submit"}),
    )
    talentflow("users", "away", "cg_mn.truong", "--until", "2026-01-20T00:00")
    talentflow("users", "grant", "cg_th.truong", "--unit", "cg_mn", "--role", "unit_head", "--acting")
    # Digests: the 9 heads and officers with campaign tasks, and snv.canbo with the demo round's dossiers.
    assert "; 9 reminder(s), 0 escalation(s); 10 digest(s)" in talentflow(
        "--at", "2026-01-13T12:00:00+07:00", "tick"
    )
    assert "; 9 reminder(s), 0 escalation(s); 10 digest(s)" in talentflow(
        "--at", "2026-01-14T11:59:59+07:00", "tick"
    )
    # the cutoff of the 9 units that had not sent (cg_vp had): the campaign goes on when they end
    assert "fired 9" in talentflow("--at", "2026-01-14T12:00:00+07:00", "tick")
    status = talentflow("campaign", "status", "1")
    assert "cg_vp                declared_no_demand" in status
    assert (
        "cg_mn                deemed_no_demand     received -  closed 14/01/2026 12:00:00"
        "  escalated: level 1 (close)"
    ) in status
    # cg_mn's head is away: the acting head (cg_th's head) is told of the closed draft.
    told = talentflow("notifications", "--user", "cg_th.truong")
    assert "Hết hạn: «Lập đề xuất nhu cầu» — Trường Mầm non Cẩm Giang" in told
    assert "Trường Mầm non" not in talentflow("notifications", "--user", "cg_mn.truong")


def test_cli_refuses_bad_input_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTFLOW_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("TALENTFLOW_DATABASE_URL", raising=False)
    runner = CliRunner()
    for args in (["db", "upgrade"], ["bpmn", "load"], ["--at", "2026-01-10T09:00", "seed-demo"]):
        assert runner.invoke(main, args).exit_code == 0
    task_id = runner.invoke(main, ["tasks", "list", "--user", "cg_vp.canbo"]).output.split()[0]
    bad_json = runner.invoke(main, ["tasks", "complete", task_id, "--user", "cg_vp.canbo", "--data", "{bad"])
    assert bad_json.exit_code == 2 and "--data" in bad_json.output
    bad_time = runner.invoke(main, ["--at", "yesterday", "tick"])
    assert bad_time.exit_code == 2 and "ISO 8601" in bad_time.output
    assert (
        task_id in runner.invoke(main, ["tasks", "list", "--user", "cg_vp.canbo"]).output
    )  # nothing changed


def test_health_page_answers_from_the_database(services):
    client = create_app(services).test_client()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["definitions"] == len(BUNDLES)
    assert isinstance(services.clock, FixedClock)
