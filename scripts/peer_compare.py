"""Compare two Odoo test logs of `make peer`: with invoice_clearing (a) and without it (b).

Usage: peer_compare.py TAGS TESTS_DIR LOG_A LOG_B

TAGS is the --test-tags value (`/account:Class,...`); the expected tests are read from the classes'
source in TESTS_DIR, so a run that silently executed nothing (or far fewer) cannot pass. Exit status 1
when (a) crashed, ran too few tests, or has a failing/erroring test that (b) does not have.
"""

import ast
import re
import sys
from pathlib import Path

# Odoo's default log format: "2026-01-02 10:11:12,345 4242 ERROR peer_with odoo.addons.x: message"
RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) (\S+) (\S+): (.*)$")
PROBLEM = re.compile(r"^(FAIL|ERROR): (.+)$")
STARTED = re.compile(r"^Starting (\w+\.\w+) \.\.\.$")
SUMMARY = re.compile(r"^(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
EXCEPTION = re.compile(r"^[\w.]+(Error|Exception|Failure|Warning|Exit)\b")
TOO_FEW = 0.95  # a run must start at least this share of the expected tests


def expected_tests(tags, tests_dir):
    """{Class.method} of the tagged classes, as Odoo's loader finds them (methods of the class body)."""
    classes = {spec.split(":", 1)[1] for spec in tags.split(",") if ":" in spec}
    found = {}
    for path in sorted(Path(tests_dir).glob("test_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and node.name in classes:
                found[node.name] = {
                    f"{node.name}.{item.name}"
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    and item.name.startswith("test")
                }
    missing = classes - found.keys()
    if missing:
        sys.exit(f"peer: classes not found in {tests_dir}: {', '.join(sorted(missing))}")
    return set().union(*found.values())


def records(path):
    """(level, logger, message with its continuation lines) of each log record."""
    current = None
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        match = RECORD.match(line)
        if match:
            if current:
                yield current
            level, _db, logger, message = match.groups()
            current = [level, logger, message]
        elif current:
            current[2] += "\n" + line
    if current:
        yield current


def cause(traceback):
    """The exception line of a traceback (the first one: an assertion diff may follow it)."""
    lines = [line.strip() for line in traceback if line.strip()]
    return next((line for line in lines if EXCEPTION.match(line)), lines[-1] if lines else "")


def parse(path):
    run = {"summary": None, "started": set(), "problems": {}, "logged": 0, "critical": []}
    for level, logger, message in records(path):
        first, *rest = message.split("\n")
        first = first.strip()  # Odoo ends some messages with a space
        if match := STARTED.match(first):
            run["started"].add(match[1])
        elif level == "ERROR" and (match := PROBLEM.match(first)):
            # Key without the per-run details: the module of the test and its description.
            module = logger.removeprefix("odoo.addons.")
            run["logged"] += 1
            run["problems"][f"{match[1]}: {module}: {match[2]}"] = cause(rest)
        elif match := SUMMARY.match(first):
            run["summary"] = tuple(int(n) for n in match.groups())
        elif level == "CRITICAL":
            run["critical"].append(message)
    return run


def show_crash(name, run):
    """The end of a crash's traceback: where it was raised from and why."""
    for message in run["critical"]:
        lines = [line for line in message.split("\n") if line.strip()]
        frames = [line.strip() for line in lines if line.strip().startswith("File ")]
        print(f"  {name} crashed: {lines[0]}")
        for frame in frames[-3:]:
            print(f"      {frame}")
        print(f"      {lines[-1].strip()}")


def main(tags, tests_dir, log_a, log_b):
    expected = expected_tests(tags, tests_dir)
    runs = {"a": parse(log_a), "b": parse(log_b)}
    names = {"a": "(a) with invoice_clearing", "b": "(b) without it"}
    print(f"peer: {len(expected)} tests expected from {tags.count(',') + 1} account test classes")
    print(f"  {'':28}{'started':>9}{'run':>6}{'failed':>8}{'errors':>8}")
    for key, run in runs.items():
        failed, errors, ran = run["summary"] or ("-", "-", "-")
        started = len(run["started"])
        print(f"  {names[key]:28}{started:>9}{ran:>6}{failed:>8}{errors:>8}")

    bad = []
    for key, run in runs.items():
        if run["critical"] or run["summary"] is None:
            show_crash(names[key], run)
            bad.append(f"{names[key]} crashed or ended without Odoo's test summary")
        if run["summary"] and run["summary"][0] + run["summary"][1] != run["logged"]:
            # Odoo counted failures this parser did not see: the diff below would be incomplete.
            bad.append(f"{names[key]}: Odoo's summary and the FAIL/ERROR lines of its log disagree")
        started = len(run["started"] & expected)
        if started < TOO_FEW * len(expected):
            bad.append(f"{names[key]} started only {started} of the {len(expected)} tests")
        missing = sorted(expected - run["started"])
        if started and missing:
            print(f"  {names[key]}: {len(missing)} expected tests did not start:")
            for test in missing[:20]:
                print(f"      {test}")

    problems_a, problems_b = runs["a"]["problems"], runs["b"]["problems"]
    if all(run["summary"] for run in runs.values()):
        only_a = sorted(problems_a.keys() - problems_b.keys())
        sections = (
            ("failing only WITH invoice_clearing (caused by the addon)", only_a, problems_a),
            ("failing in both (not caused by the addon)", sorted(problems_a.keys() & problems_b.keys()), problems_a),
            ("failing only without invoice_clearing", sorted(problems_b.keys() - problems_a.keys()), problems_b),
        )  # fmt: skip
        if only_a:
            bad.append(f"{len(only_a)} tests fail or error only with invoice_clearing")
        lost = runs["b"]["started"] - runs["a"]["started"]
        if lost:
            bad.append(f"{len(lost)} tests ran without invoice_clearing but not with it")
    else:  # nothing to compare with: show what the run that finished found
        sections = [(f"failing in {names[k]}", sorted(runs[k]["problems"]), runs[k]["problems"])
                    for k in runs if runs[k]["summary"]]  # fmt: skip
    for title, keys, causes in sections:
        if keys:
            print(f"\n{len(keys)} {title}:")
            for problem in keys:
                print(f"  {problem}\n      {causes[problem]}")

    print()
    for reason in bad:
        print(f"peer: FAILED: {reason}")
    if not bad:
        print("peer: OK: invoice_clearing breaks none of the account tests that pass without it")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
