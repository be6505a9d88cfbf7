# Thin entry points; the logic lives in scripts/.
.PHONY: setup run test rehearsal peer lint format i18n readme bench screenshots

setup:  ## Debian packages, .venv with Odoo's requirements, private PostgreSQL cluster
	@bash scripts/setup.sh

run:  ## Odoo on http://127.0.0.1:8069 with database clearing_demo (admin / admin)
	@bash scripts/run.sh

test:  ## fresh test database + the whole suite under pytest-odoo
	@bash scripts/test.sh $(ARGS)

rehearsal:  ## a month end on a fresh customer database: --workers=2, real clients, two CPU hogs; fails naming the broken invariant
	@bash scripts/rehearsal.sh

peer:  ## ~400 of Odoo's own account tests with and without invoice_clearing; fails on new failures
	@bash scripts/peer.sh

bench:  ## N fapiao (default 100000) cleared and timed against the SQL floor; N=1000000 make bench
	@N=$(N) bash scripts/bench.sh

lint:  ## ruff format --check, ruff check, pylint-odoo
	@bash scripts/lint.sh

format:  ## apply ruff's formatting and safe fixes
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .

i18n:  ## regenerate the .pot and merge new terms into i18n/zh_CN.po
	@bash scripts/i18n.sh

readme:  ## the addon's README.rst and static/description/index.html from invoice_clearing/readme/*.md
	@.venv/bin/python scripts/readme.py

screenshots:  ## PNG screenshots of the addon's screens in docs/screenshots/ (uses make run's server)
	@.venv/bin/python scripts/screenshots.py
