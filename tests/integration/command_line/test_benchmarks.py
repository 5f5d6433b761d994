"""The benchmarks keep working: every ``bench/*.py`` script with a ``__main__`` entry runs
with ``--quick`` (tiny sizes, every phase) and ends with its JSON line. A new bench script
is picked up on its own; helper modules (no ``__main__`` entry, e.g. one_task.py) are not.
Nothing here looks at timings, only at exit codes, keys and the benches' own outcomes."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from databases import drop_database, fresh_database
from factories import REPO_ROOT

pytestmark = pytest.mark.database  # each benchmark runs on databases of its own

BENCH_DIR = REPO_ROOT / "bench"
TIMEOUT_S = 300

# Keys each known bench's last line must have; a bench not listed is only checked for a JSON object.
EXPECTED_KEYS = {
    "compare": {"bench", "base", "runs", "figures"},
    "campaign": {"results", "growth_p50", "persist_ratio", "raw_roundtrip_p50_ms", "cutoff_per_instance_ms"},
    "mi": {
        "backend",
        "children",
        "small_children",
        "mi_growth",
        "statements_big",
        "statements_small",
        "p50_single_ms",
        "p95_single_ms",
        "p50_8_clients_ms",
        "p95_8_clients_ms",
        "p95_ratio",
        "pacing",
        "start_5000_s",
        "join_s",
        "answers",
        "answers_in_order",
        "nr_completed",
        "counter_consistent",
        "exactly_once",
    },
    "signals": {"backend", "waiters", "throw_s", "deliver_s", "seconds", "instances_per_s", "exactly_once"},
    "connectors": {
        "backend",
        "calls",
        "delivered",
        "outbound_s",
        "calls_per_s",
        "in_process_p50_ms",
        "script_p50_ms",
        "exactly_once",
    },
    "decisions": {"bench", "evaluations", "unique_100_rules", "collect_100_rules", "compile_10_tables_ms"},
    "plans": {
        "tasks",
        "units_per_task",
        "issue_s",
        "instances",
        "issue_deliveries",
        "all_linked",
        "plans",
        "board_p50_ms",
        "board_p95_ms",
    },
    "targets": {
        "talents",
        "carried_over_s",
        "retention_2026",
        "dashboard_p50_ms",
        "dashboard_p95_ms",
        "drill_down_p95_ms",
        "home_p95_ms",
    },
    "importing": {"at_limit_s", "at_limit_fan_out_s", "pools_s", "billion_laughs_s", "corpus_s", "max_s"},
    "scheduler": {
        "backend",
        "timers",
        "fired",
        "lateness_p50_s",
        "lateness_p99_s",
        "escalate_10k_s",
        "first_escalation_s",
        "escalations",
        "exactly_once",
    },
    "web": {
        "tasks",
        "inbox_p50_ms",
        "inbox_p95_ms",
        "inbox_html_p50_ms",
        "inbox_html_p95_ms",
        "search_p50_ms",
        "search_p95_ms",
        "done_p50_ms",
        "done_p95_ms",
        "submit_p50_ms",
        "submit_p95_ms",
    },
}


def _has_main_entry(path: Path) -> bool:
    """``if __name__ == "__main__":`` at module level."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name)
            and node.test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in node.test.comparators)
        ):
            return True
    return False


BENCHES = sorted(path.stem for path in BENCH_DIR.glob("*.py") if _has_main_entry(path))


