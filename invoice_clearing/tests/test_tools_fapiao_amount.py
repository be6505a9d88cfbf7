"""Pure tests of fapiao amount identities and the red-letter state (no database)."""

from decimal import Decimal

from ..tools import fapiao_amount as fa
from ..tools.rule_error import FapiaoRuleError
from .tools_case import ToolsCase, parametrize


def fields_of(problems):
    return [problem.field for problem in problems]


class TestFapiaoAmount(ToolsCase):
    """Amount identities and the red-letter state."""

    def assert_problem(self, args, field, texts, **kwargs):
        """`check_amounts(*args)` reports a problem about `field` naming every text, and
        `assert_amounts` raises one."""
        problems = fa.check_amounts(*args, **kwargs)
        matching = [p for p in problems if p.field == field]
        assert matching, f"no {field} problem in {[str(p) for p in problems]}"
        for text in texts:
            assert any(text in str(p) for p in matching), f"{text!r} not in {matching}"
        with self.assertRaises(FapiaoRuleError) as caught:
            fa.assert_amounts(*args, **kwargs)
        assert caught.exception is not None
        return matching[0]

    # --- consistent fapiao -------------------------------------------------------------------------

    @parametrize(
        "args",
        [
            (100, 13, 113, 13.0, False),
            ("1000.00", "90.00", "1090.00", 9.0, False),
            (Decimal("1234.56"), Decimal("74.07"), Decimal("1308.63"), 6.0, False),
            (1234.56, 74.07, 1308.63, 6, False),
            (10000, 500, 10500, 5, False),
            (970.87, 29.13, 1000, 3.0, False),  # simplified 3%
            (10000, 150, 10150, 1.5, False),  # housing rental relief
            (990.1, 9.9, 1000, 1.0, False),
            (10000, 50, 10050, 0.5, False),  # used-car dealers
            (200, 0, 200, 0.0, False),  # 0% (export)
            (100, 13.06, 113.06, 13.0, False),  # 0.06 off: rounding of several lines
            (100, 12.94, 112.94, 13.0, False),
            (100, 13, 113.01, 13.0, False),  # 0.01 off between sum and total
            (0.04, 0, 0.04, 13.0, False),  # so small that the tax rounds to 0
            ("1,130.00", "0", "1,130.00", "0", False),  # thousands separators
            (
                " １００ ",
                "１３",
                "１１３",
                "13%",
                False,
            ),  # full-width input, rate with a percent sign
            (100, 13, 113, 0.13 * 100, False),  # float noise: 13.000000000000002
            (-100, -13, -113, 13.0, True),
            (-50, -6.5, -56.5, 13.0, True),  # partial reversal
            (-100, -17, -117, 17.0, True),  # old rates on red-letter fapiao reversing old ones
            (-100, -16, -116, 16.0, True),
            (-100, -11, -111, 11.0, True),
            (-100, -10, -110, 10.0, True),
            (-100, 0, -100, 0.0, True),  # red at 0%: zero tax
            (-0.4, 0, -0.4, 1.0, True),  # red whose tax rounds to 0
            (500, 0, 500, 0, False, True),  # exempt (免税)
            (500, 0, 500, 3, False, True),  # exempt with the rate it would have had
            (-500, 0, -500, 0, True, True),  # red exempt
        ],
    )
    def test_consistent_amounts(self, args):
        assert fa.check_amounts(*args) == []
        fa.assert_amounts(*args)

    def test_keywords_and_defaults(self):
        assert fa.check_amounts(
            amount_untaxed=500, amount_tax=0, amount_total=500, tax_rate=0, is_red=False,
            tax_exempt=True,
        ) == []  # fmt: skip
        assert fa.check_amounts(None, None, 0, None, False) != []

    # --- each rule ---------------------------------------------------------------------------------

    @parametrize(
        ("args", "texts"),
        [
            ((100, 13, 114, 13.0, False), ["100.00", "13.00", "= 113.00", "114.00", "价税合计"]),
            ((100, 13, 112.98, 13.0, False), ["112.98"]),
            (("100", "13", "113.02", 13.0, False), ["113.02"]),
            ((-100, -13, -112, 13.0, True), ["-100.00", "-13.00", "-113.00", "-112.00"]),
        ],
    )
    def test_sum_must_equal_total(self, args, texts):
        self.assert_problem(args, "amount_total", texts)

    @parametrize(
        ("args", "texts"),
        [
            ((100, 20, 120, 13.0, False), ["20.00", "100.00", "13%", "= 13.00", "by 7.00", "0.06"]),
            ((100, 13.07, 113.07, 13.0, False), ["13.07", "by 0.07"]),
            ((100, 12.93, 112.93, 13.0, False), ["12.93"]),
            ((1000, 13, 1013, 1.5, False), ["1.5%", "= 15.00"]),
            ((100, 13, 113, 0, False), ["0%", "= 0.00"]),
            ((-100, -9, -109, 13.0, True), ["-9.00", "-100.00", "= -13.00"]),
            ((100, 13, 113, 6.0, False), ["6%", "= 6.00", "tax rate"]),
        ],
    )
    def test_tax_must_match_rate(self, args, texts):
        self.assert_problem(args, "amount_tax", texts)

    @parametrize(
        "args",
        [
            (500, 15, 515, 3, False),
            (500, 0.01, 500.01, 0, False),
            (-500, -15, -515, 3, True),
        ],
    )
    def test_exempt_fapiao_has_no_tax(self, args):
        problem = self.assert_problem(
            args, "amount_tax", ["免税", "不征税", "***"], tax_exempt=True
        )
        assert str(problem.params["tax"]) in str(problem)
        # The same fapiao without exemption is measured against its rate instead.
        assert all("免税" not in str(p) for p in fa.check_amounts(*args))

    @parametrize("rate", [17, 16, 11, 10, 17.0, "16"])
    def test_old_rates_only_on_red_letter(self, rate):
        amount = Decimal(100)
        tax = amount * Decimal(str(rate)) / 100
        problem = self.assert_problem(
            (amount, tax, amount + tax, rate, False),
            "tax_rate",
            [f"{Decimal(str(rate)):f}"[:2], "红字"],
        )
        assert "no longer in force" in str(problem)
        assert fa.check_amounts(-amount, -tax, -amount - tax, rate, True) == []

    @parametrize(
        ("rate", "shown"),
        [(12, "12%"), (7.5, "7.5%"), (-13, "-13%"), (113, "113%"), (0.13, "0.13%")],
    )
    def test_unknown_rates(self, rate, shown):
        problems = fa.check_amounts(100, 13, 113, rate, False)
        assert fields_of(problems) == ["tax_rate"]  # no tax problem on top of a rate typo
        assert shown in str(problems[0])
        assert "13, 9, 6, 5, 3, 1.5, 1, 0.5 or 0" in str(problems[0])

    def test_unknown_rate_on_red_letter(self):
        assert fields_of(fa.check_amounts(-100, -12, -112, 12, True)) == ["tax_rate"]

    @parametrize(
        ("args", "field"),
        [
            ((0, 0, 0, 13.0, False), "amount_total"),
            ((0.004, 0, 0.004, 13.0, False), "amount_total"),  # rounds to 0.00
            ((0, 0, 0, 13.0, True), "amount_total"),
        ],
    )
    def test_zero_total_is_refused(self, args, field):
        self.assert_problem(args, field, ["0.00", "non-zero", "价税合计"])

    @parametrize(
        ("args", "field", "texts"),
        [
            (
                (100, 13, 113, 13.0, True),
                "amount_untaxed",
                ["100.00", "13.00", "113.00", "红字", "minus"],
            ),
            ((-100, 13, -87, 13.0, True), "amount_tax", ["13.00"]),
            ((0, -13, -13, 13.0, True), "amount_untaxed", ["0.00", "-13.00"]),
            ((-100, 0, -100, 13.0, True), "amount_tax", ["0.00"]),  # tax due at 13%
        ],
    )
    def test_red_letter_amounts_are_negative(self, args, field, texts):
        self.assert_problem(args, field, texts)

    @parametrize(
        ("args", "field"),
        [
            ((-100, -13, -113, 13.0, False), "amount_untaxed"),
            ((100, -13, 87, 13.0, False), "amount_tax"),
            ((-100, 100, 0.0, 0, False), "amount_untaxed"),
        ],
    )
    def test_blue_amounts_are_not_negative(self, args, field):
        problem = self.assert_problem(args, field, ["红字", "red-letter"])
        assert str(problem.params["untaxed"]) in str(problem)

    @parametrize(
        ("args", "fields"),
        [
            ((-100, 20, 50, 13.0, False), ["amount_total", "amount_tax", "amount_untaxed"]),
            ((100, 13, 0, 17.0, False), ["tax_rate", "amount_total", "amount_total"]),
        ],
    )
    def test_all_problems_are_collected(self, args, fields):
        assert fields_of(fa.check_amounts(*args)) == fields
        with self.assertRaises(FapiaoRuleError) as caught:
            fa.assert_amounts(*args)
        assert caught.exception.field == fields[0]

    @parametrize(
        ("args", "field", "value"),
        [
            (("abc", 13, 113, 13.0, False), "amount_untaxed", "abc"),
            ((100, "¥13", 113, 13.0, False), "amount_tax", "¥13"),
            ((100, 13, "113元", 13.0, False), "amount_total", "113元"),
            ((100, 13, 113, "免税", False), "tax_rate", "免税"),
            ((100, 13, 113, float("nan"), False), "tax_rate", "nan"),
            ((float("inf"), 13, 113, 13.0, False), "amount_untaxed", "inf"),
        ],
    )
    def test_values_that_are_not_numbers(self, args, field, value):
        problems = fa.check_amounts(*args)
        assert len(problems) == 1
        assert (problems[0].field, str(problems[0].params["value"])) == (field, value)
        assert value in str(problems[0])
        assert "not a number" in str(problems[0])

    @parametrize(
        ("value", "expected"),
        [
            (0.125, "0.13"),  # half-up, not banker's rounding
            (0.135, "0.14"),
            ("2.675", "2.68"),  # 2.675 as a float is 2.67499...; as text it is exact
            (-0.125, "-0.13"),
            (None, "0.00"),
            (False, "0.00"),
            (Decimal("1130"), "1130.00"),
            ("1,130.5", "1130.50"),
        ],
    )
    def test_to_cents(self, value, expected):
        assert fa.to_cents(value) == Decimal(expected)

    def test_every_value_that_is_not_a_number_is_named(self):
        problems = fa.check_amounts("一百", "十三", 113, "13%%", False)
        assert fields_of(problems) == ["amount_untaxed", "amount_tax", "tax_rate"]
        assert [str(p.params["value"]) for p in problems] == ["一百", "十三", "13%%"]

    def test_to_cents_refuses_text(self):
        with self.assertRaisesRegex(FapiaoRuleError, "12 元"):
            fa.to_cents("12 元")

    # --- red-letter state --------------------------------------------------------------------------

    @parametrize(
        ("blue", "reds", "state"),
        [
            (113, [], "normal"),
            (113, [0], "normal"),
            (113, [-50], "red_partial"),
            (113, [-112.98], "red_partial"),
            (113, [-50, -63], "red_full"),
            (113, [-113.005], "red_full"),
            (113, [-112.99], "red_full"),  # within 0.01
            (113, [-113.01], "red_full"),
            (Decimal("1130.00"), ["-1130.00"], "red_full"),
            ("0.10", ["-0.03", "-0.03", "-0.04"], "red_full"),  # floats would not sum exactly
            (113, iter([-13]), "red_partial"),
        ],
    )
    def test_red_state(self, blue, reds, state):
        assert fa.red_state(blue, reds) == state

    @parametrize(
        ("blue", "reds", "texts"),
        [
            (113, [-100, -20], ["120.00", "113.00", "by 7.00", "红字"]),
            (113, [-113.02], ["113.02", "by 0.02"]),
            ("1000", ["-1000", "-0.5"], ["1000.50", "by 0.50"]),
        ],
    )
    def test_reversing_more_than_the_total_is_refused(self, blue, reds, texts):
        with self.assertRaises(FapiaoRuleError) as caught:
            fa.red_state(blue, reds)
        assert caught.exception.field == "amount_total"
        for text in texts:
            assert text in str(caught.exception)

    def test_positive_red_total_is_refused(self):
        with self.assertRaises(FapiaoRuleError) as caught:
            fa.red_state(113, [-13, 50])
        assert caught.exception.field == "amount_total"
        assert "50.00" in str(caught.exception)
        assert "negative" in str(caught.exception)

    @parametrize("value", ["1e+26", 10**20, "-1000000000000000", Decimal("1E+30")])
    def test_absurd_amounts_are_refused_not_crashed(self, value):
        # Found by fuzzing: quantize() of 1e+26 to cents exceeds Decimal's 28 digits.
        with self.assertRaises(FapiaoRuleError) as caught:
            fa.to_cents_of(value, "amount_untaxed")
        assert "too large" in str(caught.exception)
        assert fa.to_cents("999999999999999.99") == Decimal("999999999999999.99")

    def test_red_states_are_fapiao_states(self):
        states = [state for state, _label in fa.FAPIAO_STATES]
        assert states == ["normal", "void", "red_partial", "red_full"]
        assert {fa.red_state(113, []), fa.red_state(113, [-13]), fa.red_state(113, [-113])} == {
            "normal", "red_partial", "red_full",
        }  # fmt: skip

    # --- rate inference ----------------------------------------------------------------------------
    @parametrize(
        ("untaxed", "tax", "expected"),
        [
            (100, 13, ("13",)),
            ("1000.00", "90.00", ("9",)),
            (100.5, 6.03, ("6",)),
            (-100, -13, ("13",)),  # red-letter amounts: same rate
            (100, "13.06", ("13",)),  # within the rounding tolerance
            (100, "13.07", ()),  # beyond it
            (100, 0, ("0",)),
            (100, "1.5", ("1.5",)),
            (100, 1, ("1",)),
            (5, 0, ("1", "0.5", "0")),  # tax 0.05 or 0.03 is within 0.06 of 0: three fit
            (0, 0, ("13", "9", "6", "5", "3", "1.5", "1", "0.5", "0")),
            (100, 17, ()),  # an old rate is never inferred
        ],
    )
    def test_rates_fitting(self, untaxed, tax, expected):
        assert fa.rates_fitting(untaxed, tax) == tuple(Decimal(rate) for rate in expected)

    def test_rates_fitting_refuses_text(self):
        with self.assertRaises(FapiaoRuleError) as caught:
            fa.rates_fitting("abc", 13)
        assert caught.exception.field == "amount_untaxed"

    @parametrize(
        ("taxes", "expected"),
        [
            ([("percent", 13.0)], 13.0),
            ([], 0),
            ([("percent", 6.0), ("fixed", 2.0)], 6.0),  # a fixed amount is no rate
            ([("percent", 1.0), ("percent", 2.0)], 3.0),  # summed, as the invoice taxes them
            ([("group", 0.0), ("division", 5.0)], 0),
        ],
    )
    def test_line_rate(self, taxes, expected):
        assert fa.line_rate(taxes) == expected


