"""Background imports through Odoo's real cron passes: time slices, and a killed worker."""


def test_import_job_in_slices_and_after_a_killed_worker(run_driver):
    [result] = run_driver("job_slices_check.py", 1)
    sliced, before, killed = result["sliced"], result["killed_before"], result["killed"]
    done = {"job": "done", "uploaded": 5, "fapiao": 5, "cron_failures": 0, "cron_active": True}

    # No time budget: the reconciled lines in one pass, the outcome in the next one.
    assert sliced["passes"] == 2, sliced
    assert sliced["runs"] == ["paused", "done"], sliced
    assert sliced["processed"] == [5, 0], sliced
    assert {key: sliced[key] for key in done} == done, sliced
    assert all(cpu > 0 for cpu in sliced["cpu"]), sliced

    # Killed after its committed lines: nothing of the outcome is visible yet.
    assert before["stage"] == "reconciled", before
    assert (before["import"], before["job"], before["uploaded"]) == ("processing", "running", 0)
    # The next pass resumes there (the file is not read again) and ends as one long run.
    assert killed["runs"] == ["interrupted", "done"], killed
    assert killed["processed"] == [5, 0], killed
    assert {key: killed[key] for key in done} == done, killed
    assert (killed["import"], killed["outcomes"]) == (sliced["import"], sliced["outcomes"])
    assert sliced["import"] in ("open", "done"), sliced
