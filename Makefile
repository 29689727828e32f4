# childguard: `make run` sets up everything and starts the service; `make test` runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The large public conformance data (PDQ images, text sets), when a ../shared checkout is beside
# this one; without it the tests and benchmarks that need it are skipped or use tests/data.
SHARED_DATA := $(abspath $(CURDIR)/../shared/data)
ifneq ($(wildcard $(SHARED_DATA)),)
export CHILDGUARD_CONFORMANCE_DATA ?= $(SHARED_DATA)
endif

.PHONY: install run test lint bench screenshots clean

install: $(STAMP)

$(STAMP): pyproject.toml setup.py scripts/install-system.sh src/childguard/media/native/_pdq.c \
		src/childguard/media/native/_mih.c package-lock.json scripts/vendor-web-assets.sh
	bash scripts/install-system.sh
	bash scripts/vendor-web-assets.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# `make run PORT=8001` when 8000 is taken (serve says so before starting).
PORT ?= 8000
run: install
	$(VENV)/bin/childguard db upgrade
	$(VENV)/bin/childguard serve --bootstrap --port $(PORT)

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
	$(PY) bench/import_bench.py --rows 200000

# PNGs of the console's main pages in km, vi and en (demo data of coloured shapes only).
screenshots: install
	PYTHONPATH=src:. $(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
