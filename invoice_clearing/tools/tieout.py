"""The 账票表 three-way tie-out per rate: ledger (账), fapiao (票) and filing (表), and how the
ledger and the fapiao differences are explained. Pure arithmetic over what the database grouped.

Sign convention: every bucket is a part of ledger − fapiao (账 − 票), so that

    ledger − fapiao = unbilled + no_invoice + month + rounding + unexplained

per rate, for the amount (销售额) and for the tax (税额) alike:

- ``unbilled`` (未开票收入, 有账无票): posted invoices and credit notes of the ledger's scope that
  have no fapiao at all (voided ones aside); positive for an invoice;
- ``no_invoice`` (有票无账): fapiao of the scope with no posted customer invoice or credit note
  in Odoo; negative for a blue fapiao;
- ``month`` (跨月差异): fapiao and invoice on either side of the scope, i.e. a fapiao issued in
  another month than its invoice's accounting date (or outside a number scope);
- ``rounding`` (尾差): what is left between an invoice and its fapiao, per invoice and rate,
  when it is within ROUNDING_TOLERANCE per fapiao;
- ``unexplained`` (未解释差异): the rest, a warning of the check.

The filing (表) is compared with the fapiao as the bureau does (票表比对): ``filing_diff`` is
filing − fapiao, reported beside the buckets (the check blocks a whole-period clearing on it).
"""

from decimal import Decimal

from .fapiao_amount import TAX_TOLERANCE, to_cents

# Rounding between an invoice and its fapiao (per-line versus per-document rounding,
# price-included prices) stays within the bureau's own tolerance of 税额 vs 金额 × 税率:
# ±0.06 per fapiao (docs/FAPIAO.md, The monthly summary). Applied to amount and tax separately.
ROUNDING_TOLERANCE = TAX_TOLERANCE
# The columns the database groups per rate, in order, after the rate.
GROUPED = (
    "ledger_amount", "ledger_tax", "fapiao_amount", "fapiao_tax",
    "unbilled_amount", "unbilled_tax", "no_invoice_amount", "no_invoice_tax",
    "month_amount", "month_tax", "rounding_amount", "rounding_tax",
)  # fmt: skip
BUCKETS = ("unbilled", "no_invoice", "month", "rounding", "unexplained")
MEASURES = (
    "ledger_amount", "ledger_tax", "fapiao_amount", "fapiao_tax", "filing_amount", "filing_tax",
    "diff_amount", "diff_tax",
    *(f"{bucket}_{part}" for bucket in BUCKETS for part in ("amount", "tax")),
    "filing_diff_amount", "filing_diff_tax",
)  # fmt: skip


def fold(groups, filed):
    """Tie-out lines (dicts of MEASURES and `tax_rate`), highest rate first.

    `groups`: tuples (rate, *GROUPED values) from the database, one per rate; `filed`: {rate:
    (declared amount, declared tax)} of the filing record, empty when none is recorded (then
    the filing columns and their difference stay 0). A rate on one side only gets a line.
    """
    zero = Decimal(0)
    lines = {}
    for rate, *values in groups:
        line = lines.setdefault(_rate(rate), dict.fromkeys(MEASURES, zero))
        for name, value in zip(GROUPED, values, strict=True):
            line[name] += to_cents(value)
    for rate, (amount, tax) in filed.items():
        line = lines.setdefault(_rate(rate), dict.fromkeys(MEASURES, zero))
        line["filing_amount"] += to_cents(amount)
        line["filing_tax"] += to_cents(tax)
    result = []
    for rate in sorted(lines, reverse=True):
        line = lines[rate]
        for part in ("amount", "tax"):
            diff = line[f"ledger_{part}"] - line[f"fapiao_{part}"]
            explained = sum(line[f"{bucket}_{part}"] for bucket in BUCKETS[:-1])
            line[f"diff_{part}"] = diff
            line[f"unexplained_{part}"] = diff - explained
            if filed:
                line[f"filing_diff_{part}"] = line[f"filing_{part}"] - line[f"fapiao_{part}"]
        result.append({"tax_rate": float(rate), **line})
    return result


def unexplained(line):
    """True when the line keeps a difference of ledger and fapiao that no bucket explains."""
    return bool(to_cents(line["unexplained_amount"]) or to_cents(line["unexplained_tax"]))


def _rate(rate):
    return Decimal(str(rate)).quantize(Decimal("0.01"))
