"""Tests of the repository around the addon, for pytest only (`make test` runs them after the addon's).

They need what Odoo's test runner cannot give a test: subprocesses with their own connections to a
committed copy of the test database, the wheel build (whool), the repository's scripts. `make test`
(scripts/test.sh) prepares the database copies and passes them in the IC_* environment variables.
The addon's own tests, which Odoo's runner also runs, are in invoice_clearing/tests/.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "invoice_clearing"


def _env(name, what):
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"run through `make test`, which prepares {what} and sets {name}", pytrace=False
        )
    return value


@pytest.fixture(scope="session")
def odoo_conf():
    """The Odoo configuration file of the checkout (.local/odoo.conf)."""
    return _env("IC_ODOO_CONF", "the Odoo configuration")


@pytest.fixture(scope="session")
def uninstall_db():
    """A copy of the test database that a test may commit to, and uninstall the addon from."""
    return _env("IC_UNINSTALL_DB", "the database copy IC_UNINSTALL_DB")


@pytest.fixture(scope="session")
def concurrency_db():
    """A committed copy of the test database, for drivers that open several connections."""
    return _env("IC_CONCURRENCY_DB", "the committed database copy IC_CONCURRENCY_DB")


@pytest.fixture(scope="session")
def run_driver(odoo_conf, concurrency_db):
    """Run a driver script of this folder (see driver.py) in a new Python process against the
    committed database copy: (script, rounds) -> its results, one per round."""

    def run(script, rounds):
        completed = subprocess.run(
            [sys.executable, str(Path(__file__).with_name(script)), odoo_conf, concurrency_db,
             str(rounds)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-3000:]
        results = json.loads(completed.stdout.strip().splitlines()[-1])
        assert len(results) == rounds
        return results

    return run
