"""Data of `make bench`, not timed: N fapiao of one company and month, their invoices, the filing.

Each generated table starts from one record made by the ORM (a template, so every default,
computed column and constraint is the model's own), then copied set-based by
`INSERT ... SELECT` over `generate_series`: the column list is read from the model's stored
fields, and only the columns that vary from row to row are named here. A new field of the fapiao
or of the invoice is copied from the template without a change to this file.
"""
# ruff: noqa: PLC0415

import os
from datetime import date

from dateutil.relativedelta import relativedelta

PERIOD = (date.today().replace(day=1) - date.resolution).replace(day=1)  # last month
BUYERS = 500
MW_FAPIAO = int(os.environ.get("MW_N", "25000"))  # per company in the multi-worker part
BUYER_VAT = "91350100M000100Y43"
IMPORT_SELLER = "91440300MA5F00012E"

# The mix of a Chinese seller's month: kinds and rates, 3% red-letter, 1% voided paper fapiao.
KIND_MIX = """CASE WHEN src % 100 < 35 THEN 'digital_general' WHEN src % 100 < 65 THEN 'digital_special'
     WHEN src % 100 < 77 THEN 'vat_special' WHEN src % 100 < 87 THEN 'vat_general'
     WHEN src % 100 < 93 THEN 'e_general' WHEN src % 100 < 96 THEN 'vat_roll'
     WHEN src % 100 < 98 THEN 'e_special' WHEN src % 100 < 99 THEN 'motor_vehicle'
     ELSE 'used_vehicle' END"""
RATE_MIX = """CASE WHEN src % 20 < 11 THEN 13.0 WHEN src % 20 < 13 THEN 9.0 WHEN src % 20 < 17 THEN 6.0
     WHEN src % 20 < 18 THEN 3.0 WHEN src % 20 < 19 THEN 1.0 ELSE 0.0 END"""

# The fapiao columns that vary per generated row (b: the row of bench_gen, o: the blue fapiao a
# red one reverses); every other stored column is the template's.
FAPIAO_VARYING = {
    "id": "b.fid",
    "company_id": "%(company)s",
    "partner_id": "(%(buyers)s::int[])[1 + b.src %% %(nbuyers)s]",
    "fapiao_type": "b.kind",
    "code": """CASE b.kind WHEN 'vat_special' THEN '3200191130' WHEN 'vat_general' THEN '032001900104'
                WHEN 'vat_roll' THEN '032001900106' WHEN 'e_general' THEN '044001900111'
                WHEN 'e_special' THEN '044001900113' WHEN 'motor_vehicle' THEN '144001924000'
                WHEN 'used_vehicle' THEN '244001924000' END""",
    "number": """CASE WHEN b.kind LIKE 'digital%%' THEN '264420' || lpad(b.g::text, 14, '0')
                  ELSE lpad(b.g::text, 8, '0') END""",
    "issue_date": "b.day",
    "amount_untaxed": "b.amount",
    "amount_tax": "CASE WHEN b.exempt THEN 0 ELSE round(b.amount * b.rate::numeric / 100, 2) END",
    "amount_total": """b.amount + CASE WHEN b.exempt THEN 0
                                   ELSE round(b.amount * b.rate::numeric / 100, 2) END""",
    "tax_rate": "b.rate",
    "tax_exempt": "b.exempt",
    "is_red": "b.red",
    "origin_fapiao_id": "o.fid",
    "red_reference": "CASE WHEN b.red THEN lpad(b.g::text, 20, '7') END",
    "void_date": "CASE WHEN b.void THEN b.day END",
    "state": "CASE WHEN b.void THEN 'void' WHEN b.g %% 33 = 32 THEN 'red_partial' ELSE 'normal' END",
}
# The invoice columns that vary per generated invoice or credit note (k: one per key of bench_move).
MOVE_VARYING = {
    "name": "'BENCH/' || k.key",
    "move_type": "k.move_type",
    "date": "k.day",
    "invoice_date": "k.day",
    "invoice_date_due": "k.day",
    "sequence_prefix": "'BENCH/'",
    "sequence_number": "row_number() OVER (ORDER BY k.key)",
}


def stored_columns(model):
    """The model's own columns, from its fields: what a copy of one of its rows must carry."""
    return [name for name, field in model._fields.items() if field.store and field.column_type]


def copy_rows(cr, model, template_id, varying, source, params):
    """INSERT one row per row of `source` (SQL after FROM, aliases as `varying` uses them), each a
    copy of the template row but for the `varying` columns (column -> SQL expression); the id
    is the table's next unless `varying` gives it."""
    columns = [c for c in stored_columns(model) if c != "id" or c in varying]
    unknown = set(varying) - set(columns)
    if unknown:  # a renamed or removed field: say so rather than copy it silently
        raise RuntimeError(f"bench: {model._name} has no stored field {sorted(unknown)}")
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(varying.get(c, f't."{c}"') for c in columns)
    cr.execute(
        f"""INSERT INTO "{model._table}" ({names})
            SELECT {values} FROM "{model._table}" t, {source} WHERE t.id = %(template)s""",
        {**params, "template": template_id},
    )
    return cr.rowcount


