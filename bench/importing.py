"""Import benchmark: how long engine.importing.prepare_import takes on the worst files an
admin can upload (each must stay well under 2 s): a file at the size limit full of
generated ids, one task with hundreds of outgoing flows, a collaboration of many pools, a
billion-laughs DOCTYPE, and every file of tests/fixtures/modelers/. Prints one JSON line
with the seconds of each and ``max_s``. ``--quick``: smaller files, same keys.

    PYTHONPATH=. .venv/bin/python bench/importing.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from engine.errors import DefinitionRejected
from engine.importing import prepare_import
from engine.xml_safety import MAX_BPMN_BYTES

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "modelers"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="Definitions_1" targetNamespace="t">\n'
)


def chain(process: str, count: int, fan_out: int = 1) -> str:
    """start -> count tasks, each but the last with ``fan_out`` flows to the next."""
    nodes = ['<bpmn:startEvent id="StartEvent_%s"/>' % process]
    flows, shapes = (
        [
            f'<bpmn:sequenceFlow id="Flow_{process}_s" sourceRef="StartEvent_{process}" '
            f'targetRef="Activity_{process}_0"/>'
        ],
        [],
    )
    for index in range(count):
        nodes.append(f'<bpmn:userTask id="Activity_{process}_{index}" name="Công việc số {index % 7}"/>')
        shapes.append(
            f'<bpmndi:BPMNShape id="Activity_{process}_{index}_di" bpmnElement="Activity_{process}_{index}">'
            f'<dc:Bounds x="{index * 150}" y="100" width="100" height="80"/></bpmndi:BPMNShape>'
        )
        target = f"Activity_{process}_{index + 1}" if index + 1 < count else f"Event_{process}_end"
        flows += [
            f'<bpmn:sequenceFlow id="Flow_{process}_{index}_{way}" sourceRef="Activity_{process}_{index}" '
            f'targetRef="{target}"/>'
            for way in range(fan_out)
        ]
    nodes.append(f'<bpmn:endEvent id="Event_{process}_end"/>')
    body = f'<bpmn:process id="Process_{process}" isExecutable="true">' + "".join(nodes + flows)
    return body + "</bpmn:process>", "".join(shapes)


def document(processes: list[tuple[str, str]], participants: str = "") -> bytes:
    plane = "".join(shapes for _, shapes in processes)
    text = (
        HEAD
        + participants
        + "".join(body for body, _ in processes)
        + f'<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="Process_a">{plane}'
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"
    )
    return text.encode("utf-8")


def at_limit(fan_out: int) -> bytes:
    count = 100
    while len(document([chain("a", count * 2, fan_out)])) < MAX_BPMN_BYTES:
        count *= 2
    low, high = count, count * 2
    while high - low > 10:  # the largest chain under the limit
        middle = (low + high) // 2
        low, high = (
            (middle, high) if len(document([chain("a", middle, fan_out)])) < MAX_BPMN_BYTES else (low, middle)
        )
    return document([chain("a", low, fan_out)])


def pools(count: int) -> bytes:
    participants = "".join(
        f'<bpmn:participant id="Participant_{p}" name="Đơn vị {p}" processRef="Process_{p}"/>'
        for p in range(count)
    )
    return document(
        [chain(str(p), 20, 2) for p in range(count)],
        f'<bpmn:collaboration id="Collaboration_1" name="Liên thông">{participants}</bpmn:collaboration>',
    )


def billion_laughs() -> bytes:
    entities = "".join(f'<!ENTITY lol{level} "{("&lol%d;" % (level - 1)) * 10}">' for level in range(2, 11))
    return f'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY lol1 "lol">{entities}]><l>&lol10;</l>'.encode()


def timed(data: bytes) -> float:
    started = time.perf_counter()
    try:
        prepare_import(data, None, "bench.bpmn")
    except DefinitionRejected:
        pass
    return round(time.perf_counter() - started, 4)


def main() -> None:
    arguments = argparse.ArgumentParser()
    arguments.add_argument("--quick", action="store_true")
    quick = arguments.parse_args().quick
    files = {
        "at_limit_s": document([chain("a", 200)]) if quick else at_limit(1),
        "at_limit_fan_out_s": document([chain("a", 100, 3)]) if quick else at_limit(3),
        "one_task_500_flows_s": document([chain("a", 2, 50 if quick else 500)]),
        "pools_s": pools(5 if quick else 100),
        "billion_laughs_s": billion_laughs(),
    }
    result = {name: timed(data) for name, data in files.items()}
    result["bytes"] = max(len(data) for data in files.values())
    result["corpus_s"] = round(sum(timed(path.read_bytes()) for path in sorted(CORPUS.glob("*.bpmn"))), 4)
    result["max_s"] = max(value for name, value in result.items() if name.endswith("_s"))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
