# IMG Portal. `make run` serves the demo; `make test` runs everything CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The machine's services, started the way DEVELOPERS.md says.
PG_START := pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
REDIS_START := redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
# `make run` is for local use: DEBUG on, and the demo accounts may skip 2FA.
DEV_ENV := DEBUG=1 MFA_REQUIRED_FOR_STAFF=0

.PHONY: help install run test lint format services-check services-up chromium dovecot idp wrk lighthouse bench-members bench-newsletter bench-handbook bench-matching bench-faults bench

help:
	@echo "make run    build .venv, migrate, load demo data, serve on http://127.0.0.1:8000"
	@echo "make test   lint, unit, integration and browser tests (what CI runs)"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make bench   the portal under load (5,000 members, 500 pages, 400 events), then the newsletter, matching and worker-kill benchmarks (docs/PERFORMANCE.md)"
	@echo "make bench-members   time /members/manage/ with 5,000 members (docs/PERFORMANCE.md)"
	@echo "make bench-newsletter   one newsletter to 5,000 members, emails per second (docs/PERFORMANCE.md)"
	@echo "make bench-matching   a mentor matching round, 1,000 requests and 300 mentors (docs/PERFORMANCE.md)"
	@echo "make bench-handbook   handbook search over 500 pages x 20 revisions (docs/PERFORMANCE.md)"
	@echo "make lighthouse   Lighthouse accessibility scores of the front door, home, a handbook page, events and the member list (docs/ACCESSIBILITY.md)"
	@echo "make bench-faults   a worker killed with SIGKILL at random moments of a newsletter, copies counted (docs/PERFORMANCE.md)"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

services-check:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "PostgreSQL does not answer on 127.0.0.1:5432. Start it with:"; \
	  echo '  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start'; exit 1; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
	  echo "Redis does not answer on 127.0.0.1:6379. Start it with:"; \
	  echo '  $(REDIS_START)'; exit 1; }

services-up:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "Starting PostgreSQL"; $(PG_START); }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "Starting Redis"; mkdir -p /var/lib/redis /var/log/redis; $(REDIS_START); }
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && exit 0; sleep 1; done; \
	  echo "PostgreSQL or Redis did not come up"; exit 1

chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's Chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The bounce-mailbox tests start their own Dovecot (IMAP and POP3) on spare ports.
dovecot:
	@test -x /usr/sbin/dovecot -a -e /usr/lib/dovecot/imap -a -e /usr/lib/dovecot/pop3 || { \
	  echo "Installing Debian's Dovecot for the bounce-mailbox tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq dovecot-imapd dovecot-pop3d >/dev/null; }

# The institution sign-in tests start their own identity providers: panva's
# oidc-provider (Node, pinned in tests/idp/package.json, no lock file: it would
# record the registry's addresses) and pysaml2's IdP, which signs with xmlsec1.
idp:
	@test -x /usr/bin/xmlsec1 || { \
	  echo "Installing Debian's xmlsec1 for the SAML identity provider in the tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq xmlsec1 >/dev/null; }
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "Installing Debian's Node.js for the OpenID Connect provider in the tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	@test tests/idp/node_modules/.installed -nt tests/idp/package.json || { \
	  cd tests/idp && npm install --no-package-lock --no-audit --no-fund --loglevel=error && touch node_modules/.installed; }

# `make bench`'s load generator: wrk (C, Debian's package) costs the 2-core
# machine little CPU, so the ratios measure the portal, not the generator.
wrk:
	@test -x /usr/bin/wrk || { \
	  echo "Installing Debian's wrk for the load benchmark"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

run: install services-check
	$(DEV_ENV) $(PY) manage.py ensure_database
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	@mkdir -p var
	$(DEV_ENV) $(VENV)/bin/honcho --procfile Procfile.dev start

test: install services-up chromium dovecot idp lint
	$(PY) -m pytest -n 2

bench-members: install services-up
	$(PY) bench/members_manage.py

bench-newsletter: install services-up
	$(PY) bench/newsletter.py

bench-handbook: install services-up
	$(PY) bench/handbook_search.py

bench-matching: install services-up
	$(PY) bench/matching.py

bench-faults: install services-up
	$(PY) bench/worker_kill.py

bench: install services-up wrk
	$(PY) bench/load.py

# Lighthouse's accessibility scores (npm package pinned in bench/lighthouse/,
# no lock file: it would record the registry's addresses), Debian's Chromium.
lighthouse: install services-up chromium
	@test bench/lighthouse/node_modules/.installed -nt bench/lighthouse/package.json || { \
	  cd bench/lighthouse && npm install --no-package-lock --no-audit --no-fund --loglevel=error && touch node_modules/.installed; }
	$(PY) bench/lighthouse.py
