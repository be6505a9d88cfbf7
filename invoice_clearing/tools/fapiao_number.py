"""Fapiao identity: 发票代码 / 发票号码 normalisation, format checks and kind detection."""

# `_` here is the marker of rule_error.py: these modules have no env to translate with.
# pylint: disable=prefer-env-translation

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from .rule_error import FapiaoRuleError, _

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
ELECTRONIC_KINDS = frozenset({"e_general", "e_special"}) | DIGITAL_KINDS  # never voidable
LEGACY_KINDS = frozenset(BUREAU_CODES) - DIGITAL_KINDS
VEHICLE_KINDS = frozenset({"motor_vehicle", "used_vehicle"})

_FULLWIDTH = str.maketrans("０１２３４５６７８９：－～，；、", "0123456789:-~,;,")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$|^\d+\.0+$")
MAX_RANGE = 100_000


def normalize_digits(value, field, length=None):
    """Digits as text from what users and Excel produce; raise a precise error otherwise.

    Numbers that went through Excel (12345678.0, "1.2345678E7") are repaired, and when `length`
    is known, leading zeros Excel dropped are restored. Text with too few digits is not padded:
    that is a typing error the user must see.
    """
    if value is None or value is False:
        return ""
    numeric = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    text = _SPACES.sub("", str(value)).translate(_FULLWIDTH)
    if not text:
        return ""
    if numeric or _SCIENTIFIC.match(text):
        numeric = True
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or number != number.to_integral_value() or number < 0:
            raise FapiaoRuleError(
                field,
                _("%(value)s is not a valid fapiao number or code: it must be whole digits."),
                value=value,
            )
        # A float carries at most 15 significant digits: a longer ID has lost its tail.
        if (isinstance(value, float) or "e" in text.lower()) and len(str(int(number))) > 15:
            raise FapiaoRuleError(
                field,
                _(
                    "%(value)s was turned into a number by Excel and its last digits are lost. "
                    "Format the column as text and export the file again."
                ),
                value=value,
            )
        text = str(int(number))
    if not text.isdigit() or not text.isascii():
        bad = next(char for char in text if not ("0" <= char <= "9"))
        raise FapiaoRuleError(
            field,
            _("%(value)s contains %(char)s: a fapiao number or code contains digits only."),
            value=value,
            char=repr(bad),
        )
    if numeric and length and len(text) < length:
        text = text.zfill(length)
    return text


def detect_kind_from_code(code):
    """The fapiao kind a 10- or 12-digit 发票代码 indicates (DOMAIN.md section 3)."""
    if len(code) == 10:
        kinds = {"1": "vat_special", "5": "vat_special", "3": "vat_general", "6": "vat_general"}
        if code[7] in kinds:
            return kinds[code[7]]
    elif len(code) == 12:
        kinds = {
            "04": "vat_general",
            "05": "vat_general",
            "06": "vat_roll",
            "07": "vat_roll",
            "11": "e_general",
            "12": "e_general",  # toll road e-fapiao (通行费)
            "13": "e_special",
        }
        if code[-2:] in kinds:
            return kinds[code[-2:]]
    else:
        raise FapiaoRuleError(
            "code",
            _(
                "Fapiao code %(code)s has %(length)s digits; a fapiao code (发票代码) has 10 or 12 "
                "digits. Check the code printed at the top right of the fapiao."
            ),
            code=code,
            length=len(code),
        )
    raise FapiaoRuleError(
        "code",
        _(
            "Fapiao code %(code)s does not indicate a known fapiao kind. Check the code, or choose "
            "the kind (motor vehicle and used vehicle fapiao) explicitly."
        ),
        code=code,
    )


def check_kind_matches_code(kind, code):
    """Refuse a code that belongs to another kind than the one chosen."""
    if kind in VEHICLE_KINDS:
        if len(code) != 12:
            raise FapiaoRuleError(
                "code",
                _(
                    "Fapiao code %(code)s has %(length)s digits; a vehicle sales fapiao has a "
                    "12-digit code (发票代码)."
                ),
                code=code,
                length=len(code),
            )
        return
    detected = detect_kind_from_code(code)
    if detected != kind:
        raise FapiaoRuleError(
            "fapiao_type",
            _(
                "Fapiao code %(code)s belongs to a %(detected)s fapiao, not %(kind)s. "
                "Choose the kind that matches the code."
            ),
            code=code,
            detected=detected,
            kind=kind,
        )


