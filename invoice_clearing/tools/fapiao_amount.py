"""Amount identities of a fapiao: 金额 + 税额 = 价税合计, 税额 ≈ 金额 × 税率, signs, red-letter state."""

# `_` here is the marker of rule_error.py: these modules have no env to translate with.
# pylint: disable=prefer-env-translation

from decimal import ROUND_HALF_UP, Decimal

from .rule_error import FapiaoRuleError, _

CENT = Decimal("0.01")
TOTAL_TOLERANCE = Decimal("0.01")
TAX_TOLERANCE = Decimal("0.06")
CURRENT_RATES = frozenset(Decimal(r) for r in ("13", "9", "6", "5", "3", "1.5", "1", "0.5", "0"))
OLD_RATES = frozenset(Decimal(r) for r in ("17", "16", "11", "10"))  # only on red-letter fapiao


def to_cents(value):
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def check_amounts(amount_untaxed, amount_tax, amount_total, tax_rate, is_red, tax_exempt=False):
    """Every problem of a fapiao's amounts (FapiaoRuleError instances, not raised)."""
    untaxed, tax, total = to_cents(amount_untaxed), to_cents(amount_tax), to_cents(amount_total)
    rate = Decimal(str(tax_rate or 0)).normalize()
    problems = []
    if not total:
        problems.append(
            FapiaoRuleError("amount_total", _("The total (价税合计) of a fapiao cannot be zero."))
        )
    if rate in OLD_RATES and not is_red:
        problems.append(
            FapiaoRuleError(
                "tax_rate",
                _(
                    "The rate %(rate)s%% is no longer in force: it only appears on red-letter "
                    "fapiao that reverse old ones. Use a current rate (13, 9, 6, 5, 3, 1.5, 1, 0.5 or 0)."
                ),
                rate=f"{rate:f}",
            )
        )
    elif rate not in CURRENT_RATES | OLD_RATES:
        problems.append(
            FapiaoRuleError(
                "tax_rate",
                _("%(rate)s%% is not a VAT rate. Use 13, 9, 6, 5, 3, 1.5, 1, 0.5 or 0."),
                rate=f"{rate:f}",
            )
        )
    if abs(untaxed + tax - total) > TOTAL_TOLERANCE:
        problems.append(
            FapiaoRuleError(
                "amount_total",
                _(
                    "Amount %(untaxed)s + tax %(tax)s = %(sum)s, but the total (价税合计) is "
                    "%(total)s. Correct the amounts as printed on the fapiao."
                ),
                untaxed=untaxed,
                tax=tax,
                sum=untaxed + tax,
                total=total,
            )
        )
    if tax_exempt and tax:
        problems.append(
            FapiaoRuleError(
                "amount_tax",
                _("Tax %(tax)s on a tax-exempt (免税/不征税) fapiao: its tax must be 0."),
                tax=tax,
            )
        )
    expected = (untaxed * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if not tax_exempt and abs(tax - expected) > TAX_TOLERANCE:
        problems.append(
            FapiaoRuleError(
                "amount_tax",
                _(
                    "Tax %(tax)s differs from amount %(untaxed)s × %(rate)s%% = %(expected)s by more "
                    "than 0.06. Check the tax rate and the amounts."
                ),
                tax=tax,
                untaxed=untaxed,
                rate=f"{rate:f}",
                expected=expected,
            )
        )
    wrong_sign = (
        [v for v in (untaxed, tax, total) if v > 0]
        if is_red
        else [v for v in (untaxed, tax, total) if v < 0]
    )
    if wrong_sign:
        template = (
            _("A red-letter (红字) fapiao has negative amounts, but %(value)s is positive.")
            if is_red
            else _(
                "%(value)s is negative: only a red-letter (红字) fapiao has negative amounts. "
                "Mark it as red-letter or correct the sign."
            )
        )
        problems.append(FapiaoRuleError("amount_total", template, value=wrong_sign[0]))
    return problems


def assert_amounts(*args, **kwargs):
    """Raise the first problem of `check_amounts`."""
    problems = check_amounts(*args, **kwargs)
    if problems:
        raise problems[0]


def red_state(blue_total, red_totals):
    """State of a blue fapiao given the totals of the red-letter fapiao reversing it."""
    blue, reversed_ = to_cents(blue_total), -sum((to_cents(t) for t in red_totals), Decimal(0))
    if not reversed_:
        return "normal"
    if reversed_ > blue + TOTAL_TOLERANCE:
        raise FapiaoRuleError(
            "amount_total",
            _(
                "The red-letter fapiao reverse %(reversed)s, more than the original total "
                "%(blue)s (by %(excess)s). Reduce the red-letter amount."
            ),
            reversed=reversed_,
            blue=blue,
            excess=reversed_ - blue,
        )
    return "red_full" if abs(reversed_ - blue) <= TOTAL_TOLERANCE else "red_partial"
