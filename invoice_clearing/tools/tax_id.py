"""Buyer tax ID (纳税人识别号): USCC (GB 32100-2015) or the older 15/17/20-character IDs.

python-stdnum computes the USCC check character, but its validation refuses codes whose first
character is a letter (N, Y... are registration authorities too) and real registered codes exist
that fail the checksum. So "well-formed" is decided here and a failed checksum is only a warning.
"""

# `_` here is the marker of rule_error.py: these modules have no env to translate with.
# pylint: disable=prefer-env-translation

import re

from stdnum.cn import ric, uscc

from .fapiao_number import to_halfwidth
from .rule_error import FapiaoRuleError, RuleWarning, _

USCC_LENGTH = 18
OLD_ID_LENGTHS = (15, 17, 20)  # 税务登记号: division + organisation code, or ID number + 2
USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")  # no I, O, S, V, Z
_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_IGNORED = re.compile(r"[\s\-]+")  # Unicode-aware: NBSP and U+3000 too
_RESIDENT_ID = re.compile(r"\d{17}[\dX]")


def normalize_tax_id(value):
    """`value` as a tax ID is compared: half-width, upper case, without spaces or dashes.

    No check: "" for an empty value, and any text comes out as it normalises.
    """
    return _IGNORED.sub("", to_halfwidth(str(value or ""))).upper()


def check_tax_id(value, natural_person=False):
    """(normalised ID, [RuleWarning]) or a FapiaoRuleError.

    An 18-character ID is a USCC, or a resident ID number (居民身份证号码) that individuals and
    sole traders use as tax ID. Only a natural person may have no tax ID.
    """
    text = normalize_tax_id(value)
    if not text:
        if natural_person:
            return "", []
        raise FapiaoRuleError(
            "vat",
            _(
                "The buyer's tax ID (纳税人识别号) is missing. Enter the buyer's unified social "
                "credit code (统一社会信用代码); only a natural person (自然人) may have none."
            ),
        )
    _check_alphabet(
        text,
        _ALPHANUMERIC,
        _(
            "Tax ID %(value)s contains %(char)s, but a tax ID (纳税人识别号) has digits and "
            "capital letters only. Copy it again from the buyer's business licence (营业执照)."
        ),
    )
    if len(text) == USCC_LENGTH:
        return text, _check_18(text)
    if len(text) in OLD_ID_LENGTHS:
        return text, []
    raise FapiaoRuleError(
        "vat",
        _(
            "Tax ID %(value)s has %(length)s characters; a buyer tax ID (纳税人识别号) has 18 "
            "(统一社会信用代码), or 15, 17 or 20 for an older tax registration number. Check it "
            "against the buyer's business licence (营业执照)."
        ),
        value=text,
        length=len(text),
    )


def _check_alphabet(text, alphabet, message):
    """Raise `message` (with %(value)s and %(char)s) naming the first character of `text` that is
    not in `alphabet`."""
    bad = next((char for char in text if char not in alphabet), None)
    if bad is not None:
        raise FapiaoRuleError("vat", message, value=text, char=f"'{bad}'")


def _check_18(text):
    """Warnings of an 18-character ID: a USCC, or a resident ID number."""
    birth_date = _birth_date(text)
    if birth_date and ric.calc_check_digit(text) == text[-1]:
        return []
    _check_alphabet(
        text,
        USCC_ALPHABET,
        _(
            "Tax ID %(value)s contains %(char)s, which a unified social credit code "
            "(统一社会信用代码) never contains: it uses digits and capital letters except I, "
            "O, S, V and Z. Copy it again from the buyer's business licence (营业执照)."
        ),
    )
    expected = uscc.calc_check_digit(text[:-1])
    if expected == text[-1]:
        return []
    if birth_date:  # most likely a resident ID number with a typo
        warning = RuleWarning(
            "vat",
            _(
                "Tax ID %(value)s fails both the check character of a unified social credit code "
                "(统一社会信用代码) and the check digit of a resident ID number (居民身份证号码). "
                "Compare it with the buyer's business licence (营业执照) or ID card and accept it "
                "if they match."
            ),
            value=text,
        )
    else:
        warning = RuleWarning(
            "vat",
            _(
                "Tax ID %(value)s fails the check character of a unified social credit code "
                "(统一社会信用代码): it would end in %(expected)s. Some registered codes do fail "
                "it; compare the ID with the buyer's business licence (营业执照) and accept it if "
                "they match."
            ),
            value=text,
            expected=expected,
        )
    return [warning]


def _birth_date(text):
    """The date of birth if `text` is shaped like a resident ID number (GB 11643), else None.

    The place code is not checked: division codes change and old IDs keep the old ones.
    """
    if not _RESIDENT_ID.fullmatch(text):
        return None
    try:
        born = ric.get_birth_date(text)
    except ValueError:
        return None
    return born if born.year >= 1880 else None
