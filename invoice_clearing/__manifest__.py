# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "Fapiao Clearing (发票清卡)",
    "summary": "Monthly fapiao clearing (清卡) for Chinese companies: register, checks, "
    "approval, frozen periods, certificates and bureau reconciliation",
    "version": "19.0.1.0.0",
    "category": "Accounting/Localizations",
    "license": "LGPL-3",
    "author": "invoice_clearing developers",
    "website": "https://github.com/invoice-clearing/invoice_clearing",
    "depends": ["account", "mail"],
    "external_dependencies": {"python": ["python-stdnum", "openpyxl"]},
    "data": [
        "security/invoice_clearing_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/invoice_clearing_deadline_data.xml",
        "data/ir_cron_data.xml",
        "views/invoice_clearing_fapiao_views.xml",
        "views/account_move_views.xml",
        "wizards/invoice_clearing_reopen_views.xml",
        "views/invoice_clearing_views.xml",
        "views/invoice_clearing_deadline_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/invoice_clearing_fapiao_register_views.xml",
        "views/invoice_clearing_menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["invoice_clearing/static/tests/tours/*.js"],
    },
    "demo": [
        "demo/res_company_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/invoice_clearing_demo.xml",
    ],
}
