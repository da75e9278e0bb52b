# ketnoi: `make run` for the demo, `make test` for the suite. Everything else here serves those two.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev
export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

# The installer is pinned too: a fresh venv first upgrades pip to the hashed version in requirements-pip.lock,
# so what installs does not depend on the pip that the machine's Python bundles.
PIP_VERSION := 26.3
LOCK_FLAGS := --generate-hashes --python-version 3.11 --no-strip-extras --custom-compile-command "make lock"

.PHONY: run test test-suite install browser nginx lint fmt messages bench lock check-lock clean help guides

help:
	@echo "make run    start the demo province with the Zalo sandbox on http://127.0.0.1:$(PORT)/"
	@echo "make test   install and run the whole suite"
	@echo "make bench  run the benchmarks in bench/ (PostgreSQL)"

$(BIN)/.installed: requirements.lock requirements-pip.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

# Regenerate both locks from pyproject.toml with uv (pinned in the dev extra, so installed by `make install`).
lock: install
	echo "pip==$(PIP_VERSION)" | $(BIN)/uv pip compile - $(LOCK_FLAGS) -o requirements-pip.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements.lock

# A brand-new venv from the locks with no pip cache: a lock that cannot install fails here, not for a newcomer.
check-lock:
	rm -rf var/lock-check && mkdir -p var && $(PY) -m venv var/lock-check
	PIP_NO_CACHE_DIR=1 var/lock-check/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.lock
	PIP_NO_CACHE_DIR=1 var/lock-check/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	var/lock-check/bin/python -c "import django, weasyprint, psycopg, playwright; print('lock installs:', django.get_version())"
	rm -rf var/lock-check

install: $(BIN)/.installed

browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# Debian's nginx for tests/deploy/test_nginx.py (the shipped site in front of gunicorn); run as a user process there.
nginx:
	@test -x /usr/sbin/nginx || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null)

messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

run: install messages
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "  Portal:   http://127.0.0.1:$(PORT)/"
	@echo "  Console:  http://127.0.0.1:$(PORT)/console/"
	@echo "  Phone:    http://127.0.0.1:$(PORT)/sandbox/  (the Zalo sandbox)"
	@echo
	$(BIN)/python manage.py sandbox_setup_demo
	@echo
	PORT=$(PORT) $(BIN)/honcho start -f Procfile.dev

test: install messages browser nginx
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory test-suite

# The suite alone (CI runs it again with DATABASE_URL pointing at PostgreSQL), in parallel: TEST_WORKERS processes
# (pytest-xdist), each with its own test database (copied from one migrated template, tests/template_db.py). Much of
# the suite waits on HTTP, subprocesses and sleeps, so more workers than cores pay; TEST_WORKERS=0 runs it in this one
# process. The suite starts many Python processes (workers, gunicorn, dispatchers, commands): bytecode is cached
# even where the environment turns that off (PYTHONDONTWRITEBYTECODE), or each of them compiles ketnoi/ again.
TEST_WORKERS ?= 4
test-suite: install messages browser nginx
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run -v1
	PYTHONDONTWRITEBYTECODE= DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -q -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# The screenshots in docs/guides/img/ are taken by the browser tests, so the guides never show a stale screen.
GUIDE_TESTS := tests/setup tests/dossiers_ui/test_browser.py tests/inbox/test_browser.py \
	tests/petitions/test_browser.py tests/reports/test_browser.py tests/broadcasts/test_browser.py
guides: install messages browser
	KETNOI_GUIDE_SCREENSHOTS=docs/guides/img DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -q $(GUIDE_TESTS)

bench: install
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) var
