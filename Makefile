# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run serve varnish test test-all lint format install install-test browser-deps bench bench-scale wrk demo clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian/Ubuntu run 'apt-get install python3-venv' first."; exit 1; }
	@$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-test.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

run: demo
	@echo ""
	@echo "  西宁乡村文旅门户 Xining Rural Portal: http://127.0.0.1:$(PORT)/"
	@echo "  Admin 管理后台:                      http://127.0.0.1:$(PORT)/admin/"
	@echo "  Demo accounts (password 'changeme'): admin (superuser), editor (Editors), owner1, owner2 (homestay owners)"
	@echo "  两步验证 Two-factor sign-in: off in development (production requires it for admin and editors, docs/operations.md)"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The one-machine production stack: Varnish on $(PORT) in front of gunicorn on BACKEND_PORT ($(PORT)+1).
serve: install varnish
	DJANGO_SETTINGS_MODULE=portal.settings.production $(BIN)/python manage.py collectstatic --noinput -v 0
	DJANGO_SETTINGS_MODULE=portal.settings.production $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=portal.settings.production bash scripts/serve.sh

varnish:
	@bash scripts/install-varnish.sh

browser-deps:
	@bash scripts/install-browser-deps.sh

# axe-core (accessibility checks injected by tests/browser) comes from the npm registry, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the accessibility tests (axe-core): apt-get install npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# On every core with pytest-xdist; tests/conftest.py groups it (each file on one worker, so its
# classes keep their setUpTestData; the browser page checks per screen size). XDIST= runs one process.
XDIST ?= -n auto --dist loadgroup

# The suite without the slow tier (fuzzing, load, backups, whole-site crawls): what a newcomer runs.
TIER ?= -m "not slow"
test: install-test browser-deps node_modules/.installed
	@bash scripts/install-varnish.sh --optional
	@start=$$(date +%s); $(BIN)/python -m pytest $(XDIST) $(TIER) $(PYTEST_ARGS); status=$$?; \
	  echo "make test$(if $(TIER),, (with the slow tier)): $$(( $$(date +%s) - start )) s"; exit $$status

# Everything: `make test` with the slow tier, in one session (one demo build per worker).
# CI runs this on SQLite and on PostgreSQL.
test-all:
	@$(MAKE) --no-print-directory test TIER=

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Load test + Lighthouse against `make serve`'s setup (README "Performance"); needs PostgreSQL and Redis running.
bench: install browser-deps varnish node_modules/.installed wrk
	$(BIN)/python scripts/bench.py

# The demo against ten times Xining's content (manage.py load_scale), side by side (issue 27;
# docs/performance.md "Scale"); the same stack as bench, plus Playwright for /map/ and the admin.
bench-scale: install-test browser-deps varnish wrk
	$(BIN)/python scripts/bench_scale.py

wrk:
	@command -v wrk >/dev/null || { [ "$$(id -u)" -eq 0 ] && apt-get install -y -qq wrk >/dev/null || sudo apt-get install -y -qq wrk; }

clean:
	rm -rf $(VENV) staticfiles artifacts node_modules
