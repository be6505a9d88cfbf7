"""Pure tests of fapiao identity rules (no database)."""

from datetime import date

import pytest

from ..tools import fapiao_number as fn
from ..tools.rule_error import FapiaoRuleError

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("value", "length", "expected"),
    [
        ("01234567", 8, "01234567"),
        (" 0123 4567 ", 8, "01234567"),
        ("０１２３４５６７", 8, "01234567"),
        ("0123\u30004567", 8, "01234567"),
        ("1.2345678E7", 8, "12345678"),
        ("1.234567e+06", 8, "01234567"),  # Excel dropped the leading zero
        (1234567, 8, "01234567"),
        (1234567.0, 8, "01234567"),
        ("12345678.0", 8, "12345678"),
        ("", 8, ""),
        (None, 8, ""),
        (False, 8, ""),
    ],
)
def test_normalize_digits(value, length, expected):
    assert fn.normalize_digits(value, "number", length) == expected


def test_text_with_too_few_digits_is_not_padded():
    assert fn.normalize_digits("1234567", "number", 8) == "1234567"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("0123456O", "'O'"),
        ("1234-5678", "'-'"),
        ("12.5", "'.'"),
        (2.6442000000000000e19, "Excel"),
        ("2.6442000000000001E+19", "Excel"),
    ],
)
def test_normalize_digits_errors(value, fragment):
    with pytest.raises(FapiaoRuleError) as caught:
        fn.normalize_digits(value, "number", 20)
    assert fragment in str(caught.value)
    assert caught.value.field == "number"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("3200191130", "vat_special"),
        ("1100174150", "vat_special"),  # 8th digit 5
        ("3200191330", "vat_general"),  # older 10-digit general: 8th digit 3
        ("3200191630", "vat_general"),
        ("032001900104", "vat_general"),
        ("032001900105", "vat_general"),
        ("032001900106", "vat_roll"),
        ("032001900107", "vat_roll"),
        ("044001900111", "e_general"),
        ("044001900112", "e_general"),  # toll
        ("044001900113", "e_special"),
    ],
)
def test_detect_kind_from_code(code, kind):
    assert fn.detect_kind_from_code(code) == kind


@pytest.mark.parametrize(
    ("code", "fragment"), [("320019113", "9 digits"), ("3200191930", "3200191930")]
)
def test_detect_kind_errors(code, fragment):
    with pytest.raises(FapiaoRuleError, match=fragment):
        fn.detect_kind_from_code(code)


def test_kind_must_match_code():
    with pytest.raises(FapiaoRuleError) as caught:
        fn.check_kind_matches_code("vat_special", "044001900111")
    assert "e_general" in str(caught.value)
    assert caught.value.field == "fapiao_type"
    fn.check_kind_matches_code("motor_vehicle", "144001924000")
    with pytest.raises(FapiaoRuleError, match="12-digit"):
        fn.check_kind_matches_code("used_vehicle", "3200191130")


@pytest.mark.parametrize(
    ("kind", "code", "number", "expected"),
    [
        ("vat_special", "3200191130", "01234567", ("3200191130", "01234567")),
        ("e_general", "０４４００１９００１１１", " 01234567", ("044001900111", "01234567")),
        ("digital_general", "", "26442000000000000001", ("", "26442000000000000001")),
        (
            "digital_special",
            "044001900111",
            "21442000000000000001",
            ("044001900111", "21442000000000000001"),
        ),
        ("digital_special", "", "27442000000000000001", ("", "27442000000000000001")),  # next year
    ],
)
def test_valid_identities(kind, code, number, expected):
    assert fn.check_fapiao_identity(kind, code, number, today=TODAY) == expected


@pytest.mark.parametrize(
    ("kind", "code", "number", "field", "fragment"),
    [
        ("vat_special", "", "01234567", "code", "01234567"),
        ("vat_special", "3200191130", "", "number", "missing"),
        ("vat_special", "3200191130", "0123456", "number", "7 digits"),
        ("vat_special", "3200191130", "26442000000000000001", "number", "数电"),
        ("vat_general", "3200191130", "01234567", "fapiao_type", "vat_special"),
        ("digital_general", "", "2644200000000000001", "number", "19 digits"),
        ("digital_general", "", "20442000000000000001", "number", "20"),
        ("digital_general", "", "28442000000000000001", "number", "28"),
        ("digital_general", "123", "26442000000000000001", "code", "123"),
        ("unknown", "3200191130", "01234567", "fapiao_type", "unknown"),
    ],
)
def test_invalid_identities(kind, code, number, field, fragment):
    with pytest.raises(FapiaoRuleError) as caught:
        fn.check_fapiao_identity(kind, code, number, today=TODAY)
    assert caught.value.field == field
    assert fragment in str(caught.value)


def test_kind_tables_are_consistent():
    assert set(fn.BUREAU_CODES) == fn.DIGITAL_KINDS | fn.LEGACY_KINDS
    assert set(fn.DEVICE_CODES) == fn.LEGACY_KINDS
    assert fn.ELECTRONIC_KINDS >= fn.DIGITAL_KINDS
    assert not fn.ELECTRONIC_KINDS & {"vat_special", "vat_general", "vat_roll"}


def test_parse_number_list():
    text = "3200191130:01234567, 26442000000000000001-26442000000000000003\n12345678；00000001～00000009 044001900111：00000002"
    assert fn.parse_number_list(text) == [
        ("3200191130", "01234567", "01234567"),
        ("", "26442000000000000001", "26442000000000000003"),
        ("", "12345678", "12345678"),
        ("", "00000001", "00000009"),
        ("044001900111", "00000002", "00000002"),
    ]
    assert fn.parse_number_list("  \n ") == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("01234567, 0123456X", "Entry 2 (0123456X)"),
        ("00000009-00000001", "Entry 1"),
        ("0001-00000009", "same length"),
        ("00000001-", "Entry 1"),
        ("00000001-00200000", "100000"),
    ],
)
def test_parse_number_list_errors(text, fragment):
    with pytest.raises(FapiaoRuleError) as caught:
        fn.parse_number_list(text)
    assert fragment in str(caught.value)
    assert caught.value.field == "number_list"
