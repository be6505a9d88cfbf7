"""Buyer tax ID (纳税人识别号): USCC (GB 32100-2015) or the older 15/17/20-character IDs."""

# `_` here is the marker of rule_error.py: these modules have no env to translate with.
# pylint: disable=prefer-env-translation

import re

from stdnum.cn import uscc

from .rule_error import FapiaoRuleError, RuleWarning, _

_FULLWIDTH = {
    ord(c): ord(c) - 0xFEE0
    for c in "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
}
_USCC_CHARS = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")  # no I, O, S, V, Z
_OLD_ID = re.compile(r"^[0-9A-Z]+$")


def check_tax_id(value, natural_person=False):
    """(normalised ID, warnings) or a FapiaoRuleError. A failed USCC checksum is only a warning:
    some real registered codes fail it, and stdnum refuses valid codes starting with a letter."""
    text = re.sub(r"[\s\u3000\u00a0-]+", "", str(value or "")).translate(_FULLWIDTH).upper()
    if not text:
        if natural_person:
            return "", []
        raise FapiaoRuleError(
            "vat",
            _("The buyer's tax ID (纳税人识别号) is missing; only a natural person may have none."),
        )
    if len(text) == 18:
        if not _USCC_CHARS.match(text):
            raise FapiaoRuleError(
                "vat",
                _(
                    "Tax ID %(value)s is not a unified social credit code (统一社会信用代码): it may "
                    "contain digits and capital letters except I, O, S, V and Z."
                ),
                value=text,
            )
        if not _checksum_ok(text):
            return text, [
                RuleWarning(
                    "vat",
                    _(
                        "Tax ID %(value)s fails the USCC check character. Some registered codes do; "
                        "compare it with the buyer's business licence and accept it if it matches."
                    ),
                    value=text,
                )
            ]
        return text, []
    if len(text) in (15, 17, 20) and _OLD_ID.match(text):
        return text, []
    raise FapiaoRuleError(
        "vat",
        _(
            "Tax ID %(value)s has %(length)s characters; a buyer tax ID (纳税人识别号) has 18 "
            "(统一社会信用代码) or 15, 17 or 20 characters, digits and capital letters only."
        ),
        value=text,
        length=len(text),
    )


def _checksum_ok(code):
    """GB 32100-2015 mod-31 check character; stdnum's own check where it applies."""
    if code[0].isdigit():
        return uscc.is_valid(code)
    # stdnum refuses a letter as registration authority (N, Y...): compute the same check ourselves.
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    return alphabet[(31 - total % 31) % 31] == code[17]
