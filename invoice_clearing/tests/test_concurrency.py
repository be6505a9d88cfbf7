"""Two real connections: concurrent approvals, and posting an invoice into a period being cleared."""

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


def test_posting_into_a_period_being_cleared():
    """Every interleaving: the invoice is refused, or posted and then seen by the clearing."""
    db = os.environ.get("IC_CONCURRENCY_DB")
    assert db, "run through `make test`, which prepares IC_CONCURRENCY_DB"
    script = Path(__file__).with_name("concurrency_posting_check.py")
    run = subprocess.run(
        [sys.executable, str(script), os.environ["IC_ODOO_CONF"], db, str(ROUNDS)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(results) == ROUNDS
    assert {r["order"] for r in results} == {
        "clearing_first", "posting_first", "posting_sees_stale", "clearing_sees_stale"
    }  # fmt: skip
    for outcome in results:
        # Never an open invoice inside a cleared period.
        assert not (outcome["state"] == "cleared" and outcome["without_fapiao"]), outcome
        if outcome["b"] == "posted":
            assert outcome["state"] == "draft", outcome
            assert outcome["a"].startswith(("refused: Another clearing", "failed: ")), outcome
            # Included: clearing afterwards sees it (unbilled revenue, 未开票收入, is a warning).
            assert any("have no fapiao" in p for p in outcome["late_problems"]), outcome
        else:
            assert outcome["a"] == "cleared" and outcome["posted_in_period"] == 0, outcome
            assert outcome["b"].startswith("refused: "), outcome
