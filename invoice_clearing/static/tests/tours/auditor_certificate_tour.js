import { registry } from "@web/core/registry";

/**
 * An auditor (审计, working in Chinese) opens the cleared month: it is read-only, its
 * certificate (清卡凭证) is attached and printable, and its integrity verifies.
 */
registry.category("web_tour.tours").add("invoice_clearing_auditor_certificate", {
    steps: () => [
        {
            content: "Open the cleared clearing",
            trigger: ".o_data_row:contains(已清卡) .o_data_cell[name=name]",
            run: "click",
        },
        {
            trigger: ".o_form_view .ribbon:contains(已清卡)",
        },
        {
            content: "Nothing to clear, cancel or reopen for an auditor",
            trigger: ".o_form_view:not(:has(button[name=action_approve_web])):not(:has(button[name=action_cancel]))",
        },
        {
            content: "The certificate PDF is attached to the clearing",
            trigger: ".o_notebook .nav-link:contains(完整性)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=certificate_id]:contains(.pdf)",
        },
        {
            content: "Both reports are in the print menu",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item:contains(打印)",
            run: "hover && click",
        },
        {
            trigger: ".o-dropdown-item:contains(清卡凭证)",
        },
        {
            trigger: ".o-dropdown-item:contains(开票汇总表)",
        },
        {
            content: "Close the menu",
            trigger: ".o_form_view .o_notebook",
            run: "click",
        },
        {
            content: "Verify the hash chain",
            trigger: "button[name=action_verify_integrity]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains(完整性校验通过)",
        },
    ],
});