class TestRateLines(ToolsCase):
    """A fapiao with several rates: its figures from its lines, and its lines against it."""

    LINES = [(13.0, False, "1000.00", "130.00"), (6.0, False, "2000.00", "120.00")]

    def test_header_sums_the_lines_and_takes_the_largest_line_rate(self):
        header = fa.rate_lines_header(self.LINES)
        assert header == {
            "amount_untaxed": Decimal("3000.00"),
            "amount_tax": Decimal("250.00"),
            "amount_total": Decimal("3250.00"),
            "tax_rate": 6.0,
            "tax_exempt": False,
        }

    def test_header_of_a_red_fapiao_compares_absolute_amounts(self):
        lines = [(13.0, False, "-900.00", "-117.00"), (0.0, True, "-100.00", "0")]
        header = fa.rate_lines_header(lines)
        assert (header["tax_rate"], header["amount_total"]) == (13.0, Decimal("-1117.00"))

    def test_a_tie_goes_to_the_higher_rate(self):
        lines = [(6.0, False, "100", "6"), (13.0, False, "100", "13")]
        assert fa.rate_lines_header(lines)["tax_rate"] == 13.0

    def test_consistent_lines_have_no_problem(self):
        assert fa.check_rate_lines("3000", "250", 6.0, False, self.LINES) == []

    def test_lines_must_add_up_to_the_fapiao(self):
        (problem,) = fa.check_rate_lines("3000", "260", 6.0, False, self.LINES)
        assert problem.field == "amount_untaxed"
        for text in ("3000.00", "250.00", "260.00", "agree"):
            assert text in str(problem), text

    def test_the_fapiao_rate_must_be_a_line_rate(self):
        (problem,) = fa.check_rate_lines("3000", "250", 9.0, False, self.LINES)
        assert problem.field == "tax_rate"
        assert "9%" in str(problem) and "13, 6%" in str(problem)

    def test_a_rate_listed_twice_is_refused(self):
        lines = [*self.LINES, (13.0, False, "0", "0")]
        problems = fa.check_rate_lines("3000", "250", 6.0, False, lines)
        assert fields_of(problems) == ["tax_rate"]
        assert "13%" in str(problems[0]) and "twice" in str(problems[0])

    def test_a_fapiao_with_rate_lines_is_not_checked_against_its_main_rate(self):
        # 3000 × 6 % is 180, not 250: the lines carry the rates.
        assert fa.check_amounts("3000", "250", "3250", 6.0, False) != []
        assert fa.check_amounts("3000", "250", "3250", 6.0, False, rate_lines=True) == []
        # The other identities still hold.
        problems = fa.check_amounts("3000", "250", "3200", 6.0, False, rate_lines=True)
        assert fields_of(problems) == ["amount_total"]
