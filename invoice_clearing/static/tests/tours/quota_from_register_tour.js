import { registry } from "@web/core/registry";

/**
 * A clearing manager (working in Chinese) looks at this month's invoicing quota (授信额度) from
 * the fapiao register:
 * granted, used and remaining with a progress bar, then the fapiao that used it.
 */
registry.category("web_tour.tours").add("invoice_clearing_quota_from_register", {
    steps: () => [
        {
            content: "The register offers the quota",
            trigger: "button:contains(授信额度)",
            run: "click",
        },
        {
            content: "This month's quota, with its usage as a progress bar",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=usage_percent] .o_progressbar",
        },
        {
            trigger: ".o_list_view .o_data_row .o_data_cell[name=amount_granted]",
            run: "click",
        },
        {
            content: "The form shows what is used and what remains",
            trigger: ".o_form_view .o_field_widget[name=amount_remaining]",
        },
        {
            trigger: ".o_form_view .alert-warning:contains(额度即将用完)",
        },
        {
            content: "The fapiao that used it",
            trigger: "button[name=action_open_fapiao]",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row",
        },
    ],
});
