"""`make bench`'s own rules, fast and without a database: the one table of targets judges each
row, a measured step is one entry of it, the generated rows follow the model's fields, and no
bench module replaces code of what it measures."""

import ast
import math
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPTS = ROOT / "scripts"
sys.path.insert(0, str(SCRIPTS))

import bench_generate  # noqa: E402
import bench_report  # noqa: E402
from bench_report import Target, Value  # noqa: E402

BENCH_MODULES = sorted(SCRIPTS.glob("bench*.py"))


def _render(name, values, n):
    lines = []
    bench_report.table(name, values, n, lines.append)
    return {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}


def test_targets_judge_each_row_at_its_size():
    values = {
        "clearing.check_approve": Value(3.5),
        "clearing.list": Value(0.02),
        "clearing.ratio": Value(1.54, fields={"plus_job": ""}),
        "clearing.xlsx_rss": Value(150.0),
        "clearing.mw_sequential": Value("1 s, 1 s, 2.00 s", 2.0, {"mw": 25_000}),
        "clearing.mw_parallel": Value("1 s, 1 s, 1.50 s", 1.5, {"mw": 25_000}),
    }
    rows = _render("clearing", values, 100_000)
    assert rows["check + approve"].endswith("| 3.500 s | ≤ 3 s | **no** |")
    assert rows["fapiao list first page (`web_search_read`, 80 rows)"].endswith("| yes |")
    assert rows["**ratio** (check + approve) / floor"].endswith("| 1.54 | ≤ 5 | yes |")
    assert rows["XLSX export: peak RSS growth"].endswith("| 150 MB | ≤ 100 MB | **no** |")
    parallel = "2 companies × 25,000 fapiao, parallel, `--workers=2` (C, D, wall)"
    assert rows[parallel].endswith("| < sequential wall | yes |")
    assert "floor: GROUP BY summary" not in rows, "a row without a value is left out"

    rows = _render("clearing", values, 1_000_000)
    assert rows["check + approve"].endswith("| ≤ 3 s |  |"), "not judged above 100,000"
    assert rows["XLSX export: peak RSS growth"].endswith("| 150 MB | ≤ 2048 MB | yes |")


def test_a_measured_step_is_one_entry(monkeypatch):
    step = Target(
        "clearing.new_step",
        "{name} ({notes}; peak RSS growth {rss_growth:.0f} MB)",
        60,
        measure="bench_new_step:measure",
    )
    monkeypatch.setattr(bench_report, "TARGETS", (*bench_report.TARGETS, step))
    result = {"name": "archive package", "seconds": 75.0, "rss_growth": 40.2, "notes": "9 MiB"}
    values = bench_report.step_values({"new_step": result})
    rows = _render("clearing", values, 100_000)
    assert rows["archive package (9 MiB; peak RSS growth 40 MB)"].endswith(
        "| 75.000 s | ≤ 60 s | **no** |"
    )


def test_targets_line_says_what_was_met():
    values = {"import.total": Value(17.6), "import.ratio": Value(3.2)}
    line = bench_report.targets_line("import", values, 100_000)
    assert "xlsx import ≤ 30 s (met)" in line
    assert "xlsx import / its parser alone ≤ 3× (**not met**)" in line
    assert "RSS growth ≤ 300 MB." in line, "no value: no verdict"


def test_each_key_has_one_target_per_size():
    for key in {t.key for t in bench_report.TARGETS}:
        entries = [t for t in bench_report.TARGETS if t.key == key]
        for n in (1, 100_000, 100_001, 10**6, math.inf):
            assert sum(t.sizes[0] <= n <= t.sizes[1] for t in entries) <= 1, (key, n)


class _Cursor:
    def __init__(self):
        self.sql, self.rowcount = None, 3

    def execute(self, sql, params=None):
        self.sql = sql


def _model(**fields):
    return SimpleNamespace(
        _name="x.model", _table="x_model",
        _fields={name: SimpleNamespace(store=store, column_type=column) for name, (store, column)
                 in fields.items()},
    )  # fmt: skip


def test_generated_rows_copy_every_stored_field_of_the_template():
    model = _model(
        id=(True, ("int4", "int4")),
        name=(True, ("varchar", "varchar")),
        brand_new=(True, ("bool", "bool")),
        total=(False, ("numeric", "numeric")),  # computed, not stored
        line_ids=(False, None),  # one2many: no column
    )
    cr = _Cursor()
    bench_generate.copy_rows(cr, model, 7, {"name": "'n' || g"}, "generate_series(1, 3) g", {})
    head, select = cr.sql.split("SELECT", 1)
    assert head.split("(", 1)[1].split(")")[0] == '"name", "brand_new"'
    assert "'n' || g" in select and 't."brand_new"' in select
    assert "total" not in cr.sql and "line_ids" not in cr.sql and '"id"' not in head

    with pytest.raises(RuntimeError, match="no stored field"):
        bench_generate.copy_rows(cr, model, 7, {"gone": "1"}, "generate_series(1, 3) g", {})


def _replacements(path):
    """Where a module replaces an attribute of code it imports or wraps a function in place."""
    tree = ast.parse(path.read_text())
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }  # fmt: skip
    local_functions = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("setattr", "delattr"):
            found.append(f"{path.name}:{node.lineno} {node.func.id}")
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else []
        for target in targets:
            if not isinstance(target, ast.Attribute):
                continue
            root = target.value
            while isinstance(root, ast.Attribute):
                root = root.value
            value = getattr(node, "value", None)
            callee = getattr(getattr(value, "func", None), "id", None)
            if (
                isinstance(node, ast.Delete)
                or getattr(root, "id", None) in imported
                or isinstance(value, ast.Lambda)
                or getattr(value, "id", None) in local_functions
                or callee in local_functions
            ):
                found.append(f"{path.name}:{node.lineno} {ast.unparse(target)}")
    return found


@pytest.mark.parametrize("path", BENCH_MODULES, ids=lambda p: p.name)
def test_bench_replaces_nothing_it_measures(path):
    assert _replacements(path) == []
