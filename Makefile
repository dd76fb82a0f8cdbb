# Two commands do all set-up on a fresh machine:
#   make run   — start the app on the bundled demo data
#   make test  — run every test (lint, unit, AppTest, browser)
# And for a real co-op (README, "Run it for your co-op"):
#   make serve DB=data/mine.duckdb — serve that store, never seeding the demo (a new store asks for its owner)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
DB ?= data/chargeboard.duckdb

.PHONY: run serve test lint demo bench screenshots clean catalogs

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Cookie-signing key: 32 random bytes, made once per machine, never committed.
.cookie-key:
	$(PY) -c "from pathlib import Path; from chargeboard.secrets import write_new_key; write_new_key(Path('.cookie-key'))"

$(DB): | $(VENV)/.runtime
	$(PY) -m chargeboard_demo --db $(DB)

demo: $(VENV)/.runtime
	$(PY) -m chargeboard_demo --db $(DB) --force

# MALLOC_ARENA_MAX=2: each browser session runs in a thread of its own, and glibc would give the
# threads up to 16 memory arenas here; two hold the server some 60 MB lower (BENCHMARKS.md, load test).
run: $(VENV)/.runtime .cookie-key $(DB) $(MO_FILES)
	@echo ""
	@echo "Chargeboard on http://127.0.0.1:$(PORT)"
	@echo "Demo logins (username / password), in $(if $(filter data/chargeboard.duckdb,$(DB)),auth.yaml,$(DB:.duckdb=.auth.yaml)) (the demo store's accounts)"
	@echo "(a store with no accounts file asks for its system owner: see README, Accounts):"
	@echo "  styret / demo-styret   system owner: everything, reports, exports"
	@echo "  per    / demo-per      charger owner: his two stations in Garage B"
	@echo "  kari   / demo-kari     resident: her own sessions and her flat's (A101)"
	@echo "  ola    / demo-ola      resident: his own sessions and his flat's (A102; one replaced tag), reads English"
	@echo ""
	MALLOC_ARENA_MAX=2 CHARGEBOARD_DB=$(DB) $(PY) -m streamlit run app.py --server.address 127.0.0.1 \
		--server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# A real co-op's store: never the demo's data or its public passwords. DB must be named (on the
# command line or in the environment); a store that does not exist yet starts empty, and the app
# prints a one-time setup token on this console for creating its first system owner.
serve: $(VENV)/.runtime .cookie-key $(MO_FILES)
	@if [ "$(origin DB)" = file ]; then echo "make serve needs the store: make serve DB=path/to/store.duckdb"; exit 2; fi
	@echo ""
	@echo "Chargeboard serving $(DB) on http://127.0.0.1:$(PORT) (accounts: python -m chargeboard user list --db $(DB))"
	@echo ""
	MALLOC_ARENA_MAX=2 CHARGEBOARD_DB=$(DB) $(PY) -m streamlit run app.py --server.address 127.0.0.1 \
		--server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# Debian's chromium drives the browser tests: Playwright cannot download its own here.
/usr/bin/chromium:
	if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi

# The PDF tests render pages with poppler's pdftoppm; PDFs use DejaVu Sans when installed (else the
# Latin-1 font inside reportlab), so install it where statements are printed.
/usr/bin/pdftoppm /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:
	if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils fonts-dejavu-core; \
	else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils fonts-dejavu-core; fi

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

# Test files run on as many workers as the machine has cores (at most 4: each browser test file runs a
# server and a chromium); a file's tests stay on one worker, so a module's shared server is made once.
test: $(VENV)/.dev $(MO_FILES) /usr/bin/chromium /usr/bin/pdftoppm /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf lint
	$(PY) -m pytest -q -n auto --maxprocesses 4 --dist loadfile

# Refresh the README's screenshots from the demo co-op (the board browser tests take them).
screenshots: $(VENV)/.dev /usr/bin/chromium
	CHARGEBOARD_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest -q tests/test_board_browser.py

$(VENV)/.bench: requirements-bench.txt $(VENV)/.dev
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

# Speed and memory figures for BENCHMARKS.md (minutes; not part of make test).
bench: $(VENV)/.bench
	$(PY) bench/bench_store.py
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_store.py --sessions 10000000 --runs 3 --queries-only
	$(PY) bench/bench_excel.py
	$(PY) bench/bench_costs.py
	$(PY) bench/bench_first_content.py --store demo
	$(PY) bench/bench_first_content.py --store 1000000
	$(PY) bench/bench_load.py --store demo --users 8
	$(PY) bench/bench_load.py --store 10000000 --users 8

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Translations: `make catalogs` extracts every _()/N_()/ngettext() text into the template and
# merges it into each language's .po (translate the new entries in chargeboard/locale/nb/...);
# the .mo files are compiled from the .po files for run and test.
LOCALES := nb en
PO_FILES := $(foreach l,$(LOCALES),chargeboard/locale/$(l)/LC_MESSAGES/chargeboard.po)
MO_FILES := $(PO_FILES:.po=.mo)

catalogs: $(VENV)/.runtime
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k ngettext:1,2 --no-location --sort-output \
		-o chargeboard/locale/chargeboard.pot .
	for l in $(LOCALES); do $(VENV)/bin/pybabel -q update --no-fuzzy-matching --ignore-obsolete \
		-D chargeboard -d chargeboard/locale -l $$l -i chargeboard/locale/chargeboard.pot; done

%.mo: %.po $(VENV)/.runtime
	$(VENV)/bin/pybabel -q compile -i $< -o $@