def run_bench(name: str, *args: str) -> dict:
    """Run bench/<name>.py as `make bench` does; the parsed last line, when it is JSON."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, str(BENCH_DIR / f"{name}.py"), *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"bench/{name}.py {' '.join(args)} ran over {TIMEOUT_S}s\n{error.stdout}\n{error.stderr}")
    assert done.returncode == 0, (
        f"bench/{name}.py {' '.join(args)} exited {done.returncode}\n"
        f"--- stdout ---\n{done.stdout[-4000:]}\n--- stderr ---\n{done.stderr[-4000:]}"
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return _json_object(lines[-1] if lines else "", name, done.stdout)


def _json_object(line: str, name: str, stdout: str) -> dict:
    try:
        figures = json.loads(line)
    except json.JSONDecodeError:
        figures = None
    assert isinstance(figures, dict), (
        f"bench/{name}.py: the last line is not a JSON object:\n{stdout[-4000:]}"
    )
    return figures


def test_the_benches_are_found():
    assert {"campaign", "mi", "scheduler", "web"} <= set(BENCHES)
    assert not {"one_task", "fresh_database"} & set(BENCHES)  # shared modules, not benches


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHES)
def test_bench_runs_quick(name):
    figures = run_bench(name, "--quick")
    missing = EXPECTED_KEYS.get(name, set()) - set(figures)
    assert not missing, f"bench/{name}.py: keys {sorted(missing)} missing from {figures}"
    if name == "campaign":
        for result in figures["results"]:
            assert {
                "n",
                "complete_p50_ms",
                "complete_p95_ms",
                "open_s",
                "cutoff_s",
                "total_s",
                "silent_cutoff_s",
                "cutoff_per_instance_ms",
            } <= set(result), result
            assert result["silent_units_closed"] == result["n"], result
    if name == "scheduler":
        assert figures["backend"] == "sqlite"
        assert figures["fired"] == figures["timers"] and figures["exactly_once"] is True, figures
    if name == "mi":  # SQLite: no concurrent clients (writers queue at BEGIN by design)
        assert figures["backend"] == "sqlite" and figures["p95_8_clients_ms"] is None, figures
        _assert_mi_correct(figures)
    if name == "plans":  # every task and unit has its instance, its head its task
        assert figures["instances"] == figures["tasks"] * figures["units_per_task"] == figures["heads_tasks"]
        assert figures["all_linked"] is True, figures
    if name in ("signals", "connectors"):
        assert figures["exactly_once"] is True, figures
    if name == "compare":  # both sides measured, the same campaign figures
        growth = figures["figures"]["growth_p50"]
        assert growth["base"] > 0 and growth["change"] > 0 and growth["ratio"] is not None, figures


@pytest.mark.slow
def test_scheduler_bench_on_postgresql():
    """The PostgreSQL path (its schema emptied first) on a database of its own; fails when
    the server is unreachable, like every PostgreSQL test."""
    database = f"talentflow_bench_{os.getpid()}"
    url = fresh_database(database)
    try:
        figures = run_bench("scheduler", "--quick", "--database-url", url)
    finally:
        drop_database(database)
    assert figures["backend"] == "postgresql+psycopg"
    assert figures["fired"] == figures["timers"] and figures["exactly_once"] is True, figures


def _assert_mi_correct(figures: dict) -> None:
    assert figures["answers"] == figures["children"] and figures["answers_in_order"] is True, figures
    assert figures["nr_completed"] == figures["children"] and figures["counter_consistent"] is True, figures
    assert figures["exactly_once"] is True, figures


@pytest.mark.slow
def test_mi_bench_on_postgresql():
    """bench/mi.py's concurrent clients run only on PostgreSQL: there, on a database of
    its own, with its client processes completing children of one call at once."""
    database = f"talentflow_bench_mi_{os.getpid()}"
    url = fresh_database(database)
    try:
        figures = run_bench("mi", "--quick", "--database-url", url)
    finally:
        drop_database(database)
    assert figures["backend"] == "postgresql+psycopg"
    assert figures["clients"] >= 2 and figures["p95_8_clients_ms"] is not None, figures
    assert figures["concurrent_clients"]["completions"] > 0, figures
    _assert_mi_correct(figures)


@pytest.mark.slow
def test_campaign_profile_mode_runs():
    """``--profile`` is a separate path of campaign.py (no JSON line): it still runs."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH_DIR / "campaign.py"),
            "--profile",
            "20",
            "--profile-count",
            "10",
            "--profile-top",
            "5",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert "profile: N=20" in done.stdout