def check_digital_number(number, today=None):
    """A 20-digit 数电发票号码 whose first two digits are a plausible year (数电 began in 2021)."""
    year = (today or date.today()).year % 100
    if len(number) != 20:
        raise FapiaoRuleError(
            "number",
            _(
                "Digital fapiao number %(number)s has %(length)s digits; a 数电发票号码 has 20 "
                "digits. Copy it again from the fapiao or the bureau's export."
            ),
            number=number,
            length=len(number),
        )
    if not 21 <= int(number[:2]) <= year + 1:
        raise FapiaoRuleError(
            "number",
            _(
                "Digital fapiao number %(number)s starts with %(yy)s, which is not a year of "
                "digital fapiao (20%(first)s-20%(last)s). Check the number."
            ),
            number=number,
            yy=number[:2],
            first=21,
            last=year + 1,
        )


def check_fapiao_identity(kind, code, number, today=None):
    """Normalised (code, number) of a fapiao of `kind`, or a FapiaoRuleError saying what is wrong."""
    code = normalize_digits(code, "code")
    number = normalize_digits(number, "number")
    if not number:
        raise FapiaoRuleError("number", _("The fapiao number (发票号码) is missing."))
    if kind in DIGITAL_KINDS:
        check_digital_number(number, today)
        # A paper 数电 fapiao also carries a legacy code; it then must be well-formed.
        if code and len(code) not in (10, 12):
            raise FapiaoRuleError(
                "code",
                _(
                    "Fapiao code %(code)s has %(length)s digits; leave the code empty for a "
                    "digital fapiao (数电票) or enter its 10- or 12-digit code."
                ),
                code=code,
                length=len(code),
            )
        return code, number
    if kind not in LEGACY_KINDS:
        raise FapiaoRuleError("fapiao_type", _("Unknown fapiao kind %(kind)s."), kind=kind)
    if not code:
        raise FapiaoRuleError(
            "code",
            _(
                "Fapiao %(number)s has no fapiao code (发票代码): every fapiao except 数电票 has "
                "a 10- or 12-digit code."
            ),
            number=number,
        )
    check_kind_matches_code(kind, code)
    if len(number) != 8:
        raise FapiaoRuleError(
            "number",
            _(
                "Fapiao number %(number)s has %(length)s digits; a fapiao number (发票号码) with a "
                "code has 8 digits. A 20-digit number belongs to a digital fapiao (数电票)."
            ),
            number=number,
            length=len(number),
        )
    return code, number


def parse_number_list(text):
    """Entries of a clearing's number list: (code, first, last) for numbers, code:number, ranges."""
    entries = []
    text = (text or "").translate(_FULLWIDTH).replace("：", ":")
    for position, raw in enumerate(re.split(r"[\s,;]+", text.strip()), start=1):
        if not raw:
            continue
        code, _sep, numbers = raw.rpartition(":")
        first, sep, last = _split_range(numbers)
        try:
            code = normalize_digits(code, "code") if code else ""
            first = normalize_digits(first, "number")
            last = normalize_digits(last, "number") if sep else first
        except FapiaoRuleError as error:
            raise FapiaoRuleError(
                "number_list",
                _("Entry %(position)s (%(entry)s): %(error)s"),
                position=position,
                entry=raw,
                error=str(error),
            ) from None
        if not first or (sep and not last) or len(first) != len(last) or int(first) > int(last):
            raise FapiaoRuleError(
                "number_list",
                _(
                    "Entry %(position)s (%(entry)s) is not a number, code:number or a range "
                    "first-last of numbers of the same length in increasing order."
                ),
                position=position,
                entry=raw,
            )
        if int(last) - int(first) + 1 > MAX_RANGE:
            raise FapiaoRuleError(
                "number_list",
                _("Entry %(position)s (%(entry)s) spans more than %(max)s numbers: split it."),
                position=position,
                entry=raw,
                max=MAX_RANGE,
            )
        entries.append((code, first, last))
    return entries


def _split_range(numbers):
    match = re.fullmatch(r"([^-~]*)([-~])(.*)", numbers)
    return match.groups() if match else (numbers, "", "")
