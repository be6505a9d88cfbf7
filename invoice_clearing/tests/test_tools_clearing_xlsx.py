"""XLSX writer: numbers stay numbers, IDs stay text (leading zeros), dates are dates."""

import io
import zipfile
from datetime import date, datetime
from unittest.mock import patch

import openpyxl

from ..tools import clearing_xlsx as xlsx
from .tools_case import ToolsCase


class TestClearingXlsx(ToolsCase):
    """The XLSX writer's cell types."""

    def test_types_survive_a_roundtrip(self):
        content = xlsx.build_workbook(
            [
                {
                    "name": "Fapiao",
                    "title_rows": [("Clearing", "QK/2026/10/0001")],
                    "columns": [
                        ("Number", xlsx.TEXT),
                        ("Date", xlsx.DATE),
                        ("Amount", xlsx.NUMBER),
                        ("Count", xlsx.INTEGER),
                    ],
                    "rows": [
                        ("00000099", date(2026, 10, 21), -100.5, 3),
                        ("26442000000000000001", None, 0, 0),
                    ],
                }
            ]
        )
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Fapiao"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:2] == ("Clearing", "QK/2026/10/0001")
        assert rows[2] == ("Number", "Date", "Amount", "Count")
        assert rows[3] == ("00000099", datetime(2026, 10, 21), -100.5, 3)
        assert rows[4][0] == "26442000000000000001"
        assert rows[4][1] is None

    def test_long_sheet_names_are_cut(self):
        content = xlsx.build_workbook(
            [{"name": "x" * 40, "columns": [("A", xlsx.TEXT)], "rows": []}]
        )
        assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames == ["x" * 31]

    def test_a_table_longer_than_a_sheet_continues_on_the_next(self):
        """Excel's row limit (lowered here to 4: header + 3 rows) splits the table; every part
        repeats the header, the title rows stay on the first, the order is kept."""
        content = xlsx.build_workbook(
            [
                {
                    "name": "F" * 31,
                    "title_rows": [("Clearing", "QK/2026/10/0001")],
                    "columns": [("Number", xlsx.TEXT), ("Amount", xlsx.NUMBER)],
                    "rows": iter([(f"{i:08d}", i) for i in range(7)]),
                },
                {"name": "Problems", "columns": [("Message", xlsx.TEXT)], "rows": [("ok",)]},
            ],
            max_rows=4,
        )
        book = openpyxl.load_workbook(io.BytesIO(content))
        names = ["F" * 31, "F" * 27 + " (2)", "F" * 27 + " (3)", "Problems"]
        assert book.sheetnames == names
        parts = [list(book[name].iter_rows(values_only=True)) for name in names]
        header = ("Number", "Amount")
        assert parts[0] == [("Clearing", "QK/2026/10/0001"), (None, None), header, ("00000000", 0)]
        assert parts[1] == [header, ("00000001", 1), ("00000002", 2), ("00000003", 3)]
        assert parts[2] == [header, ("00000004", 4), ("00000005", 5), ("00000006", 6)]
        assert parts[3] == [("Message",), ("ok",)]

    def test_fast_rows_write_the_bytes_xlsxwriter_writes(self):
        """The row writer that skips xlsxwriter's per-cell calls writes the same file, byte for
        byte, as xlsxwriter's own calls: escapes, whitespace, the text xlsxwriter rewrites (left
        to it), empty cells, dates, numbers, the order of formats, a split table."""
        odd = [
            "A & B <Co> \"quoted\"", " lead", "trail ", "tab\tinside", "line\nbreak", "_x0041_",
            "bell\x07", "<r>rich</r>", "x" * 40_000, "免税 (增值税专用发票)", "\ufffe",
        ]  # fmt: skip
        rows = [
            (text if i % 3 else None, date(2026, 10, 1 + i % 28), i * 1.5 - 7, i, 13.0 if i % 2 else "")
            for i, text in enumerate(odd * 3)
        ]  # fmt: skip
        rows += [(f"{i:08d}", datetime(2026, 10, 2, 10, 30), 0, False, 9) for i in range(20)]
        sheets = [
            {
                "name": "Summary",
                "title_rows": [("Clearing", "QK/2026/10/0001"), ("Hash", None)],
                "columns": [("Kind", xlsx.TEXT), ("Count", xlsx.INTEGER)],
                "rows": [("Total", 3)],
            },
            {
                "name": "Fapiao",
                "columns": [
                    ("Number", xlsx.TEXT),
                    ("Date", xlsx.DATE),
                    ("Amount", xlsx.NUMBER),
                    ("Count", xlsx.INTEGER),
                    ("Rate", xlsx.PERCENT),
                ],
                "rows": rows,
            },
        ]

        def parts(content):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return {
                    name: archive.read(name)
                    for name in archive.namelist()
                    if name != "docProps/core.xml"  # its creation time
                }

        written = []
        original = xlsx._FastRows.put

        def put(self, row, values):
            written.append(original(self, row, values))
            return written[-1]

        with patch.object(xlsx._FastRows, "put", put):
            fast = parts(xlsx.build_workbook(sheets, max_rows=25))
        assert written.count(True) > 30 and written.count(False) > 5  # both paths were taken
        with patch.object(xlsx._FastRows, "make", return_value=None):
            plain = parts(xlsx.build_workbook(sheets, max_rows=25))
        assert fast.keys() == plain.keys()
        for name in plain:
            assert fast[name] == plain[name], name
        book = openpyxl.load_workbook(io.BytesIO(xlsx.build_workbook(sheets)))
        values = list(book["Fapiao"].iter_rows(min_row=2, values_only=True))
        assert values[0][:3] == (None, datetime(2026, 10, 1), -7)
        assert values[1][0] == " lead" and values[3][0] is None
        assert values[-1] == ("00000019", datetime(2026, 10, 2, 10, 30), 0, None, 9)
