"""Customer invoices and credit notes carry the fapiao issued for them."""

from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    fapiao_ids = fields.One2many("invoice.clearing.fapiao", "move_id")
    fapiao_count = fields.Integer(compute="_compute_fapiao_count")

    @api.depends("fapiao_ids")
    def _compute_fapiao_count(self):
        counts = dict(
            self.env["invoice.clearing.fapiao"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["__count"]
            )
        )
        for move in self:
            move.fapiao_count = counts.get(move._origin, 0)

    def action_view_fapiao(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_clearing.action_invoice_clearing_fapiao"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"default_move_id": self.id, "default_partner_id": self.partner_id.id}
        return action

    def action_register_fapiao(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Register Fapiao"),
            "res_model": "invoice.clearing.fapiao.register",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }
