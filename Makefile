# StoreOps: `make run` serves the demo store, `make test` runs the whole suite.
# Both create the virtual environment from requirements.lock when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
# The embedded default is a development server: DEBUG on unless the caller says otherwise.
export DEBUG ?= 1

.PHONY: run test venv lint format migrate messages compilemessages seed worker beat bench clean

$(BIN)/.installed: requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	@touch $@

venv: $(BIN)/.installed

migrate: venv
	$(MANAGE) migrate --noinput

compilemessages: venv
	@if command -v msgfmt >/dev/null 2>&1; then $(MANAGE) compilemessages --locale zh_Hans -v0; \
	else echo "msgfmt not found: using the compiled catalogs in locale/"; fi

seed: migrate
	$(MANAGE) create_demo_users
	$(MANAGE) seed_demo --if-empty

run: venv migrate compilemessages seed
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: starting a Celery worker and beat beside the web server"; \
		$(BIN)/celery -A storeops worker --loglevel=INFO --concurrency=2 & worker=$$!; \
		$(BIN)/celery -A storeops beat --loglevel=INFO & beat=$$!; \
		trap 'kill $$worker $$beat 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver $(HOST):$(PORT); \
	else \
		$(MANAGE) runserver $(HOST):$(PORT); \
	fi

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: venv
	$(MANAGE) makemessages --locale zh_Hans --no-obsolete --ignore ".venv/*" --ignore "staticfiles/*"
	$(MANAGE) compilemessages --locale zh_Hans

worker: venv
	$(BIN)/celery -A storeops worker --loglevel=INFO

beat: venv
	$(BIN)/celery -A storeops beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
