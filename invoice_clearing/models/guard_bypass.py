"""The one way past the addon's guards on frozen and protected rows (no ORM model).

A cleared fapiao, a frozen invoice and its journal items, the protected fields of an audited
record: every writer is refused, `sudo()` included, because any installed module may write with
sudo. The addon's own acts (clearing, sealing, reopening, voiding, jobs) pass with a sentinel
object in the context, as Odoo's `account` passes its lock dates (`BYPASS_LOCK_CHECK`): an object
cannot be sent over RPC nor set by a module that does not import this one. The superuser also
passes while modules are installed or upgraded, for migration scripts.
"""

BYPASS_CONTEXT_KEY = "invoice_clearing_bypass_guards"
_BYPASS_GUARDS = object()


def with_bypass(records):
    """`records` allowed past the addon's guards: for the addon's own writes only, each with a
    comment saying which act writes."""
    return records.with_context(**{BYPASS_CONTEXT_KEY: _BYPASS_GUARDS})


def bypassed(env):
    """Whether the guards let the writes of `env` through: the addon's own acts, or the
    superuser before the registry is ready (install, upgrade, migration scripts)."""
    return env.context.get(BYPASS_CONTEXT_KEY) is _BYPASS_GUARDS or (
        env.su and not env.registry.ready
    )
