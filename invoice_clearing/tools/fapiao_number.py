"""Fapiao identity: 发票代码 / 发票号码 normalisation, format checks and kind detection.

See docs/FAPIAO.md, Numbers and kinds. IDs are text: leading zeros matter, and what Excel turned into numbers is
repaired where that is safe and refused with a precise message where digits were lost.
"""

# `_` here is the marker of rule_error.py: these modules have no env to translate with.
# pylint: disable=prefer-env-translation

import math
import re
from datetime import date
from decimal import Decimal

from .rule_error import FapiaoRuleError, Term, _

# Every kind of fapiao (发票票种) the register knows, in the order users see them; the labels are
# also those of the `fapiao_type` selections (FAPIAO_TYPES), which share their translations.
KIND_LABELS = {
    "vat_special": Term(_("Special VAT fapiao (增值税专用发票)")),
    "vat_general": Term(_("General VAT fapiao (增值税普通发票)")),
    "vat_roll": Term(_("General VAT roll fapiao (增值税普通发票(卷票))")),
    "e_general": Term(_("Electronic general fapiao (增值税电子普通发票)")),
    "e_special": Term(_("Electronic special fapiao (增值税电子专用发票)")),
    "digital_special": Term(_("Digital special fapiao (数电票(增值税专用发票))")),
    "digital_general": Term(_("Digital general fapiao (数电票(普通发票))")),
    "motor_vehicle": Term(_("Motor vehicle sales fapiao (机动车销售统一发票)")),
    "used_vehicle": Term(_("Used vehicle sales fapiao (二手车销售统一发票)")),
}
KINDS = tuple(KIND_LABELS)
FAPIAO_TYPES = [(kind, str(label)) for kind, label in KIND_LABELS.items()]
# Codes of the invoicing device software (发票种类代码) and of the bureau's 票种 column.
DEVICE_CODES = {
    "vat_special": "004",
    "vat_general": "007",
    "vat_roll": "025",
    "e_general": "026",
    "e_special": "028",
    "motor_vehicle": "005",
    "used_vehicle": "006",
}
BUREAU_CODES = {
    "vat_special": "01",
    "vat_general": "04",
    "vat_roll": "11",
    "e_general": "10",
    "e_special": "08",
    "motor_vehicle": "03",
    "used_vehicle": "15",
    "digital_special": "81",
    "digital_general": "82",
}
DIGITAL_KINDS = frozenset({"digital_special", "digital_general"})
ELECTRONIC_KINDS = frozenset({"e_general", "e_special"}) | DIGITAL_KINDS  # can never be voided
LEGACY_KINDS = frozenset(KINDS) - DIGITAL_KINDS  # 发票代码 + 8-digit 发票号码
VEHICLE_KINDS = frozenset({"motor_vehicle", "used_vehicle"})

CODE_LENGTHS = (10, 12)
LEGACY_NUMBER_LENGTH = 8
DIGITAL_NUMBER_LENGTH = 20
FIRST_DIGITAL_YEAR = 2021  # the first 数电 pilots
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number
MAX_RANGE = 100_000

# 10-digit codes: the 8th digit; 12-digit codes: the last two digits.
_KIND_BY_8TH_DIGIT = {
    "1": "vat_special",
    "5": "vat_special",
    "3": "vat_general",
    "6": "vat_general",
}
_KIND_BY_SUFFIX = {
    "04": "vat_general",
    "05": "vat_general",
    "06": "vat_roll",
    "07": "vat_roll",
    "11": "e_general",
    "12": "e_general",  # toll road e-fapiao (通行费)
    "13": "e_special",
}

FIELD_LABELS = {
    "code": Term(_("fapiao code (发票代码)")),
    "number": Term(_("fapiao number (发票号码)")),
    "red_reference": Term(_("red-letter form number (红字信息表编号)")),
}
_GENERIC_LABEL = Term(_("fapiao ID"))