def generate(env, n):
    """N fapiao of one company and month (plus 4 small companies for the multi-worker part)."""
    admin = env.ref("base.user_admin")
    manager = env.ref("invoice_clearing.group_clearing_manager")
    company = env.ref("base.main_company")
    # The period is past its filing deadline and not cleared: invoicing is locked (锁盘) until the
    # clearing; the templates are made with the lock off, then the lock is back on.
    company.write(
        {"name": "Bench Co", "clearing_first_period": PERIOD, "clearing_lock_enabled": False}
    )
    others = env["res.company"].create(
        [{"name": f"Bench MW {c}", "clearing_first_period": PERIOD} for c in "ABCD"]
    )
    admin.write({"group_ids": [(4, manager.id)], "company_ids": [(4, c.id) for c in others]})
    buyers = _buyers(env)
    params = env["ir.config_parameter"]
    for variable, key in (
        ("THRESHOLD", "background_threshold"),
        ("BATCH", "background_batch_size"),
        ("XLSX_PART_ROWS", "xlsx_part_rows"),
    ):
        if os.environ.get(variable):  # e.g. THRESHOLD=20000 to try the background path cheaply
            params.set_param(f"invoice_clearing.{key}", os.environ[variable])
    invoice = _template_invoice(env, company, buyers[0])
    template = _template_fapiao(env, company, buyers[0], uploaded=True)
    company.clearing_lock_enabled = True
    env.flush_all()
    insert_fapiao(env, template, company, buyers, n, invoice)
    for other in others:
        insert_fapiao(env, template, other, buyers, MW_FAPIAO, None, simple=True)
    template.unlink()
    clearings = {}
    for comp in (company, *others):
        clearing = (
            env["invoice.clearing"]
            .with_user(admin)
            .create(
                {
                    "company_id": comp.id,
                    "scope": "period",
                    "date_from": PERIOD,
                    "date_to": PERIOD + relativedelta(day=31),
                    "prepared_by": admin.id,
                }
            )
        )
        _record_filing(env, clearing)
        clearings[comp.name] = clearing.id
    env.flush_all()
    env.cr.execute("ANALYZE")
    return clearings


def _buyers(env):
    return env["res.partner"].create(
        [{"name": f"Buyer {i:04d}", "is_company": True} for i in range(BUYERS)]
    )


def _template_invoice(env, company, buyer):
    """One real posted invoice; the others are copies of its header (the checks read headers)."""
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": buyer.id,
            "invoice_date": PERIOD,
            "company_id": company.id,
            "invoice_line_ids": [(0, 0, {"name": "Goods", "price_unit": 100.0, "tax_ids": []})],
        }
    )
    move.action_post()
    return move


def _template_fapiao(env, company, buyer, uploaded):
    """One fapiao made by the ORM: the row every generated fapiao is copied from (then removed)."""
    return env["invoice.clearing.fapiao"].create(
        {
            "company_id": company.id,
            "partner_id": buyer.id,
            "buyer_vat": BUYER_VAT,
            "fapiao_type": "digital_general",
            "number": "26442099999999999999",
            "issue_date": PERIOD,
            "amount_untaxed": 100.0,
            "amount_tax": 13.0,
            "amount_total": 113.0,
            "tax_rate": 13.0,
            "uploaded": uploaded,
        }
    )


def insert_fapiao(env, template, company, buyers, n, invoice, simple=False):
    """N copies of `template` for `company` in the bench's mix; with `invoice`, their invoices."""
    cr = env.cr
    kind = "'digital_general'" if simple else KIND_MIX
    rate = "13.0" if simple else RATE_MIX
    cr.execute("DROP TABLE IF EXISTS bench_gen")
    cr.execute(
        f"""CREATE TEMP TABLE bench_gen AS
            SELECT g, src, red, kind, rate::float8 AS rate, rate = 0 AS exempt,
                   round((100 + (src::bigint * 7919 %% 1000000) / 100.0)
                         * CASE WHEN red THEN -0.5 ELSE 1 END, 2) AS amount,
                   NOT red AND kind IN ('vat_special', 'vat_general', 'vat_roll')
                       AND g %% 50 = 25 AND (g + 1) %% 33 <> 0 AS void,
                   %(period)s::date + (src %% 28) AS day,
                   nextval(%(sequence)s) AS fid
              FROM (SELECT g, g %% 33 = 0 AS red, CASE WHEN g %% 33 = 0 THEN g - 1 ELSE g END AS src
                      FROM generate_series(1, %(n)s) g) s,
                   LATERAL (SELECT {kind.replace("%", "%%")} AS kind,
                                   {rate.replace("%", "%%")} AS rate) k
          ORDER BY g""",
        {"period": PERIOD, "n": n, "sequence": f"{template._table}_id_seq"},
    )
    copy_rows(
        cr,
        template,
        template.id,
        FAPIAO_VARYING,
        "bench_gen b LEFT JOIN bench_gen o ON b.red AND o.g = b.src",
        {"company": company.id, "buyers": buyers.ids, "nbuyers": len(buyers)},
    )
    if invoice:
        _insert_invoices(env, company, invoice)
    cr.execute("DROP TABLE bench_gen")
    env.invalidate_all()


