"""Upload fapiao files (数电 XML, OFD, PDF): preview what each becomes, choose the invoice, register."""

from odoo import api, fields, models
from odoo.exceptions import UserError


class InvoiceClearingFapiaoFileImport(models.TransientModel):
    _name = "invoice.clearing.fapiao.file.import"
    _description = "Upload Fapiao Files"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    move_id = fields.Many2one(
        "account.move",
        "Invoice",
        check_company=True,
        domain="[('move_type', 'in', ('out_invoice', 'out_refund'))]",
        help="The invoice the uploaded fapiao belong to; empty: found by buyer, total and date",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "invoice_clearing_fapiao_file_import_attachment_rel",
        "wizard_id",
        "attachment_id",
        "Files",
        help="The fapiao's own files: XML (the legal original), OFD or PDF, as downloaded from "
        "the e-invoicing platform (电子发票服务平台)",
    )
    state = fields.Selection([("upload", "Upload"), ("preview", "Preview")], default="upload")
    line_ids = fields.One2many("invoice.clearing.fapiao.file.import.line", "wizard_id")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        move = self.env["account.move"].browse(values.get("move_id")).exists()
        if move:
            values["company_id"] = move.company_id.id
        return values

    def _files(self, with_lines=False):
        if with_lines:
            return [
                {"name": line.file_name, "datas": line.attachment_id.datas,
                 "move_id": line.move_id.id or False}
                for line in self.line_ids
            ]  # fmt: skip
        files = [{"name": a.name, "datas": a.datas} for a in self.attachment_ids]
        if self.move_id:
            for file in files:
                file["move_id"] = self.move_id.id
        return files

    def action_preview(self):
        """Read every file: refused at the first bad one, else one line per fapiao to check."""
        self.ensure_one()
        if not self.attachment_ids:
            raise UserError(self.env._("Upload at least one fapiao file (XML, OFD or PDF)."))
        Service = self.env["invoice.clearing.fapiao.file"]
        proposals = Service._read_files(self.company_id, self._files())
        attachments = list(self.attachment_ids)
        commands = [fields.Command.clear()]
        for attachment, proposal in zip(attachments, proposals, strict=True):
            parsed = proposal["parsed"]
            commands.append(
                fields.Command.create(
                    {
                        "attachment_id": attachment.id,
                        "file_name": proposal["name"],
                        "number": parsed.number,
                        "code": parsed.code or False,
                        "fapiao_type": proposal["kind"],
                        "issue_date": parsed.issue_date,
                        "partner_id": proposal["partner_id"],
                        "buyer_name": parsed.buyer_name or False,
                        "tax_rates": Service._rates_text(proposal),
                        "amount_total": float(parsed.amount_total),
                        "is_red": parsed.is_red,
                        "origin_number": parsed.origin_number or False,
                        "candidate_move_ids": [fields.Command.set(proposal["candidate_ids"])],
                        "move_id": proposal["move_id"] or False,
                    }
                )
            )
        self.write({"line_ids": commands, "state": "preview"})
        return self._reopen()

    def action_back(self):
        self.write({"state": "upload", "line_ids": [fields.Command.clear()]})
        return self._reopen()

    def action_register(self):
        """Register the previewed fapiao with the invoices chosen, the files attached."""
        self.ensure_one()
        if self.state != "preview" or not self.line_ids:
            return self.action_preview()
        fapiao = self.env["invoice.clearing.fapiao.file"]._import_files(
            self.company_id, self._files(with_lines=True)
        )
        # The uploads were copied onto the fapiao: the wizard's temporary files are not kept.
        self.attachment_ids.unlink()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_clearing.action_invoice_clearing_fapiao"
        )
        action["domain"] = [("id", "in", fapiao.ids)]
        return action

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Upload Fapiao Files"),
        }
