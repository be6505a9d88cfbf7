"""Summary arithmetic and the clearing hash: pure functions the clearing model maps records to.

The hash and the summary's measures are defined once, in `archive_verify` (the verifier an
auditor runs on an archive package without Odoo), and imported from there.
"""

from collections import defaultdict
from decimal import Decimal

from .archive_verify import SUMMARY_MEASURES, clearing_hash
from .fapiao_amount import TOTAL_TOLERANCE, to_cents

__all__ = [
    "SUMMARY_MEASURES", "clearing_hash", "filing_differences", "fold_groups", "net_by_rate",
    "with_net",
]  # fmt: skip


def with_net(line):
    """A summary line (dict) completed with 实际销售 net = blue + red (voided excluded)."""
    line = dict(line)
    line["net_amount"] = to_cents(line["blue_amount"]) + to_cents(line["red_amount"])
    line["net_tax"] = to_cents(line["blue_tax"]) + to_cents(line["red_tax"])
    return line


def fold_groups(groups):
    """Summary lines from the database's groups, sorted by kind, then rate (highest first).

    `groups` are tuples (fapiao_type, tax_rate, is_red, is_void, count, amount, tax), one per
    combination present: PostgreSQL groups by four plain keys, this folds them into the
    blue / red / voided-blue / voided-red measures of one line per (kind, rate).
    """
    lines = {}
    for kind, rate, is_red, is_void, count, amount, tax in groups:
        line = lines.setdefault(
            (kind, rate),
            {"fapiao_type": kind, "tax_rate": rate, **dict.fromkeys(SUMMARY_MEASURES, 0)},
        )
        prefix = ("void_" if is_void else "") + ("red" if is_red else "blue")
        line[f"{prefix}_count"] += count
        line[f"{prefix}_amount"] += amount or 0
        line[f"{prefix}_tax"] += tax or 0
    ordered = sorted(lines.values(), key=lambda line: (line["fapiao_type"], -line["tax_rate"]))
    return [with_net(line) for line in ordered]


def net_by_rate(lines):
    """{rate: (net amount, net tax)} over summary lines of all kinds."""
    totals = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        totals[float(line["tax_rate"])][0] += to_cents(line["net_amount"])
        totals[float(line["tax_rate"])][1] += to_cents(line["net_tax"])
    return {rate: tuple(values) for rate, values in totals.items()}


def filing_differences(summary_net, filed):
    """[(rate, fapiao amount, filed amount, fapiao tax, filed tax)] where they differ by > 0.01.

    `summary_net` and `filed` map a rate to (amount, tax); a rate missing on one side counts 0.
    """
    differences = []
    zero = (Decimal(0), Decimal(0))
    for rate in sorted(set(summary_net) | set(filed)):
        amount, tax = (to_cents(v) for v in summary_net.get(rate, zero))
        filed_amount, filed_tax = (to_cents(v) for v in filed.get(rate, zero))
        if abs(amount - filed_amount) > TOTAL_TOLERANCE or abs(tax - filed_tax) > TOTAL_TOLERANCE:
            differences.append((rate, amount, filed_amount, tax, filed_tax))
    return differences