def _insert_invoices(env, company, invoice):
    """An invoice per two blue fapiao, a credit note per red one; 10% issued outside Odoo."""
    cr = env.cr
    cr.execute(
        """CREATE TEMP TABLE bench_move AS
           SELECT fid, CASE WHEN red THEN 'R' || g ELSE 'I' || (g / 2) END AS key,
                  CASE WHEN red THEN 'out_refund' ELSE 'out_invoice' END AS move_type, day
             FROM bench_gen WHERE red OR g % 10 <> 7"""
    )
    copy_rows(
        cr,
        invoice,
        invoice.id,
        MOVE_VARYING,
        """(SELECT key, min(move_type) AS move_type, min(day) AS day
              FROM bench_move GROUP BY key) k""",
        {},
    )
    cr.execute(
        """UPDATE invoice_clearing_fapiao f SET move_id = m.id
             FROM bench_move b JOIN account_move m ON m.name = 'BENCH/' || b.key
            WHERE f.id = b.fid AND m.company_id = %s""",
        [company.id],
    )
    cr.execute("DROP TABLE bench_move")


def _record_filing(env, clearing):
    """The VAT return figures equal the fapiao summary, so the check passes (票表比对)."""
    groups = (
        env["invoice.clearing.fapiao"]
        .sudo()
        ._read_group(
            [
                ("company_id", "=", clearing.company_id.id),
                ("void_date", "=", False),
                ("clearing_id", "=", False),
            ],
            ["tax_rate"],
            ["amount_untaxed:sum", "amount_tax:sum"],
        )
    )
    env["invoice.clearing.filing.line"].create(
        [
            {
                "clearing_id": clearing.id,
                "tax_rate": rate,
                "amount_untaxed": base,
                "amount_tax": tax,
            }
            for rate, base, tax in groups
        ]
    )
    clearing.filing_date = date.today()


# ----------------------------------------------------------------------------- import phase
def generate_import(env, n):
    """N not-uploaded fapiao of one company and month (bench's mix), the seller's tax ID set."""
    admin = env.ref("base.user_admin")
    company = env.ref("base.main_company")
    company.write({"name": "Bench Co", "vat": IMPORT_SELLER})
    admin.write({"group_ids": [(4, env.ref("invoice_clearing.group_clearing_manager").id)]})
    if os.environ.get("IMPORT_BACKGROUND_BYTES"):  # e.g. 0: every file through the background job
        env["ir.config_parameter"].set_param(
            "invoice_clearing.import_background_bytes", os.environ["IMPORT_BACKGROUND_BYTES"]
        )
    # The clerk who uploads the export through the web client (bench_server.http_import).
    env["res.users"].create(
        {
            "name": "Bench Clerk", "login": "bench_clerk", "password": "bench_clerk",
            "company_id": company.id, "company_ids": [(6, 0, company.ids)],
            "group_ids": [(6, 0, [env.ref("invoice_clearing.group_clearing_user").id,
                                  env.ref("account.group_account_invoice").id])],
        }
    )  # fmt: skip
    buyers = _buyers(env)
    template = _template_fapiao(env, company, buyers[0], uploaded=False)
    env.flush_all()
    insert_fapiao(env, template, company, buyers, n, None)
    template.unlink()
    env.flush_all()
    env.cr.execute("ANALYZE")


def import_files(env, n, directory):
    """The bureau's export of the month (xlsx and UTF-8 / GB18030 CSV), written once, not timed.
    Returns {file name: size}."""
    from odoo.addons.invoice_clearing.demo import bureau_export_file as bureau_export

    env.cr.execute(
        """SELECT f.code, f.number, f.fapiao_type AS kind, f.buyer_vat, p.name AS buyer_name,
                  f.issue_date + time '10:30' AS issue_date, f.amount_untaxed, f.amount_tax,
                  f.amount_total, f.state, f.is_red
             FROM invoice_clearing_fapiao f JOIN res_partner p ON p.id = f.partner_id
            WHERE f.company_id = %s ORDER BY f.id""",
        [env.ref("base.main_company").id],
    )
    columns = [column.name for column in env.cr.description]
    rows = [
        bureau_export.row_from_fapiao(
            **dict(zip(columns, values, strict=True)),
            seller_vat=IMPORT_SELLER,
            seller_name="Bench Co",
            source="电子发票服务平台",
            risk="正常",
        )
        for values in env.cr.fetchall()
    ]
    assert len(rows) == n, len(rows)
    directory.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, data in (
        ("export.csv", bureau_export.write_export_csv(rows, "utf-8-sig")),
        ("export-gb18030.csv", bureau_export.write_export_csv(rows, "gb18030")),
        ("export.xlsx", bureau_export.write_export_xlsx(rows)),
    ):
        (directory / name).write_bytes(data)
        sizes[name] = len(data)
    return sizes
