"""Pure tests of the fapiao identity rules and of the rule messages themselves (no database)."""

import ast
import pickle
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ..tools import fapiao_number as fn
from ..tools import rule_error
from ..tools.rule_error import FapiaoRuleError, RuleWarning, Term
from .tools_case import ToolsCase, parametrize

TODAY = date(2026, 11, 22)
TOOLS = Path(fn.__file__).resolve().parent
FULLWIDTH_NUMBER = " " + "".join(chr(ord(c) + 0xFEE0) for c in "26442000000000000001") + "\u3000"


# --- rule_error: the message type ---------------------------------------------------------------

ZH = {
    "Fapiao %(number)s is wrong: %(reason)s": "发票 %(number)s 有误：%(reason)s",
    "digits only": "只能是数字",
    "Entry %(position)s: %(error)s": "第 %(position)s 项：%(error)s",
    "Fapiao %(number)s is missing.": "发票 %(number)s 缺失。",
}


def _marked_messages():
    """Every `_("...")` call in the tools modules, as (file, line, first argument node)."""
    for path in sorted(TOOLS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_":
                yield path.name, node.lineno, node.args


class TestFapiaoNumber(ToolsCase):
    """Fapiao identity rules and the rule messages."""

    def assert_refused(self, func, *args, field, texts=(), **kwargs):
        """`func(*args)` raises a FapiaoRuleError about `field` whose message names every text."""
        with self.assertRaises(FapiaoRuleError) as caught:
            func(*args, **kwargs)
        error = caught.exception
        assert error.field == field, str(error)
        for text in texts:
            assert text in str(error), f"{text!r} not in {error}"
        return error

    def test_marker_returns_its_source(self):
        # Not a literal: Odoo's extractor would put a literal into the .pot (tests are scanned too).
        source = "Fapiao code %(code)s"
        assert rule_error._(source) is source

    def test_error_renders_english_and_translated(self):
        error = FapiaoRuleError(
            "number",
            "Fapiao %(number)s is wrong: %(reason)s",
            number="0123",
            reason=Term("digits only"),
        )
        assert isinstance(error, ValueError)
        assert (error.field, error.params["number"]) == ("number", "0123")
        assert str(error) == error.render() == "Fapiao 0123 is wrong: digits only"
        assert error.args == ("Fapiao 0123 is wrong: digits only",)
        # The Term parameter is translated with the message, the plain value is not.
        assert error.render(lambda s: ZH.get(s, s)) == "发票 0123 有误：只能是数字"

    def test_nested_error_is_translated_too(self):
        inner = FapiaoRuleError("number", "Fapiao %(number)s is missing.", number="01234567")
        outer = FapiaoRuleError(
            "number_list", "Entry %(position)s: %(error)s", position=2, error=inner
        )
        assert str(outer) == "Entry 2: Fapiao 01234567 is missing."
        assert outer.render(lambda s: ZH.get(s, s)) == "第 2 项：发票 01234567 缺失。"

    def test_field_and_template_are_positional_only(self):
        error = FapiaoRuleError("vat", "%(field)s / %(template)s", field="F", template="T")
        assert (error.field, error.template, str(error)) == (
            "vat",
            "%(field)s / %(template)s",
            "F / T",
        )

    def test_error_survives_pickling(self):
        error = FapiaoRuleError("code", "Fapiao code %(code)s.", code="3200191130")
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), copy.field, copy.params, str(copy)) == (
            FapiaoRuleError,
            "code",
            {"code": "3200191130"},
            "Fapiao code 3200191130.",
        )

    def test_warning_has_the_same_shape_and_is_not_an_exception(self):
        warning = RuleWarning("vat", "Tax ID %(value)s.", value="91350100M000100Y43")
        assert not isinstance(warning, BaseException)
        assert (warning.field, str(warning)) == ("vat", "Tax ID 91350100M000100Y43.")
        assert warning.render(lambda s: "税号 %(value)s。") == "税号 91350100M000100Y43。"
        assert "RuleWarning('vat'" in repr(warning)

    def test_messages_are_literal_and_named(self):
        """Odoo's extractor only sees literals, and translators may reorder only named params."""
        messages = list(_marked_messages())
        assert len(messages) > 50
        for name, line, args in messages:
            where = f"{name}:{line}"
            assert len(args) == 1, where
            assert isinstance(args[0], ast.Constant), where
            assert isinstance(args[0].value, str), where
            template = args[0].value
            assert "%" not in re.sub(r"%\(\w+\)s|%%", "", template), f"{where}: {template}"
            template % dict.fromkeys(re.findall(r"%\((\w+)\)s", template), "x")  # well-formed

    def test_rule_messages_are_built_from_marked_templates(self):
        """Every FapiaoRuleError/RuleWarning of the tools gets a `_()` literal (or a variable)."""
        count = 0
        for path in sorted(TOOLS.glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
                    "FapiaoRuleError",
                    "RuleWarning",
                ):
                    count += 1
                    template = node.args[1]
                    assert isinstance(template, ast.Name) or (
                        isinstance(template, ast.Call) and template.func.id == "_"
                    ), f"{path.name}:{node.lineno}"
        assert count > 40

    def test_every_message_says_what_to_do(self):
        """Messages end with an instruction: each has at least two sentences."""
        for name, line, args in _marked_messages():
            template = args[0].value
            if "%(error)s" in template or not template.endswith("."):
                continue  # a wrapper around another message, or a label
            assert template.count(". ") + template.count(": ") + template.count("; ") >= 1, (
                f"{name}:{line}: {template}"
            )

    # --- normalize_digits -------------------------------------------------------------------------

    @parametrize(
        ("value", "length", "expected"),
        [
            ("01234567", 8, "01234567"),
            (" 0123 4567 ", 8, "01234567"),
            ("\t01234567\n", 8, "01234567"),
            ("０１２３４５６７", 8, "01234567"),  # full-width digits
            ("0123\u30004567", 8, "01234567"),  # ideographic space
            ("0123\u00a04567", 8, "01234567"),  # no-break space
            ("\ufeff0123\u200b4567", 8, "01234567"),  # BOM and zero-width space from copy-paste
            ('="01234567"', 8, "01234567"),  # the CSV trick that keeps leading zeros
            ("'01234567", 8, "01234567"),  # Excel's text prefix
            ("1.2345678E7", 8, "12345678"),
            ("1.2345678e+07", 8, "12345678"),
            ("1.234567e+06", 8, "01234567"),  # Excel dropped the leading zero
            ("1.234567E6", None, "1234567"),  # no length: nothing to restore
            (1234567, 8, "01234567"),
            (1234567.0, 8, "01234567"),
            (Decimal("1234567"), 8, "01234567"),
            (Decimal("1.2345678E+7"), 8, "12345678"),
            ("12345678.0", 8, "12345678"),
            ("1234567.00", 8, "01234567"),
            (24442000000012345678, 20, "24442000000012345678"),  # an int is exact
            ("24442000000012345678", 20, "24442000000012345678"),
            (44001900111, None, "44001900111"),  # a code: its length is not known here
            ("", 8, ""),
            ("  \u3000", 8, ""),
            (None, 8, ""),
            (False, 8, ""),
        ],
    )
    def test_normalize_digits(self, value, length, expected):
        assert fn.normalize_digits(value, "number", length) == expected

    @parametrize("value", ["1234567", "０１２３４５６", " 123 4567"])
    def test_text_with_too_few_digits_is_not_padded(self, value):
        assert len(fn.normalize_digits(value, "number", 8)) == 7

    @parametrize(
        ("value", "field", "texts"),
        [
            ("0123456O", "number", ["0123456O", "'O'", "发票号码"]),
            ("1234-5678", "number", ["1234-5678", "'-'"]),
            ("12.5", "number", ["12.5", "'.'"]),
            ("No.01234567", "number", ["'N'"]),
            ("0123\u200e4567", "number", ["U+200E"]),  # an invisible mark is named by code point
            ("32001911３O", "code", ["'O'", "发票代码"]),
            ("4403012O19000123", "red_reference", ["'O'", "红字信息表编号"]),
            ("12A", "serial", ["'A'", "fapiao ID"]),
            (True, "number", ["'T'"]),
            (float("nan"), "number", ["nan"]),
            (12.5, "number", ["12.5", "positive whole number"]),
            (-1234567.0, "number", ["-1234567.0", "positive whole number"]),
            (-1234567, "number", ["'-'"]),
        ],
    )
    def test_normalize_digits_refuses_non_digits(self, value, field, texts):
        self.assert_refused(fn.normalize_digits, value, field, field=field, texts=texts)

    @parametrize(
        ("value", "length"),
        [
            (2.4442000000123457e19, "20"),  # a 数电 number read from an Excel cell
            ("2.4442000000123457E+19", "20"),
            ("2.4442E+19", "20"),
            (2.6442e19, "20"),
            ("4.403012019000123E15", "16"),  # a 红字信息表编号 (16 digits)
            (1234567890123456.0, "16"),
            ("24442000000123457000.0", "20"),  # a float printed out in full
        ],
    )
    def test_digits_lost_by_excel_are_refused(self, value, length):
        error = self.assert_refused(
            fn.normalize_digits, value, "number", 20, field="number",
            texts=[str(value), "Excel", "15 significant digits", f"{length}-digit", "as text"],
        )  # fmt: skip
        assert error.params["value"] == value

    def test_fifteen_digits_survive_excel(self):
        assert fn.normalize_digits(123456789012345.0, "number") == "123456789012345"
        assert fn.normalize_digits("1.23456789012345E14", "number") == "123456789012345"

    @parametrize(
        ("value", "expected"),
        [
            (44001900111, "044001900111"),  # Excel dropped the leading 0 of a 12-digit code
            (44001900111.0, "044001900111"),
            ("4.4001900111E10", "044001900111"),
            ("044001900111", "044001900111"),
            (3200191130, "3200191130"),  # 10-digit codes have no leading zero
            ("44001900111", "44001900111"),  # text is never padded
            ("", ""),
            (None, ""),
        ],
    )
    def test_normalize_code(self, value, expected):
        assert fn.normalize_code(value) == expected

    def test_to_halfwidth(self):
        assert fn.to_halfwidth("（３２００１９１１３０）：ＡＢｃ\u3000、") == "(3200191130):ABc 、"
        assert fn.to_halfwidth("a\u200bb\ufeff") == "ab"

    # --- kinds and codes ---------------------------------------------------------------------------

    @parametrize(
        ("code", "kind"),
        [
            ("3200191130", "vat_special"),  # 8th digit 1
            ("1100174150", "vat_special"),  # 8th digit 5
            ("3200191330", "vat_general"),  # older 10-digit general: 8th digit 3
            ("3200191630", "vat_general"),  # 8th digit 6
            ("032001900104", "vat_general"),
            ("032001900105", "vat_general"),
            ("032001900106", "vat_roll"),
            ("032001900107", "vat_roll"),
            ("044001900111", "e_general"),
            ("044001900112", "e_general"),  # toll road e-fapiao
            ("044001900113", "e_special"),
            (" ０４４００１９００１１１ ", "e_general"),
            (44001900111, "e_general"),  # from an Excel cell
        ],
    )
    def test_detect_kind_from_code(self, code, kind):
        assert fn.detect_kind_from_code(code) == kind

    @parametrize(
        ("code", "texts"),
        [
            ("", ["missing"]),
            (None, ["missing"]),
            ("320019113", ["Fapiao code 320019113 has 9 digits", "10 or 12"]),
            ("32001911300", ["32001911300", "11 digits"]),
            ("3200191930", ["3200191930", "8th digit", "9"]),
            ("3200191030", ["3200191030", "0 as its 8th digit"]),
            ("144001924000", ["144001924000", "ends in 00", "motor vehicle"]),
            ("032001900199", ["ends in 99"]),
            ("32001911３O", ["'O'"]),
        ],
    )
    def test_detect_kind_errors(self, code, texts):
        self.assert_refused(fn.detect_kind_from_code, code, field="code", texts=texts)

    @parametrize("kind", ["motor_vehicle", "used_vehicle"])
    @parametrize("code", ["144001924000", "244001924011", "032001900104"])
    def test_vehicle_kinds_need_an_explicit_kind(self, kind, code):
        assert fn.detect_kind_from_code(code, kind) == kind
        fn.check_kind_matches_code(kind, code)

    @parametrize(
        ("kind", "code"),
        [
            ("vat_special", "3200191130"),
            ("vat_general", "3200191330"),
            ("vat_general", "032001900104"),
            ("vat_roll", "032001900107"),
            ("e_general", "044001900112"),
            ("e_special", "044001900113"),
            ("digital_special", ""),
            ("digital_general", "044001900111"),  # paper 数电 carries the stock's code
            ("digital_general", "3200191130"),
        ],
    )
    def test_kind_matches_code(self, kind, code):
        assert fn.check_kind_matches_code(kind, code) is None

    @parametrize(
        ("kind", "code", "field", "texts"),
        [
            (
                "vat_special",
                "044001900111",
                "fapiao_type",
                ["044001900111", "增值税电子普通发票", "增值税专用发票"],
            ),
            ("vat_general", "3200191130", "fapiao_type", ["3200191130", "Special VAT fapiao"]),
            ("e_special", "044001900111", "fapiao_type", ["Electronic general fapiao"]),
            ("vat_roll", "032001900104", "fapiao_type", ["增值税普通发票)", "卷票"]),
            (
                "motor_vehicle",
                "3200191130",
                "code",
                ["3200191130", "12-digit", "机动车销售统一发票"],
            ),
            (
                "used_vehicle",
                "04400190011",
                "code",
                ["04400190011", "11 digits", "二手车销售统一发票"],
            ),
            ("used_vehicle", "", "code", ["missing"]),
            ("digital_special", "12345", "code", ["12345", "5 digits", "数电票"]),
            ("vat_special", "", "code", ["missing"]),
            ("", "3200191130", "fapiao_type", ["missing"]),
            ("paper", "3200191130", "fapiao_type", ["paper", "vat_special"]),
        ],
    )
    def test_kind_does_not_match_code(self, kind, code, field, texts):
        self.assert_refused(fn.check_kind_matches_code, kind, code, field=field, texts=texts)

    def test_mismatch_names_the_kinds_in_the_users_language(self):
        error = self.assert_refused(
            fn.check_kind_matches_code, "vat_special", "044001900111", field="fapiao_type"
        )
        zh = {
            str(fn.KIND_LABELS["e_general"]): "增值税电子普通发票",
            str(fn.KIND_LABELS["vat_special"]): "增值税专用发票",
            error.template: "发票代码 %(code)s 属于%(detected)s，而非%(kind)s。",
        }
        assert error.render(lambda s: zh.get(s, s)) == (
            "发票代码 044001900111 属于增值税电子普通发票，而非增值税专用发票。"
        )

    def test_kind_tables_are_consistent(self):
        kinds = set(fn.KINDS)
        assert len(fn.KINDS) == 9
        assert set(fn.KIND_LABELS) == set(fn.BUREAU_CODES) == kinds
        assert set(fn.DEVICE_CODES) == fn.LEGACY_KINDS == kinds - fn.DIGITAL_KINDS
        assert {"digital_special", "digital_general"} == fn.DIGITAL_KINDS
        assert {"e_general", "e_special"} | fn.DIGITAL_KINDS == fn.ELECTRONIC_KINDS
        assert fn.VEHICLE_KINDS <= fn.LEGACY_KINDS
        assert len(set(fn.DEVICE_CODES.values())) == len(fn.DEVICE_CODES)
        assert len(set(fn.BUREAU_CODES.values())) == len(fn.BUREAU_CODES)

    def test_fapiao_types_are_the_kinds_with_their_labels(self):
        """The selection of every `fapiao_type` field: plain strings, the kinds in order."""
        assert [kind for kind, _label in fn.FAPIAO_TYPES] == list(fn.KINDS)
        for kind, label in fn.FAPIAO_TYPES:
            assert type(label) is str and label == fn.KIND_LABELS[kind]
        assert (fn.DEVICE_CODES["vat_special"], fn.BUREAU_CODES["vat_special"]) == ("004", "01")
        assert (fn.BUREAU_CODES["digital_special"], fn.BUREAU_CODES["digital_general"]) == (
            "81",
            "82",
        )

    # --- digital numbers ---------------------------------------------------------------------------

    @parametrize(
        ("number", "today", "expected"),
        [
            ("24442000000012345678", TODAY, "24442000000012345678"),
            ("21442000000000000001", TODAY, "21442000000000000001"),  # the first 数电 year
            (
                "27442000000000000001",
                TODAY,
                "27442000000000000001",
            ),  # next year: time zones, clocks
            ("25442000000000000001", 2025, "25442000000000000001"),  # a year instead of a date
            ("26442000000000000001", datetime(2026, 1, 1, 0, 5), "26442000000000000001"),
            (FULLWIDTH_NUMBER, TODAY, "26442000000000000001"),
            (26442000000000000001, TODAY, "26442000000000000001"),  # an int from RPC is exact
        ],
    )
    def test_digital_number(self, number, today, expected):
        assert fn.check_digital_number(number, today) == expected

    def test_digital_number_defaults_to_this_year(self):
        yy = date.today().year % 100
        assert fn.check_digital_number(f"{yy:02d}442000000000000001")
        self.assert_refused(
            fn.check_digital_number, f"{yy + 2:02d}442000000000000001", field="number"
        )

    @parametrize(
        ("number", "texts"),
        [
            ("20442000000000000001", ["20442000000000000001", "starts with 20", "2021 to 2027"]),
            ("28442000000000000001", ["starts with 28", "2027"]),
            ("99442000000000000001", ["starts with 99"]),
            ("2644200000000000001", ["2644200000000000001", "19 digits", "20 digits"]),
            ("264420000000000000011", ["21 digits"]),
            ("01234567", ["01234567", "8 digits", "发票代码", "20-digit"]),
            ("", ["missing"]),
            ("2644200000000000000O", ["'O'"]),
            (2.6442000000000001e19, ["Excel"]),
        ],
    )
    def test_digital_number_errors(self, number, texts):
        self.assert_refused(fn.check_digital_number, number, TODAY, field="number", texts=texts)

    # --- whole identities --------------------------------------------------------------------------

    @parametrize(
        ("kind", "code", "number", "expected"),
        [
            ("vat_special", "3200191130", "01234567", ("3200191130", "01234567")),
            ("vat_special", 3200191130, 1234567, ("3200191130", "01234567")),  # an Excel row
            ("vat_general", "3200191630", "00000001", ("3200191630", "00000001")),
            ("vat_general", 32001900104, 1234567.0, ("032001900104", "01234567")),
            ("vat_roll", "032001900106", "99999999", ("032001900106", "99999999")),
            ("e_general", "０４４００１９００１１１", " 01234567", ("044001900111", "01234567")),
            ("e_general", "044001900112", "01234567", ("044001900112", "01234567")),  # toll
            ("e_special", "044001900113", '="01234567"', ("044001900113", "01234567")),
            ("motor_vehicle", "144001924000", "01234567", ("144001924000", "01234567")),
            ("used_vehicle", "244001924000", "01234567", ("244001924000", "01234567")),
            ("digital_general", "", "26442000000000000001", ("", "26442000000000000001")),
            ("digital_general", None, "24442000000012345678", ("", "24442000000012345678")),
            ("digital_special", False, "25442000000000000001", ("", "25442000000000000001")),
            (
                "digital_special",
                "044001900111",
                "21442000000000000001",
                ("044001900111", "21442000000000000001"),
            ),  # paper 数电 with its code
            ("digital_special", "", "27442000000000000001", ("", "27442000000000000001")),
        ],
    )
    def test_valid_identities(self, kind, code, number, expected):
        assert fn.check_fapiao_identity(kind, code, number, today=TODAY) == expected

    @parametrize(
        ("kind", "code", "number", "field", "texts"),
        [
            ("vat_special", "", "01234567", "code", ["01234567", "no fapiao code", "发票代码"]),
            ("vat_special", "3200191130", "", "number", ["missing"]),
            ("vat_special", "3200191130", None, "number", ["missing"]),
            ("vat_special", "3200191130", "0123456", "number", ["0123456", "7 digits", "8 digits"]),
            ("vat_special", "3200191130", "012345678", "number", ["9 digits"]),
            ("vat_special", "3200191130", "26442000000000000001", "number", ["20 digits", "数电"]),
            ("vat_special", "", "26442000000000000001", "number", ["数电"]),
            ("vat_special", "320019113", "01234567", "code", ["320019113", "9 digits"]),
            ("vat_special", "3200191130", "0123456O", "number", ["0123456O", "'O'"]),
            ("vat_general", "3200191130", "01234567", "fapiao_type", ["3200191130", "Special VAT"]),
            ("e_special", "044001900111", "01234567", "fapiao_type", ["044001900111"]),
            ("motor_vehicle", "3200191130", "01234567", "code", ["3200191130", "12-digit"]),
            ("digital_general", "", "2644200000000000001", "number", ["19 digits"]),
            (
                "digital_general",
                "",
                "20442000000000000001",
                "number",
                ["20442000000000000001", "2021"],
            ),
            ("digital_general", "", "28442000000000000001", "number", ["starts with 28"]),
            ("digital_general", "044001900111", "01234567", "number", ["8 digits", "发票代码"]),
            (
                "digital_general",
                "123",
                "26442000000000000001",
                "code",
                ["123", "3 digits", "数电票"],
            ),
            ("unknown", "3200191130", "01234567", "fapiao_type", ["unknown", "digital_general"]),
            (False, "3200191130", "01234567", "fapiao_type", ["missing"]),
        ],
    )
    def test_invalid_identities(self, kind, code, number, field, texts):
        self.assert_refused(
            fn.check_fapiao_identity, kind, code, number, today=TODAY, field=field, texts=texts
        )

    def test_identity_uses_today_by_default(self):
        yy = date.today().year % 100
        assert fn.check_fapiao_identity("digital_general", "", f"{yy:02d}442000000000000001")

    # --- number lists ------------------------------------------------------------------------------

    @parametrize(
        ("text", "expected"),
        [
            ("26442000000000000001", [("", "26442000000000000001", "26442000000000000001")]),
            ("3200191130:01234567", [("3200191130", "01234567", "01234567")]),
            ("3200191130：01234567", [("3200191130", "01234567", "01234567")]),  # full-width colon
            ("00000001-00000009", [("", "00000001", "00000009")]),
            ("00000001~00000009", [("", "00000001", "00000009")]),
            ("00000001－00000009", [("", "00000001", "00000009")]),  # full-width hyphen
            ("00000001～00000009", [("", "00000001", "00000009")]),  # full-width tilde
            ("00000001 - 00000009", [("", "00000001", "00000009")]),  # spaces around the dash
            ("3200191130 : 00000001 ~ 00000009", [("3200191130", "00000001", "00000009")]),
            ("044001900111:00000001-00100000", [("044001900111", "00000001", "00100000")]),
            ("０００００００１", [("", "00000001", "00000001")]),
            ("00000005-00000005", [("", "00000005", "00000005")]),
            ("", []),
            (None, []),
            ("  \n ,; \u3000", []),
        ],
    )
    def test_parse_number_list_entries(self, text, expected):
        assert fn.parse_number_list(text) == expected

    def test_parse_number_list_separators(self):
        text = (
            "3200191130:01234567, 26442000000000000001-26442000000000000003\n"
            "12345678；00000001～00000009 044001900111：00000002，00000003、00000004;00000005\t"
            "00000006\r\n\n00000007"
        )
        assert fn.parse_number_list(text) == [
            ("3200191130", "01234567", "01234567"),
            ("", "26442000000000000001", "26442000000000000003"),
            ("", "12345678", "12345678"),
            ("", "00000001", "00000009"),
            ("044001900111", "00000002", "00000002"),
            *[("", f"0000000{n}", f"0000000{n}") for n in range(3, 8)],
        ]

    @parametrize(
        ("text", "texts"),
        [
            ("01234567, 0123456X", ["Entry 2 (0123456X)", "'X'"]),
            (",,01234567\n\n0123456X", ["Entry 2 (0123456X)"]),  # empty entries do not count
            ("00000009-00000001", ["Entry 1 (00000009-00000001)", "backwards", "00000009"]),
            ("00000001-0000000009", ["Entry 1", "10 digits"]),
            (
                "00000001-26442000000000000001",
                ["different lengths", "00000001", "26442000000000000001"],
            ),
            ("00000001-", ["Entry 1 (00000001-)", "incomplete"]),
            ("-00000001", ["incomplete"]),
            ("3200191130:", ["incomplete"]),
            (":00000001", ["incomplete"]),
            ("00000001-00100001", ["100001 numbers", "100000", "Split"]),
            ("01234567 1234567", ["Entry 2 (1234567)", "7 digits", "8 digits"]),
            ("320019113:01234567", ["Entry 1", "320019113", "9 digits", "发票代码"]),
            ("32001911３0:0123456O", ["'O'", "Entry 1"]),
            ("00000001-00000002-00000003", ["Entry 1", "'-'"]),
            ("3200191130:3200191130:01234567", ["Entry 1", "3200191130:3200191130", "':'"]),
        ],
    )
    def test_parse_number_list_errors(self, text, texts):
        self.assert_refused(fn.parse_number_list, text, field="number_list", texts=texts)

    def test_number_list_error_wraps_the_entry_error_in_the_users_language(self):
        error = self.assert_refused(fn.parse_number_list, "01234567\n0123456X", field="number_list")
        inner = error.params["error"]
        assert isinstance(inner, FapiaoRuleError)
        assert inner.field == "number"
        zh = {
            error.template: "号码清单第 %(position)s 项（%(entry)s）：%(error)s",
            inner.template: "%(label)s %(value)s 含有 %(char)s。",
            str(fn.FIELD_LABELS["number"]): "发票号码",
        }
        assert error.render(lambda s: zh.get(s, s)) == (
            "号码清单第 2 项（0123456X）：发票号码 0123456X 含有 'X'。"
        )
