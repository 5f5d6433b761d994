import datetime
import time

import pytest
from factories.words import in_vietnamese
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import ScriptRejected
from engine.sandbox import RestrictedEnvironment, build_script_engine, check_expression, check_script

DEADLINE = datetime.date(2030, 1, 1)
HELPERS = {
    "now": lambda: datetime.date(2025, 6, 1),
    "is_before": lambda a, b: a < b,
}


@pytest.fixture
def env():
    return RestrictedEnvironment(HELPERS)


def run_script(env, script, **data):
    env.execute(script, data)
    return data


def script_workflow_xml(script):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="script"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def run_workflow(script):
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(script_workflow_xml(script))
    workflow = BpmnWorkflow(parser.get_spec("p"), script_engine=build_script_engine(HELPERS))
    workflow.do_engine_steps()
    return workflow


# ---------------------------------------------------------------- escapes are rejected


@pytest.mark.parametrize("check", [check_script, check_expression])
def test_dunder_import_is_rejected_at_check_time(check):
    with pytest.raises(ScriptRejected, match="__import__") as caught:
        check("__import__('os').system('id')")
    assert "line 1: the name __import__ is reserved to the system" in str(caught.value)


def test_refusals_are_said_in_our_words_naming_the_line_and_what_is_refused():
    with pytest.raises(ScriptRejected) as caught:
        check_script("x = 1\ny = x.__class__\nimport os")

    said = in_vietnamese(caught.value.message)
    assert "dòng 2: tên __class__ dành riêng cho hệ thống" in said
    assert "Hộp cát từ chối đoạn mã" in said
    assert "invalid" not in said and "RestrictedPython" not in said


def test_import_statement_is_rejected_at_check_time():
    with pytest.raises(ScriptRejected, match="import is not allowed"):
        check_script("import os\nos.system('id')")


def test_subclass_walk_is_rejected():
    with pytest.raises(ScriptRejected, match="__subclasses__"):
        check_expression("().__class__.__base__.__subclasses__()")


def test_getattr_is_not_available(env):
    with pytest.raises(NameError, match="getattr"):
        env.evaluate("getattr((), '__class__')", {})


def test_str_format_cannot_reach_attributes(env):
    with pytest.raises(NotImplementedError, match="format"):
        env.evaluate("'{0.__class__}'.format(1)", {})


def test_open_in_script_task_fails_as_workflow_error_without_leaking():
    secret = open("/etc/passwd").read()
    with pytest.raises(WorkflowTaskException, match="open") as caught:
        run_workflow("content = open('/etc/passwd').read()")
    task = caught.value.task
    assert caught.value.error_type == "NameError" and caught.value.line_number == 1
    assert "content" not in task.data
    assert secret not in repr(task.data)


def test_rejected_script_in_a_workflow_surfaces_as_workflow_error():
    with pytest.raises(WorkflowTaskException, match="import is not allowed") as caught:
        run_workflow("import os\nresult = os.getcwd()")
    assert caught.value.error_type == "ScriptRejected"
    assert "result" not in caught.value.task.data


def test_while_loops_are_rejected():
    with pytest.raises(ScriptRejected, match="while loops"):
        check_script("while True: pass")


@pytest.mark.parametrize(
    "script",
    [
        "f = lambda: 1",
        "global x\nx = 1",
        "def f():\n    x = 1\n    def g():\n        nonlocal x",
        "class Box:\n    size = 1",
    ],
)
def test_lambda_global_nonlocal_are_rejected(script):
    with pytest.raises(ScriptRejected):
        check_script(script)


def test_rejection_message_shows_truncated_source():
    long_script = "while True: pass  # " + "x" * 500
    with pytest.raises(ScriptRejected) as caught:
        check_script(long_script)
    message = str(caught.value)
    assert long_script[:200] in message and long_script not in message


