# Two commands on a fresh machine: `make demo` and `make test`. Each does all of its own set-up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
CATALOGUES := $(wildcard service/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: demo test lint system-deps install lock messages clean

# Debian packages the project needs: Pango and HarfBuzz for WeasyPrint, poppler for looking at
# PDFs, chromium for the browser tests (Playwright drives it; it never downloads a browser),
# slapd for a real directory in the LDAP tests and bench (started by them on a loopback port).
# Installed through apt-get when running as root; otherwise the command to run is printed.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils chromium slapd
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else \
	    echo "missing Debian packages:$$missing -- run: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

$(STAMP): setup.cfg pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[test]'
	touch $(STAMP)

# The NHS design system's CSS, JavaScript and images, exactly as package-lock.json pins them
# (Node.js and npm needed; nothing is fetched when the app runs).
$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20 or later (Debian: sudo apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(NPM_STAMP)

# The gettext catalogues, compiled from the committed .po files (the app refuses to start
# without them rather than quietly speak English).
service/translations/%/LC_MESSAGES/messages.mo: service/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d service/translations -l $* --statistics

install: system-deps $(STAMP) $(NPM_STAMP) $(COMPILED)

demo: install
	$(BIN)/feedback360 demo $(DEMO_ARGS)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check service integrations tests bench wsgi.py gunicorn.conf.py

# Refresh the lock after changing dependency ranges in setup.cfg.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install -q '.[test]'
	.lockenv/bin/pip freeze --exclude feedback360 > requirements.lock
	rm -rf .lockenv

# After changing wording in code or templates: extract the messages and merge them into every
# catalogue (then translate the new Welsh entries; tests/web/test_catalogues.py checks).
messages: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -k _l -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d service/translations --no-fuzzy-matching --width 100

clean:
	rm -rf $(VENV) out build *.egg-info node_modules
