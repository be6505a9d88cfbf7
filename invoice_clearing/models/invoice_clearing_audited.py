"""An audited record of the addon: fields only its own actions set, and an append-only chatter.

Inherited by the clearing and the fapiao register. The rest of their audit trail follows from
the mixin: mail.message and mail.tracking.value refuse to edit or delete the messages of these
models, ir.attachment keeps the files of a certified one (`_certified`).
"""

from odoo import api, models
from odoo.exceptions import AccessError

from .guard_bypass import bypassed

AUDITED_MIXIN = "invoice.clearing.audited.mixin"


class InvoiceClearingAuditedMixin(models.AbstractModel):
    """Protected fields and an append-only chatter, for every writer, `sudo()` included.

    The inheriting model declares `_protected_fields()`, may narrow what a new record may carry
    (`_protected_fields(create=True)`, `_protected_create_defaults()`), says which of its records
    are certified (`_certified()`), and calls `_check_protected_create(vals)` in `create` and
    `_check_protected_write(vals)` in `write` before its own checks. Its actions write protected
    fields through `guard_bypass.with_bypass`.
    """

    _name = AUDITED_MIXIN
    _description = "Audited Record (protected fields, append-only chatter)"
    _inherit = ["mail.thread"]

    def _protected_fields(self, create=False):
        """Fields set by the record's own actions only; with `create`, those a new record may
        not carry (beyond `_protected_create_defaults`)."""
        return frozenset()

    def _protected_create_defaults(self):
        """{field: value} a new record may carry for a protected field: what a client sends back."""
        return {}

    def _certified(self):
        """The records of `self` whose content is certified: their files are evidence."""
        return self.browse()

    def _check_protected_create(self, vals):
        """Refuse the values of a new record for its protected fields, but empty or defaults."""
        if bypassed(self.env):
            return
        defaults = self._protected_create_defaults()
        forced = {
            name
            for name in self._protected_fields(create=True) & vals.keys()
            if vals[name] and vals[name] != defaults.get(name)
        }
        if forced:
            self._raise_protected(forced)

    def _check_protected_write(self, vals):
        """Refuse a write of a protected field, whatever its value."""
        if not bypassed(self.env) and self._protected_fields() & vals.keys():
            self._raise_protected(self._protected_fields() & vals.keys())

    def _raise_protected(self, names):
        raise AccessError(
            self._protected_message(", ".join(sorted(self._fields[name].string for name in names)))
        )

    def _protected_message(self, fields):
        """Why `fields` (their labels, joined) cannot be written: the model says by which acts."""
        return self.env._(
            "%(fields)s of %(record)s are set by its actions and cannot be written directly.",
            fields=fields,
            record=self._description,
        )

    def _check_can_update_message_content(self, messages):
        """The chatter is the record's audit trail: nobody edits it, sudo() included."""
        if not bypassed(self.env):
            raise AccessError(self._audit_trail_message())
        return super()._check_can_update_message_content(messages)

    def _audit_trail_message(self):
        return self.env._("Messages of this audit trail cannot be edited or deleted.")

    @api.model
    def _audited_models(self):
        """Names of the models that inherit this mixin: their chatter is an audit trail."""
        return self.env.registry[AUDITED_MIXIN]._inherit_children
