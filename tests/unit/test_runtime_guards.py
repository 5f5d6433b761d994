"""A task's title names its case from the workflow data. What the runtime refuses, and what a
refusal or a failure leaves behind: tests/integration/engine/test_runtime_refusals.py."""

from __future__ import annotations


def test_a_task_title_names_its_case_from_the_data():
    from engine.runtime import TITLE_LENGTH, task_title

    assert (
        task_title("Chấm điểm ứng viên {{ candidate_name }}", {"candidate_name": "Trần Minh Khoa"})
        == "Chấm điểm ứng viên Trần Minh Khoa"
    )
    assert task_title("Vào sổ công văn của {{commune_name}}", {}) == "Vào sổ công văn của"  # missing: empty
    assert task_title("Đánh giá {{ name }}", {"name": "x" * 400}) == ("Đánh giá " + "x" * 400)[:TITLE_LENGTH]
