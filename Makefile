# The two commands of the README: `make run` and `make test`. Both set up everything
# they need on a fresh machine (a virtual environment in .venv).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test unit install bench messages

$(STAMP): setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# UI message catalogs: web/translations/<lang>/LC_MESSAGES/messages.po -> .mo
CATALOGS := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

# Browser libraries served from web/static/vendor (no CDN), installed from web/assets/package-lock.json:
# bpmn-js for the admin BPMN editor and instance viewer (the browser bundles and their css and font),
# dmn-js for the decision-table editor (its modeler bundle, css and font),
# Noto Sans Mono for the fields where code is edited (its latin and vietnamese subsets, see admin.css),
# and axe-core, which the browser tests inject into every page they check (tests/e2e/screens.py).
NODE_MODULES := web/assets/node_modules
BPMN_JS := $(NODE_MODULES)/bpmn-js/dist
MONO_FONT := $(NODE_MODULES)/@fontsource/noto-sans-mono
VENDOR := web/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed-stamp

$(VENDOR_STAMP): web/assets/package.json web/assets/package-lock.json
	npm ci --prefix web/assets --ignore-scripts --no-audit --no-fund
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bpmn-js $(VENDOR)/noto-sans-mono
	cp $(BPMN_JS)/bpmn-modeler.production.min.js $(BPMN_JS)/bpmn-navigated-viewer.production.min.js $(VENDOR)/bpmn-js/
	cp -R $(BPMN_JS)/assets $(VENDOR)/bpmn-js/assets
	cp $(NODE_MODULES)/bpmn-js/LICENSE $(VENDOR)/bpmn-js/
	mkdir -p $(VENDOR)/dmn-js && cp $(NODE_MODULES)/dmn-js/dist/dmn-modeler.production.min.js \
		$(NODE_MODULES)/dmn-js/LICENSE $(VENDOR)/dmn-js/
	cp -R $(NODE_MODULES)/dmn-js/dist/assets $(VENDOR)/dmn-js/assets
	mkdir -p $(VENDOR)/axe-core && cp $(NODE_MODULES)/axe-core/axe.min.js $(NODE_MODULES)/axe-core/LICENSE $(VENDOR)/axe-core/
	cp $(MONO_FONT)/files/noto-sans-mono-latin-400-normal.woff2 \
		$(MONO_FONT)/files/noto-sans-mono-vietnamese-400-normal.woff2 $(MONO_FONT)/LICENSE $(VENDOR)/noto-sans-mono/
	touch $@

.PHONY: vendor
vendor: $(VENDOR_STAMP)

# Debian packages, installed when missing: $(call apt_install,<packages>).
apt_install = if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get install -y -q $(1) || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $(1); }

# Debian's Chromium drives the browser tests (Playwright).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	$(call apt_install,chromium)

# LibreOffice (headless, no GUI) converts the documents' .docx to PDF (services/records), in
# Liberation Serif 2: metric-compatible with Times New Roman, with every Vietnamese glyph
# (docs/records.md#pdf).
SOFFICE := /usr/bin/soffice
SERIF_FONT := /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf

$(SOFFICE) $(SERIF_FONT) &:
	$(call apt_install,libreoffice-writer-nogui fonts-liberation2)

install: $(STAMP) $(CATALOGS) vendor $(SOFFICE) $(SERIF_FONT)

# After changing UI texts: refresh the template and every catalog, then translate.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k Message --no-location --sort-output \
		-o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations

# Server + scheduler on the embedded SQLite database, with the demo commune.
run: install
	$(BIN)/talentflow db upgrade
	$(BIN)/talentflow bpmn load
	$(BIN)/talentflow seed-demo
	$(BIN)/talentflow-scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/talentflow serve

# Every test, on SQLite and on PostgreSQL (127.0.0.1:5432, see README), browser tests included,
# spread over the machine's cores (at most 4: each worker has PostgreSQL databases of its own).
test: install $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto --maxprocesses 4

# A developer's quick check (not one of the README's two commands): the tests that need
# no database, in seconds.
unit: install
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

bench: install
	PYTHONPATH=. $(BIN)/python bench/campaign.py
	PYTHONPATH=. $(BIN)/python bench/scheduler.py
	PYTHONPATH=. $(BIN)/python bench/mi.py
	PYTHONPATH=. $(BIN)/python bench/signals.py
	PYTHONPATH=. $(BIN)/python bench/importing.py
	PYTHONPATH=. $(BIN)/python bench/web.py
	PYTHONPATH=. $(BIN)/python bench/plans.py
	PYTHONPATH=. $(BIN)/python bench/targets.py
