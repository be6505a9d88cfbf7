import { registry } from "@web/core/registry";

/** The number shown in `element` (currency symbol and thousands separators dropped). */
function amount(element) {
    return Number(element.textContent.replace(/[^\d.-]/g, ""));
}

/** The list's footer total of the column `name` of the tie-out lines. */
function total(list, name) {
    const headers = [...list.querySelectorAll("thead th")];
    const index = headers.findIndex((th) => th.dataset.name === name);
    if (index < 0) {
        throw new Error(`No column ${name} in the tie-out list`);
    }
    return amount(list.querySelectorAll("tfoot td")[index]);
}

/**
 * A clerk (working in Chinese) opens last month's clearing, ready to clear in the demo, and
 * reads its 账票表 tie-out: the ledger (账), the fapiao (票) and the filing (表) per rate, and
 * the explained differences; the fapiao column adds up to the clearing's net amount.
 */
registry.category("web_tour.tours").add("invoice_clearing_tieout", {
    steps: () => [
        {
            content: "Open last month's clearing",
            trigger: ".o_data_row:contains(草稿) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "Open the tie-out tab",
            trigger: ".o_notebook .nav-link:contains(账票表核对)",
            run: "click",
        },
        {
            content: "One row per rate, with the three sources as columns",
            trigger: ".o_field_widget[name=tieout_line_ids] .o_data_row:contains(13)",
        },
        {
            trigger: ".o_field_widget[name=tieout_line_ids] thead:contains(账面销售额):contains(开票销售额):contains(申报销售额)",
        },
        {
            trigger: ".o_field_widget[name=tieout_line_ids] thead:contains(未开票收入):contains(未解释差异)",
        },
        {
            content: "The figures tie out: fapiao = the clearing's net amount, nothing unexplained",
            trigger: ".o_field_widget[name=tieout_line_ids] tfoot",
            run() {
                const list = document.querySelector(".o_field_widget[name=tieout_line_ids]");
                const net = amount(document.querySelector(".o_field_widget[name=amount_untaxed]"));
                const fapiao = total(list, "fapiao_amount");
                const ledger = total(list, "ledger_amount");
                const filing = total(list, "filing_amount");
                const unbilled = total(list, "unbilled_amount");
                const unexplained = total(list, "unexplained_amount");
                if (!net || Math.abs(fapiao - net) > 0.001 || Math.abs(filing - net) > 0.001) {
                    throw new Error(`fapiao ${fapiao} / filing ${filing} ≠ net amount ${net}`);
                }
                if (!unbilled || Math.abs(ledger - fapiao - unbilled) > 0.001 || unexplained) {
                    throw new Error(`ledger ${ledger} ≠ fapiao ${fapiao} + unbilled ${unbilled}`);
                }
            },
        },
        {
            content: "A rate's line opens with every bucket",
            trigger: ".o_field_widget[name=tieout_line_ids] .o_data_row:contains(13) .o_data_cell[name=ledger_amount]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=month_amount]",
        },
        {
            trigger: ".modal .o_form_view:contains(尾差)",
        },
    ],
});
