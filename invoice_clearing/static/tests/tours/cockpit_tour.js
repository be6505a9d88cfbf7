import { registry } from "@web/core/registry";

const today = new Date();
const month = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}`;
const card = `.o_kanban_record:contains(${month} · 上海云杉贸易有限公司)`;

/**
 * A clearing manager opens the period overview (月结看板), the menu's landing page: every month
 * of the demo company is a card in its status column with its deadline; the current month is
 * open. Check runs the precondition check on a new draft clearing of the month, and the card
 * shows what blocks it.
 */
registry.category("web_tour.tours").add("invoice_clearing_cockpit", {
    url: "/odoo/action-invoice_clearing.action_invoice_clearing_period",
    steps: () => [
        {
            content: "The periods are grouped by status",
            trigger: ".o_kanban_renderer.o_kanban_grouped .o_kanban_group",
        },
        {
            content: "The current month's card, with its filing deadline",
            trigger: `${card} .o_period_deadline:contains(${today.getFullYear() + (today.getMonth() === 11 ? 1 : 0)})`,
        },
        {
            content: "Check the current month",
            trigger: `${card} button.o_period_check`,
            run: "click",
        },
        {
            content: "One notification says how the check came out",
            trigger: `.o_notification:contains(${month})`,
        },
        {
            content: "The card now shows its blocking problems",
            trigger: `${card} .badge.text-bg-danger`,
        },
    ],
});
