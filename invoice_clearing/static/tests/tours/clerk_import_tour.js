import { registry } from "@web/core/registry";
import { inputFiles } from "@web/../tests/utils";

/**
 * A clearing user (开票员, in Chinese) imports last month's 全量发票查询 export shipped with the
 * demo and reads the outcomes: every fapiao matched, one fapiao known to the bureau only.
 */
registry.category("web_tour.tours").add("invoice_clearing_clerk_import", {
    steps: () => [
        {
            content: "Open the Fapiao Clearing menu",
            trigger: ".o_menu_sections .dropdown-toggle:contains(发票清卡)",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item:contains(导入全量发票查询)",
            run: "click",
        },
        {
            content: "Upload the export file",
            trigger: ".modal .o_field_binary",
            async run() {
                const response = await fetch("/web/content/invoice_clearing.demo_bureau_export");
                const file = new File([await response.blob()], "全量发票查询.xlsx", {
                    type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                });
                await inputFiles(".modal .o_field_binary input[type=file]", [file]);
            },
        },
        {
            content: "The file is attached (its delete button shows)",
            trigger: ".modal .o_field_binary .o_clear_file_button",
        },
        {
            content: "Import and reconcile",
            trigger: ".modal button[name=action_import]",
            run: "click",
        },
        {
            content: "The outcomes are counted at the top",
            trigger: "button[name=action_open_matched]:contains(一致) .o_stat_value:not(:contains(0))",
        },
        {
            trigger: "button[name=action_open_bureau_only]:contains(仅税务局有) .o_stat_value:contains(1)",
        },
        {
            content: "Open the fapiao known to the bureau only",
            trigger: "button[name=action_open_bureau_only]",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains(904.00)",
        },
    ],
});
