"""Reading what other sessions committed, in a new transaction beside the current one (no model).

An approval or a posting reads its scope in its own snapshot, taken before it held the company's
lock, and again in a fresh one: a row committed in between is visible only there.
"""

from contextlib import closing, contextmanager

from odoo.tools import SQL


@contextmanager
def fresh_cursor(env, table):
    """A cursor on a new transaction, or None when `table` is not committed yet (this
    transaction created it, as when the module is installed): no other session can have
    committed a row in it, so there is nothing to read afresh."""
    with closing(env.registry.cursor()) as cr:
        cr.execute(SQL("SELECT to_regclass(%s)", table))
        yield cr if cr.fetchone()[0] else None
