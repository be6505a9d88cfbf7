"""Who may do what on a clearing: the addon's groups, and four-eyes approval (双重复核).

A mixin of `invoice.clearing`: its actions call these rules before they change anything.
"""

from odoo import models
from odoo.exceptions import AccessError, UserError


class InvoiceClearingApproval(models.AbstractModel):
    """Separation of duties on a clearing: users prepare, managers approve, auditors read; with
    four-eyes on (the company's `clearing_four_eyes`), the approver is not the preparer.

    The inheriting model provides the fields `company_id`, `state` (draft, to_approve, ...),
    `name` and `prepared_by`, and `activity_schedule` (mail.activity.mixin).
    """

    _name = "invoice.clearing.approval"
    _description = "Clearing Roles and Four-eyes Approval"

    def _check_group(self, xmlid):
        """Refuse unless the user is in group `xmlid` (the superuser excepted)."""
        if not self.env.su and not self.env.user.has_group(xmlid):
            group = self.env.ref(xmlid)
            raise AccessError(
                self.env._(
                    "Only members of %(group)s may do this on a fapiao clearing.",
                    group=group.full_name,
                )
            )

    def _four_eyes(self):
        """Whether the company wants an approver other than the preparer."""
        return self.company_id.clearing_four_eyes

    def _check_reader(self):
        """Clearing users, managers and auditors may print, export and verify."""
        if not self.env.su and not self.env.user.has_groups(
            "invoice_clearing.group_clearing_user,invoice_clearing.group_clearing_auditor"
        ):
            raise AccessError(self.env._("Only fapiao clearing users and auditors may do this."))
        self.check_access("read")

    def _check_approver(self):
        """Refuse unless the clearing waits for approval, by another user than its preparer
        when four-eyes is on."""
        if self.state not in ("draft", "to_approve"):
            raise UserError(
                self.env._("Clearing %(name)s is not waiting for approval.", name=self.name)
            )
        if self._four_eyes() and not self.env.su:
            if self.state != "to_approve":
                raise UserError(
                    self.env._(
                        "Four-eyes approval is on: submit clearing %(name)s for approval first.",
                        name=self.name,
                    )
                )
            if self.prepared_by == self.env.user:
                raise AccessError(
                    self.env._(
                        "Four-eyes approval (双重复核): %(name)s was prepared by you, so another "
                        "clearing manager must approve it.",
                        name=self.name,
                    )
                )

    def _approvers(self, preparer=None):
        """The company's clearing managers other than the preparer."""
        preparer = preparer or self.prepared_by
        # sudo: a clerk hands over to managers who may belong to companies the clerk cannot read
        # (their company_ids); the lookup is restricted to managers of the clearing's company.
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    (
                        "all_group_ids",
                        "in",
                        self.env.ref("invoice_clearing.group_clearing_manager").ids,
                    ),
                    ("company_ids", "in", self.company_id.ids),
                    ("share", "=", False),
                    ("id", "not in", preparer.ids),
                ],
                order="id",
            )
        )

    def _notify_approvers(self):
        """A to-do for every other manager of the company: approve this clearing."""
        for user in self._approvers():
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._("Approve fapiao clearing %(name)s", name=self.name),
            )
