"""Pure tests of the reconciliation engine (tools/reconcile.py): rows × register → outcomes."""

import time
from datetime import date
from decimal import Decimal

from ..tools import reconcile
from ..tools.bureau_export import ExportRow, excel_rounded
from ..tools.rule_error import RuleMessage
from .tools_case import ToolsCase, parametrize

SELLER = "91350100M000100Y43"
BUYER = "91110000600037341L"
FROM, TO = date(2026, 10, 1), date(2026, 10, 31)
DAY = date(2026, 10, 15)
DIGITAL = "26442000000000000001"


def row(digital=DIGITAL, total="113.00", line=4, **overrides):
    total = Decimal(total)
    values = {
        "sheet": "发票基础信息",
        "row": line,
        "code": "",
        "number": "",
        "digital_number": digital,
        "seller_vat": SELLER,
        "seller_name": "福州测试科技有限公司",
        "buyer_vat": BUYER,
        "buyer_name": "北京买方(中国)有限公司",
        "issue_date": DAY,
        "amount_untaxed": (total / Decimal("1.13")).quantize(Decimal("0.01")),
        "amount_tax": total - (total / Decimal("1.13")).quantize(Decimal("0.01")),
        "amount_total": total,
        "status": "normal",
        "is_red": total < 0,
        "kind": "digital_general",
    }
    values.update(overrides)
    return ExportRow(**values)


def fapiao(id_, number=DIGITAL, total="113.00", **overrides):
    exported = row(number, total)
    values = {
        "id": id_,
        "code": None,
        "number": number,
        "kind": "digital_general",
        "issue_date": DAY,
        "amount_untaxed": reconcile.in_cents(exported.amount_untaxed),
        "amount_tax": reconcile.in_cents(exported.amount_tax),
        "amount_total": reconcile.in_cents(exported.amount_total),
        "tax_rate": 13.0,
        "state": "normal",
        "is_red": exported.is_red,
        "buyer_vat": BUYER,
        "uploaded": False,
        "clearing_id": None,
        "partner_id": 7,
        "in_period": True,
    }
    values.update(overrides)
    return reconcile.RegisterFapiao(**values)


def run(rows, register):
    return reconcile.reconcile(rows, register, SELLER, FROM, TO)


