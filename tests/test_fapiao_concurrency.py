"""Two real connections: registering or re-dating a fapiao into a period being cleared."""

ROUNDS = 12
ORDERS = [
    "clearing_first", "registration_first", "registration_sees_stale", "clearing_sees_stale",
    "redating_first", "clearing_sees_stale_redating",
]  # fmt: skip


def test_registration_into_a_period_being_cleared(run_driver):
    """Every interleaving, twice: the fapiao is refused, or registered and then seen by the
    clearing; never open inside a cleared period."""
    results = run_driver("concurrency_fapiao_check.py", ROUNDS)
    assert [r["order"] for r in results] == ORDERS * 2
    for outcome in results:
        assert not (outcome["state"] == "cleared" and outcome["open_inside"]), outcome
        if outcome["b"] == "registered":
            assert outcome["state"] == "draft", outcome
            assert outcome["a"].startswith(("refused: Another clearing", "failed: ")), outcome
            assert outcome["late_count"] == 2, "checked again, the clearing includes it"
        else:
            assert outcome["a"] == "cleared" and outcome["open_inside"] == 0, outcome
            assert outcome["b"].startswith("refused: "), outcome
            assert "in progress" in outcome["b"] or "until it is reopened" in outcome["b"], outcome
