"""Two real connections: concurrent approvals, and posting an invoice into a period being cleared."""

ROUNDS = 10


def test_concurrent_approvals_of_one_company(run_driver):
    results = run_driver("concurrency_check.py", ROUNDS)
    for outcome in results:
        assert outcome["a"] is True, outcome
        # Both attempts made while A was clearing were told to wait, in words.
        for key in ("b_same", "b_other"):
            assert outcome[key].startswith("UserError: Another clearing of"), outcome
        # Exactly one cleared; the later clearing of the same scope found nothing open.
        assert outcome["states"] == ["cleared", "draft"], outcome
        assert outcome["by_clearing"] == [20, 0], "a fapiao belongs to at most one clearing"
        assert outcome["late"] == "danger" and "no open fapiao" in outcome["late_reason"], outcome


def test_posting_into_a_period_being_cleared(run_driver):
    """Every interleaving: the invoice is refused, or posted and then seen by the clearing."""
    results = run_driver("concurrency_posting_check.py", ROUNDS)
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
