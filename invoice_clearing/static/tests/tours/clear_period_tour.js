import { registry } from "@web/core/registry";

/**
 * A clearing manager (working in Chinese, like the demo's users) clears last month, prepared
 * with its VAT filing in the demo data: open it, read the clearing notes (清卡须知), check,
 * review the summary, clear, confirm the password.
 */
registry.category("web_tour.tours").add("invoice_clearing_clear_period", {
    url: "/odoo/action-invoice_clearing.action_invoice_clearing",
    steps: () => [
        {
            content: "Open last month's draft clearing",
            trigger: ".o_data_row:contains(草稿) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "The clearing notes (清卡须知) are shown before clearing",
            trigger: ".alert-info:contains(清卡须知)",
        },
        {
            content: "Run the precondition check",
            trigger: "button[name=action_check]",
            run: "click",
        },
        {
            content: "Warnings are listed, nothing blocks",
            trigger: ".o_field_widget[name=problem_ids] .o_data_row:contains(警告)",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name=problem_ids] .o_data_row:contains(阻止)))",
        },
        {
            content: "Review the summary per kind and rate",
            trigger: ".o_notebook .nav-link:contains(汇总)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=summary_line_ids] .o_data_row:contains(13)",
        },
        {
            content: "Clear",
            trigger: "button[name=action_approve_web]",
            run: "click",
        },
        {
            content: "Confirm that clearing cannot be undone",
            trigger: ".modal:contains(不可撤销) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Odoo asks for the password",
            trigger: ".modal input[type=password]",
            run: "edit admin",
        },
        {
            trigger: ".modal-footer button:contains(确认密码)",
            run: "click",
        },
        {
            content: "The clearing is cleared, with its hash",
            trigger: ".o_form_view .ribbon:contains(已清卡)",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(已清卡)",
        },
        {
            content: "Its certificate is rendered after the clearing was saved: being prepared",
            trigger: ".o_form_view .o_invoice_clearing_certificate_pending:contains(清卡凭证)",
        },
        {
            trigger: ".o_notebook .nav-link:contains(完整性)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=hash] span:not(:empty)",
        },
    ],
});
