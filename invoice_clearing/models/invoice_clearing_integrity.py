"""Integrity of cleared content: hash a clearing when it clears; later recompute every hash,
walk the chain, name what changed.

One implementation for both: `_seal` (at clearing time) and `_verify` call the same
`_fapiao_digest` and `_compute_hash`, with the version the clearing was hashed with; the hash
and the digests' canonical form are `tools/archive_verify.py`'s, which an auditor runs on the
clearing's archive package (`_archive_data` gives the package the data they cover).
Per-fapiao and (version 2) per-journal-item fingerprints, stored at clearing time (12 bytes
each), only serve to name the fapiao or invoice line once a digest says something changed.
"""

import base64
import json
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import archive_verify, clearing_integrity, clearing_summary
from ..tools.clearing_integrity import HASH_VERSION, HASH_VERSIONS
from ..tools.clearing_summary import SUMMARY_MEASURES
from .guard_bypass import with_bypass

_logger = logging.getLogger(__name__)

NAMED_AT_MOST = 50  # changed records named in a finding; the rest are counted
DIGEST_CHUNK = 20_000  # rows per round trip while streaming the fapiao digest
# Journal-item digests per round trip for the archive (id + 32 bytes each): each round trip
# selects the scope's invoices again, so fewer and larger ones.
INVOICE_LINES_CHUNK = 100_000
# The key a header field is hashed under where it is not the field's name (hashed since version 1).
HEADER_KEYS = {"company_id": "company", "filing_line_ids": "filing"}

MEASURES = (*SUMMARY_MEASURES, "net_amount", "net_tax")


