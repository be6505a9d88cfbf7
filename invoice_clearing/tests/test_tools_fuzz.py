"""Hypothesis fuzz of the fapiao number parser and the tax ID check: hostile text never escapes.

Whatever users type, paste or import, these functions return well-formed values or raise the
project's FapiaoRuleError (rendered in both languages) - never another exception.
"""

from datetime import date

from ..tools import fapiao_number, tax_id
from ..tools.rule_error import FapiaoRuleError, RuleWarning
from .fuzzing import HealthCheck, example, given, settings, st
from .tools_case import ToolsCase

FUZZ = settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;',
    "１２３４５６７８",
    "1.2345678E7",
    "\u200b01234567\u3000",
    "0" * 10_000,
    "-",
    "~~::,,;;、",
    "12345678-",
    "\x00\udcff",
]
# Digits, their full-width forms, separators of number lists, and anything else.
DIGITISH = st.text(alphabet=st.sampled_from("0123456789０１２３４５６７８９ .,:;-~、\n\tEe+"))
ANY_TEXT = st.one_of(st.text(), DIGITISH, st.sampled_from(HOSTILE))
ANY_VALUE = st.one_of(
    ANY_TEXT,
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.just(False),
)
KINDS = st.one_of(st.sampled_from(fapiao_number.KINDS), st.text(max_size=20), st.none())
DATES = st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))


def _assert_digits_or_rule_error(function, *args):
    """`function(*args)` returns ASCII digits (or "") or raises a well-formed FapiaoRuleError."""
    try:
        result = function(*args)
    except FapiaoRuleError as error:
        _assert_rule_error(error)
        return
    assert isinstance(result, str)
    assert result == "" or (result.isascii() and result.isdigit())


def _assert_rule_error(error):
    """A FapiaoRuleError renders a non-empty message, in English and through a translator."""
    assert isinstance(error, FapiaoRuleError)
    assert error.render().strip()
    assert error.render(lambda source: source).strip()


class TestFuzz(ToolsCase):
    """Hostile text never escapes the parsers."""

    @FUZZ
    @given(value=ANY_VALUE, field=st.sampled_from(["number", "code", "red_reference", "other"]),
           length=st.one_of(st.none(), st.sampled_from([8, 10, 12, 16, 20])))  # fmt: skip
    @example(value=12345678.0, field="number", length=8)
    @example(value="1.2345678E7", field="number", length=None)
    @example(value="1E5000", field="number", length=None)  # was a ValueError (int to str limit)
    @example(value="1E999999999", field="code", length=12)  # was a billion-digit int: a hang
    def test_normalize_digits_returns_digits_or_rule_error(self, value, field, length):
        _assert_digits_or_rule_error(fapiao_number.normalize_digits, value, field, length)

    @FUZZ
    @given(value=ANY_VALUE)
    @example(value=32001900104)  # a 12-digit code whose leading zero Excel dropped
    def test_normalize_code_returns_digits_or_rule_error(self, value):
        _assert_digits_or_rule_error(fapiao_number.normalize_code, value)

    @FUZZ
    @given(kind=KINDS, code=st.one_of(ANY_TEXT, st.from_regex(r"\A\d{10}\Z|\A\d{12}\Z")),
           number=st.one_of(ANY_TEXT, st.from_regex(r"\A\d{8}\Z|\A\d{20}\Z")), today=DATES)  # fmt: skip
    @example(kind="vat_special", code="3200191130", number="01234567", today=None)
    @example(
        kind="digital_general", code="", number="26442000000000000002", today=date(2026, 11, 1)
    )
    def test_check_fapiao_identity_is_total(self, kind, code, number, today):
        try:
            result = fapiao_number.check_fapiao_identity(kind, code, number, today=today)
        except FapiaoRuleError as error:
            _assert_rule_error(error)
            return
        assert result is None or isinstance(result, tuple)
        for part in result or ():
            assert part is None or isinstance(part, str)

    @FUZZ
    @given(text=st.one_of(ANY_TEXT, st.lists(ANY_TEXT, max_size=8).map("\n".join), st.none()))
    @example(
        text="01234567-01234570, 3200191130:01234567\n26442000000000000001～26442000000000000009"
    )
    def test_parse_number_list_is_well_formed(self, text):
        try:
            entries = fapiao_number.parse_number_list(text)
        except FapiaoRuleError as error:
            _assert_rule_error(error)
            return
        assert isinstance(entries, list)
        for code, first, last in entries:
            assert code == "" or (code.isascii() and code.isdigit())
            assert first.isascii() and first.isdigit() and last.isascii() and last.isdigit()
            assert len(first) == len(last) and first <= last

    @FUZZ
    @given(value=ANY_VALUE, natural_person=st.booleans())
    @example(value="91350100M000100Y43", natural_person=False)
    @example(value='=HYPERLINK("http://evil")', natural_person=True)
    def test_check_tax_id_is_total(self, value, natural_person):
        try:
            normalized, warnings = tax_id.check_tax_id(value, natural_person=natural_person)
        except FapiaoRuleError as error:
            _assert_rule_error(error)
            return
        assert isinstance(normalized, str)
        assert all(char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" for char in normalized)
        assert len(normalized) in (0, 15, 17, 18, 20)
        assert all(isinstance(warning, RuleWarning) and warning.render() for warning in warnings)
