"""Two imports of the same export on two real connections: one import, never two."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROUNDS = 5


def test_concurrent_imports_of_one_file():
    db = os.environ.get("IC_CONCURRENCY_DB")
    assert db, (
        "run through `make test`, which prepares the committed database copy IC_CONCURRENCY_DB"
    )
    script = Path(__file__).with_name("import_concurrency_check.py")
    run = subprocess.run(
        [sys.executable, str(script), os.environ["IC_ODOO_CONF"], db, str(ROUNDS)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(results) == ROUNDS
    for outcome in results:
        assert outcome["batches"] == 1, outcome
        assert outcome["uploaded"] is True, outcome
        # The second one got the first's import, or a message saying it was just imported.
        for key in ("a", "b"):
            assert isinstance(outcome[key], int) or "already been imported" in outcome[key], outcome
