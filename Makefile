# The two commands of the README: `make run` and `make test`. Both set up everything
# they need on a fresh machine (a virtual environment in .venv).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install bench messages

$(STAMP): setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# UI message catalogs: web/translations/<lang>/LC_MESSAGES/messages.po -> .mo
CATALOGS := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

install: $(STAMP) $(CATALOGS)

# After changing UI texts: refresh the template and every catalog, then translate.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location --sort-output \
		-o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations

# Server + scheduler on the embedded SQLite database, with the demo commune.
run: install
	$(BIN)/talentflow db upgrade
	$(BIN)/talentflow bpmn load
	$(BIN)/talentflow seed-demo
	$(BIN)/talentflow scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/talentflow serve

# Debian's Chromium drives the browser tests (Playwright); installed when missing.
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get install -y -q chromium || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }

# Every test, on SQLite and on PostgreSQL (127.0.0.1:5432, see README), browser tests included.
test: install $(CHROMIUM)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

bench: install
	PYTHONPATH=. $(BIN)/python bench/campaign.py
	PYTHONPATH=. $(BIN)/python bench/scheduler.py
	PYTHONPATH=. $(BIN)/python bench/web.py
