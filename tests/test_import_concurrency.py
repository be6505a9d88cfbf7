"""Two imports of the same export on two real connections: one import, never two."""

ROUNDS = 5


def test_concurrent_imports_of_one_file(run_driver):
    results = run_driver("import_concurrency_check.py", ROUNDS)
    for outcome in results:
        assert outcome["batches"] == 1, outcome
        assert outcome["uploaded"] is True, outcome
        # The second one got the first's import, or a message saying it was just imported.
        for key in ("a", "b"):
            assert isinstance(outcome[key], int) or "already been imported" in outcome[key], outcome
