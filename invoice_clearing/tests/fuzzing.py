"""Hypothesis for the fuzz tests, or, where it is not installed, placeholders that skip them.

Hypothesis is a test-only library (test-requirements.txt at the repository root), not a requirement
of the addon: an Odoo image, Odoo.sh or OCA's CI may run the addon's tests without it. There, each
test decorated with `given` is skipped (with the reason) instead of its module failing to import,
which would stop Odoo's test runner from loading every test of the addon; the other tests of the
module still run. The strategies, `settings` and `HealthCheck` are then inert placeholders, so that
the module-level definitions built from them still evaluate.
"""

import unittest

try:
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st
except ImportError:
    HYPOTHESIS_MISSING = "hypothesis is not installed (pip install -r test-requirements.txt)"

    class _Placeholder:
        """Stands for any strategy or setting: its attributes, calls and `a | b` give itself, and
        it iterates as empty (`list(HealthCheck)`)."""

        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return self

        def __call__(self, *args, **kwargs):
            return self

        def __or__(self, other):
            return self

        __ror__ = __or__

        def __iter__(self):
            return iter(())

    st = HealthCheck = _Placeholder()

    def given(*args, **kwargs):
        return unittest.skip(HYPOTHESIS_MISSING)

    def settings(*args, **kwargs):
        return lambda test: test

    example = settings
else:
    HYPOTHESIS_MISSING = None

__all__ = ["HYPOTHESIS_MISSING", "HealthCheck", "example", "given", "settings", "st"]
