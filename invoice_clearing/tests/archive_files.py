"""Archive packages made in the tests: a tiny standard-library writer of the package format and
a consistent clearing's data, so that the verifier is tested without the addon's own writer."""

import hashlib
import json
import zipfile

from odoo.addons.invoice_clearing.tools import archive_verify

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><EInvoice><TaxSupervisionInfo>'
    b"<InvoiceNumber>26312000000000012345</InvoiceNumber></TaxSupervisionInfo></EInvoice>"
)
HEADER = {
    "name": "QK/2026/10/0001", "company": 1, "scope": "period", "date_from": "2026-10-01",
    "date_to": "2026-10-31", "number_list": "", "prepared_by": 2, "approved_by": 6,
    "cleared_at": "2026-11-05 09:30:00", "filing_date": "2026-11-10",
    "filing": "6.00:200.00:12.00;13.00:1700.00:221.00",
}  # fmt: skip
FAPIAO = [
    "7|digital_special||26312000000000012345|2026-10-05|45|91350100M000100Y43|1000.00|130.00"
    "|1130.00|13.00|false|false|0|",
    "8|vat_special|3100261130|00012345|2026-10-06|46||700.00|91.00|791.00|13.00|false|false|0|",
    "9|vat_general|3100261130|00012346|2026-10-07|46||200.00|12.00|212.00|6.00|false|false|0|",
]
SUMMARY = [
    {"fapiao_type": "digital_special", "tax_rate": "13.00", "blue_count": 1,
     "blue_amount": "1000.00", "blue_tax": "130.00"},
    {"fapiao_type": "vat_special", "tax_rate": "13.00", "blue_count": 1, "blue_amount": "700.00",
     "blue_tax": "91.00"},
    {"fapiao_type": "vat_general", "tax_rate": "6.00", "blue_count": 1, "blue_amount": "200.00",
     "blue_tax": "12.00"},
]  # fmt: skip
INVOICE_LINES = [(101, hashlib.sha256(b"line 101").digest()), (102, b"\x01" * 32)]
COMPANY = {"name": "上海示例科技有限公司", "vat": "91310115MA1K3YUN8U"}


def clearing_files(name="QK/2026/10/0001", previous_hash=None, version=2, fapiao=FAPIAO,
                   invoice_lines=INVOICE_LINES):  # fmt: skip
    """(clearing head for the manifest, [(path, role, bytes)] of the data files) of a clearing
    whose hash is consistent with its data, hashed as `version`."""
    digest = archive_verify.FapiaoDigest()
    fapiao_text = digest.chunk(list(fapiao))
    invoices = archive_verify.InvoiceLinesDigest()
    lines_text = invoices.chunk(invoice_lines)
    summary = [{**dict.fromkeys(archive_verify.SUMMARY_MEASURES, 0), **line} for line in SUMMARY]
    header = {**HEADER, "name": name}
    invoice_digest = invoices.hexdigest() if version >= 2 else None
    hexdigest = archive_verify.clearing_hash(
        archive_verify.split_hash(previous_hash)[1], header, summary, digest.hexdigest(),
        invoice_digest,
    )  # fmt: skip
    stated = archive_verify.format_hash(version, hexdigest)
    data = {
        "hash_version": version,
        "hash": stated,
        "previous_hash": previous_hash,
        "header": header,
        "summary": summary,
        "fapiao_digest": digest.hexdigest(),
        "invoice_digest": invoice_digest,
        "fapiao_columns": [],
        "invoice_line_columns": [],
        "fapiao_count": len(fapiao),
        "invoice_line_count": len(invoice_lines) if version >= 2 else 0,
    }
    files = [
        ("data/clearing.json", "data", json.dumps(data, sort_keys=True, indent=1).encode()),
        ("data/fapiao.txt", "data", fapiao_text),
    ]
    if version >= 2:
        files.append(("data/invoice_lines.txt", "data", lines_text))
    head = {
        "name": name, "scope": "period", "date_from": "2026-10-01", "date_to": "2026-10-31",
        "numbers": None, "hash": stated, "previous_hash": previous_hash,
        "hash_version": version, "cleared_at": "2026-11-05T09:30:00Z",
        "prepared_by": "Clerk", "approved_by": "Manager",
    }  # fmt: skip
    return head, files


def report_files():
    """The certificate, the summary and a fapiao's original, as [(path, role, bytes)]."""
    return [
        ("reports/certificate.pdf", "certificate", PDF),
        ("reports/summary.pdf", "summary", PDF),
        ("originals/26312000000000012345/26312000000000012345.xml", "fapiao original", XML),
    ]


def write_package(path, head, files, company=COMPANY):
    """A package as the contract writes it: each file deflated, listed with its size and
    SHA-256 in manifest.json, written last. `files` yield (path, role, iterator of bytes or
    bytes)."""
    listed = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, role, chunks in files:
            sha, size = hashlib.sha256(), 0
            with archive.open(name, "w", force_zip64=True) as handle:
                for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
                    sha.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
            listed.append({"path": name, "sha256": sha.hexdigest(), "size": size, "role": role})
        manifest = {
            "format": archive_verify.FORMAT,
            "company": company,
            "clearing": head,
            "created_at": "2026-11-05T09:31:00Z",
            "generator": "invoice_clearing tests",
            "files": listed,
        }
        archive.writestr("manifest.json", json.dumps(manifest, sort_keys=True, indent=1))
    return path


def rewrite(path, target, change=None, add=(), drop=(), manifest=None):
    """Copy the package `path` to `target`, entries' bytes through `change(name, data)`,
    `drop`ped names left out, `add` [(name, bytes)] appended; `manifest(dict)` edits it."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename in drop:
                continue
            data = source.read(info)
            if info.filename == "manifest.json" and manifest:
                content = json.loads(data)
                manifest(content)
                data = json.dumps(content).encode()
            elif change:
                data = change(info.filename, data)
            out.writestr(info.filename, data)
        for name, data in add:
            out.writestr(name, data)
    return target
