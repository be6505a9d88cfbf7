#!/usr/bin/env bash
# `make lint`: ruff (format check + lint) and pylint-odoo's Odoo-specific checks, configured in pyproject.toml.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
[ -x "$VENV/bin/ruff" ] || die "No .venv: run make setup first."
"$VENV/bin/ruff" format --check .
"$VENV/bin/ruff" check .
"$VENV/bin/pylint" --rcfile=pyproject.toml invoice_clearing
