"""Every screen of tests/e2e/screens.py, as its role sees it, on a laptop (1366 px) and on a
phone (390 px): a full-page screenshot kept in test-artifacts/, no horizontal scroll on the
phone, and axe-core (web/static/vendor/axe-core, installed by `make install`) finds no serious
or critical violation of WCAG 2.1 A/AA or of its best practices. Every screen's problems are
collected and reported together, so that one run shows them all."""

from __future__ import annotations

from factories import REPO_ROOT
from factories.web import browser_signed_in
from screens import SCREENS, build_scenario

AXE = "/static/vendor/axe-core/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]
GRAVE = {"serious", "critical"}
PHONE = 390
VIEWPORTS = {1366: 768, PHONE: 844}


def test_every_screen_at_both_widths_is_accessible(commune, live_server, browser, artifacts):
    assert (REPO_ROOT / "web" / AXE.lstrip("/")).exists(), (
        "axe-core is not in web/static/vendor: run `make install`"
    )
    scenario = build_scenario(commune)
    pages = {}
    problems = []
    for screen in SCREENS:
        if screen.username not in pages:
            pages[screen.username] = _page(browser, live_server, screen.username)
        page = pages[screen.username]
        for width, height in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(live_server + screen.path(scenario))
            if screen.action:
                response = screen.action(page)
            if screen.ready:
                page.wait_for_selector(screen.ready)
            page.screenshot(path=artifacts / f"{screen.name}-{width}.png", full_page=True)
            found = [f"answered {response.status}"] if not response.ok else []
            found += _grave_violations(page, live_server)
            if width == PHONE:
                found += _horizontal_scroll(page)
            problems += [f"{screen.name} at {width} px ({screen.username}): {problem}" for problem in found]
    for page in pages.values():
        page.context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def _page(browser, base: str, username: str | None):
    if username is not None:
        return browser_signed_in(browser, base, username)
    return browser.new_context(locale="vi-VN").new_page()


def _grave_violations(page, base: str) -> list[str]:
    # Served by the app itself, so the page's Content-Security-Policy allows it as it is.
    page.add_script_tag(url=base + AXE)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"axe {violation['id']} ({violation['impact']}): {violation['help']}: "
        + ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
        for violation in result["violations"]
        if violation["impact"] in GRAVE
    ]


def _horizontal_scroll(page) -> list[str]:
    scroll, width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return [f"scrolls sideways ({scroll} px wide in {width} px)"] if scroll > width else []


def test_the_checks_see_what_they_look_for(live_server, browser):
    """An image without a text and a block wider than a phone: both are reported."""
    page = browser.new_page(viewport={"width": PHONE, "height": 844})
    page.set_content('<img src="/static/favicon.svg"><div style="width: 800px">wide</div>')
    violations = _grave_violations(page, live_server)
    assert any(violation.startswith("axe image-alt (critical)") for violation in violations), violations
    assert [problem.split(" (")[0] for problem in _horizontal_scroll(page)] == ["scrolls sideways"]
    page.close()
