"""Jobs name their owner by model and id; each owner model declares its kind in one spec."""

from contextlib import closing

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.invoice_clearing_job import TIME_BUDGET_PARAM, owners_from_columns
from .common import migration_script
from .test_clearing import MONTH, MONTH_END, ClearingCommon

OWNERS = {
    "clearing": "invoice.clearing",
    "import": "invoice.clearing.import",
    "export": "invoice.clearing.export",
}


@tagged("post_install", "-at_install")
class TestJobOwners(ClearingCommon):
    def test_each_kind_is_one_spec_of_its_owner_model(self):
        specs = self.env["invoice.clearing.job.owner"]._job_specs()
        self.assertLessEqual(OWNERS.items(), {k: m for k, (m, _s) in specs.items()}.items())
        Job = self.env["invoice.clearing.job"]
        kinds = dict(Job._fields["kind"]._description_selection(self.env))
        self.assertEqual(set(kinds), set(specs), "the job's kinds are the owners' specs")
        job_model = self.env["ir.model"]._get_id("invoice.clearing.job")
        for kind, (model, spec) in specs.items():
            with self.subTest(kind=kind):
                cron = self.env.ref(spec.cron)
                self.assertEqual(
                    (cron.model_id.id, cron.code), (job_model, f"model._cron_run({kind!r})")
                )
                # The job fields come from the mixin, declared once.
                self.assertEqual(self.env[model]._fields["job_state"].related, "job_id.state")
        # The job itself knows no owner model: no relational field points to one.
        owner_links = [
            name
            for name, field in Job._fields.items()
            if field.relational and field.comodel_name in {m for m, _s in specs.values()}
        ]
        self.assertEqual(owner_links, [])

    def test_kinds_are_translated(self):
        zh = self.env(context={"lang": "zh_CN"})
        kinds = dict(zh["invoice.clearing.job"]._fields["kind"]._description_selection(zh))
        self.assertEqual(kinds["import"], "税局导出导入")
        self.assertEqual(kinds["export"], "XLSX 导出")

    def test_a_job_names_its_owner_by_model_and_id(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("invoice_clearing.background_threshold", 3)
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_approve()
        job = clearing.job_id
        self.assertEqual((job.res_model, job.res_id), ("invoice.clearing", clearing.id))
        self.assertEqual(job.owner_ref, clearing)
        self.assertEqual(clearing.job_ids, job)
        self.assertEqual(clearing.with_user(self.auditor).job_ids, job, "auditors read it")
        self.assertIn(clearing.name, job.display_name)
        action = clearing.with_user(self.auditor).action_open_jobs()
        self.assertEqual(action["res_id"], job.id)

    def test_an_owner_deleted_takes_its_jobs(self):
        batch = (
            self.env["invoice.clearing.import"]
            .sudo()
            .create({"date_from": MONTH, "date_to": MONTH_END, "file_name": "x.csv"})
        )
        job = self.env["invoice.clearing.job"].with_user(self.clerk)._start_for(batch)
        self.assertEqual((job.res_model, job.res_id, batch.job_id), (batch._name, batch.id, job))
        batch.unlink()
        self.assertFalse(job.sudo().exists())

    def test_the_spec_gives_the_time_slice_unless_the_parameter_is_set(self):
        Job = self.env["invoice.clearing.job"]
        spec = self.env["invoice.clearing"]._job_spec._replace(slice=7.5)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(TIME_BUDGET_PARAM, False)
        self.assertEqual(Job._time_budget(spec), 7.5)
        params.set_param(TIME_BUDGET_PARAM, "3")
        self.assertEqual(Job._time_budget(spec), 3.0)


@tagged("post_install", "-at_install")
class TestJobOwnerMigration(ClearingCommon):
    """19.0.1.4.0: the owner columns of existing jobs become res_model and res_id."""

    def test_owner_columns_become_model_and_id(self):
        script = migration_script("19.0.1.4.0", "pre-migrate")
        script.migrate(self.env.cr, None)  # a fresh install: nothing to migrate
        clearing = self.new_clearing()
        batch = (
            self.env["invoice.clearing.import"]
            .sudo()
            .create({"date_from": MONTH, "date_to": MONTH_END, "file_name": "x.csv"})
        )
        self.env.flush_all()
        cr = self.env.cr
        # The table as 19.0.1.3.0 left it: one column per owner, its CHECK and its index.
        cr.execute(
            """ALTER TABLE invoice_clearing_job ADD COLUMN clearing_id int4,
                   ADD COLUMN import_id int4, ADD COLUMN export_id int4,
                   ALTER COLUMN res_model DROP NOT NULL, ALTER COLUMN res_id DROP NOT NULL;
               ALTER TABLE invoice_clearing_job ADD CONSTRAINT invoice_clearing_job_one_owner
                   CHECK (num_nonnulls(clearing_id, import_id, export_id) = 1) NOT VALID;
               CREATE UNIQUE INDEX invoice_clearing_job_one_active_uniq ON invoice_clearing_job
                   (coalesce(clearing_id, 0), coalesce(import_id, 0), coalesce(export_id, 0))
                   WHERE state IN ('queued', 'running') AND res_id IS NULL"""
        )
        cr.execute(
            """INSERT INTO invoice_clearing_job (kind, company_id, state, clearing_id, import_id)
               VALUES ('clearing', %(company)s, 'running', %(clearing)s, NULL),
                      ('import', %(company)s, 'failed', NULL, %(batch)s)
               RETURNING id""",
            {"company": self.company.id, "clearing": clearing.id, "batch": batch.id},
        )
        running, failed = (row[0] for row in cr.fetchall())
        script.migrate(cr, "19.0.1.3.0")
        cr.execute(
            "SELECT id, res_model, res_id FROM invoice_clearing_job WHERE id IN %s ORDER BY id",
            [(running, failed)],
        )
        self.assertEqual(
            cr.fetchall(),
            [(running, "invoice.clearing", clearing.id), (failed, batch._name, batch.id)],
        )
        cr.execute(
            """SELECT count(*) FROM pg_constraint WHERE conname = 'invoice_clearing_job_one_owner'
               UNION ALL
               SELECT count(*) FROM pg_indexes
                WHERE indexname = 'invoice_clearing_job_one_active_uniq'"""
        )
        self.assertEqual(cr.fetchall(), [(0,), (0,)], "the old CHECK and index are gone")
        self.env.invalidate_all()
        self.assertEqual(clearing.job_ids.ids, [running])
        self.assertEqual(batch.job_ids.ids, [failed])
        self.assertEqual(owners_from_columns(cr), 0, "idempotent")


@tagged("post_install", "-at_install")
class TestCompanyRowLock(ClearingCommon):
    """The approval never waits on a clearing another transaction is writing (its row lock)."""

    def test_a_clearing_locked_elsewhere_is_refused_at_once(self):
        # A committed clearing, so that another connection can lock its row: the demo's.
        clearing = self.env["invoice.clearing"].sudo().search([], order="id", limit=1)
        if not clearing:
            self.skipTest("no committed clearing (database without demo data)")
        company = clearing.company_id
        clearing = clearing.with_user(self.manager_of(company)).with_company(company).sudo(False)
        with closing(self.env.registry.cursor()) as other:
            other.execute(
                "SELECT id FROM invoice_clearing WHERE id = %s FOR UPDATE NOWAIT", [clearing.id]
            )
            with (
                mute_logger("odoo.addons.invoice_clearing.models.invoice_clearing_freeze"),
                self.assertRaisesRegex(UserError, "Another clearing of .* is in progress"),
            ):
                clearing._lock_company()
            other.rollback()
        # Free again: the row lock is taken and the refusal, if any, is another one.
        try:
            clearing._lock_company()
        except UserError as error:
            self.assertNotIn("is in progress", str(error))

    def manager_of(self, company):
        self.manager.company_ids |= company
        return self.manager
