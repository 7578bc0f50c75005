# The README's two commands are `make demo` and `make test`; the rest are for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-test migrate serve worker beat lint format schema messages fuzz bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes, so a second `make demo` is fast.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: install
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Open http://$(HOST):$(PORT)/  (stop with Ctrl-C)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

serve: install
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A crm worker --loglevel=INFO

beat: install
	$(BIN)/celery -A crm beat --loglevel=INFO

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The Japanese and Simplified Chinese catalogues: collect the strings, fill them from the JSON tables named
# in TRANSLATIONS (tools/fill_translations.py; it lists what is still untranslated), then compile the
# committed .mo files. See docs/glossary.md for the terms.
TRANSLATIONS ?=
messages: install-test
	$(BIN)/python manage.py makemessages -l ja -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench --ignore="*.egg-info" --ignore=tools
	$(BIN)/python tools/fill_translations.py $(TRANSLATIONS) || true
	$(BIN)/python manage.py compilemessages --ignore=.venv

# The committed OpenAPI document; tests fail when it drifts from the code.
schema: install-test
	$(BIN)/python manage.py spectacular --file openapi.yaml --validate --fail-on-warn

# The long schemathesis run over the whole API (the suite runs a short one): every operation, valid and
# invalid data, as the manager and two reps, then chains along the schema's links, all checks; over
# 10,000 requests at the default FUZZ_EXAMPLES. It prints the request count and the failures at the end.
fuzz: install-test
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-20} $(BIN)/python -m pytest tests/api/test_fuzz.py -q $(PYTEST_ARGS)

# The API, scoring, latency and pages benchmarks (PostgreSQL; api needs wrk, latency Redis: BENCH_REDIS_URL);
# each prints its figures as ratios to a floor measured in the same run, and whether its targets are met.
# Others: make bench BENCH="import market registers salesforce technographics".
BENCH ?= api scoring latency pages
bench: install-test
	$(BIN)/python -m bench $(BENCH)

# A PNG of each main page under artifacts/screenshots/, taken by the browser tests (needs chromium), with
# Today and an exchange page in English, Japanese and Simplified Chinese (lang-<code>-today.png, ...), and
# the rep's journey from the badge file to a contacted follow-up (journey-1440-*, journey-390-*).
# The folder is emptied first, so it holds this run's pages only.
screenshots: install-test
	rm -rf artifacts/screenshots
	$(BIN)/python -m pytest tests/browser -q
	@echo "$$(ls artifacts/screenshots | wc -l) screenshots in artifacts/screenshots/"

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .ruff_cache
