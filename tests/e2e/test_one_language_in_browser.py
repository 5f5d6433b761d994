"""One language at a time: pages shown in the pseudo-locale (every catalog text marked ⟦…⟧,
tests/e2e/pseudo.py) show no text outside user data that is unmarked, so no English or
untranslated text is left: the sign-in page, an officer's inbox, the proposal refused with
its field errors, the process list refusing a BPMN with the engine's problems and showing what
an import did, the editor of a draft with problems, a page that does not exist; and every
screen of the screens' walk (tests/e2e/screens.py) as its role sees it."""

from __future__ import annotations

from factories import FIXTURES
from factories.campaigns import open_campaign
from factories.dates import local
from factories.tasks import task_named
from factories.web import PASSWORD
from pseudo import pseudo_commune, pseudo_page, unmarked  # noqa: F401  (pseudo_commune: the fixture commune)
from screens import SCREENS, build_scenario

CAMUNDA = (FIXTURES / "camunda_review.bpmn").read_text(encoding="utf-8")
# The review goes on to a Java service task and a compensation, which cannot run here: the file
# is refused.
UNSUPPORTED = (
    '<bpmn:serviceTask id="send_mail" camunda:class="org.example.Mailer"/>'
    '<bpmn:intermediateThrowEvent id="undo_mail"><bpmn:compensateEventDefinition/>'
    "</bpmn:intermediateThrowEvent>"
    '<bpmn:sequenceFlow id="Flow_3" sourceRef="review_cv" targetRef="send_mail"/>'
    '<bpmn:sequenceFlow id="Flow_4" sourceRef="send_mail" targetRef="undo_mail"/>'
    '<bpmn:sequenceFlow id="Flow_2" sourceRef="undo_mail" targetRef="done"/>'
)
# Runs, but with problems to fix in the editor (a lane without a role, a task without a form).
IMPORTABLE = '<bpmn:sequenceFlow id="Flow_2" sourceRef="review_cv" targetRef="done"/>'


# In the editor's process, one element of each kind the properties panel has a section for,
# and where to click it in its box (fractions of its width and height): a pool or a lane by
# its title band, which the elements in it leave free.
PANEL_ELEMENTS = {
    "unit_proposal_participant": (0.01, 0.02),
    "lane_unit_officer": (0.01, 0.02),
    "submitted": (0.5, 0.5),
    "draft_proposal": (0.5, 0.5),
    "draft_cutoff": (0.5, 0.5),
    "head_decision": (0.5, 0.5),
}


def _sign_in(page, base: str, username: str) -> None:
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation(url=f"{base}/inbox"):
        page.press("#password", "Enter")


def _upload(page, base: str, bpmn: str, key: str) -> None:
    page.goto(f"{base}/admin/")
    page.set_input_files('input[name="bpmn_file"]', files=[_file(bpmn)])
    page.fill('input[name="key"]', key)
    with page.expect_navigation():
        page.click("section.upload button[type=submit]")


def _file(bpmn: str) -> dict:
    return {"name": "review.bpmn", "mimeType": "application/xml", "buffer": bpmn.encode()}


def test_every_text_shown_is_in_the_readers_language(commune, live_server, browser):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    seen = {}

    officer = pseudo_page(browser)
    officer.goto(f"{live_server}/login")
    seen["sign-in"] = unmarked(officer)
    _sign_in(officer, live_server, "cg_vp.canbo")
    assert officer.inner_text("main h1") == "⟦Inbox⟧"  # the pseudo-locale it asked for
    seen["inbox"] = unmarked(officer)
    officer.goto(f"{live_server}/tasks/{draft.id}")
    seen["proposal"] = unmarked(officer)
    officer.click("button[value=submit]")  # nothing filled in
    officer.wait_for_selector(".field-error")
    seen["proposal refused"] = unmarked(officer)
    officer.goto(f"{live_server}/no/such/page")
    seen["not found"] = unmarked(officer)

    admin = pseudo_page(browser, viewport={"width": 1600, "height": 1000})
    admin.goto(f"{live_server}/login")
    _sign_in(admin, live_server, "admin")
    _upload(admin, live_server, CAMUNDA.format(after_review=UNSUPPORTED), "hiring_review")
    assert admin.locator("#upload-refusal li").count() >= 1
    seen["processes, a file refused"] = unmarked(admin)
    _upload(admin, live_server, CAMUNDA.format(after_review=IMPORTABLE), "hiring_review")
    seen["processes, a file imported"] = unmarked(admin)
    with admin.expect_navigation():
        admin.click('#import-result a[href$="/hiring_review/edit"]')
    admin.wait_for_selector('#editor[data-state="ready"]')
    admin.click("#save-draft")  # the engine's problems with the draft
    admin.wait_for_selector("#problems li")
    seen["editor, a draft with problems"] = unmarked(admin)

    left = [f"{page} | {text}" for page, texts in seen.items() for text in texts]
    assert not left, "Shown unmarked (page | element: text):\n" + "\n".join(left)


def test_every_screen_of_the_walk_is_in_the_readers_language(commune, live_server, browser):
    scenario = build_scenario(commune)
    pages = {}
    left = []
    for screen in SCREENS:
        if screen.username not in pages:
            pages[screen.username] = _walker(browser, live_server, screen.username)
        page = pages[screen.username]
        page.goto(live_server + screen.path(scenario))
        if screen.action:
            screen.action(page)
        if screen.ready:
            page.wait_for_selector(screen.ready)
        left += [f"{screen.name} | {text}" for text in unmarked(page)]
    editor = pages["admin"]
    editor.goto(f"{live_server}/admin/processes/unit_proposal/edit")
    editor.wait_for_selector('#editor[data-state="ready"]')
    for element, (across, down) in PANEL_ELEMENTS.items():
        shape = editor.locator(f'[data-element-id="{element}"]')
        box = shape.bounding_box()
        shape.click(position={"x": box["width"] * across, "y": box["height"] * down})
        if element == "draft_proposal":  # its form: the form editor and the form's preview
            editor.wait_for_selector("#form-preview .task-form")
        left += [f"admin-editor, {element} selected | {text}" for text in unmarked(editor)]
    for page in pages.values():
        page.context.close()
    assert not left, f"{len(left)} shown unmarked (screen | element: text):\n" + "\n".join(left)


def _walker(browser, base: str, username: str | None):
    page = pseudo_page(browser, viewport={"width": 1366, "height": 768})
    if username is not None:
        page.goto(f"{base}/login")
        _sign_in(page, base, username)
    return page


def test_the_check_finds_what_is_not_marked_and_passes_over_user_data(browser):
    page = browser.new_page()
    page.set_content(
        "<title>⟦Inbox⟧ · TalentFlow</title>"
        "<p>⟦Due: ⟦before 12:00 on 14/01/2027⟧⟧ left over"
        " <b translate='no'>Nguyễn Văn A</b> 12/01/2026 09:00</p>"
        "<p hidden>not shown</p><p>⟦Split <i>across</i> elements⟧</p>"
        "<select><option>⟦— choose —⟧</option><option>Option</option></select>"
        "<input placeholder='⟦Case⟧' title='Title'><input type='submit' value='Send'>"
        "<textarea>typed</textarea>"
    )
    assert unmarked(page) == ["p: left over", "option: Option", "input @title: Title", "input @value: Send"]
    page.close()