def test_gateway_condition_cannot_run_commands(env, tmp_path):
    marker = tmp_path / "gateway_ran"
    with pytest.raises(ScriptRejected):
        env.evaluate(f"__import__('os').system('touch {marker}') == 0", {"amount": 5})
    assert not marker.exists()


def test_timer_expression_cannot_run_commands(env, tmp_path):
    marker = tmp_path / "timer_ran"
    with pytest.raises(ScriptRejected):
        env.evaluate(f"__import__('os').system('touch {marker}') and \"PT0S\" or \"PT0S\"", {})
    assert not marker.exists()


def test_service_calls_are_refused(env):
    with pytest.raises(ScriptRejected, match="Service tasks"):
        env.call_service({}, operation_name="crm/lookup", operation_params={})


# ---------------------------------------------------------------- normal scripts work


def test_everyday_scripts_run(env):
    data = run_script(
        env,
        "x = a + 1\n"
        "squares = [i * i for i in items if i > factor]\n"
        "total = sum(items)\n"
        "summary = {'count': len(items), 'max': max(items)}\n"
        "summary['x'] = x\n"
        "for i in items:\n"
        "    total += i\n"
        "first, second = items[0], items[1]\n"
        "outcome = 'ok'",
        a=1,
        items=[1, 2, 3],
        factor=1,
    )
    assert data["x"] == 2
    assert data["squares"] == [4, 9]
    assert data["total"] == 12
    assert data["summary"] == {"count": 3, "max": 3, "x": 2}
    assert (data["first"], data["second"], data["outcome"]) == (1, 2, "ok")


def test_functions_defined_in_script_do_not_become_task_data(env):
    data = run_script(env, "def double(v):\n    return v * 2\nresult = double(n)", n=4)
    assert data == {"n": 4, "result": 8}


def test_del_removes_task_data(env):
    assert run_script(env, "del temp", temp=1, keep=2) == {"keep": 2}


def test_expression_with_surrounding_whitespace(env):
    assert env.evaluate("\n   decision == 'approve'\n  ", {"decision": "approve"}) is True


def test_helpers_are_callable(env):
    assert env.evaluate("is_before(now(), d)", {"d": DEADLINE}) is True
    # Task data is plain JSON, so dates travel as ISO strings.
    assert (
        run_script(env, "late = not is_before(now().isoformat(), d)", d=DEADLINE.isoformat())["late"] is False
    )


def test_helpers_win_over_task_data_with_the_same_name(env):
    assert env.evaluate("now()", {"now": "not a function"}) == datetime.date(2025, 6, 1)
    data = run_script(env, "today = now().isoformat()", now="from a form")
    assert data == {"now": "from a form", "today": "2025-06-01"}


def test_scripts_can_only_keep_plain_json(env):
    for script in (
        "d = now()",
        "r = range(3)",
        "b = b'x'",
        "m = {'typename': 'BpmnWorkflow'}",
        "nested = {'rows': [{'_hidden': 1}]}",
    ):
        with pytest.raises(ScriptRejected):
            run_script(env, script)
    assert run_script(env, "rows = [{'n': 1, 'ok': True, 'v': None}]")["rows"] == [
        {"n": 1, "ok": True, "v": None}
    ]


def test_script_task_runs_in_a_real_workflow():
    workflow = run_workflow("outcome = 'ok'\ndue = is_before(now(), now())")
    assert workflow.is_completed()
    assert workflow.data["outcome"] == "ok" and workflow.data["due"] is False


def test_cached_evaluate_is_fast(env):
    context = {"a": "x", **{f"field_{i}": i for i in range(20)}}
    env.evaluate("a == 'x'", context)
    runs = 20_000
    started = time.perf_counter()
    for _ in range(runs):
        env.evaluate("a == 'x'", context)
    per_call = (time.perf_counter() - started) / runs
    assert per_call < 50e-6, f"cached evaluate took {per_call * 1e6:.1f} µs"