class TestReconcile(ToolsCase):
    """Outcomes, messages (codes and parameters), flags to write and errors."""

    def test_matched_marks_uploaded(self):
        result = run([row()], [fapiao(1)])
        [line] = result.lines
        assert (line.outcome, line.resolved, line.fapiao_id) == ("matched", True, 1)
        assert line.message == ()
        assert (result.to_mark, result.to_unmark, result.errors) == ([1], [], [])

    def test_legacy_number_matches_by_code_and_number(self):
        exported = row("", code="3200191130", number="01234567", kind="vat_special")
        register = [fapiao(1, "01234567", code="3200191130", kind="vat_special"),
                    fapiao(2, "01234567", code="3200191131", kind="vat_special")]  # fmt: skip
        result = run([exported], register)
        assert result.lines[0].fapiao_id == 1
        assert [line.fapiao_id for line in result.lines[1:]] == [2]  # odoo_only

    @parametrize(
        "uploaded, clearing_id, marked",
        [(False, None, [1]), (True, None, []), (False, 9, []), (True, 9, [])],
    )
    def test_only_open_not_uploaded_fapiao_are_marked(self, uploaded, clearing_id, marked):
        result = run([row()], [fapiao(1, uploaded=uploaded, clearing_id=clearing_id)])
        assert result.to_mark == marked

    @parametrize(
        "uploaded, clearing_id, unmarked",
        [(True, None, [2]), (False, None, []), (True, 9, [])],
    )
    def test_missing_fapiao_is_odoo_only(self, uploaded, clearing_id, unmarked):
        missing = fapiao(2, "26442000000000000002", uploaded=uploaded, clearing_id=clearing_id,
                         code=None)  # fmt: skip
        result = run([row()], [fapiao(1), missing])
        line = result.lines[1]
        assert (line.outcome, line.fapiao_id, line.buyer_partner_id) == ("odoo_only", 2, 7)
        assert line.message == (("odoo_only", {"fapiao": "26442000000000000002"}),)
        assert result.to_unmark == unmarked

    def test_fapiao_outside_the_period_is_not_odoo_only(self):
        result = run([row()], [fapiao(1), fapiao(2, "26442000000000000002", in_period=False)])
        assert [line.outcome for line in result.lines] == ["matched"]

    def test_unknown_number_is_bureau_only(self):
        result = run([row("26442000000000000009")], [])
        assert result.lines[0].outcome == "bureau_only"
        assert result.bureau_only == result.lines
        assert not result.lines[0].resolved

    def test_other_seller_is_rejected_but_kept(self):
        result = run([row(seller_vat=BUYER, seller_name="别家")], [fapiao(1)])
        line = result.lines[0]
        assert (line.outcome, line.resolved) == ("other_seller", True)
        assert line.message == (("other_seller", {"seller": "别家", "vat": BUYER}),)
        assert result.lines[1].outcome == "odoo_only"  # its number is not this seller's

    def test_status_mismatch(self):
        result = run([row(status="void")], [fapiao(1)])
        line = result.lines[0]
        assert line.outcome == "status_mismatch"
        assert line.message == (("status", {"bureau": "void", "bureau_red": False,
                                               "odoo": "normal", "odoo_red": False}),)  # fmt: skip
        assert result.to_mark == [1]  # the bureau knows it: it is uploaded

    def test_amount_mismatch_lists_each_difference(self):
        register = [fapiao(1, amount_total=11400, amount_tax=1400)]
        line = run([row()], register).lines[0]
        assert line.outcome == "amount_mismatch"
        [(code, params)] = line.message
        assert code == "amounts"
        assert params["differences"] == [
            ("amount_tax", Decimal("13.00"), 14.0),
            ("amount_total", Decimal("113.00"), 114.0),
        ]

    @parametrize(
        "amount, cents", [("113.00", 11300), ("0.005", 1), ("-0.005", -1), ("-113.1", -11310)]
    )
    def test_in_cents_rounds_half_up_as_the_register_query(self, amount, cents):
        assert reconcile.in_cents(Decimal(amount)) == cents

    def test_odoo_only_line_amounts_are_decimal(self):
        result = run([], [fapiao(1, total="-113.00")])
        assert result.lines[0].amount_total == Decimal("-113.00")

    def test_buyer_or_date_mismatch(self):
        line = run([row()], [fapiao(1, buyer_vat=None)]).lines[0]
        assert line.outcome == "data_mismatch"
        assert line.message[0][1]["odoo_vat"] == "—"

    def test_row_outside_the_period_is_an_error(self):
        result = run([row(issue_date=date(2026, 9, 30), line=7)], [fapiao(1)])
        [(code, params)] = result.errors
        assert (code, params["row"], params["from"], params["to"]) == (
            "outside_period", 7, FROM, TO)  # fmt: skip

    def test_excel_rounded_number_found_by_total_and_date(self):
        rounded = excel_rounded(DIGITAL)
        register = [fapiao(1), fapiao(2, "26442000000000000002", total="50.00")]
        result = run([row("", rounded_number=rounded)], register)
        line = result.lines[0]
        assert (line.outcome, line.number, line.fapiao_id) == ("matched", DIGITAL, 1)
        assert line.message[0][0] == "rounded"

    def test_excel_rounded_number_ambiguous_is_an_error(self):
        rounded = excel_rounded(DIGITAL)
        register = [fapiao(1), fapiao(2, "26442000000000000002")]  # same rounding, total, date
        result = run([row("", rounded_number=rounded)], register)
        assert result.errors[0][0] == "rounded_unknown"
        assert result.errors[0][1]["count"] == 2

    def test_linear_in_the_rows(self):
        n = 20_000
        numbers = [f"264420{i:014d}" for i in range(n)]
        register = [fapiao(i, number) for i, number in enumerate(numbers, start=1)]
        rows = [row(number, line=i) for i, number in enumerate(numbers, start=4)]
        start = time.perf_counter()
        result = run(rows, register)
        elapsed = time.perf_counter() - start
        assert len(result.to_mark) == n
        assert elapsed < 5, elapsed  # ~0.1 s; a quadratic engine takes minutes


