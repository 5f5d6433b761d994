"""The pseudo-locale (docs/languages.md): every text of the catalogs marked ⟦…⟧, and the check
run in a page that finds what a reader would see unmarked, so neither English nor an
untranslated text is left. User data is marked in the templates with translate="no".

A developer sees it too: `.venv/bin/python tests/e2e/pseudo.py /tmp/pseudo`, then
`TALENTFLOW_PSEUDO_LOCALE_DIR=/tmp/pseudo make run` and a browser asking for Esperanto ("eo")."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from web.i18n import PSEUDO_LOCALE

ENGLISH = Path(__file__).resolve().parents[2] / "web/translations/en/LC_MESSAGES/messages.po"
OPEN, CLOSE = "⟦", "⟧"


def mark(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


def build_catalog(directory: Path) -> Path:
    """Compiles into ``directory`` the pseudo-locale's catalog: each English text of the
    English catalog (its plural too), marked; placeholders stay as they are."""
    with ENGLISH.open("rb") as po:
        catalog = read_po(po)
    for message in catalog:
        if message.id:
            message.string = tuple(map(mark, message.id)) if message.pluralizable else mark(message.id)
    folder = directory / PSEUDO_LOCALE / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)
    return directory


@pytest.fixture(name="commune")
def pseudo_commune(commune, tmp_path):
    """The demo commune whose app also speaks the pseudo-locale. A test module imports this
    fixture to override ``commune``, so that its live_server serves the pseudo-locale."""
    commune.config = replace(commune.config, pseudo_locale_dir=build_catalog(tmp_path / "pseudo-locale"))
    return commune


def pseudo_page(browser, **context):
    """A page of a browser asking for the pseudo-locale."""
    return browser.new_context(locale=PSEUDO_LOCALE, **context).new_page()


# What people read that is not marked: visible text (the pieces between marked segments,
# which may span elements), the attributes read aloud or shown (placeholder, title,
# aria-label, alt, a button's value) and the document's title, less the user data it repeats.
# Skipped: anything inside [translate=no] (user data), form fields' contents, the brand, and
# in the BPMN editor the diagram (its labels are the process's) and bpmn.io's mark, which its
# licence keeps as it is.
UNMARKED = r"""
() => {
  const SEP = "\u0000";
  const hasWords = text => /\p{L}/u.test(text.replaceAll("TalentFlow", ""));
  const unmark = text => {
    let before;
    do {
      before = text;
      text = text.replace(/⟦[^⟦⟧]*⟧/gu, found => SEP.repeat(found.length));
    } while (text !== before);
    return text;
  };
  const describe = element => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + (element.classList.length ? "." + [...element.classList].join(".") : "");
  const skipped = element => element.closest(
    '[translate="no" i], script, style, noscript, template, textarea, .djs-container svg, .bjs-powered-by');
  const seen = element => {
    const select = element.closest("select");  // an option is read in its list
    return (select || element).checkVisibility({visibilityProperty: true});
  };
  const found = [];

  const texts = [], starts = [];
  let length = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || skipped(parent) || !seen(parent)) continue;
    starts.push([length, parent]);
    texts.push(node.data);
    length += node.data.length + 1;
  }
  const shown = unmark(texts.join(SEP));
  for (const piece of shown.matchAll(/[^\u0000]+/g)) {
    if (!hasWords(piece[0])) continue;
    const [, parent] = starts.findLast(([start]) => start <= piece.index);
    found.push(`${describe(parent)}: ${piece[0].trim()}`);
  }

  const read = ["placeholder", "title", "aria-label", "alt"];
  for (const element of document.body.querySelectorAll("*")) {
    if (skipped(element) || !seen(element)) continue;
    const button = element.matches("input[type=submit i], input[type=button i], input[type=reset i]");
    for (const name of button ? [...read, "value"] : read) {
      const value = element.getAttribute(name);
      if (value && hasWords(unmark(value))) found.push(`${describe(element)} @${name}: ${value}`);
    }
  }
  const data = [...document.querySelectorAll('[translate="no" i]')]
    .map(element => element.textContent.trim()).filter(Boolean);
  const title = data.reduce((rest, shown) => rest.replaceAll(shown, ""), document.title);
  if (hasWords(unmark(title))) found.push(`title: ${document.title}`);

  return found;
}
"""


def unmarked(page) -> list[str]:
    """What the page shows that is neither marked nor user data, each with where it is."""
    return page.evaluate(UNMARKED)


if __name__ == "__main__":
    print(build_catalog(Path(sys.argv[1])))