# Full-width ASCII variants (０-９, Ａ-Ｚ, ：，…) become ASCII; zero-width characters vanish.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20  # ideographic space
_HALFWIDTH.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff")))
_SPACES = re.compile(r"\s+")  # Unicode-aware: includes NBSP and U+3000
_FLOAT_TEXT = re.compile(r"\d+(\.\d*)?[eE][+-]?\d+|\d+\.0*")  # 1.2345678E7, 12345678.0


def to_halfwidth(text):
    """`text` with full-width characters made ASCII and invisible zero-width characters removed."""
    return text.translate(_HALFWIDTH)


def normalize_digits(value, field, length=None):
    """Digits as text from what users and Excel produce; raise a precise error otherwise.

    Numbers that went through Excel (12345678.0, "1.2345678E7") are repaired, and when `length`
    is known, leading zeros Excel dropped are restored. Text with too few digits is not padded:
    that is a typing error the user must see.
    """
    text, numeric = _digits(value, field)
    if numeric and length and len(text) < length:
        text = text.zfill(length)
    return text


def normalize_code(value):
    """A 发票代码 as text. A 12-digit code starts with 0, which Excel drops: restore it."""
    text, numeric = _digits(value, "code")
    if numeric and len(text) == CODE_LENGTHS[1] - 1:
        text = "0" + text
    return text


def _digits(value, field):
    """(digits, came as a number) for `value`; FapiaoRuleError if it is not a plain digit string."""
    if value is None or value is False:
        return "", False
    label = FIELD_LABELS.get(field, _GENERIC_LABEL)
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)  # nan, inf: reported below as a non-digit character
    text = _SPACES.sub("", to_halfwidth(str(value)))
    if text.startswith('="') and text.endswith('"') and len(text) > 2:
        text = text[2:-1]  # ="01234567", the CSV trick that keeps leading zeros in Excel
    elif text.startswith("'"):
        text = text[1:]  # '01234567, Excel's "store as text" prefix
    numeric = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    float_like = isinstance(value, float) or bool(_FLOAT_TEXT.fullmatch(text))
    if float_like:
        number = Decimal(text)
        if number != number.to_integral_value() or number < 0:
            raise FapiaoRuleError(
                field,
                _(
                    "The %(label)s %(value)s is not a positive whole number, but a %(label)s has "
                    "digits only. Type it as printed on the fapiao."
                ),
                label=label,
                value=value,
            )
        # Count the digits before building them: "1E999999999" would be a billion digits.
        length = number.adjusted() + 1 if number else 1
        text = str(int(number)) if length <= EXCEL_DIGITS else ""
        numeric = True
        # A float or Excel's rendering of one carries 15 significant digits: a longer ID has
        # lost its tail, and no rule can tell which digits were there.
        if length > EXCEL_DIGITS:
            raise FapiaoRuleError(
                field,
                _(
                    "The %(label)s %(value)s was stored as a number by Excel, which keeps only "
                    "%(kept)s significant digits: the last digits of this %(length)s-digit ID are "
                    "lost. Format the column as text (文本) in the source file, export it again "
                    "and import the new file."
                ),
                label=label,
                value=value,
                kept=EXCEL_DIGITS,
                length=length,
            )
    bad = next((char for char in text if char not in "0123456789"), None)
    if bad is not None:
        raise FapiaoRuleError(
            field,
            _(
                "The %(label)s %(value)s contains %(char)s, but a %(label)s has digits only. "
                "Remove that character or type the value again as printed on the fapiao."
            ),
            label=label,
            value=value,
            char=_show_char(bad),
        )
    return text, numeric


def _show_char(char):
    """A character as the user can find it: quoted, or by code point when it is invisible."""
    return f"'{char}'" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"


