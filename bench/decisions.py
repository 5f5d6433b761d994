"""Decision table benchmark: how fast tables are evaluated and compiled.

Evaluates a 100-rule UNIQUE table (one numeric input, ranges of width 10, the input drawn
at random so any rule may match) and a 100-rule COLLECT table (every rule a range test, a
few matching) ``N`` times each through ``engine.decision_tables.evaluate`` in the sandbox,
reporting evaluations per second and p50/p95 µs per evaluation; then compiles a bundle with
10 such tables, each evaluated by a business-rule task (``compile_bundle``, the work publish
does before it stores; ``compile_10_tables_ms``, best of 3). No database.
``--quick``: N=200, same JSON keys, figures meaningless.

    PYTHONPATH=. .venv/bin/python bench/decisions.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time

from engine.decision_tables import evaluate, parse_table
from engine.definitions import Bundle, compile_bundle
from engine.helpers import BASE_HELPERS

NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def dmn(decision: str, policy: str, rules: int = 100) -> str:
    """Input «Điểm» (diem); output muc; rule n matches [10n..10n+10[ (COLLECT: >= 10n)."""
    cells = [f"[{10 * n}..{10 * n + 10}[" if policy == "UNIQUE" else f">= {10 * n}" for n in range(rules)]
    body = "".join(
        f'<rule id="r{n}"><inputEntry><text>{cells[n]}</text></inputEntry>'
        f"<outputEntry><text>{n}</text></outputEntry></rule>"
        for n in range(rules)
    )
    return (
        f'<?xml version="1.0"?><definitions xmlns="{NS}" id="d" name="Bảng" namespace="bench">'
        f'<decision id="{decision}" name="Bảng {decision}"><decisionTable id="t" hitPolicy="{policy}">'
        '<input id="i" label="Điểm"><inputExpression><text>diem</text></inputExpression></input>'
        f'<output id="o" name="muc" label="Mức"/>{body}</decisionTable></decision></definitions>'
    )


def timed(table, n: int, high: int) -> dict:
    rng = random.Random(1)
    samples = []
    for _ in range(n):
        data = {"diem": rng.randrange(high)}
        started = time.perf_counter()
        evaluate(table, data, BASE_HELPERS)
        samples.append((time.perf_counter() - started) * 1e6)
    cuts = statistics.quantiles(samples, n=20)
    return {
        "per_s": round(n / (sum(samples) / 1e6)),
        "p50_us": round(statistics.median(samples), 1),
        "p95_us": round(cuts[18], 1),
    }


def bundle_with_tables(count: int) -> Bundle:
    tasks = "".join(
        f'<bpmn:businessRuleTask id="t{n}" name="Bảng {n}"><bpmn:extensionElements>'
        f"<spiffworkflow:calledDecisionId>bang_{n}</spiffworkflow:calledDecisionId>"
        f'<spiffworkflow:properties><spiffworkflow:property name="resultVariable" value="kq_{n}"/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:businessRuleTask>"
        for n in range(count)
    )
    chain = ["start", *(f"t{n}" for n in range(count)), "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(zip(chain, chain[1:]))
    )
    bpmn = (
        '<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" '
        'targetNamespace="http://talentflow.local/bench"><bpmn:process id="bang" isExecutable="true">'
        f'<bpmn:startEvent id="start"/>{tasks}<bpmn:endEvent id="end"/>{flows}'
        "</bpmn:process></bpmn:definitions>"
    )
    decisions = {f"bang_{n}.dmn": dmn(f"bang_{n}", "UNIQUE") for n in range(count)}
    return Bundle("bang", bpmn.encode(), {}, {"start_data_example": {"diem": 5}}, decisions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=200, same JSON keys: measures nothing")
    args = parser.parse_args()
    n = 200 if args.quick else 20000
    unique = timed(parse_table(dmn("unique", "UNIQUE").encode(), "unique.dmn"), n, 1000)
    collect = timed(parse_table(dmn("collect", "COLLECT").encode(), "collect.dmn"), n, 50)
    bundle = bundle_with_tables(10)
    compile_ms = []
    for _ in range(3):
        started = time.perf_counter()
        compile_bundle(bundle)
        compile_ms.append((time.perf_counter() - started) * 1000)
    figures = {
        "bench": "decisions",
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "evaluations": n,
        "unique_100_rules": unique,
        "collect_100_rules": collect,
        "compile_10_tables_ms": round(min(compile_ms), 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
