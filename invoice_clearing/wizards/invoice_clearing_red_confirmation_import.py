"""Import the platform's list of red-letter confirmation forms (红字确认单): create or update
them by number, all or nothing."""

from datetime import UTC
from zoneinfo import ZoneInfo

from odoo import fields, models
from odoo.exceptions import UserError

from ..tools import fapiao_number
from ..tools import red_confirmation_export as rc
from ..tools.rule_error import FapiaoRuleError

PLATFORM_TZ = ZoneInfo("Asia/Shanghai")  # the platform writes China time


class InvoiceClearingRedConfirmationImport(models.TransientModel):
    _name = "invoice.clearing.red.confirmation.import"
    _inherit = ["invoice.clearing.upload.mixin"]
    _description = "Import Red-letter Confirmation Forms"

    file = fields.Binary(
        "Form List", help="xlsx or CSV list of 红字确认单 exported from the platform"
    )

    def action_import(self):
        self.ensure_one()
        forms = self.env["invoice.clearing.red.confirmation"]._import_rows(
            self.company_id, self._parse(self._upload_data())
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Imported Confirmation Forms"),
            "res_model": "invoice.clearing.red.confirmation",
            "domain": [("id", "in", forms.ids)],
            "views": [(False, "list"), (False, "form")],
        }

    def _parse(self, data):
        """The checked rows of the file; a UserError naming the file and every bad row."""
        name = self.file_name or self.env._("the uploaded file")
        try:
            parsed = rc.parse_forms(data)
        except FapiaoRuleError as error:
            raise UserError(
                self.env._("%(file)s: %(error)s", file=name, error=error.render(self.env._))
            ) from None
        errors = [error.render(self.env._) for error in parsed.errors]
        rows = parsed.rows
        blues = self._blue_fapiao({row.blue_number for row in rows})
        for row in rows:
            if row.blue_number not in blues:
                errors.append(
                    self.env._(
                        "Sheet %(sheet)s, row %(row)s, column %(column)s: blue fapiao %(number)s "
                        "is not a 数电 fapiao of the register of %(company)s. Register it first.",
                        sheet=parsed.sheet,
                        row=row.row,
                        column=rc.COLUMN_LABELS["blue_number"],
                        number=row.blue_number,
                        company=self.company_id.name,
                    )
                )
        if errors:
            raise UserError(
                self.env._(
                    "%(file)s was not imported (nothing changed); correct these rows:\n%(errors)s",
                    file=name,
                    errors="\n".join(errors),
                )
            )
        for row in rows:
            requested = row.requested_at.replace(tzinfo=PLATFORM_TZ).astimezone(UTC)
            row.requested_at = requested.replace(tzinfo=None)
        return [(row, blues[row.blue_number]) for row in rows]

    def _blue_fapiao(self, numbers):
        """{number: blue 数电 fapiao of the company} for `numbers`, in one query."""
        found = self.env["invoice.clearing.fapiao"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("number", "in", list(numbers)),
                ("fapiao_type", "in", list(fapiao_number.DIGITAL_KINDS)),
                ("is_red", "=", False),
            ]
        )
        return {f.number: f for f in found}
