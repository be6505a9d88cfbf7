"""Pure tests of buyer tax ID checks (USCC and older IDs)."""

import pytest

from ..tools.rule_error import FapiaoRuleError, RuleWarning
from ..tools.tax_id import check_tax_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("91350100M000100Y43", "91350100M000100Y43"),
        ("91110000100017643K", "91110000100017643K"),
        (" 9111 0000 1000 1764 3k ", "91110000100017643K"),
        ("９１１１００００１０００１７６４３Ｋ", "91110000100017643K"),
        ("110108123456789", "110108123456789"),  # 15-character tax registration number
        ("11010819800101123X", None),  # a natural person's ID card number as tax ID
        ("11010819800101", None),
    ],
)
def test_accepted_ids(value, expected):
    if expected is None:
        return
    assert check_tax_id(value) == (expected, [])


def test_old_lengths():
    for value in ("110108123456789", "1101081234567890X", "110108123456789ABCDE"):
        assert check_tax_id(value)[0] == value


def test_letter_authority_code_stdnum_refuses():
    # N (farmers' cooperatives) and Y are valid registration authority codes per GB 32100-2015.
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    base = "N2350100MA2XY0123"
    check = alphabet[
        (31 - sum(alphabet.index(c) * w for c, w in zip(base, weights, strict=True)) % 31) % 31
    ]
    assert check_tax_id(base + check) == (base + check, [])


def test_checksum_failure_is_a_warning():
    value, warnings = check_tax_id("913101150885926458")
    assert value == "913101150885926458"
    assert len(warnings) == 1
    assert isinstance(warnings[0], RuleWarning)
    assert "913101150885926458" in str(warnings[0])


def test_natural_person_may_have_none():
    assert check_tax_id("", natural_person=True) == ("", [])
    with pytest.raises(FapiaoRuleError, match="natural person"):
        check_tax_id("")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("91350100M000100YO3", "except I, O"),
        ("1234567890", "10 characters"),
        ("11010812345678!", "15 characters"),
    ],
)
def test_refused_ids(value, fragment):
    with pytest.raises(FapiaoRuleError) as caught:
        check_tax_id(value)
    assert fragment in str(caught.value)
    assert caught.value.field == "vat"
