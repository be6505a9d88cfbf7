"""The addon's tests stay loadable by Odoo's runner (what Odoo.sh and OCA CI run), not only by pytest.

Odoo's runner only runs the test modules that invoice_clearing/tests/__init__.py imports, only
unittest-style classes, and fails to load every test of the addon when one module's import fails,
e.g. on a library that Odoo's requirements do not include.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "invoice_clearing" / "tests"
# Test-only libraries: imported through tests/fuzzing.py (placeholders without it), or not at all.
GUARDED = {"hypothesis": "fuzzing.py", "pytest": None}


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.module


def test_every_test_module_is_imported_by_the_package():
    init = ast.parse((TESTS / "__init__.py").read_text())
    imported = {alias.name for node in init.body for alias in node.names}
    modules = {path.stem for path in TESTS.glob("test_*.py")}
    assert modules - imported == set(), "add them to invoice_clearing/tests/__init__.py"


def test_no_test_module_needs_a_test_only_library():
    for path in sorted(TESTS.glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in GUARDED:
                assert path.name == GUARDED[top], f"{path.name} imports {name}: see fuzzing.py"


def test_no_test_functions_outside_classes():
    """Module-level test functions run under pytest only: Odoo's runner ignores them."""
    for path in sorted(TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test")
        ]
        assert functions == [], f"{path.name}: make them methods of a test class (ToolsCase)"
