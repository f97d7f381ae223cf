# The two commands of the README: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SANZHANG_VAR ?= $(CURDIR)/var

.PHONY: demo test install lint check bench-org messages

demo: install  ## install, load the demo township, serve on http://127.0.0.1:8000
	$(BIN)/sanzhang migrate -v0
	$(BIN)/sanzhang demo --if-empty
	$(BIN)/sanzhang serve --host 127.0.0.1 --port 8000

test:  ## every test, on SQLite and PostgreSQL, browser tests included
	bash scripts/test.sh

install:
	PY=$(PY) bash scripts/install.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

messages: install  ## rebuild the English catalogue after changing UI text
	cd src/sanzhang && ../../$(BIN)/sanzhang makemessages -l en --no-obsolete && ../../$(BIN)/sanzhang compilemessages