class InvoiceClearingIntegrity(models.AbstractModel):
    _name = "invoice.clearing.integrity"
    _description = "Clearing Integrity Check"

    # ------------------------------------------------------------ fingerprints
    @api.model
    def _fapiao_text(self, version):
        """The SQL text of a fapiao that a clearing of hash `version` certifies (flushed)."""
        self.env["invoice.clearing.fapiao"].flush_model()
        self.env["invoice.clearing.fapiao.line"].flush_model()
        return self.env["invoice.clearing.fapiao"]._clearing_hash_columns(version)

    @api.model
    def _fingerprint_rows(self, clearing, version=HASH_VERSION):
        """[(fapiao id, 8-byte digest)] of the fapiao frozen by `clearing`, computed by PostgreSQL."""
        self.env.cr.execute(
            SQL(
                """SELECT id, substring(sha256(convert_to(%s, 'UTF8')) FROM 1 FOR 8)
                     FROM invoice_clearing_fapiao WHERE clearing_id = %s ORDER BY id""",
                self._fapiao_text(version),
                clearing.id,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _store_fingerprints(self, clearing):
        """Packed by PostgreSQL in `clearing_integrity.pack_fingerprints`'s format (12 bytes a
        fapiao), so that a million fapiao never become a million Python objects."""
        self.env.cr.execute(
            SQL(
                """SELECT string_agg(int4send(id)
                                     || substring(sha256(convert_to(%s, 'UTF8')) FROM 1 FOR 8),
                                     ''::bytea ORDER BY id)
                     FROM invoice_clearing_fapiao WHERE clearing_id = %s""",
                self._fapiao_text(HASH_VERSION),
                clearing.id,
            )
        )
        data = bytes(self.env.cr.fetchone()[0] or b"")
        # sudo: a protected field, readable by administrators only (groups="base.group_system")
        with_bypass(clearing).sudo().fapiao_fingerprints = base64.b64encode(data)

    @api.model
    def _invoice_lines_digest(self, clearing, version=HASH_VERSION):
        """(hex SHA-256, packed fingerprints) of the journal items of the invoices of the fapiao
        frozen by `clearing`, in one query: PostgreSQL hashes each line
        (`_clearing_hash_columns`), then the id-ordered concatenation of id + line hash; the
        fingerprints keep 8 bytes a line in `clearing_integrity.pack_fingerprints`'s format.
        """
        Line = self.env["account.move.line"]
        Line.flush_model()
        self.env["invoice.clearing.fapiao"].flush_model(["clearing_id", "move_id"])
        self.env.cr.execute(
            SQL(
                """WITH line AS (
                       SELECT l.id, sha256(convert_to(%s, 'UTF8')) AS h
                         FROM account_move_line l
                        WHERE l.move_id IN (SELECT move_id FROM invoice_clearing_fapiao
                                             WHERE clearing_id = %s AND move_id IS NOT NULL))
                   SELECT encode(sha256(coalesce(string_agg(int4send(id) || h, ''::bytea
                                                            ORDER BY id), ''::bytea)), 'hex'),
                          string_agg(int4send(id) || substring(h FROM 1 FOR 8), ''::bytea
                                     ORDER BY id)
                     FROM line""",
                Line._clearing_hash_columns(version),
                clearing.id,
            )
        )
        digest, packed = self.env.cr.fetchone()
        return digest, bytes(packed or b"")

    @api.model
    def _store_invoice_fingerprints(self, clearing):
        """Store the journal-item fingerprints of `clearing` and return their digest."""
        digest, packed = self._invoice_lines_digest(clearing)
        # sudo: a protected field, readable by administrators only (groups="base.group_system")
        with_bypass(clearing).sudo().invoice_line_fingerprints = base64.b64encode(packed)
        return digest

    # ------------------------------------------------------------ hashing
    @api.model
    def _seal(self, clearing):
        """Hash `clearing`, just frozen and stamped (approver, time, summary), chained to the
        company's last hashed clearing; store its digests, hash and fingerprints."""
        previous = self._previous(clearing)
        digest = self._fapiao_digest(clearing)
        invoice_digest = self._store_invoice_fingerprints(clearing)
        # sudo: digests and hashes are protected fields, written here only
        with_bypass(clearing).sudo().write(
            {
                "content_digest": digest,
                "invoice_digest": invoice_digest,
                "previous_hash": previous.hash or False,
                "hash": self._compute_hash(clearing, previous.hash or "", digest, invoice_digest),
            }
        )
        self._store_fingerprints(clearing)

    @api.model
    def _previous(self, clearing):
        """The clearing `clearing` chains to: its company's last hashed one before it."""
        return (self._chain(clearing.company_id) - clearing)[-1:]

    @api.model
    def _hash_header(self, clearing, version=HASH_VERSION):
        """{key: value} of the header fields `version` hashes, as account.move's integrity hash
        reads `_get_integrity_hash_fields`: the clearing's `_get_clearing_hash_fields`, lines by
        their model's, in the order of its first field."""
        return {
            HEADER_KEYS.get(name, name): self._hash_value(clearing, name, version)
            for name in clearing._get_clearing_hash_fields(version)
        }

    def _hash_value(self, record, name, version):
        """The hashed value of field `name` of `record`: a many2one's id, lines as `a:b:c;...`,
        an amount with 2 decimals, an empty value as ''."""
        field, value = record._fields[name], record[name]
        if field.type == "many2one":
            return value.id
        if field.type in ("one2many", "many2many"):
            names = value._get_clearing_hash_fields(version)
            return ";".join(
                ":".join(str(self._hash_value(line, n, version)) for n in names)
                for line in value.sorted(names[0])
            )
        if field.type in ("float", "monetary"):
            return f"{value:.2f}"
        return value or ""

    @api.model
    def _compute_hash(self, clearing, previous_hash, digest, invoice_digest=None,
                      version=HASH_VERSION):  # fmt: skip
        """The stored hash `$<version>$<hex>` of `clearing` chained to `previous_hash`.

        The previous hash enters without its version prefix (as in Odoo's inalterable hash),
        so a version 2 clearing chains to a version 1 one; version 1 ignores `invoice_digest`.
        """
        if version not in HASH_VERSIONS:
            raise ValueError(f"clearing hash version {version} does not exist")
        hexdigest = clearing_summary.clearing_hash(
            clearing_integrity.split_hash(previous_hash)[1],
            self._hash_header(clearing, version),
            self._hash_summary(clearing),
            digest,
            (invoice_digest or "") if version >= 2 else None,
        )
        return clearing_integrity.format_hash(version, hexdigest)

    @api.model
    def _hash_summary(self, clearing):
        """The summary lines as `clearing_hash` reads them (every version)."""
        return [
            {f: line[f] for f in ("fapiao_type", "tax_rate", *SUMMARY_MEASURES)}
            for line in clearing.summary_line_ids
        ]

    @api.model
    def _hash_version(self, clearing):
        """The version `clearing` was hashed with (1 for a hash stored without prefix)."""
        return clearing_integrity.split_hash(clearing.hash)[0]

    @api.model
    def _fapiao_digest(self, clearing, version=HASH_VERSION):
        """SHA-256 of the fapiao frozen by `clearing`: their hashed texts
        (`_clearing_hash_columns`), one line each, in id order (`archive_verify.FapiaoDigest`).

        Streamed in chunks (keyset on id) so memory stays flat however many fapiao there are;
        equal to PostgreSQL's sha256(string_agg(text, E'\\n' ORDER BY id)).
        """
        digest = archive_verify.FapiaoDigest()
        for texts in self._fapiao_texts(clearing, version):
            digest.chunk(texts)
        return digest.hexdigest()

    def _fapiao_texts(self, clearing, version):
        """The hashed texts of the fapiao frozen by `clearing`, DIGEST_CHUNK of them at a time."""
        text = self._fapiao_text(version)
        table = SQL.identifier(self.env["invoice.clearing.fapiao"]._table)
        last_id = 0
        while True:
            self.env.cr.execute(
                SQL(
                    """SELECT id, %s FROM %s
                        WHERE clearing_id = %s AND id > %s ORDER BY id LIMIT %s""",
                    text,
                    table,
                    clearing.id,
                    last_id,
                    DIGEST_CHUNK,
                )
            )
            rows = self.env.cr.fetchall()
            if not rows:
                return
            yield [line for _id, line in rows]
            last_id = rows[-1][0]

    # ------------------------------------------------------------ archive package
    @api.model
    def _archive_data(self, clearing):
        """The data files of `clearing`'s archive package, what its hash covers in the canonical
        form `tools/archive_verify.py` recomputes it from: [(path, role, iterator of bytes)].

        data/clearing.json: the header, summary and digests as hashed; data/fapiao.txt: the
        hashed text of each frozen fapiao, one a line in id order (its SHA-256 is the fapiao
        digest); data/invoice_lines.txt (hash version 2 on): "<id> <sha256 hex>" of each
        journal item of their invoices. The texts are streamed in keyset chunks: memory stays
        flat at a million fapiao. They are read from the fapiao the clearing freezes: a reopened
        clearing keeps the package made when it cleared.
        """
        version = self._hash_version(clearing)
        files = [
            ("data/clearing.json", "data", self._archive_clearing(clearing, version)),
            (
                "data/fapiao.txt",
                "data",
                map(archive_verify.FapiaoDigest().chunk, self._fapiao_texts(clearing, version)),
            ),
        ]
        if version >= 2:
            files.append(
                ("data/invoice_lines.txt", "data", self._archive_invoice_lines(clearing, version))
            )
        return files

    def _archive_clearing(self, clearing, version):
        """data/clearing.json of `clearing` (one chunk, made when the package reads it)."""
        Fapiao, Line = self.env["invoice.clearing.fapiao"], self.env["account.move.line"]
        self.env.cr.execute(
            SQL(
                """SELECT count(*),
                          (SELECT count(*) FROM account_move_line l
                            WHERE l.move_id IN (SELECT move_id FROM invoice_clearing_fapiao
                                                 WHERE clearing_id = %(id)s
                                                   AND move_id IS NOT NULL))
                     FROM invoice_clearing_fapiao WHERE clearing_id = %(id)s""",
                id=clearing.id,
            )
        )
        fapiao_count, line_count = self.env.cr.fetchone()
        summary = [
            {
                **{m: int(line[m]) for m in SUMMARY_MEASURES if "count" in m},
                **{m: str(archive_verify.to_cents(line[m])) for m in SUMMARY_MEASURES
                   if "count" not in m},
                "fapiao_type": line["fapiao_type"],
                "tax_rate": f"{float(line['tax_rate']):.2f}",
            }
            for line in self._hash_summary(clearing)
        ]  # fmt: skip
        data = {
            "hash_version": version,
            "hash": clearing.hash,
            "previous_hash": clearing.previous_hash or None,
            "header": {
                key: value if isinstance(value, int | str) else f"{value}"
                for key, value in self._hash_header(clearing, version).items()
            },
            "summary": summary,
            "fapiao_digest": clearing.content_digest,
            "invoice_digest": clearing.invoice_digest or None if version >= 2 else None,
            "fapiao_columns": list(Fapiao._get_clearing_hash_fields(version)),
            "invoice_line_columns": ["id", *Line._get_clearing_hash_fields(version)]
            if version >= 2
            else [],
            "fapiao_count": fapiao_count,
            "invoice_line_count": line_count if version >= 2 else 0,
        }
        yield json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False).encode()

    def _archive_invoice_lines(self, clearing, version):
        """data/invoice_lines.txt of `clearing`, in chunks: "<id> <hex>" of each journal item."""
        Line = self.env["account.move.line"]
        Line.flush_model()
        self.env["invoice.clearing.fapiao"].flush_model(["clearing_id", "move_id"])
        digest, last_id = archive_verify.InvoiceLinesDigest(), 0
        while True:
            self.env.cr.execute(
                SQL(
                    """SELECT l.id, sha256(convert_to(%s, 'UTF8')) FROM account_move_line l
                        WHERE l.move_id IN (SELECT move_id FROM invoice_clearing_fapiao
                                             WHERE clearing_id = %s AND move_id IS NOT NULL)
                          AND l.id > %s
                        ORDER BY l.id LIMIT %s""",
                    Line._clearing_hash_columns(version),
                    clearing.id,
                    last_id,
                    INVOICE_LINES_CHUNK,
                )
            )
            rows = self.env.cr.fetchall()
            if not rows:
                return
            yield digest.chunk(rows)
            last_id = rows[-1][0]

    # ------------------------------------------------------------ verification
    @api.model
    def _chain(self, company):
        """The company's hashed clearings in chain order (oldest first), as `_clear` links them."""
        # sudo: the chain is the company's, whatever clearings the user may read
        return (
            self.env["invoice.clearing"]
            .sudo()
            .search(
                [("company_id", "=", company.id), ("hash", "!=", False)],
                order="cleared_at asc, id asc",
            )
        )

    @api.model
    def _verify(self, clearings):
        """One result dict per clearing of `clearings` that has a hash, in chain order.

        Keys: clearing, ok, findings (list of translated sentences), changed (fapiao records
        whose content changed, were removed from or added to the clearing).
        """
        results = []
        for company in clearings.company_id:
            chain = self._chain(company)
            entries = [
                {"name": c.name, "hash": c.hash, "previous_hash": c.previous_hash} for c in chain
            ]
            broken = set(clearing_integrity.chain_breaks(entries))
            for clearing in chain & clearings.sudo():  # sudo: as the chain
                results.append(self._verify_one(clearing, clearing.name in broken, chain))
        return results

    def _verify_one(self, clearing, chain_broken, chain):
        # sudo: verification recomputes what was certified, whatever the auditor may read
        Fapiao = self.env["invoice.clearing.fapiao"].sudo()
        findings = []
        changed = Fapiao
        changed_lines = self.env["account.move.line"].sudo()
        released = bool(clearing.reopened_at)
        version, _hex = clearing_integrity.split_hash(clearing.hash)
        if version not in HASH_VERSIONS:
            findings.append(
                self.env._(
                    "%(name)s has a hash of version %(version)s, which this version of the "
                    "addon cannot verify.",
                    name=clearing.name,
                    version=version,
                )
            )
            return self._result(clearing, findings, [], changed, changed_lines, False)
        digest = clearing.content_digest if released else self._fapiao_digest(clearing, version)
        invoice_digest = None
        if version >= 2:
            invoice_digest, packed = (
                (clearing.invoice_digest, b"")
                if released
                else self._invoice_lines_digest(clearing, version)
            )  # one query gives the digest and the fingerprints naming the changed lines
            if not released and invoice_digest != clearing.invoice_digest:
                findings.append(
                    self.env._(
                        "The invoices of the fapiao frozen by %(name)s changed after clearing.",
                        name=clearing.name,
                    )
                )
                changed_lines = self._changed_invoice_lines(clearing, packed, findings)
        if not released and digest != clearing.content_digest:
            findings.append(
                self.env._(
                    "The frozen fapiao of %(name)s changed after clearing.", name=clearing.name
                )
            )
            changed = self._changed_fapiao(clearing, findings, version)
        if not released:
            findings += self._summary_differences(clearing)
        recomputed = self._compute_hash(
            clearing, clearing.previous_hash or "", digest, invoice_digest, version
        )
        if clearing_integrity.split_hash(recomputed) != clearing_integrity.split_hash(
            clearing.hash
        ):
            findings.append(
                self.env._(
                    "The SHA-256 of %(name)s does not match its stored content (header, summary, "
                    "filing record or fapiao).",
                    name=clearing.name,
                )
            )
        if chain_broken:
            index = list(chain).index(clearing)
            findings.append(
                self.env._(
                    "The chain is broken at %(name)s: its previous hash is not the hash of %(previous)s.",
                    name=clearing.name,
                    previous=chain[index - 1].name
                    if index
                    else self.env._("(none: first clearing)"),
                )
            )
        notes = []
        if released:
            notes.append(
                self.env._("Reopened on %(date)s: its fapiao were released; the header and summary are verified.",
                  date=clearing.reopened_at)
            )  # fmt: skip
        return self._result(clearing, findings, notes, changed, changed_lines, recomputed)

    def _result(self, clearing, findings, notes, changed, changed_lines, recomputed):
        return {
            "clearing": clearing,
            "ok": not findings,
            "findings": findings,
            "notes": notes,
            "changed": changed,
            "changed_lines": changed_lines,
            "recomputed_hash": recomputed,
        }

    def _summary_differences(self, clearing):
        """Stored summary lines that the frozen fapiao no longer add up to (GROUP BY in SQL)."""
        SummaryLine = self.env["invoice.clearing.summary.line"]
        kinds = dict(SummaryLine._fields["fapiao_type"]._description_selection(self.env))
        recomputed = {(r["fapiao_type"], float(r["tax_rate"])): r for r in clearing._summary_rows()}
        stored = {(line.fapiao_type, line.tax_rate): line for line in clearing.summary_line_ids}
        findings = []
        for key in sorted(recomputed.keys() | stored.keys()):
            row, line = recomputed.get(key), stored.get(key)
            measures = [
                m for m in MEASURES if not row or not line or abs(float(row[m]) - line[m]) > 0.005
            ]
            if measures:
                findings.append(
                    self.env._(
                        "The stored summary line %(kind)s %(rate)s%% differs from its fapiao: %(measures)s.",
                        kind=kinds.get(key[0], key[0]),
                        rate=f"{key[1]:g}",
                        measures=", ".join(
                            SummaryLine._fields[m]._description_string(self.env) for m in measures
                        ),
                    )
                )
        return findings

    def _changed_fapiao(self, clearing, findings, version=HASH_VERSION):
        """The fapiao whose content differs from the fingerprint stored at clearing time."""
        # sudo: as _verify_one; the fingerprints are readable by the system group only
        Fapiao = self.env["invoice.clearing.fapiao"].sudo()
        changed, removed, added = self._compare(
            clearing.sudo().fapiao_fingerprints,
            {fid: bytes(digest) for fid, digest in self._fingerprint_rows(clearing, version)},
            self.env._("No fingerprints were stored for %(name)s: the changed fapiao cannot be named.",
              name=clearing.name),
            "fapiao",
            (self.env._("Fapiao changed after clearing: %(fapiao)s"),
             self.env._("Fapiao removed from the clearing: %(fapiao)s"),
             self.env._("Fapiao added to the clearing: %(fapiao)s")),
            lambda ids: {f.id: f.display_name for f in Fapiao.browse(ids).exists()},
            findings,
        )  # fmt: skip
        return Fapiao.browse(changed + removed + added).exists()

    def _changed_invoice_lines(self, clearing, packed, findings):
        """The journal items whose content differs from the fingerprint stored at clearing time,
        named by their invoice and label; `packed`: their fingerprints now."""
        Line = self.env["account.move.line"].sudo()  # sudo: as _changed_fapiao
        changed, _removed, added = self._compare(
            clearing.sudo().invoice_line_fingerprints,
            clearing_integrity.unpack_fingerprints(packed),
            self.env._("No fingerprints of invoice lines were stored for %(name)s: the changed lines cannot be named.",
              name=clearing.name),
            "lines",
            (self.env._("Invoice lines changed after clearing: %(lines)s"),
             self.env._("Invoice lines removed after clearing: %(lines)s"),
             self.env._("Invoice lines added after clearing: %(lines)s")),
            lambda ids: {
                line.id: self.env._("%(move)s line “%(line)s”", move=line.move_id.display_name,
                                    line=line.name or line.product_id.display_name or line.id)
                for line in Line.browse(ids).exists()
            },
            findings,
        )  # fmt: skip
        return Line.browse(changed + added).exists()

    def _compare(self, stored, current, missing, key, messages, namer, findings):
        """(changed, removed, added) ids of the fingerprints `stored` at clearing time (the
        field's base64) against `current`; each kind of change is a sentence of `findings`
        (`messages`, `key` its placeholder) naming the records by `namer(ids)` ({id: name}),
        "#id" for those gone. Nothing stored: the sentence `missing`, and nothing to name."""
        stored = _stored_fingerprints(stored)
        if not stored:
            findings.append(missing)
            return [], [], []
        result = clearing_integrity.compare_fingerprints(stored, current)
        for ids, message in zip(result, messages, strict=True):
            if ids:
                named = namer(ids[:NAMED_AT_MOST])
                names = [named.get(i, f"#{i}") for i in ids[:NAMED_AT_MOST]]
                findings.append(message % {key: self._names(names, len(ids))})
        return result

    def _names(self, names, total):
        """`names` (the first NAMED_AT_MOST of `total` records) as one text, "and N more"."""
        text = ", ".join(names)
        if total > NAMED_AT_MOST:
            text += self.env._(" and %(count)s more", count=total - NAMED_AT_MOST)
        return text

    @api.model
    def _log(self, results):
        """Post each result in its clearing's chatter, authored by the checking user."""
        user = self.env.user
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        for result in results:
            if not result["ok"]:
                _logger.warning(
                    "Integrity check of clearing %s (id %s) by user %s failed: %s",
                    result["clearing"].name, result["clearing"].id, user.id,
                    " ".join(result["findings"]),
                )  # fmt: skip
            lines = result["findings"] or [self.env._("Hash and chain verified, nothing changed.")]
            body = self.env._(
                "Integrity check by %(user)s on %(time)s: %(status)s. %(details)s",
                user=user.name,
                time=now.strftime("%Y-%m-%d %H:%M:%S"),
                status=self.env._("OK") if result["ok"] else self.env._("FAILED"),
                details=" ".join(lines + result["notes"]),
            )
            # sudo: an auditor reads the clearing but may not write it; the note is signed by him
            result["clearing"].sudo().message_post(
                body=body, author_id=user.partner_id.id, message_type="comment",
                subtype_xmlid="mail.mt_note",
            )  # fmt: skip


def _stored_fingerprints(binary):
    """{id: fingerprint} of a fingerprints field as stored (base64); {} when absent or damaged."""
    try:
        return clearing_integrity.unpack_fingerprints(base64.b64decode(binary or b""))
    except ValueError:
        return {}


def prefix_version_1_hashes(cr):
    """Migration to hash versions: hashes written before them are version 1 (`$1$<hex>`).

    `previous_hash` gets the same prefix, so that it still equals the previous clearing's
    `hash` and the chain stays unbroken. Idempotent: prefixed values are left alone.
    Returns the number of clearings whose hash was prefixed.
    """
    prefix = r"""UPDATE %(table)s SET %(column)s = '$1$' || %(column)s
                   WHERE %(column)s IS NOT NULL AND %(column)s !~ '^\$\d+\$'"""
    table = SQL.identifier("invoice_clearing")
    cr.execute(SQL(prefix, table=table, column=SQL.identifier("hash")))
    count = cr.rowcount
    cr.execute(SQL(prefix, table=table, column=SQL.identifier("previous_hash")))
    return count
