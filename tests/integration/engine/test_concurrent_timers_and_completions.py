"""Concurrency: timers fired twice or from two threads at once close each unit exactly
once; two people completing the same task at once get one winner, and the loser the same
answer on both databases, over the API and on the task page."""

import threading
from collections import Counter

from factories.campaigns import line, open_campaign, statuses
from factories.dates import local
from factories.tasks import task_named
from factories.web import csrf_token, signed_in, web_app
from sqlalchemy import select

from engine.errors import TaskNotReady
from engine.models import HumanTask, ProcessInstance
from services.identity import OrgUnit, _api_tokens as api_tokens
from services.work import _tasks as tasks

CUTOFF = local(2026, 1, 14, 12, 0)
EXTRA_UNITS = 150


def _add_units(services, count: int) -> None:
    with services.db.transaction() as session:
        commune = session.scalar(select(OrgUnit).where(OrgUnit.code == "xa_cam_giang_ubnd"))
        session.add_all(
            OrgUnit(
                code=f"extra_{n}",
                name=f"Đơn vị {n}",
                kind="public_service_unit",
                level="unit",
                parent_id=commune.id,
                commune_id=commune.id,
            )
            for n in range(count)
        )


def _count_finished(services) -> Counter:
    finished, lock = Counter(), threading.Lock()

    def count(_session, change):
        if change.finished and change.instance.process_key == "unit_proposal":
            with lock:
                finished[change.instance.id] += 1

    services.runtime.on_every_change(count)
    return finished


def _run_together(count: int, work) -> list:
    start, results = threading.Barrier(count), [None] * count

    def run(index):
        start.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # the assertions look at what each thread got
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_firing_twice_closes_each_unit_once(commune):
    services = commune
    campaign_id = open_campaign(services)
    finished = _count_finished(services)
    services.clock.set(CUTOFF)
    assert services.fire_timers().fired == 10  # each unit's cutoff (the campaign waits for its units)
    assert services.fire_timers().fired == 0
    assert set(statuses(services, campaign_id).values()) == {"deemed_no_demand"}
    assert sorted(finished.values()) == [1] * 10


def test_two_tickers_at_once_close_each_unit_exactly_once(commune):
    services = commune
    _add_units(services, EXTRA_UNITS)
    campaign_id = open_campaign(services)
    finished = _count_finished(services)
    services.clock.set(CUTOFF)
    runs = _run_together(2, lambda _: services.fire_timers(CUTOFF))
    assert all(not isinstance(run, Exception) for run in runs), runs
    units = 10 + EXTRA_UNITS
    assert sum(run.fired for run in runs) == units
    assert len(finished) == units and set(finished.values()) == {1}
    assert set(statuses(services, campaign_id).values()) == {"deemed_no_demand"}
    with services.db.transaction() as session:
        assert (
            session.scalar(
                select(ProcessInstance).where(
                    ProcessInstance.process_key == "unit_proposal", ProcessInstance.next_timer_at.is_not(None)
                )
            )
            is None
        )
        cancelled = Counter(
            session.scalars(select(HumanTask.status).where(HumanTask.task_name == "draft_proposal"))
        )
    assert cancelled == {"cancelled": units}


def _true_races(services) -> None:
    """From now on, two completions load and run their task before either saves: a true
    race on PostgreSQL. (SQLite queues writers at BEGIN, so there the second one waits.)"""
    with services.db.transaction() as session:
        if session.get_bind().dialect.name != "postgresql":
            return
    both_ran = threading.Barrier(2, timeout=30)
    original = services.runtime._advance

    def advance_together(workflow):
        result = original(workflow)
        both_ran.wait()
        return result

    services.runtime._advance = advance_together


def test_two_completions_of_one_task_have_one_winner(commune):
    services = commune
    campaign_id = open_campaign(services)
    task = task_named(services, "cg_vp.canbo", "draft_proposal")
    _true_races(services)
    submissions = [{"no_demand": True}, {"no_demand": False, "lines": [line()]}]

    def complete(index):
        tasks.complete_task(services.db, services.runtime, "cg_vp.canbo", task.id, submissions[index])
        return index

    results = _run_together(2, complete)
    winners = [result for result in results if isinstance(result, int)]
    losers = [result for result in results if isinstance(result, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], TaskNotReady) and "already completed" in str(losers[0])
    with services.db.transaction() as session:
        stored = session.get(HumanTask, task.id)
        assert stored.status == "completed"
        assert stored.completed_data == submissions[winners[0]]
        instance = session.get(ProcessInstance, stored.instance_id)
        assert instance.lock_version == 2  # started once, saved once
    assert statuses(services, campaign_id)["cg_vp"] == "drafting"


def test_the_loser_of_a_race_gets_the_same_answer_on_both_databases(commune):
    services = commune
    open_campaign(services)
    app = web_app(services)
    _true_races(services)

    # Over the API: 409, one code and one Vietnamese message, no internal id.
    task = task_named(services, "cg_vp.canbo", "draft_proposal")
    with services.db.transaction() as session:
        token = {
            "Authorization": f"Bearer {api_tokens.issue(session, 'cg_vp.canbo', 'api', services.clock.now())}"
        }
    submissions = [{"no_demand": True}, {"no_demand": False, "lines": [line()]}]
    answers = _run_together(
        2,
        lambda index: app.test_client().post(
            f"/api/v1/tasks/{task.id}/complete", json={"data": submissions[index]}, headers=token
        ),
    )
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    (winner,) = [index for index, answer in enumerate(answers) if answer.status_code == 200]
    assert answers[1 - winner].get_json() == {
        "code": "task_not_ready",
        "message": "Công việc đã được xử lý hoặc đã đóng.",
    }
    with services.db.transaction() as session:
        assert session.get(HumanTask, task.id).completed_data == submissions[winner]

    # On the task page: the same page for the loser on both databases.
    task = task_named(services, "cg_pkt.canbo", "draft_proposal")
    browsers = [signed_in(app, "cg_pkt.canbo") for _ in range(2)]
    forms = [
        {
            "csrf_token": csrf_token(browser, f"/tasks/{task.id}"),
            "action": "submit",
            "no_demand.present": "1",
            "no_demand": "true",
        }
        for browser in browsers
    ]
    answers = _run_together(2, lambda index: browsers[index].post(f"/tasks/{task.id}", data=forms[index]))
    assert sorted(answer.status_code for answer in answers) == [302, 409]
    (lost,) = [answer.get_data(as_text=True) for answer in answers if answer.status_code == 409]
    assert "Người khác đã xử lý trước hoặc việc đã đóng. Hãy tải lại trang để kiểm tra." in lost
    with services.db.transaction() as session:
        assert session.get(HumanTask, task.id).status == "completed"
