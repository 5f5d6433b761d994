"""What the engine says about a refused BPMN file reaches the administrator in one language,
the reader's (docs/languages.md): elements named by their label, their kind as a word,
never a SpiffWorkflow class name or a generated UUID."""

import io
import re

import pytest
from factories import FIXTURES
from factories.web import csrf_token, signed_in, web_app

CAMUNDA = (FIXTURES / "camunda_review.bpmn").read_text(encoding="utf-8")
# review_cv -> a compensation throw -> a link throw -> done, each with a label: events
# nothing here runs, so the file is refused
UNSUPPORTED = CAMUNDA.format(
    after_review='<bpmn:intermediateThrowEvent id="Activity_1" name="Hoàn lại thư mời">'
    "<bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>"
    '<bpmn:intermediateThrowEvent id="wait_letter" name="Sang trang sau">'
    '<bpmn:linkEventDefinition name="next"/></bpmn:intermediateThrowEvent>'
    '<bpmn:sequenceFlow id="Flow_3" sourceRef="review_cv" targetRef="Activity_1"/>'
    '<bpmn:sequenceFlow id="Flow_4" sourceRef="Activity_1" targetRef="wait_letter"/>'
    '<bpmn:sequenceFlow id="Flow_2" sourceRef="wait_letter" targetRef="done"/>'
).encode()
SPIFF_WORDS = re.compile(r"UserTask|ServiceTask|EventDefinition|BpmnProcessSpec|SpiffWorkflow|Exception")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def admin_browser(commune):
    return signed_in(web_app(commune), "admin")


def _upload(browser, data: bytes, language: str) -> str:
    response = browser.post(
        "/admin/upload",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(browser, "/admin/"),
            "key": "hiring_review",
            "bpmn_file": (io.BytesIO(data), "camunda.bpmn"),
        },
        headers={"Accept-Language": language},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    return page[page.index('id="upload-refusal"') :]


def _clean(text: str) -> None:
    assert not SPIFF_WORDS.search(text), text
    assert not UUID.search(text), text


def test_a_refused_upload_reads_in_vietnamese_naming_elements_by_their_label(admin_browser):
    refusal = _upload(admin_browser, UNSUPPORTED, "vi")
    assert "«Hoàn lại thư mời» (sự kiện bù trừ): loại phần tử này chưa được hỗ trợ" in refusal
    assert "«Sang trang sau» (sự kiện liên kết): loại phần tử này chưa được hỗ trợ" in refusal
    assert "not supported" not in refusal
    _clean(refusal)


def test_the_same_refusal_reads_in_english_for_an_english_reader(admin_browser):
    refusal = _upload(admin_browser, UNSUPPORTED, "en")
    assert "«Hoàn lại thư mời» (compensation event): this element type is not supported" in refusal
    assert "«Sang trang sau» (link event): this element type is not supported" in refusal
    _clean(refusal)


def test_what_the_bpmn_parser_says_is_told_as_we_say_it(admin_browser):
    """SpiffWorkflow's own sentence ("No start event found") never reaches the page."""
    no_start = CAMUNDA.format(
        after_review='<bpmn:sequenceFlow id="Flow_2" sourceRef="review_cv" targetRef="done"/>'
    )
    no_start = re.sub(r'<bpmn:startEvent id="StartEvent_1">.*?</bpmn:startEvent>', "", no_start)
    refusal = _upload(admin_browser, no_start.encode(), "vi")
    assert "quy trình chưa có sự kiện bắt đầu" in refusal
    assert "No start event" not in refusal
    _clean(refusal)


@pytest.mark.parametrize(
    "language, expected",
    [
        (
            "vi",
            "«Lập đề xuất nhu cầu» (công việc của người dùng): "
            "thiếu biểu mẫu missing.schema.json trong forms/",
        ),
        ("en", "«Lập đề xuất nhu cầu» (user task): form missing.schema.json is missing from forms/"),
    ],
)
def test_the_editors_problems_follow_the_readers_language(commune, admin_browser, language, expected):
    draft = admin_browser.get("/api/v1/admin/processes/unit_proposal/draft").get_json()
    bpmn = draft["bpmn"].replace('value="draft_proposal.schema.json"', 'value="missing.schema.json"')
    response = admin_browser.put(
        "/api/v1/admin/processes/unit_proposal/draft",
        json={"bpmn": bpmn, "forms": draft["forms"], "meta": draft["meta"]},
        headers={"Accept-Language": language, "X-CSRFToken": csrf_token(admin_browser, "/admin/")},
    )
    assert response.status_code == 200, response.get_json()
    problems = response.get_json()["problems"]
    assert {"element": "draft_proposal", "message": expected} in problems, problems
    for problem in problems:
        _clean(problem["message"])
