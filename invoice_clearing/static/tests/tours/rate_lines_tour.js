import { registry } from "@web/core/registry";

const NUMBER = "26312000000066666666";

/**
 * A clearing user (开票员, in Chinese) registers the one 数电 fapiao of an invoice at 13 % and 6 %:
 * the same number on both lines of the wizard, then the fapiao shows its rate lines (税率明细);
 * a corrected line is tracked in the fapiao's chatter.
 */
registry.category("web_tour.tours").add("invoice_clearing_rate_lines", {
    steps: () => [
        {
            content: "Register the invoice's fapiao",
            trigger: ".o_form_view button[name=action_register_fapiao]",
            run: "click",
        },
        {
            content: "One line per rate: 13 % first",
            trigger: ".modal .o_data_row:nth-child(1) td[name=number]",
            run: "click",
        },
        {
            content: "The fapiao's number on the 13 % line",
            trigger: ".modal .o_data_row:nth-child(1) td[name=number] input",
            run: `edit ${NUMBER}`,
        },
        {
            content: "Then the 6 % line",
            trigger: ".modal .o_data_row:nth-child(2) td[name=number]",
            run: "click",
        },
        {
            content: "The same number: one fapiao with both rates",
            trigger: ".modal .o_data_row:nth-child(2) td[name=number] input",
            run: `edit ${NUMBER}`,
        },
        {
            content: "Register",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The wizard is closed: the invoice's fapiao are listed",
            trigger: `body:not(:has(.modal)) .o_list_view .o_data_row:contains(${NUMBER})`,
        },
        {
            content: "The register shows both rates of the fapiao",
            trigger: `.o_list_view .o_data_row:contains(${NUMBER}) .o_data_cell[name=rates_label]:contains(13% / 6%)`,
        },
        {
            content: "Filter the register on fapiao with several rates",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Several Rates (多税率)",
            trigger: ".o_filter_menu .o_menu_item:contains(多税率)",
            run: "click",
        },
        {
            content: "Close the filter menu",
            trigger: ".o_searchview_facet:contains(多税率)",
            run() {
                document.querySelector(".o_searchview_dropdown_toggler").click();
            },
        },
        {
            content: "The fapiao is still listed under the filter",
            trigger: `body:not(:has(.o_filter_menu)) .o_list_view .o_data_row:contains(${NUMBER})`,
        },
        {
            content: "The invoice has one fapiao: open it",
            trigger: `.o_list_view .o_data_row:contains(${NUMBER}) .o_data_cell[name=number]`,
            run: "click",
        },
        {
            content: "Its form is open, with its rate lines (税率明细)",
            trigger: ".o_form_view .o_field_widget[name=rate_line_ids] .o_data_row",
        },
        {
            content: "Its rate lines show 13 %",
            trigger: ".o_form_view .o_field_widget[name=rate_line_ids] .o_data_row:contains(13.00):contains(1,000.00)",
        },
        {
            content: "and 6 %: correct its amount",
            trigger: ".o_form_view .o_field_widget[name=rate_line_ids] .o_data_row:contains(6.00):contains(200.00) td[name=amount_untaxed]",
            run: "click",
        },
        {
            content: "The 6 % line's amount becomes 300",
            trigger: ".o_form_view .o_field_widget[name=rate_line_ids] .o_selected_row td[name=amount_untaxed] input",
            run: "edit 300",
        },
        {
            content: "and its tax 18",
            trigger: ".o_form_view .o_field_widget[name=rate_line_ids] .o_selected_row td[name=amount_tax] input",
            run: "edit 18",
        },
        {
            content: "The fapiao's amount follows (1,000 + 300)",
            trigger: ".o_form_view .o_field_widget[name=amount_untaxed] input",
            run: "edit 1300",
        },
        {
            content: "its tax (130 + 18)",
            trigger: ".o_form_view .o_field_widget[name=amount_tax] input",
            run: "edit 148",
        },
        {
            content: "and its total",
            trigger: ".o_form_view .o_field_widget[name=amount_total] input",
            run: "edit 1448",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "The chatter tracks the rate lines' amounts (税率明细金额), old and new",
            trigger: ".o-mail-Message-tracking:has(.o-mail-Message-trackingField:contains(税率明细金额)):has(.o-mail-Message-trackingOld:contains(6%: 200.00 + 12.00)):has(.o-mail-Message-trackingNew:contains(6%: 300.00 + 18.00))",
        },
    ],
});