def detect_kind_from_code(code, kind=None):
    """The fapiao kind a 10- or 12-digit 发票代码 indicates (docs/FAPIAO.md, Numbers and kinds).

    Vehicle fapiao have 12-digit codes whose suffix says nothing reliable: they are only
    recognised when `kind` names one explicitly.
    """
    code = normalize_code(code)
    if not code:
        raise FapiaoRuleError(
            "code",
            _(
                "The fapiao code (发票代码) is missing. Enter the 10- or 12-digit code printed at "
                "the top right of the fapiao."
            ),
        )
    if len(code) not in CODE_LENGTHS:
        raise FapiaoRuleError(
            "code",
            _(
                "Fapiao code %(code)s has %(length)s digits; a fapiao code (发票代码) has 10 or 12 "
                "digits. Check the code printed at the top right of the fapiao."
            ),
            code=code,
            length=len(code),
        )
    if len(code) == CODE_LENGTHS[0]:
        if code[7] in _KIND_BY_8TH_DIGIT:
            return _KIND_BY_8TH_DIGIT[code[7]]
        raise FapiaoRuleError(
            "code",
            _(
                "Fapiao code %(code)s has %(digit)s as its 8th digit, which no fapiao kind uses "
                "(1 or 5: special VAT fapiao, 3 or 6: general VAT fapiao). Check the code "
                "printed at the top right of the fapiao."
            ),
            code=code,
            digit=code[7],
        )
    if kind in VEHICLE_KINDS:
        return kind
    if code[-2:] in _KIND_BY_SUFFIX:
        return _KIND_BY_SUFFIX[code[-2:]]
    raise FapiaoRuleError(
        "code",
        _(
            "Fapiao code %(code)s ends in %(suffix)s, which does not tell its kind (04/05: general, "
            "06/07: roll, 11/12: electronic general, 13: electronic special). Check the code; for "
            "a motor vehicle or used vehicle sales fapiao choose that kind explicitly."
        ),
        code=code,
        suffix=code[-2:],
    )


def check_kind_matches_code(kind, code):
    """Refuse a 发票代码 that belongs to another kind than the one chosen."""
    _check_kind(kind)
    code = normalize_code(code)
    if kind in DIGITAL_KINDS:
        # A 数电 fapiao has no code, except on paper where it carries the stock's legacy code.
        if code and len(code) not in CODE_LENGTHS:
            raise FapiaoRuleError(
                "code",
                _(
                    "Fapiao code %(code)s has %(length)s digits; leave the code empty for a "
                    "digital fapiao (数电票), or enter the 10- or 12-digit code printed on a paper "
                    "one."
                ),
                code=code,
                length=len(code),
            )
        return
    if kind in VEHICLE_KINDS and code and len(code) != CODE_LENGTHS[1]:
        raise FapiaoRuleError(
            "code",
            _(
                "Fapiao code %(code)s has %(length)s digits; a %(kind)s has a 12-digit fapiao code "
                "(发票代码). Check the code printed at the top right of the fapiao."
            ),
            code=code,
            length=len(code),
            kind=KIND_LABELS[kind],
        )
    detected = detect_kind_from_code(code, kind)
    if detected != kind:
        raise FapiaoRuleError(
            "fapiao_type",
            _(
                "Fapiao code %(code)s is the code of a %(detected)s, but the kind chosen is "
                "%(kind)s. Choose the kind that matches the code, or correct the code."
            ),
            code=code,
            detected=KIND_LABELS[detected],
            kind=KIND_LABELS[kind],
        )


