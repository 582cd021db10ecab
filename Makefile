# hrsys: `make run` sets up and runs everything; `make test` sets up and runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_ARGS ?= -n 2 --dist loadgroup
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test setup install secrets messages migrate demo lint bench ci clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

var/secrets.env: | $(STAMP)
	$(BIN)/python -m hrsys.localsecrets var/secrets.env

secrets: var/secrets.env

messages: $(STAMP)
	$(BIN)/python -m hrsys.i18n_compile

setup: install secrets messages

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# honcho gives every process its own PORT (web N, worker N+100, beat N+200): message links name the web's.
run: demo
	$(BIN)/python manage.py collectstatic --noinput -v 0
	@echo "hrsys: web + worker + beat on http://127.0.0.1:$${PORT:-8000}/  (Ctrl-C stops all)"; \
	echo "  staff sign-in http://127.0.0.1:$${PORT:-8000}/admin/login/  candidate portal http://127.0.0.1:$${PORT:-8000}/portal/"; \
	echo "  messages and one-time codes: var/outbox/ and http://127.0.0.1:$${PORT:-8000}/admin/notifications/dev-outbox/ (admin)"
	PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$${PORT:-8000}}" $(BIN)/honcho start -f Procfile -p $${PORT:-8000}

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# every benchmark on fresh PostgreSQL databases; rewrites README's figures table from the run (long)
bench: setup
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
