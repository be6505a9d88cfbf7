"""Base of the tests of the pure functions in invoice_clearing/tools/: no database, no pytest.

Odoo's test runner only runs unittest-style test classes (pytest-odoo runs them too), and pytest is
not installed where Odoo's runner usually runs: so these tests are methods of a `ToolsCase`, and
only the standard library and Odoo are imported. They keep plain `assert` statements and their
tables of cases: `parametrize` makes one test method per row, in both runners.
"""

from odoo.tests import BaseCase


def parametrize(argnames, argvalues):
    """Run the decorated test method once per row of `argvalues`, each run a test of its own.

    As pytest.mark.parametrize: `argnames` is "a, b" or ("a", "b"); with a single name each row is
    the value itself. Stacked decorators give every combination of their rows. The test of row i is
    named `<method>__<i>` (zero-padded: the runners sort by name), e.g. `--test-tags
    /invoice_clearing:TestFapiaoAmount.test_to_cents__3` or `pytest -k test_to_cents__3`.
    """
    names = (
        [name.strip() for name in argnames.split(",")] if isinstance(argnames, str) else argnames
    )
    rows = [
        dict(zip(names, values if len(names) > 1 else (values,), strict=True))
        for values in argvalues
    ]

    def mark(method):
        inner = getattr(method, "_parameter_rows", [{}])
        method._parameter_rows = [{**row, **more} for row in rows for more in inner]
        return method

    return mark


def _bound(method, params, name, qualname):
    def test(self):
        try:
            return method(self, **params)
        except Exception as error:
            error.add_note(f"{qualname} with {params!r}")
            raise

    test.__name__, test.__qualname__, test.__doc__ = name, qualname, method.__doc__
    return test


class ToolsCase(BaseCase):
    """No database: the tests run in any phase (at_install by default, like plain Odoo tests)."""

    def __init_subclass__(cls):  # pylint: disable=missing-return
        super().__init_subclass__()
        for name, method in list(vars(cls).items()):
            rows = getattr(method, "_parameter_rows", None)
            if rows is None or not name.startswith("test"):
                continue
            delattr(cls, name)
            width = len(str(len(rows) - 1))
            for index, params in enumerate(rows):
                case_name = f"{name}__{index:0{width}d}"
                qualname = f"{cls.__qualname__}.{case_name}"
                setattr(cls, case_name, _bound(method, params, case_name, qualname))