def check_digital_number(number, today=None):
    """The normalised 20-digit 数电发票号码: yy + province + channel + sequence.

    `today` (a date, or a year) bounds the year digits: from 2021, when 数电 began, to next year.
    """
    number = normalize_digits(number, "number")
    if not number:
        raise FapiaoRuleError(
            "number",
            _(
                "The digital fapiao number (数电发票号码) is missing. Enter the 20-digit number "
                "printed on the fapiao."
            ),
        )
    if len(number) == LEGACY_NUMBER_LENGTH:
        raise FapiaoRuleError(
            "number",
            _(
                "Fapiao number %(number)s has 8 digits: that is the number of a fapiao with a "
                "fapiao code (发票代码), not of a digital fapiao (数电票), whose number has 20 "
                "digits. Choose the fapiao's real kind, or enter its 20-digit number."
            ),
            number=number,
        )
    if len(number) != DIGITAL_NUMBER_LENGTH:
        raise FapiaoRuleError(
            "number",
            _(
                "Digital fapiao number %(number)s has %(length)s digits; a digital fapiao number "
                "(数电发票号码) has 20 digits. Copy it again from the fapiao or the bureau's export."
            ),
            number=number,
            length=len(number),
        )
    if today is None:
        today = date.today()
    year = today if isinstance(today, int) else today.year
    first, last = FIRST_DIGITAL_YEAR, year + 1
    if not first <= 2000 + int(number[:2]) <= last:
        raise FapiaoRuleError(
            "number",
            _(
                "Digital fapiao number %(number)s starts with %(yy)s, but a digital fapiao number "
                "(数电发票号码) starts with the two digits of its year of issue, %(first)s to "
                "%(last)s. Check the number."
            ),
            number=number,
            yy=number[:2],
            first=first,
            last=last,
        )
    return number


def check_fapiao_identity(kind, code, number, today=None):
    """Normalised (code, number) of a fapiao of `kind`, or a FapiaoRuleError saying what is wrong.

    Legacy kinds: a 10/12-digit code matching the kind + an 8-digit number. Digital kinds: a
    20-digit number and no code, or a 10/12-digit one on a paper 数电 fapiao.
    """
    _check_kind(kind)
    digital = kind in DIGITAL_KINDS
    code = normalize_code(code)
    # Excel drops leading zeros of legacy numbers; a 数电 number starts with its year, never 0.
    number = normalize_digits(number, "number", None if digital else LEGACY_NUMBER_LENGTH)
    if not number:
        raise FapiaoRuleError(
            "number",
            _("The fapiao number (发票号码) is missing. Enter the number printed on the fapiao."),
        )
    if digital:
        check_kind_matches_code(kind, code)
        return code, check_digital_number(number, today)
    if len(number) == DIGITAL_NUMBER_LENGTH:
        raise FapiaoRuleError(
            "number",
            _(
                "Fapiao number %(number)s has 20 digits: that is a digital fapiao (数电票) "
                "number, but the kind chosen is %(kind)s. Choose a digital kind (数电票)."
            ),
            number=number,
            kind=KIND_LABELS[kind],
        )
    if not code:
        raise FapiaoRuleError(
            "code",
            _(
                "Fapiao %(number)s has no fapiao code (发票代码), but a %(kind)s has one of 10 or "
                "12 digits. Enter the code printed at the top right of the fapiao."
            ),
            number=number,
            kind=KIND_LABELS[kind],
        )
    check_kind_matches_code(kind, code)
    if len(number) != LEGACY_NUMBER_LENGTH:
        raise FapiaoRuleError(
            "number",
            _(
                "Fapiao number %(number)s has %(length)s digits; the fapiao number (发票号码) of a "
                "fapiao with a code has 8 digits. Check the number printed at the top right of "
                "the fapiao."
            ),
            number=number,
            length=len(number),
        )
    return code, number


def _check_kind(kind):
    if not kind:
        raise FapiaoRuleError(
            "fapiao_type",
            _("The fapiao kind (发票种类) is missing. Choose the kind printed on the fapiao."),
        )
    if kind not in KIND_LABELS:
        raise FapiaoRuleError(
            "fapiao_type",
            _(
                "%(kind)s is not a fapiao kind. Use one of: vat_special, vat_general, vat_roll, "
                "e_general, e_special, digital_special, digital_general, motor_vehicle, "
                "used_vehicle."
            ),
            kind=kind,
        )