class TestPropose(ToolsCase):
    """Candidate invoices of bureau-only lines."""

    def lines(self, *rows):
        return run(list(rows), []).bureau_only

    def move(self, id_, total="113.00", refund=False, day=DAY, partner=70):
        return reconcile.Move(id_, BUYER, Decimal(total), refund, day, partner)

    def test_single_candidate_is_preselected(self):
        lines = self.lines(row())
        reconcile.propose(lines, [self.move(5), self.move(6, "90.00")], {})
        line = lines[0]
        assert (line.candidate_move_ids, line.move_id, line.partner_id) == ((5,), 5, 70)
        assert line.message == (("proposal_one", {}),)

    def test_same_day_wins_over_other_days(self):
        lines = self.lines(row())
        reconcile.propose(lines, [self.move(5, day=date(2026, 10, 3)), self.move(6)], {})
        assert lines[0].candidate_move_ids == (6,)

    def test_several_candidates_are_offered(self):
        lines = self.lines(row())
        reconcile.propose(lines, [self.move(5), self.move(6)], {})
        assert (lines[0].candidate_move_ids, lines[0].move_id) == ((5, 6), None)
        assert lines[0].message == (("proposal_many", {"count": 2}),)

    def test_red_letter_row_takes_a_credit_note(self):
        lines = self.lines(row(total="-113.00"))
        reconcile.propose(lines, [self.move(5), self.move(6, refund=True)], {})
        assert lines[0].candidate_move_ids == (6,)

    def test_no_candidate_falls_back_to_the_partner_of_the_tax_id(self):
        lines = self.lines(row(), row("26442000000000000002", buyer_vat="", line=5))
        reconcile.propose(lines, [], {BUYER: 80})
        assert (lines[0].candidate_move_ids, lines[0].partner_id) == ((), 80)
        assert lines[0].message == (("proposal_none", {}),)
        assert (lines[1].message, lines[1].partner_id) == ((), None)  # no buyer tax ID


ZH = {
    "%(label)s: bureau %(bureau)s, Odoo %(odoo)s": "%(label)s：税务局 %(bureau)s，Odoo %(odoo)s",
    "Tax (税额)": "税额",
    "Total (价税合计)": "价税合计",
    " (red-letter)": "（红字）",
}


class TestReconcileMessages(ToolsCase):
    """The engine's messages are RuleMessages, rendered late in the caller's language."""

    def test_status_with_the_registers_labels(self):
        [message] = run([row(status="void", is_red=True)], [fapiao(1)]).lines[0].message
        assert isinstance(message, RuleMessage)
        context = {"state_labels": {"normal": "正常"}}
        assert message.render(lambda source: ZH.get(source, source), context) == (
            "Status at the bureau: 已作废（红字）; in Odoo: 正常. Void the fapiao in Odoo or issue "
            "a red-letter credit note, or accept Odoo's status after checking with the bureau."
        )

    def test_each_amount_in_the_callers_language(self):
        register = [fapiao(1, amount_total=11400, amount_tax=1400)]
        [message] = run([row()], register).lines[0].message
        assert (
            message.render()
            == "Tax (税额): bureau 13.00, Odoo 14.0; Total (价税合计): bureau 113.00, Odoo 114.0"
        )
        assert message.render(lambda source: ZH.get(source, source)) == (
            "税额：税务局 13.00，Odoo 14.0; 价税合计：税务局 113.00，Odoo 114.0"
        )

    def test_the_company_comes_from_the_context(self):
        line = run([row(seller_vat=BUYER, seller_name="别家")], []).lines[0]
        context = {"company": "福州测试", "company_vat": SELLER}
        assert [message.render(None, context) for message in line.message] == [
            f"The seller of this fapiao is 别家 ({BUYER}), not 福州测试 ({SELLER}): the row is "
            "not imported."
        ]

    def test_errors_name_sheet_and_row(self):
        result = run([row(issue_date=date(2026, 9, 30), line=7)], [fapiao(1)])
        assert [error.render() for error in result.errors] == [
            "Sheet 发票基础信息, row 7: fapiao 26442000000000000001 was issued on 2026-09-30, "
            "outside the period 2026-10-01 – 2026-10-31. Import the export of that period, or "
            "choose the period the file covers."
        ]

    def test_proposals(self):
        moves = [reconcile.Move(5, BUYER, Decimal("113.00"), False, DAY, 9)]
        line = reconcile.row_line(row(digital="26442000000000000003"))
        reconcile.propose([line], moves, {})
        assert [message.render() for message in line.message] == [
            "Not in the register. Create the fapiao and link it to the invoice proposed "
            "(same buyer, total and date)."
        ]
