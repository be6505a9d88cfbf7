"""Summary arithmetic and the clearing hash: pure functions the clearing model maps records to."""

import hashlib
from collections import defaultdict
from decimal import Decimal

from .fapiao_amount import TOTAL_TOLERANCE, to_cents

SUMMARY_MEASURES = (
    "blue_count", "blue_amount", "blue_tax",
    "red_count", "red_amount", "red_tax",
    "void_blue_count", "void_blue_amount", "void_blue_tax",
    "void_red_count", "void_red_amount", "void_red_tax",
)  # fmt: skip


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


def clearing_hash(previous_hash, header, summary_lines, fapiao_digest, invoice_digest=None):
    """SHA-256 over what a clearing certifies, chained to the company's previous clearing.

    `previous_hash` is the previous clearing's hex digest (without its version prefix);
    `header` is a dict of the clearing's identity; `summary_lines` dicts of SUMMARY_MEASURES;
    `fapiao_digest` the SHA-256 of the frozen fapiao computed by the database;
    `invoice_digest` (hash version 2 on) the SHA-256 of their invoices' journal items, None in
    version 1. Verifying is recomputing: any change of a field, a line or a fapiao changes the
    result.
    """
    sha = hashlib.sha256()
    sha.update((previous_hash or "").encode())
    for key in sorted(header):
        sha.update(f"\n{key}={header[key]}".encode())
    for line in sorted(
        summary_lines, key=lambda line: (line["fapiao_type"], float(line["tax_rate"]))
    ):
        values = [line["fapiao_type"], f"{float(line['tax_rate']):.2f}"]
        values += [
            str(to_cents(line[m])) if "count" not in m else str(int(line[m]))
            for m in SUMMARY_MEASURES
        ]
        sha.update(("\n" + "|".join(values)).encode())
    sha.update(f"\nfapiao={fapiao_digest}".encode())
    if invoice_digest is not None:
        sha.update(f"\ninvoices={invoice_digest}".encode())
    return sha.hexdigest()
