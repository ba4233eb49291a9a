# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# One worker per core; gunicorn.conf.py gives each 4 threads (gthread): see bench/README.md.
WORKERS ?= 2

.PHONY: run test test-deps test-fast lint setup deps translations db demo serve clean bench browser-tools lb-tools

# requirements.txt (runtime) and requirements-test.txt (runtime + test tools) are locked with
# hashes by `make lock` from requirements.in and requirements-test.in.
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(PIP) install --quiet --require-hashes -r requirements-test.txt
	touch $@

## Re-lock both requirement files (exact versions and hashes) after editing a .in file.
.PHONY: lock
lock:
	test -x .lock-venv/bin/pip-compile || { $(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet pip-tools==7.6.2; }
	.lock-venv/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links --no-emit-trusted-host -o requirements.txt requirements.in
	.lock-venv/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links --no-emit-trusted-host -o requirements-test.txt requirements-test.in

deps: $(VENV)/.installed

## The compiled catalogs are files made from the .po files: rebuilt only when a .po changes, so a
## second `make test` beside a running one (as .ci/run does) never rewrites a .mo under it.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard quizapp/translations/*/LC_MESSAGES/messages.po))
translations: $(CATALOGS)

quizapp/translations/%/LC_MESSAGES/messages.mo: quizapp/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --statistics -d quizapp/translations -l $*

## Re-extract the Vietnamese msgids from quizapp/**.py and templates (also partials in _folders:
## pybabel skips folders starting with "_" by default), merge them into the catalogs.
.PHONY: translations-update
translations-update: deps
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.*' -o quizapp/translations/messages.pot .
	$(VENV)/bin/pybabel update -i quizapp/translations/messages.pot -d quizapp/translations --no-fuzzy-matching

setup: deps translations
	mkdir -p instance
	$(FLASK) fonts build >/dev/null

db: setup
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo load

## Serve on http://$(HOST):$(PORT) after migrating and loading demo data the first time.
## The app logs one line per request (LOG_FORMAT=text here), so gunicorn's access log stays off.
## Beside gunicorn runs the sweep (`flask quiz sweep --loop 15`): it finishes attempts whose
## deadline + grace has passed, at their deadline time; the trap stops it with the server.
SWEEP_SECONDS ?= 15
run: demo
	@echo "Đang chạy tại http://$(HOST):$(PORT) — nhấn Ctrl+C để dừng."
	$(FLASK) quiz sweep --loop $(SWEEP_SECONDS) & sweep=$$!; \
	trap 'kill $$sweep 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) wsgi:app

## Browser-test tools: Debian's Chromium (launched by path; no tool downloads a browser) and axe-core.
browser-tools:
	@command -v chromium >/dev/null 2>&1 || { echo "Cài Chromium (apt-get install chromium)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --silent

## Ruff (settings in pyproject.toml); `make test` runs it first.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

## A real load balancer for the two-instance load smoke (tests/load): Debian's haproxy.
lb-tools:
	@command -v haproxy >/dev/null 2>&1 || test -x /usr/sbin/haproxy || { echo "Cài haproxy (apt-get install haproxy)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; }

## What the whole suite needs, built once: the lint, the compiled catalogs (no test reads a stale
## .mo), the fonts, the test tools, Chromium with axe-core, haproxy. .ci/run builds it before
## starting the SQLite and PostgreSQL suites side by side.
test-deps: lint setup $(VENV)/.installed-test browser-tools lb-tools

## The whole test suite (SQLite by default; TEST_DATABASE_URL=postgresql://... for PostgreSQL),
## after test-deps.
test: test-deps
	$(PY) -m pytest -q $(PYTEST_ARGS)

## The suite without the browser tests (marker e2e) and the load smoke (marker load): no Chromium needed.
test-fast: lint setup $(VENV)/.installed-test
	$(PY) -m pytest -q -m "not e2e and not load" $(PYTEST_ARGS)

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache
