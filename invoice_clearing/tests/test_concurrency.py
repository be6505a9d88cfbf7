"""Concurrent approvals on two real connections: exactly one clears, the other gets a message."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROUNDS = 10


def test_concurrent_approvals_of_one_company():
    db = os.environ.get("IC_CONCURRENCY_DB")
    assert db, (
        "run through `make test`, which prepares the committed database copy IC_CONCURRENCY_DB"
    )
    script = Path(__file__).with_name("concurrency_check.py")
    run = subprocess.run(
        [sys.executable, str(script), os.environ["IC_ODOO_CONF"], db, str(ROUNDS)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(results) == ROUNDS
    for outcome in results:
        assert outcome["a"] is True, outcome
        # Both attempts made while A was clearing were told to wait, in words.
        for key in ("b_same", "b_other"):
            assert outcome[key].startswith("UserError: Another clearing of"), outcome
        # Exactly one cleared; the later clearing of the same scope found nothing open.
        assert outcome["states"] == ["cleared", "draft"], outcome
        assert outcome["by_clearing"] == [20, 0], "a fapiao belongs to at most one clearing"
        assert outcome["late"] == "danger" and "no open fapiao" in outcome["late_reason"], outcome
