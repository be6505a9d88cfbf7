"""Pure tests of fapiao amount identities and the red-letter state."""

from decimal import Decimal

import pytest

from ..tools import fapiao_amount as fa
from ..tools.rule_error import FapiaoRuleError


@pytest.mark.parametrize(
    "args",
    [
        (100, 13, 113, 13.0, False),
        ("1000.00", "90.00", "1090.00", 9.0, False),
        (1234.56, 74.07, 1308.63, 6.0, False),
        (-100, -13, -113, 13.0, True),
        (-100, -17, -117, 17.0, True),  # old rate on a red-letter fapiao
        (200, 0, 200, 0.0, False),
        (10000, 150, 10150, 1.5, False),
        (100, 13.05, 113.05, 13.0, False),  # within 0.06 of 13.00
    ],
)
def test_consistent_amounts(args):
    assert fa.check_amounts(*args) == []


def test_exempt_fapiao_has_no_tax():
    assert fa.check_amounts(500, 0, 500, 0, False, tax_exempt=True) == []
    problems = fa.check_amounts(500, 15, 515, 3, False, tax_exempt=True)
    assert [p.field for p in problems] == ["amount_tax"]
    assert "15.00" in str(problems[0])


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        ((100, 13, 114, 13.0, False), "amount_total", "114.00"),
        ((100, 20, 120, 13.0, False), "amount_tax", "13.00"),
        ((100, 17, 117, 17.0, False), "tax_rate", "17"),
        ((100, 12, 112, 12.0, False), "tax_rate", "12"),
        ((-100, -13, -113, 13.0, False), "amount_total", "-100.00"),
        ((100, 13, 113, 13.0, True), "amount_total", "100.00"),
        ((0, 0, 0, 13.0, False), "amount_total", "zero"),
    ],
)
def test_inconsistent_amounts(args, field, fragment):
    problems = fa.check_amounts(*args)
    assert field in [p.field for p in problems]
    assert any(fragment in str(p) for p in problems)
    with pytest.raises(FapiaoRuleError):
        fa.assert_amounts(*args)


def test_all_problems_are_collected():
    problems = fa.check_amounts(-100, 20, 50, 12.0, False)
    assert {p.field for p in problems} == {"amount_total", "amount_tax", "tax_rate"}


def test_to_cents_rounds_half_up():
    assert fa.to_cents(0.125) == Decimal("0.13")
    assert fa.to_cents(None) == Decimal("0.00")


@pytest.mark.parametrize(
    ("blue", "reds", "state"),
    [
        (113, [], "normal"),
        (113, [-50], "red_partial"),
        (113, [-50, -63], "red_full"),
        (113, [-113.005], "red_full"),
        (Decimal("1130.00"), ["-1130.00"], "red_full"),
    ],
)
def test_red_state(blue, reds, state):
    assert fa.red_state(blue, reds) == state


def test_red_exceeding_blue_is_an_error():
    with pytest.raises(FapiaoRuleError) as caught:
        fa.red_state(113, [-100, -20])
    assert "7.00" in str(caught.value)
