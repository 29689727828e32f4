# childguard: `make run` sets up everything and starts the service; `make test` runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export CHILDGUARD_DATA_DIR ?= $(CURDIR)/childguard-data

.PHONY: install run test lint bench screenshots clean

install: $(STAMP)

$(STAMP): pyproject.toml setup.py package-lock.json scripts/install-system.sh src/childguard/media/native/_pdq.c \
		src/childguard/media/native/_mih.c
	bash scripts/install-system.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	npm ci --no-audit --no-fund
	touch $(STAMP)

run: install
	$(VENV)/bin/childguard db upgrade
	$(VENV)/bin/childguard serve --bootstrap

# The whole suite runs twice: on the embedded SQLite default, then on a local PostgreSQL.
test: install
	$(PY) -m ruff check src tests bench
	$(PY) -m mypy
	$(PY) -m mypy bench
	$(PY) -m pytest -q -n 2 --dist loadfile
	url=$$(scripts/pg-test.sh start) && \
	  CHILDGUARD_TEST_PG_URL=$$url $(PY) -m pytest -q -n 2 --dist loadfile; \
	  rc=$$?; scripts/pg-test.sh stop; exit $$rc

lint: install
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench
	$(PY) -m mypy
	$(PY) -m mypy bench

bench: install
	$(PY) bench/hash_bench.py

# PNGs of the console's main pages in km, vi and en (demo data of coloured shapes only).
screenshots: install
	PYTHONPATH=src:. $(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