# Number lists: full-width separators, then spaces around ':', '-', '~' are dropped so that
# "3200191130 : 00000001 - 00000009" reads as one entry.
_LIST_PUNCTUATION = str.maketrans({"、": ","})
_LIST_TIGHTEN = re.compile(r"\s*([:\-~])\s*")
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
_RANGE = re.compile(r"([^\-~]*)[\-~](.*)")


def parse_number_list(text):
    """Entries of a clearing's number list as (code or "", first number, last number).

    Entries are separated by newlines, commas, semicolons, 、 or spaces; each is a number,
    code:number or a range first-last (also first~last), full-width forms included.
    """
    text = to_halfwidth(text or "").translate(_LIST_PUNCTUATION)
    tokens = [t for t in _LIST_SEPARATORS.split(_LIST_TIGHTEN.sub(r"\1", text)) if t]
    return [_parse_entry(position, token) for position, token in enumerate(tokens, start=1)]


def _parse_entry(position, entry):
    code, colon, numbers = entry.rpartition(":")
    match = _RANGE.fullmatch(numbers)
    first, last = match.groups() if match else (numbers, numbers)
    if not first or not last or (colon and not code):
        raise FapiaoRuleError(
            "number_list",
            _(
                "Entry %(position)s (%(entry)s) of the number list is incomplete. Write a fapiao "
                "number, code:number or a range first-last."
            ),
            position=position,
            entry=entry,
        )
    try:
        code = normalize_digits(code, "code")
        first = normalize_digits(first, "number")
        last = normalize_digits(last, "number")
    except FapiaoRuleError as error:
        raise FapiaoRuleError(
            "number_list",
            _("Entry %(position)s (%(entry)s) of the number list: %(error)s"),
            position=position,
            entry=entry,
            error=error,
        ) from None
    if code and len(code) not in CODE_LENGTHS:
        raise FapiaoRuleError(
            "number_list",
            _(
                "Entry %(position)s (%(entry)s) of the number list: the fapiao code %(code)s has "
                "%(length)s digits, but a fapiao code (发票代码) has 10 or 12. Correct the code "
                "or leave it out."
            ),
            position=position,
            entry=entry,
            code=code,
            length=len(code),
        )
    for number in (first, last):
        if len(number) not in (LEGACY_NUMBER_LENGTH, DIGITAL_NUMBER_LENGTH):
            raise FapiaoRuleError(
                "number_list",
                _(
                    "Entry %(position)s (%(entry)s) of the number list: %(number)s has "
                    "%(length)s digits, but a fapiao number (发票号码) has 8 digits, or 20 for a "
                    "digital fapiao (数电票). Correct that entry."
                ),
                position=position,
                entry=entry,
                number=number,
                length=len(number),
            )
    if len(first) != len(last):
        raise FapiaoRuleError(
            "number_list",
            _(
                "Entry %(position)s (%(entry)s) of the number list joins numbers of different "
                "lengths (%(first)s and %(last)s); a range runs between numbers of the same "
                "length. Correct the range."
            ),
            position=position,
            entry=entry,
            first=first,
            last=last,
        )
    if first > last:
        raise FapiaoRuleError(
            "number_list",
            _(
                "Entry %(position)s (%(entry)s) of the number list is a range that runs backwards: "
                "%(first)s comes after %(last)s. Write the smaller number first."
            ),
            position=position,
            entry=entry,
            first=first,
            last=last,
        )
    count = int(last) - int(first) + 1
    if count > MAX_RANGE:
        raise FapiaoRuleError(
            "number_list",
            _(
                "Entry %(position)s (%(entry)s) of the number list spans %(count)s numbers, more "
                "than %(max)s in one range. Split it into smaller ranges."
            ),
            position=position,
            entry=entry,
            count=count,
            max=MAX_RANGE,
        )
    return code, first, last
