"""Amount identities of a fapiao: 金额 + 税额 = 价税合计, 税额 ≈ 金额 × 税率, signs, red-letter state.

Amounts are Decimal internally (inputs may be float, str or Decimal) and rounded half-up to cents,
as the bureau rounds them; floats never decide whether two amounts are equal.
"""

# `_` here is the marker of rule_error.py: these modules have no env to translate with.
# pylint: disable=prefer-env-translation

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .fapiao_number import to_halfwidth
from .rule_error import FapiaoRuleError, Term, _

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 15
TOTAL_TOLERANCE = Decimal("0.01")  # 金额 + 税额 vs 价税合计
TAX_TOLERANCE = Decimal("0.06")  # 税额 vs 金额 × 税率: lines are rounded one by one
CURRENT_RATES = frozenset(Decimal(r) for r in ("13", "9", "6", "5", "3", "1.5", "1", "0.5", "0"))
OLD_RATES = frozenset(Decimal(r) for r in ("17", "16", "11", "10"))  # only on red-letter fapiao
_RATE_PRECISION = Decimal("0.0001")
# States of a fapiao in the register (and at the bureau): red_state() decides the red-letter ones.
FAPIAO_STATES = [
    ("normal", "Normal"),
    ("void", "Voided"),
    ("red_partial", "Partly Reversed"),
    ("red_full", "Fully Reversed"),
]  # 0.13 * 100 is 13.000000000000002 as a float

AMOUNT_LABELS = {
    "amount_untaxed": Term(_("amount (金额)")),
    "amount_tax": Term(_("tax (税额)")),
    "amount_total": Term(_("total (价税合计)")),
    "tax_rate": Term(_("tax rate (税率)")),
}
_IGNORED = re.compile(r"[\s,]+")  # spaces and thousands separators: "1,130.00"


def to_cents(value):
    """`value` (number or numeric text, None = 0) as a Decimal rounded half-up to cents."""
    return _decimal(value, "amount_total").quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value, field):
    if value is None or value is False:
        return Decimal(0)
    text = _IGNORED.sub("", to_halfwidth(str(value)))
    if field == "tax_rate":
        text = text.removesuffix("%")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise FapiaoRuleError(
            field,
            _(
                "The %(label)s %(value)s is not a number. Enter digits with an optional minus "
                "sign and decimal point, e.g. 1130.00 or -1130.00."
            ),
            label=AMOUNT_LABELS[field],
            value=value,
        )
    if abs(number) >= MAX_AMOUNT:  # also keeps quantize() within Decimal's 28 digits
        raise FapiaoRuleError(
            field,
            _(
                "The %(label)s %(value)s is too large for a fapiao. Check the amount; a fapiao "
                "amount has at most 15 digits before the decimal point."
            ),
            label=AMOUNT_LABELS[field],
            value=value,
        )
    return number


def to_cents_of(value, field):
    """Like `to_cents`, with an error that names `field` (amount_untaxed, amount_tax...)."""
    return _decimal(value, field).quantize(CENT, rounding=ROUND_HALF_UP)


def _rate(value, field="tax_rate"):
    rate = _decimal(value, field).quantize(_RATE_PRECISION, rounding=ROUND_HALF_UP)
    return rate.normalize() if rate else Decimal(0)


def _show_rate(rate):
    return f"{rate:f}"


