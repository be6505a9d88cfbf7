import { registry } from "@web/core/registry";

/**
 * A clearing manager opens the demo's pending red-letter confirmation form (红字确认单), sees its
 * 72-hour clock and records that the buyer confirmed it (in Chinese, as the other tours).
 */
registry.category("web_tour.tours").add("invoice_clearing_red_confirmation", {
    steps: () => [
        {
            content: "Open the pending form",
            trigger: ".o_data_row:has(.badge:contains(待确认)) td[name=name]",
            run: "click",
        },
        {
            content: "Its 72 hours are counting down",
            trigger: ".alert-warning:contains(小时）作废)",
        },
        {
            content: "The buyer confirmed it on the platform",
            trigger: "button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(已确认)",
        },
    ],
});
