"""A slice of a background import's file, staged and committed: its cells, then its parsed rows."""

import json

from odoo import api, fields, models

from ..tools import bureau_export, spreadsheet


class InvoiceClearingImportChunk(models.Model):
    """One slice of the rows of a background import's file, so that no run of the job has to
    read, parse or check the whole file at once and a killed or paused run resumes after the
    last slice committed.

    The file is read once, its cells staged slice by slice (`cells`); each slice is then parsed
    and checked in its own transaction (`rows`, `keys`: its rows' identities for the later
    slices' duplicate check, `errors`: its row errors, in the importer's language). Internal:
    written and read by the import's job only (sudo); deleted once the import's lines are
    stored or the import failed.
    """

    _name = "invoice.clearing.import.chunk"
    _description = "Bureau Export Import Slice"
    _order = "import_id, kind desc, sequence"

    import_id = fields.Many2one(
        "invoice.clearing.import", required=True, index=True, ondelete="cascade"
    )
    kind = fields.Selection(
        [("rows", "Rows"), ("details", "Sheet 信息汇总表")], "Part", required=True
    )
    sequence = fields.Integer("Slice", required=True)
    start = fields.Integer("First Row")  # its first row's position below the header
    sheet = fields.Char()
    header_row = fields.Integer()
    columns = fields.Text()  # JSON: canonical column -> index
    cells = fields.Text()  # JSON (spreadsheet.cells_json) until parsed
    parsed = fields.Boolean()
    reconciled = fields.Boolean()
    reconcile_errors = fields.Text()  # JSON: the engine's errors of its rows, rendered
    row_count = fields.Integer("Rows")
    skipped_rows = fields.Integer()
    rows = fields.Text("Parsed Rows")  # JSON: [bureau_export.row_values(row), ...]
    keys = fields.Text("Fapiao Identities")  # JSON: [[identity, row number], ...]
    errors = fields.Text("Row Errors")  # JSON: [rendered error, ...]

    _sequence_uniq = models.UniqueIndex("(import_id, kind, sequence)")

    @api.model
    def _stage_cells(self, batch, cells, blocks, details):
        """Stage the cells of `batch`'s file: `cells` (bureau_export.ExportCells) gives its
        header, `blocks` the JSON of its slices' rows (spreadsheet.cells_json) and `details` of
        its sheet 信息汇总表 (or None). Returns the slices, to be parsed."""
        common = {
            "import_id": batch.id,
            "sheet": cells.sheet,
            "header_row": cells.header_row,
            "columns": json.dumps(cells.columns, ensure_ascii=False),
        }
        vals, start = [], 0
        for sequence, (block, size) in enumerate(blocks, start=1):
            vals.append({**common, "kind": "rows", "sequence": sequence, "start": start,
                         "cells": block})  # fmt: skip
            start += size
        if details is not None:
            vals.append({**common, "kind": "details", "sequence": 0, "cells": details})
        return self.sudo().create(vals)  # sudo: internal staging of the import's own job

    def _head(self):
        """The ExportCells of the staged file, without its rows."""
        self.ensure_one()
        return bureau_export.ExportCells(
            self.sheet, json.loads(self.columns or "{}"), self.header_row, None
        )

    def _cells(self):
        self.ensure_one()
        return spreadsheet.cells_from_json(self.cells or "[]")

    def _done_parsing(self, parsed, added, errors):
        """Keep this slice's parsed rows, the identities it `added` ((identity, row) pairs) and
        its rendered `errors`, in place of its cells."""
        self.write(
            {
                "parsed": True,
                "cells": False,
                "row_count": len(parsed.rows),
                "skipped_rows": parsed.skipped_rows,
                "rows": json.dumps(
                    [bureau_export.row_values(row) for row in parsed.rows], ensure_ascii=False
                ),
                "keys": json.dumps([[list(key), row] for key, row in added], ensure_ascii=False),
                "errors": json.dumps(errors, ensure_ascii=False),
            }
        )

    def _done_details(self, lines, errors):
        """Keep the lines of sheet 信息汇总表 (bureau_export.check_details_cells) and its
        rendered `errors`, in place of its cells."""
        self.ensure_one()
        self.write(
            {
                "parsed": True,
                "cells": False,
                "rows": json.dumps(
                    [bureau_export.detail_line_values(line) for line in lines], ensure_ascii=False
                ),
                "errors": json.dumps(errors, ensure_ascii=False),
            }
        )

    def _detail_lines(self):
        self.ensure_one()
        return [bureau_export.detail_line_from(values) for values in json.loads(self.rows or "[]")]

    def _done_reconciling(self, errors):
        """This slice's lines are stored, or it is refused with the engine's rendered `errors`."""
        self.write({"reconciled": True, "reconcile_errors": json.dumps(errors, ensure_ascii=False)})

    def _seen(self):
        """identity -> row number of the rows these slices parsed (for parse_cells_slice)."""
        seen = {}
        for chunk in self:
            for key, row in json.loads(chunk.keys or "[]"):
                seen[tuple(key)] = row
        return seen

    def _errors(self, field="errors"):
        """The rendered errors of these slices: their rows' (`errors`) or the engine's."""
        return [error for chunk in self for error in json.loads(chunk[field] or "[]")]

    def _parsed(self):
        """The ParsedExport of these parsed slices (rows and counts; their errors are apart)."""
        names = {}
        parsed = bureau_export.ParsedExport(sheet=self[:1].sheet or "")
        for chunk in self:
            parsed.rows.extend(
                bureau_export.row_from_values(values, names)
                for values in json.loads(chunk.rows or "[]")
            )
            parsed.skipped_rows += chunk.skipped_rows
            chunk.invalidate_recordset(["rows"])  # not 100,000 rows' text in the cache
        return parsed
