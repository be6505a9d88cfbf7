"""Verify the whole hash chain of a company (auditors): the result is shown, logged and printable."""

from odoo import fields, models


class InvoiceClearingIntegrityCheck(models.TransientModel):
    _name = "invoice.clearing.integrity.check"
    _description = "Verify Clearing Integrity"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )  # fmt: skip
    clearing_ids = fields.Many2many("invoice.clearing", string="Verified Clearings", readonly=True)
    checked_at = fields.Datetime("Verified On", readonly=True)
    result_ok = fields.Boolean("Result OK", readonly=True)
    result = fields.Text(readonly=True)

    def action_verify(self):
        """Verify every hashed clearing of the company, log each result, show the findings."""
        self.ensure_one()
        self.env["invoice.clearing"]._check_reader()
        Integrity = self.env["invoice.clearing.integrity"]
        clearings = Integrity._chain(self.company_id).with_env(self.env)
        clearings.check_access("read")
        results = Integrity._verify(clearings)
        Integrity._log(results)
        lines = [
            f"{r['clearing'].name}: "
            + (self.env._("OK") if r["ok"] else self.env._("FAILED"))
            + "".join(f"\n  • {f}" for f in r["findings"] + r["notes"])
            for r in results
        ]
        self.write(
            {
                "clearing_ids": [fields.Command.set(clearings.ids)],
                "checked_at": fields.Datetime.now(),
                "result_ok": all(r["ok"] for r in results),
                "result": "\n".join(lines) or self.env._("No cleared clearing to verify."),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Verify Integrity"),
        }

    def action_print(self):
        self.ensure_one()
        if not self.clearing_ids:
            self.action_verify()
        return self.env.ref("invoice_clearing.action_report_clearing_integrity").report_action(
            self.clearing_ids
        )
