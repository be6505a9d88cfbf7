"""红字发票信息确认单 (red-letter confirmation form): what a red-letter 数电 fapiao needs first.

Either party starts a form for a blue 数电 fapiao; the other confirms or refuses it on the platform;
nobody confirming it within 72 hours voids it. A confirmed form is used by issuing the red fapiao
whose `red_reference` names it. States and the platform's 01–11 codes: tools/red_confirmation_export.py.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import fapiao_number
from ..tools import red_confirmation_export as rc
from ..tools.rule_error import FapiaoRuleError

MANAGER = "invoice_clearing.group_clearing_manager"
# What only the workflow (buttons, cron, import, the red fapiao) writes, under sudo: the state
# and the times that drive the 72-hour expiry included, so nobody pushes a deadline back.
WORKFLOW_FIELDS = frozenset(
    {"state", "status_code", "requested_at", "expiry_at", "red_fapiao_id", "reminded", "source"}
)
# Their values a new form may carry: what a client sends back of the defaults.
WORKFLOW_DEFAULTS = {"state": "draft", "source": "entered"}
# Where a form's record comes from; a form recorded from its red fapiao has no request time.
SOURCES = [
    ("entered", "Entered in Odoo"),
    ("platform_list", "Platform's list"),
    ("red_fapiao", "Recorded from the red fapiao"),
]
# What a user may still change once a form left draft: who follows it up, and notes.
FREE_FIELDS = frozenset({"user_id", "note"})


class InvoiceClearingRedConfirmation(models.Model):
    _name = "invoice.clearing.red.confirmation"
    _description = "Red-letter Confirmation Form"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "requested_at desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        "Form Number",
        size=20,
        required=True,
        copy=False,
        tracking=True,
        help="红字发票信息确认单编号: 20 digits, given by the platform",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    # Required but on a form recorded from a red fapiao whose blue one is not in the register.
    blue_fapiao_id = fields.Many2one(
        "invoice.clearing.fapiao",
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
        domain="[('is_red', '=', False), ('fapiao_type', 'in', ('digital_special', 'digital_general'))]",
        help="The 数电 fapiao the red-letter fapiao will reverse (蓝字发票)",
    )
    partner_id = fields.Many2one(related="blue_fapiao_id.partner_id", string="Buyer")
    initiator = fields.Selection(
        rc.INITIATORS, required=True, default="seller", tracking=True, help="销方发起 / 购方发起"
    )
    reason = fields.Selection(
        rc.REASONS, required=True, default="invoicing_error", tracking=True, help="冲红原因"
    )
    amount_untaxed = fields.Monetary(
        "Amount", tracking=True, help="金额, negative as on the red fapiao"
    )
    amount_tax = fields.Monetary("Tax", tracking=True, help="税额, negative")
    amount_total = fields.Monetary("Total", tracking=True, help="价税合计, negative")
    state = fields.Selection(
        rc.STATES, required=True, default="draft", readonly=True, copy=False, index=True,
        tracking=True,
    )  # fmt: skip
    status_code = fields.Selection(
        rc.STATUS_CODES,
        "Platform Status",
        readonly=True,
        copy=False,
        tracking=True,
        help="确认单状态 as the platform codes it (01–11)",
    )
    requested_at = fields.Datetime(
        "Requested On",
        readonly=True,
        copy=False,
        tracking=True,
        help="录入日期: when it was submitted",
    )
    expiry_at = fields.Datetime(
        "Expires On",
        compute="_compute_expiry_at",
        store=True,
        index=True,
        help="72 hours after the request: an unconfirmed form lapses then (超72小时未确认)",
    )
    hours_left = fields.Float(
        compute="_compute_hours_left", help="Hours until a pending form lapses"
    )
    red_fapiao_id = fields.Many2one(
        "invoice.clearing.fapiao",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        help="The red-letter fapiao that used this form",
    )
    user_id = fields.Many2one(
        "res.users",
        "Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
        help="Follows the form up; reminded before it lapses",
    )
    reminded = fields.Boolean(readonly=True, copy=False, help="The reminder before expiry was sent")
    source = fields.Selection(
        SOURCES,
        "Recorded From",
        required=True,
        default="entered",
        readonly=True,
        copy=False,
        help="Entered in Odoo, imported from the platform's list, or recorded from the red "
        "fapiao that used it (the platform issued that fapiao, so the form was confirmed there)",
    )
    note = fields.Text("Notes")

    _number_uniq = models.UniqueIndex(
        "(company_id, name)",
        "A red-letter confirmation form with this number is already registered for this company.",
    )

    @api.depends("requested_at")
    def _compute_expiry_at(self):
        for form in self:
            form.expiry_at = rc.expiry(form.requested_at) if form.requested_at else False

    @api.depends("state", "expiry_at")
    def _compute_hours_left(self):
        now = fields.Datetime.now()
        for form in self:
            left = (form.expiry_at - now).total_seconds() / 3600 if form.expiry_at else 0.0
            form.hours_left = max(left, 0.0) if form.state == "pending" else 0.0

    # ------------------------------------------------------------------ create / write
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_workflow_fields(vals, create=True)
            self._normalize_vals(vals)
        default_company = self.env.company.id
        self._check_not_registered(
            [(v.get("company_id", default_company), v.get("name"), None) for v in vals_list]
        )
        return super().create(vals_list)

    def write(self, vals):
        self._check_workflow_fields(vals)
        self._normalize_vals(vals)
        if not self._is_manager():
            started = self.filtered(lambda f: f.state != "draft")
            if started and vals.keys() - FREE_FIELDS:
                raise UserError(
                    self.env._(
                        "Red-letter confirmation form %(form)s is %(state)s: it is the platform's "
                        "record and only a clearing manager may change it.",
                        form=started[0].name,
                        state=started[0]._state_label(),
                    )
                )
        if "name" in vals or "company_id" in vals:
            self._check_not_registered(
                [(vals.get("company_id", f.company_id.id), vals.get("name", f.name), f.id)
                 for f in self]
            )  # fmt: skip
        return super().write(vals)

    def _check_not_registered(self, candidates):
        """Refuse numbers already registered in their company, naming each existing form (the
        unique index still guards against two sessions racing). One query for the batch."""
        seen = set()
        for company_id, name, _form_id in candidates:
            if (company_id, name) in seen:
                raise ValidationError(
                    self.env._("Form %(number)s appears twice in what you register.", number=name)
                )
            seen.add((company_id, name))
        names = {name for _company_id, name, _form_id in candidates if name}
        if not names:
            return
        # sudo: the duplicate is named even where the user may not read it
        found = self.sudo().search_fetch(
            [
                ("company_id", "in", list({company_id for company_id, _n, _f in candidates})),
                ("name", "in", list(names)),
            ],
            ["company_id", "name"],
        )
        by_key = {(form.company_id.id, form.name): form for form in found}
        existing = [
            by_key[company_id, name]
            for company_id, name, form_id in candidates
            if (company_id, name) in by_key and by_key[company_id, name].id != form_id
        ]
        if existing:
            raise ValidationError(
                "\n".join(
                    self.env._(
                        "Red-letter confirmation form %(number)s is already registered (blue "
                        "fapiao %(fapiao)s, %(state)s). Open the existing form.",
                        number=form.name,
                        fapiao=form.blue_fapiao_id.display_name,
                        state=form._state_label(),
                    )
                    for form in existing
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = self.filtered(lambda f: f.state == "used")
        if used:
            raise UserError(
                self.env._(
                    "Red-letter confirmation form %(form)s was used by red fapiao %(fapiao)s and "
                    "cannot be deleted.",
                    form=used[0].name,
                    fapiao=used[0].red_fapiao_id.display_name,
                )
            )

    def _normalize_vals(self, vals):
        if isinstance(vals.get("name"), (str, int)) and vals["name"] is not False:
            try:
                vals["name"] = fapiao_number.normalize_digits(vals["name"], "red_reference")
            except FapiaoRuleError as error:
                raise ValidationError(error.render(self.env._)) from None

    def _is_manager(self):
        return self.env.su or self.env.user.has_group(MANAGER)

    def _check_workflow_fields(self, vals, create=False):
        """Refuse the workflow's fields to everyone but the superuser: the workflow writes them
        under sudo. As the audited mixin's protected fields, without its append-only chatter;
        a new form may carry their defaults (what a client sends back)."""
        if self.env.su:
            return
        names = WORKFLOW_FIELDS & vals.keys()
        if create:
            names = {
                name for name in names if vals[name] and vals[name] != WORKFLOW_DEFAULTS.get(name)
            }
        if names:
            raise AccessError(
                self.env._(
                    "%(fields)s of a red-letter confirmation form are set by its workflow (its "
                    "buttons, the import of the platform's list, the expiry after 72 hours and "
                    "the red fapiao that uses it) and cannot be written directly.",
                    fields=", ".join(sorted(self._fields[name].string for name in names)),
                )
            )

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    @api.constrains("name")
    def _check_name(self):
        for form in self:
            if not rc.is_form_number(form.name):
                raise ValidationError(
                    self.env._(
                        "The red-letter confirmation form number %(number)s has %(length)s "
                        "characters: a 红字发票信息确认单编号 has 20 digits.",
                        number=form.name,
                        length=len(form.name or ""),
                    )
                )

    @api.constrains("blue_fapiao_id", "amount_untaxed", "amount_tax", "amount_total")
    def _check_blue_and_amounts(self):
        for form in self:
            blue = form.blue_fapiao_id
            if not blue and form.source != "red_fapiao":
                raise ValidationError(
                    self.env._(
                        "Red-letter confirmation form %(form)s: choose the blue 数电 fapiao it "
                        "reverses.",
                        form=form.name,
                    )
                )
            if blue and (blue.is_red or blue.fapiao_type not in fapiao_number.DIGITAL_KINDS):
                raise ValidationError(
                    self.env._(
                        "Red-letter confirmation form %(form)s: %(fapiao)s is not a blue 数电 "
                        "fapiao. A 红字确认单 reverses a blue digital fapiao; a paper or legacy "
                        "fapiao needs a 红字信息表 instead.",
                        form=form.name,
                        fapiao=blue.display_name,
                    )
                )
            amounts = (form.amount_untaxed, form.amount_tax, form.amount_total)
            if (
                any(a > 0 for a in amounts)
                or not form.amount_total
                or abs(form.amount_untaxed + form.amount_tax - form.amount_total) > 0.01
            ):
                raise ValidationError(
                    self.env._(
                        "Red-letter confirmation form %(form)s: its amounts are those of the red "
                        "fapiao, negative, with 金额 + 税额 = 价税合计 (here %(untaxed)s + %(tax)s "
                        "= %(total)s).",
                        form=form.name,
                        untaxed=form.amount_untaxed,
                        tax=form.amount_tax,
                        total=form.amount_total,
                    )
                )
            if blue and -form.amount_total > blue.amount_total + 0.01:
                raise ValidationError(
                    self.env._(
                        "Red-letter confirmation form %(form)s reverses %(amount)s, more than the "
                        "%(total)s of blue fapiao %(fapiao)s.",
                        form=form.name,
                        amount=-form.amount_total,
                        total=blue.amount_total,
                        fapiao=blue.display_name,
                    )
                )

    # ------------------------------------------------------------------ workflow
    def _check_states(self, allowed, action):
        for form in self:
            if form.state not in allowed:
                raise UserError(
                    self.env._(
                        "Red-letter confirmation form %(form)s is %(state)s: it cannot be %(action)s.",
                        form=form.name,
                        state=form._state_label(),
                        action=action,
                    )
                )

    def _check_manager(self, action):
        if not self._is_manager():
            raise AccessError(
                self.env._(
                    "Only a clearing manager may record that a red-letter confirmation form is "
                    "%(action)s.",
                    action=action,
                )
            )

    def _set_workflow(self, vals):
        # sudo: the workflow fields are written by these buttons only; access was checked above
        self.sudo().write(vals)

    def action_submit(self):
        """Draft → pending: requested now, lapses in 72 hours unless the other party confirms."""
        self.check_access("write")
        self._check_states({"draft"}, self.env._("submitted"))
        now = fields.Datetime.now()
        for form in self:
            form._set_workflow(
                {
                    "state": "pending",
                    "status_code": rc.pending_code(form.initiator),
                    "requested_at": now,
                    "reminded": False,
                }
            )
        return True

    def action_confirm(self):
        """Pending → confirmed (04): the other party confirmed it on the platform."""
        self.check_access("write")
        self._check_manager(self.env._("confirmed"))
        self._check_states({"pending"}, self.env._("confirmed"))
        lapsed = self.filtered(lambda f: f.expiry_at and f.expiry_at <= fields.Datetime.now())
        if lapsed:
            raise UserError(
                self.env._(
                    "Red-letter confirmation form %(form)s lapsed on %(date)s (72 hours without "
                    "confirmation). Start a new form.",
                    form=lapsed[0].name,
                    date=lapsed[0].expiry_at,
                )
            )
        self._set_workflow({"state": "confirmed", "status_code": "04"})
        self._done_reminders()
        return True

    def action_refuse(self):
        """Pending → refused (05/06): the other party refused it (否认)."""
        self.check_access("write")
        self._check_manager(self.env._("refused"))
        self._check_states({"pending"}, self.env._("refused"))
        for form in self:
            form._set_workflow({"state": "refused", "status_code": rc.refused_code(form.initiator)})
        self._done_reminders()
        return True

    def action_withdraw(self):
        """Withdraw (撤销): a pending form (08) by its preparer, a confirmed one (09) by a manager."""
        self.check_access("write")
        self._check_states({"pending", "confirmed"}, self.env._("withdrawn"))
        if self.filtered(lambda f: f.state == "confirmed"):
            self._check_manager(self.env._("withdrawn after its confirmation"))
        for form in self:
            form._set_workflow({"state": "withdrawn", "status_code": rc.withdrawn_code(form.state)})
        self._done_reminders()
        return True

    def _done_reminders(self):
        # sudo: the reminders belong to the responsible user, whoever records the outcome
        self.sudo().activity_ids.action_feedback(
            feedback=self.env._("The form is no longer pending.")
        )

    @api.model
    def _cron_expire(self, now=None):
        """Expire pending forms past their 72 hours (07); remind the responsible user once, within
        24 hours of the expiry. `now` lets tests run the cron at a later time."""
        now = now or fields.Datetime.now()
        # sudo: the cron handles the forms of every company
        Form = self.sudo()
        lapsed = Form.search([("state", "=", "pending"), ("expiry_at", "<=", now)])
        if lapsed:
            lapsed.write({"state": "expired", "status_code": "07"})
            lapsed._done_reminders()
        due = Form.search(
            [
                ("state", "=", "pending"),
                ("reminded", "=", False),
                ("expiry_at", "<=", now + timedelta(hours=rc.REMIND_HOURS)),
            ]
        )
        for form in due:
            user = form.user_id or form.create_uid
            form.with_context(lang=user.lang).activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=fields.Date.context_today(form, form.expiry_at),
                summary=form.env._(
                    "Red-letter confirmation form %(form)s lapses on %(date)s unless confirmed",
                    form=form.name,
                    date=fields.Datetime.context_timestamp(form, form.expiry_at).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                ),
                user_id=user.id,
            )
        due.write({"reminded": True})
        return True

    # ------------------------------------------------------------------ the red fapiao
    @api.model
    def _use_for_red_fapiao(self, fapiao):
        """Check that each red-letter 数电 fapiao of `fapiao` names a usable form, and mark it used.

        A red fapiao reversing a blue one of the register names its form (红字确认单); a form
        serves one red fapiao. The platform issues a red fapiao only on a confirmed form, so
        the fapiao is a fact: a form Odoo does not know is recorded from it (used), a form Odoo
        still has as draft or pending is marked used with a note; only a form Odoo knows as
        expired, refused or withdrawn refuses it. Legacy kinds keep their 16-digit 红字信息表
        and are not checked here. One query and one create for the batch.
        """
        # sudo: forms are checked and marked used whatever the registering user may read
        Form = self.sudo()
        reds = fapiao.filtered(lambda f: f.is_red and f.fapiao_type in fapiao_number.DIGITAL_KINDS)
        # Forms these fapiao used before and no longer name go back to confirmed.
        previous = Form.search([("red_fapiao_id", "in", fapiao.ids)])
        released = previous.filtered(
            lambda f: f.red_fapiao_id not in reds or f.red_fapiao_id.red_reference != f.name
        )
        released._release()
        if not reds:
            return
        forms = Form.search(
            [
                ("company_id", "in", reds.company_id.ids),
                ("name", "in", reds.mapped("red_reference")),
            ]
        )
        by_key = {(f.company_id.id, f.name): f for f in forms}
        to_record = {}
        unconfirmed = []
        for red in reds:
            key = (red.company_id.id, red.red_reference)
            form = by_key.get(key)
            self._check_for_red(red, form)
            if form and form.state != "used":
                vals = {"state": "used", "red_fapiao_id": red.id}
                if form.state in ("draft", "pending"):
                    unconfirmed.append((form, form._state_label()))
                    vals["status_code"] = "04"  # the platform confirmed it before issuing
                form.write(vals)
            elif not form and red.red_reference:
                if key in to_record:
                    raise self._already_used_error(red, red.red_reference, to_record[key])
                to_record[key] = red
        if unconfirmed:
            used = Form.browse([form.id for form, _state in unconfirmed])
            used._done_reminders()
            used._message_log_batch(
                {
                    form.id: Markup("<p>%s</p>")
                    % self.env._(
                        "Marked used by red fapiao %(fapiao)s while Odoo had it as %(state)s: the "
                        "platform issued the fapiao, so the form was confirmed there. Import the "
                        "platform's list of forms to record its status.",
                        fapiao=form.red_fapiao_id.display_name,
                        state=state,
                    )
                    for form, state in unconfirmed
                }
            )
        if to_record:
            self._record_from_red(Form, list(to_record.values()))

    def _record_from_red(self, Form, reds):
        """Record the forms red fapiao `reds` name and Odoo did not know: the platform issued
        each fapiao, so its form was confirmed there and is now used by it."""
        recorded = Form.with_context(mail_create_nolog=True).create(
            [
                {
                    "name": red.red_reference,
                    "company_id": red.company_id.id,
                    "blue_fapiao_id": red.origin_fapiao_id.id,
                    "amount_untaxed": red.amount_untaxed,
                    "amount_tax": red.amount_tax,
                    "amount_total": red.amount_total,
                    "state": "used",
                    "status_code": "04",
                    "red_fapiao_id": red.id,
                    "source": "red_fapiao",
                }
                for red in reds
            ]
        )
        recorded._message_log_batch(
            {
                form.id: Markup("<p>%s</p>")
                % self.env._(
                    "Recorded from the red fapiao %(fapiao)s: the platform issued it on this form, "
                    "so the form was confirmed there. Its initiator and reason are not on the "
                    "fapiao: correct them from the platform's list if needed.",
                    fapiao=form.red_fapiao_id.display_name,
                )
                for form in recorded
            }
        )

    def _check_for_red(self, red, form):
        """Refuse red fapiao `red` unless `form` (its form, or None) allows it; say what to do."""
        if not red.red_reference:
            if red.origin_fapiao_id:
                raise ValidationError(
                    self.env._(
                        "Red-letter fapiao %(fapiao)s reverses the 数电 fapiao %(blue)s: enter the "
                        "20-digit number of its confirmed red-letter confirmation form (红字确认单) "
                        "as Red-letter Form No. Start the form, or import it from the platform, "
                        "if there is none yet.",
                        fapiao=red.display_name,
                        blue=red.origin_fapiao_id.display_name,
                    )
                )
            return
        if not form:
            return  # recorded from the fapiao (see _use_for_red_fapiao)
        if form.state == "used" and form.red_fapiao_id != red:
            raise self._already_used_error(red, form.name, form.red_fapiao_id)
        if form.state in rc.DEAD_STATES:
            raise ValidationError(
                self.env._(
                    "Red-letter fapiao %(fapiao)s: confirmation form %(form)s is %(state)s in "
                    "Odoo and can no longer be used. Check the form number on the fapiao, or "
                    "start a new form; if the platform shows this form confirmed, import the "
                    "platform's list of forms, then register the fapiao again.",
                    fapiao=red.display_name,
                    form=form.name,
                    state=form._state_label(),
                )
            )
        blue = red.origin_fapiao_id
        if blue and form.blue_fapiao_id != blue:
            raise ValidationError(
                self.env._(
                    "Red-letter fapiao %(fapiao)s reverses %(blue)s, but confirmation form "
                    "%(form)s was made for blue fapiao %(other)s. Use the form of %(blue)s.",
                    fapiao=red.display_name,
                    blue=blue.display_name,
                    form=form.name,
                    other=form.blue_fapiao_id.display_name,
                )
            )
        if red.amount_total < form.amount_total - 0.01:
            raise ValidationError(
                self.env._(
                    "Red-letter fapiao %(fapiao)s reverses %(amount)s, more than the %(allowed)s "
                    "of its confirmation form %(form)s.",
                    fapiao=red.display_name,
                    amount=-red.amount_total,
                    allowed=-form.amount_total,
                    form=form.name,
                )
            )

    def _already_used_error(self, red, number, other):
        return ValidationError(
            self.env._(
                "Red-letter fapiao %(fapiao)s: confirmation form %(form)s was already used by "
                "red fapiao %(other)s. A form serves one red fapiao: start a new form.",
                fapiao=red.display_name,
                form=number,
                other=other.display_name,
            )
        )

    def _release_red_fapiao(self, fapiao):
        """Forms used by `fapiao` (being deleted) may be used again."""
        # sudo: see _use_for_red_fapiao
        self.sudo().search([("red_fapiao_id", "in", fapiao.ids)])._release()

    def _release(self):
        """These used forms are free again (confirmed); a form that was only recorded from its
        red fapiao goes with the fapiao's claim."""
        recorded = self.filtered(lambda f: f.source == "red_fapiao")
        (self - recorded).write({"state": "confirmed", "red_fapiao_id": False})
        # The state is reset first: a used form cannot be deleted.
        recorded.write({"state": "confirmed", "red_fapiao_id": False})
        recorded.unlink()

    @api.model
    def _import_rows(self, company, rows):
        """Create or update (by number) the forms of `rows`, [(FormRow, blue fapiao)] of one
        company, as the platform lists them: its status code decides the state, except that a
        form a red fapiao of the register already used stays used. Returns the forms."""
        self.check_access("create")
        # sudo: the platform's list is the record of the forms' states, which users may import
        Form = self.sudo().with_context(mail_create_nolog=True)
        existing = {
            f.name: f
            for f in Form.search(
                [("company_id", "=", company.id), ("name", "in", [r.number for r, _b in rows])]
            )
        }
        reds = {
            f.red_reference: f
            for f in self.env["invoice.clearing.fapiao"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("is_red", "=", True),
                    ("red_reference", "in", [r.number for r, _b in rows]),
                ]
            )
        }
        forms = Form
        to_create = []
        for row, blue in rows:
            vals = {
                "blue_fapiao_id": blue.id,
                "initiator": row.initiator,
                "reason": row.reason,
                "amount_untaxed": float(row.amount_untaxed),
                "amount_tax": float(row.amount_tax),
                "amount_total": float(row.amount_total),
                "status_code": row.status_code,
                "state": row.state,
                "requested_at": row.requested_at,
            }
            red = reds.get(row.number)
            if red and row.state == "confirmed":
                vals.update(state="used", red_fapiao_id=red.id)
            form = existing.get(row.number)
            if form:
                if form.state == "used":
                    vals.pop("state")
                if form.source == "red_fapiao":
                    vals["source"] = "platform_list"  # the platform's record now
                form.write(vals)
                forms |= form
            else:
                to_create.append(
                    {
                        "name": row.number,
                        "company_id": company.id,
                        "source": "platform_list",
                        **vals,
                    }
                )
        forms |= Form.create(to_create)
        return forms.with_env(self.env)

    def action_view_red_fapiao(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "invoice.clearing.fapiao",
            "res_id": self.red_fapiao_id.id,
            "views": [(False, "form")],
        }
