# Sinh Kế. `make demo` runs the site on the embedded default; `make test` runs the whole suite on PostgreSQL.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo serve test lint messages mo bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Compile the committed .po files to .mo (pure Python; no gettext needed).
mo: install
	$(PY) scripts/compile_messages.py

demo: install mo
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: install mo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install mo
	bash scripts/test.sh $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Extract new strings into locale/vi/LC_MESSAGES/django.po (needs GNU gettext), then compile.
messages: install
	command -v xgettext >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	$(PY) manage.py makemessages -l vi --no-location --no-obsolete --ignore='.venv/*' --ignore='var/*'
	$(PY) scripts/compile_messages.py

bench: install mo
	bash scripts/bench.sh $(ARGS)

clean:
	rm -rf var/ $(VENV)
