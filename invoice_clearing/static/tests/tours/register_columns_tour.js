import { registry } from "@web/core/registry";

/**
 * A clerk (working in Chinese) reads the fapiao register: the whole 20-digit 数电 number, the
 * whole fapiao code and every column title are shown, none cut with an ellipsis.
 */
function assertNotCut(selector) {
    const cells = [...document.querySelectorAll(selector)];
    if (!cells.length) {
        throw new Error(`Nothing matches ${selector}`);
    }
    for (const cell of cells) {
        const text = cell.querySelector("span") || cell;
        if (cell.scrollWidth > cell.clientWidth || text.scrollWidth > text.clientWidth) {
            throw new Error(
                `Cut in the register: ${selector} "${cell.textContent.trim()}" ` +
                    `(${text.scrollWidth} px in ${text.clientWidth} px)`
            );
        }
    }
}

registry.category("web_tour.tours").add("invoice_clearing_register_columns", {
    steps: () => [
        {
            content: "The register lists 数电 fapiao",
            trigger: ".o_data_row .o_data_cell[name=number]:contains(/^\\d{20}$/)",
        },
        {
            content: "Numbers, codes and column titles are shown whole",
            trigger: ".o_list_table",
            run() {
                assertNotCut(".o_data_row .o_data_cell[name=number]");
                assertNotCut(".o_data_row .o_data_cell[name=code]");
                for (const name of ["code", "number", "issue_date", "rates_label", "uploaded"]) {
                    assertNotCut(`th[data-name=${name}] span.text-truncate`);
                }
            },
        },
    ],
});
