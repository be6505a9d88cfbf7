"""Pure tests of buyer tax ID checks: USCC (GB 32100-2015), resident IDs, older IDs."""

from stdnum.cn import uscc

from ..tools.rule_error import FapiaoRuleError, RuleWarning
from ..tools.tax_id import USCC_ALPHABET, check_tax_id, normalize_tax_id
from .tools_case import ToolsCase, parametrize

# Published codes whose check character stdnum confirms (asserted below).
REAL_USCCS = [
    "91350100M000100Y43",  # the worked example of GB 32100-2015
    "91110000100017643K",
    "914403001922038216",
    "9144030071526726XG",
    "91330100799655058B",
]
# Resident ID numbers (GB 11643) of the standard's examples: individuals' tax IDs.
RESIDENT_IDS = ["11010519491231002X", "360426199101010071", "440524188001010014"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def with_check_char(first17):
    """GB 32100-2015 check character, computed here independently of the code under test."""
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True)
    )
    return first17 + ALPHABET[(31 - total % 31) % 31]


def with_wrong_check_char(code):
    return code[:-1] + ("0" if code[-1] != "0" else "1")


class TestTaxId(ToolsCase):
    """Buyer tax IDs."""

    def assert_refused(self, value, texts, natural_person=False):
        with self.assertRaises(FapiaoRuleError) as caught:
            check_tax_id(value, natural_person=natural_person)
        assert caught.exception.field == "vat"
        for text in texts:
            assert text in str(caught.exception), f"{text!r} not in {caught.exception}"
        return caught.exception

    def test_the_test_data_is_real(self):
        assert all(uscc.is_valid(code) for code in REAL_USCCS)
        assert set(ALPHABET) == USCC_ALPHABET
        assert with_check_char(REAL_USCCS[0][:17]) == REAL_USCCS[0]

    @parametrize("code", REAL_USCCS)
    def test_real_usccs_are_accepted(self, code):
        assert check_tax_id(code) == (code, [])
        assert check_tax_id(code, natural_person=True) == (code, [])

    @parametrize(
        ("value", "expected"),
        [
            (" 9111 0000 1000 1764 3k ", "91110000100017643K"),
            ("91110000100017643k", "91110000100017643K"),
            ("９１１１００００１０００１７６４３Ｋ", "91110000100017643K"),  # full-width
            ("９１１１００００１０００１７６４３ｋ", "91110000100017643K"),  # full-width lower case
            ("91110000\u3000100017643K\u00a0", "91110000100017643K"),
            ("911100-001000-17643K", "91110000100017643K"),
            ("\ufeff91110000100017643K", "91110000100017643K"),  # BOM of a CSV export
        ],
    )
    def test_input_is_normalised(self, value, expected):
        assert check_tax_id(value) == (expected, [])
        assert normalize_tax_id(value) == expected

    @parametrize(
        ("value", "expected"),
        [
            (None, ""),
            (False, ""),
            ("", ""),
            (" \u3000-", ""),
            ("91350100m000100y4.", "91350100M000100Y4."),  # normalised, not checked
            ("ｎｏ－ｉｄ", "NOID"),
        ],
    )
    def test_normalize_without_a_check(self, value, expected):
        assert normalize_tax_id(value) == expected

    @parametrize(
        "first17",
        [
            "N2350100MA2XY0123",  # N: agriculture authority (农村集体经济组织)
            "Y1110000MA01ABCD1",  # Y: other registration authorities
            "A1440300MA5DC1234",
            "51110000500000000",  # 5: civil affairs (社会组织)
            "12100000400000000",  # 1: public institutions (事业单位)
            "93440300MA5G00000",  # 9/3: farmers' cooperative
        ],
    )
    def test_valid_codes_stdnum_would_refuse_or_accept(self, first17):
        code = with_check_char(first17)
        assert check_tax_id(code) == (code, [])

    @parametrize(
        "code",
        [with_wrong_check_char(c) for c in REAL_USCCS]
        + ["913101150885926458", with_wrong_check_char(with_check_char("N2350100MA2XY0123"))],
    )
    def test_checksum_failure_is_only_a_warning(self, code):
        value, warnings = check_tax_id(code)
        assert value == code
        assert len(warnings) == 1
        warning = warnings[0]
        assert isinstance(warning, RuleWarning)
        assert not isinstance(warning, BaseException)
        assert warning.field == "vat"
        assert code in str(warning)
        assert "统一社会信用代码" in str(warning)
        expected = with_check_char(code[:17])[-1]
        assert f"end in {expected}" in str(warning)
        assert warning.params == {"value": code, "expected": expected}

    @parametrize("number", RESIDENT_IDS)
    def test_resident_id_numbers_are_accepted(self, number):
        assert check_tax_id(number) == (number, [])
        assert check_tax_id(number.lower(), natural_person=True) == (number, [])

    @parametrize("number", ["11010519491231003X", "360426199101010072"])
    def test_resident_id_failing_its_check_is_a_warning(self, number):
        value, warnings = check_tax_id(number)
        assert value == number
        assert len(warnings) == 1
        assert number in str(warnings[0])
        assert "居民身份证号码" in str(warnings[0])
        assert "统一社会信用代码" in str(warnings[0])

    def test_digits_without_a_birth_date_are_a_uscc(self):
        # Digits 7-14 are no date (13th month): only the USCC check character applies.
        warnings = check_tax_id("110105194913310024")[1]
        assert "居民身份证号码" not in str(warnings[0])
        assert "end in" in str(warnings[0])

    @parametrize(
        "value",
        [
            "110108123456789",  # 15: administrative division + organisation code
            "11010819800101123",  # 17: old 15-digit ID number + 2
            "110108198001011234AB",  # 20: ID number + 2
            "44030072152672X",
            "１１０１０８１２３４５６７８９",
        ],
    )
    def test_older_tax_ids_are_accepted(self, value):
        normalised, warnings = check_tax_id(value)
        assert warnings == []
        assert len(normalised) in (15, 17, 20)

    def test_natural_person_may_have_none(self):
        assert check_tax_id("", natural_person=True) == ("", [])
        assert check_tax_id(None, natural_person=True) == ("", [])
        assert check_tax_id(False, natural_person=True) == ("", [])
        assert check_tax_id(" \u3000 ", natural_person=True) == ("", [])
        for value in ("", None, "  "):
            self.assert_refused(value, ["missing", "纳税人识别号", "natural person"])

    @parametrize(
        ("value", "texts"),
        [
            ("91350100M000100YO3", ["91350100M000100YO3", "'O'", "I, O, S, V and Z"]),
            ("91350100M000100YI3", ["'I'"]),
            ("91350100S000100Y43", ["'S'"]),
            ("91350100V000100Y43", ["'V'"]),
            ("91350100Z000100Y43", ["'Z'"]),
            ("1234567890", ["1234567890", "10 characters", "18"]),
            ("9135010", ["7 characters"]),
            ("91350100M000100Y431", ["19 characters"]),
            ("9135010M000100Y43AB", ["19 characters"]),
            ("9135010M000100Y43ABCD", ["21 characters"]),
            ("11010812345678!", ["11010812345678!", "'!'"]),
            ("91350100M000100Y4.", ["'.'"]),
            ("91350100M000100Y4的", ["'的'"]),
            ("9135/0100M000100Y43", ["'/'"]),
        ],
    )
    def test_refused_ids(self, value, texts):
        self.assert_refused(value, texts)
        self.assert_refused(value, texts, natural_person=True)