def check_amounts(
    amount_untaxed, amount_tax, amount_total, tax_rate, is_red, tax_exempt=False, rate_lines=False
):
    """Every problem of a fapiao's amounts, as FapiaoRuleError instances (not raised).

    `tax_rate` is a percent (13.0, 1.5); `tax_exempt` covers 免税 and 不征税, whose tax is 0.
    With `rate_lines` the fapiao has several rates: its tax is checked per line
    (`check_rate_lines`), not against its main rate.
    """
    parsed, problems = [], []
    for parse, value, field in (
        (to_cents_of, amount_untaxed, "amount_untaxed"),
        (to_cents_of, amount_tax, "amount_tax"),
        (to_cents_of, amount_total, "amount_total"),
        (_rate, tax_rate, "tax_rate"),
    ):
        try:
            parsed.append(parse(value, field))
        except FapiaoRuleError as error:
            problems.append(error)
    if problems:
        return problems  # the identities below need all four numbers
    untaxed, tax, total, rate = parsed
    rate_known = rate in CURRENT_RATES or (is_red and rate in OLD_RATES)
    if rate in OLD_RATES and not is_red:
        problems.append(
            FapiaoRuleError(
                "tax_rate",
                _(
                    "The tax rate %(rate)s%% is no longer in force: it only appears on red-letter "
                    "(红字) fapiao that reverse fapiao issued at that rate. Use a current rate "
                    "(13, 9, 6, 5, 3, 1.5, 1, 0.5 or 0), or mark the fapiao as red-letter."
                ),
                rate=_show_rate(rate),
            )
        )
    elif not rate_known:
        problems.append(
            FapiaoRuleError(
                "tax_rate",
                _(
                    "The tax rate %(rate)s%% is not a VAT rate (税率). Use 13, 9, 6, 5, 3, 1.5, 1, "
                    "0.5 or 0; 17, 16, 11 or 10 only on a red-letter (红字) fapiao reversing an "
                    "old one."
                ),
                rate=_show_rate(rate),
            )
        )
    if not total:
        problems.append(
            FapiaoRuleError(
                "amount_total",
                _(
                    "The total (价税合计) is %(total)s, but a fapiao always has a non-zero total. "
                    "Enter the amounts printed on the fapiao."
                ),
                total=total,
            )
        )
    if abs(untaxed + tax - total) > TOTAL_TOLERANCE:
        problems.append(
            FapiaoRuleError(
                "amount_total",
                _(
                    "Amount (金额) %(untaxed)s + tax (税额) %(tax)s = %(sum)s, but the total "
                    "(价税合计) is %(total)s. Enter the three amounts exactly as printed on the "
                    "fapiao."
                ),
                untaxed=untaxed,
                tax=tax,
                sum=untaxed + tax,
                total=total,
            )
        )
    expected = (untaxed * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if rate_lines:
        pass
    elif tax_exempt:
        if tax:
            problems.append(
                FapiaoRuleError(
                    "amount_tax",
                    _(
                        "The tax (税额) is %(tax)s on a tax-exempt (免税) or non-taxable (不征税) "
                        "fapiao, whose tax is 0 (printed as ***). Set the tax to 0, or untick "
                        "tax-exempt if the fapiao shows a tax amount."
                    ),
                    tax=tax,
                )
            )
    elif rate_known and abs(tax - expected) > TAX_TOLERANCE:
        problems.append(
            FapiaoRuleError(
                "amount_tax",
                _(
                    "The tax (税额) %(tax)s differs from amount %(untaxed)s × %(rate)s%% = "
                    "%(expected)s by %(difference)s, more than the 0.06 that rounding allows. "
                    "Check the tax rate and the amounts."
                ),
                tax=tax,
                untaxed=untaxed,
                rate=_show_rate(rate),
                expected=expected,
                difference=abs(tax - expected),
            )
        )
    sign_problem = _sign_problem(
        untaxed, tax, total, is_red, zero_tax_ok=tax_exempt or not expected or rate_lines
    )
    if sign_problem:
        problems.append(sign_problem)
    return problems


def _sign_problem(untaxed, tax, total, is_red, zero_tax_ok):
    """Red-letter amounts are negative (tax may be 0 where no tax is due), blue ones are not."""
    amounts = {"amount_untaxed": untaxed, "amount_tax": tax, "amount_total": total}
    if is_red:
        # A zero total is reported on its own; a zero tax is right where no tax is due.
        may_be_zero = {"amount_total"} | ({"amount_tax"} if zero_tax_ok else set())
        wrong = [
            field
            for field, value in amounts.items()
            if value > 0 or (not value and field not in may_be_zero)
        ]
        template = _(
            "A red-letter (红字) fapiao reverses a blue one, so its amounts are negative, but "
            "here amount %(untaxed)s, tax %(tax)s, total %(total)s. Enter the amounts with a "
            "minus sign, or untick red-letter if this is a normal (blue) fapiao."
        )
    else:
        wrong = [field for field, value in amounts.items() if value < 0]
        template = _(
            "Amount %(untaxed)s, tax %(tax)s, total %(total)s: negative amounts only appear on a "
            "red-letter (红字) fapiao. Correct the sign, or mark the fapiao as red-letter."
        )
    if not wrong:
        return None
    return FapiaoRuleError(wrong[0], template, untaxed=untaxed, tax=tax, total=total)


def assert_amounts(*args, **kwargs):
    """`check_amounts`, raising its first problem: for callers that refuse at the first error."""
    problems = check_amounts(*args, **kwargs)
    if problems:
        raise problems[0]


def rate_lines_header(lines):
    """The fapiao-level figures of a fapiao with several rates (one 数电 number, lines at 13 % and
    6 %): amount and tax summed, and its main rate, the rate of its largest line (the higher rate
    on a tie), where the monthly summary counts the fapiao once.

    `lines`: (tax_rate, tax_exempt, amount_untaxed, amount_tax). Returns a dict of the fapiao's
    amount_untaxed, amount_tax, amount_total (Decimal), tax_rate (float) and tax_exempt.
    """
    untaxed = sum((to_cents_of(line[2], "amount_untaxed") for line in lines), Decimal(0))
    tax = sum((to_cents_of(line[3], "amount_tax") for line in lines), Decimal(0))
    main = max(lines, key=lambda line: (abs(to_cents_of(line[2], "amount_untaxed")), line[0]))
    return {
        "amount_untaxed": untaxed,
        "amount_tax": tax,
        "amount_total": untaxed + tax,
        "tax_rate": float(main[0]),
        "tax_exempt": bool(main[1]),
    }


def rate_lines_text(lines, exempt_label):
    """Rate lines as one text for people, "13%: 100.00 + 13.00 | 0% (免税): 50.00 + 0.00".

    `lines`: (tax_rate, tax_exempt, amount_untaxed, amount_tax); `exempt_label` marks an exempt
    line in the reader's language."""
    return " | ".join(
        f"{float(rate):g}%{f' ({exempt_label})' if exempt else ''}: "
        f"{float(untaxed):.2f} + {float(tax):.2f}"
        for rate, exempt, untaxed, tax in lines
    )


def check_rate_lines(amount_untaxed, amount_tax, tax_rate, tax_exempt, lines):
    """Problems (FapiaoRuleError, not raised) of a fapiao's rate lines against the fapiao: they
    add up to its amount and tax, no rate appears twice, and the fapiao's rate is one of theirs.

    `lines`: (tax_rate, tax_exempt, amount_untaxed, amount_tax); each line's own identities are
    `check_amounts`'.
    """
    problems = []
    keys = [(_rate(line[0]), bool(line[1])) for line in lines]
    twice = sorted({rate for rate, exempt in keys if keys.count((rate, exempt)) > 1})
    if twice:
        problems.append(
            FapiaoRuleError(
                "tax_rate",
                _(
                    "The rate lines list %(rate)s%% twice. Enter one line per tax rate, with "
                    "the amounts of that rate added up."
                ),
                rate=_show_rate(twice[0]),
            )
        )
    untaxed = to_cents_of(amount_untaxed, "amount_untaxed")
    tax = to_cents_of(amount_tax, "amount_tax")
    lines_untaxed = sum((to_cents_of(line[2], "amount_untaxed") for line in lines), Decimal(0))
    lines_tax = sum((to_cents_of(line[3], "amount_tax") for line in lines), Decimal(0))
    if abs(lines_untaxed - untaxed) > TOTAL_TOLERANCE or abs(lines_tax - tax) > TOTAL_TOLERANCE:
        problems.append(
            FapiaoRuleError(
                "amount_untaxed",
                _(
                    "The rate lines add up to amount %(lines_untaxed)s and tax %(lines_tax)s, "
                    "but the fapiao says amount %(untaxed)s and tax %(tax)s. Correct the lines "
                    "or the fapiao's amounts so that they agree."
                ),
                lines_untaxed=lines_untaxed,
                lines_tax=lines_tax,
                untaxed=untaxed,
                tax=tax,
            )
        )
    if (_rate(tax_rate), bool(tax_exempt)) not in keys:
        problems.append(
            FapiaoRuleError(
                "tax_rate",
                _(
                    "The fapiao's rate %(rate)s%% is none of its rate lines' rates "
                    "(%(rates)s%%). Set the rate of its largest line as the fapiao's rate."
                ),
                rate=_show_rate(_rate(tax_rate)),
                rates=", ".join(_show_rate(rate) for rate, _exempt in keys),
            )
        )
    return problems


def rates_fitting(amount_untaxed, amount_tax):
    """The current VAT rates (Decimal percents, highest first) at which `amount_tax` is the tax of
    `amount_untaxed`, within the rounding tolerance: a fapiao's rate when its source gives none.

    A single rate is the fapiao's rate; none, or several (0, 0.5 and 1 all fit a tax of 0.00 on
    5.00), leave the choice to the user.
    """
    untaxed = to_cents_of(amount_untaxed, "amount_untaxed")
    tax = to_cents_of(amount_tax, "amount_tax")
    return tuple(
        rate
        for rate in sorted(CURRENT_RATES, reverse=True)
        if abs(tax - (untaxed * rate / 100).quantize(CENT, ROUND_HALF_UP)) <= TAX_TOLERANCE
    )


def line_rate(taxes):
    """The VAT rate (percent) of an invoice line from its taxes, as (amount_type, amount) pairs:
    the sum of its percentage taxes (fixed and group amounts are no rate)."""
    return sum(amount for amount_type, amount in taxes if amount_type == "percent")


def red_state(blue_total, red_totals):
    """State of a blue fapiao given the totals of the red-letter fapiao reversing it.

    "normal" without reversal, "red_full" when the reds (negative) cancel the total within 0.01,
    "red_partial" otherwise; reversing more than the total is an error.
    """
    blue = to_cents(blue_total)
    reds = [to_cents(total) for total in red_totals]
    positive = [total for total in reds if total > 0]
    if positive:
        raise FapiaoRuleError(
            "amount_total",
            _(
                "A red-letter (红字) fapiao reversing this fapiao has the positive total "
                "%(total)s, but red-letter totals are negative. Correct the sign of the "
                "red-letter fapiao."
            ),
            total=positive[0],
        )
    reversed_ = -sum(reds, Decimal(0))
    if not reversed_:
        return "normal"
    if reversed_ > blue + TOTAL_TOLERANCE:
        raise FapiaoRuleError(
            "amount_total",
            _(
                "The red-letter (红字) fapiao reversing this fapiao add up to %(reversed)s, more "
                "than its total (价税合计) %(blue)s, by %(excess)s. A fapiao can be reversed at "
                "most in full: reduce the amount of the last red-letter fapiao."
            ),
            reversed=reversed_,
            blue=blue,
            excess=reversed_ - blue,
        )
    return "red_full" if abs(reversed_ - blue) <= TOTAL_TOLERANCE else "red_partial"
