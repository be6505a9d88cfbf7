"""XLSX writer: numbers stay numbers, IDs stay text (leading zeros), dates are dates."""

import ast
import inspect
import io
import tempfile
import tracemalloc
from datetime import date, datetime

import openpyxl
import xlsxwriter

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

    def test_cells_keep_their_text_type_and_format(self):
        """Each cell is its column's kind with its format: text that looks like a formula, a
        link or a number stays text, escapes and whitespace survive, a date is a date, an
        empty value (None, False, "") leaves no cell, other types take their column's."""
        odd = [
            "A & B <Co> \"quoted\"", " lead", "trail ", "tab\tinside", "line\nbreak",
            "免税 (增值税专用发票)", "=1+1", "{=SUM(A1)}", "http://example.cn", "0013", "x" * 40_000,
        ]  # fmt: skip
        rows = [
            (text if i % 3 else None, date(2026, 10, 1 + i % 28), i * 1.5 - 7, i, 13.0 if i % 2 else "")
            for i, text in enumerate(odd * 3)
        ]  # fmt: skip
        rows += [(f"{i:08d}", datetime(2026, 10, 2, 10, 30), 0, False, 9) for i in range(20)]
        rows.append((12345, date(2026, 10, 3), "7.5", 4.0, 1))  # converted to the column's kind
        sheet = {
            "name": "Fapiao",
            "columns": [
                ("Number", xlsx.TEXT),
                ("Date", xlsx.DATE),
                ("Amount", xlsx.NUMBER),
                ("Count", xlsx.INTEGER),
                ("Rate", xlsx.PERCENT),
            ],
            "rows": rows,
        }
        book = openpyxl.load_workbook(io.BytesIO(xlsx.build_workbook([sheet])))
        cells = list(book["Fapiao"].iter_rows(min_row=2))
        values = [tuple(cell.value for cell in row) for row in cells]
        assert values[0][:3] == (None, datetime(2026, 10, 1), -7)
        assert values[1][0] == " lead" and values[3][0] is None
        texts = [row[0] for row in values[: len(odd) * 3]]
        expected = [text[:32_767] if i % 3 else None for i, text in enumerate(odd * 3)]
        assert texts == expected
        assert values[-2] == ("00000019", datetime(2026, 10, 2, 10, 30), 0, None, 9)
        assert values[-1] == ("12345", datetime(2026, 10, 3), 7.5, 4, 1)
        for number, day, amount, count, rate in cells:
            assert number.value is None or (number.data_type, number.number_format) == ("s", "@")
            assert day.number_format == "yyyy-mm-dd" and day.is_date
            assert (amount.data_type, amount.number_format) == ("n", "#,##0.00")
            assert count.value is None or count.number_format == "0"
            assert rate.value is None or rate.number_format == "0.00"
        assert [row[4] for row in values[:4]] == [None, 13, None, 13]  # "" leaves no cell
        assert book["Fapiao"].freeze_panes == "A2"

    def test_only_the_public_api_of_xlsxwriter_is_used(self):
        """The writer survives an upgrade of xlsxwriter (pinned by Odoo): it reads no attribute
        and imports no name starting with an underscore, and no state of a workbook or a
        worksheet (their documented API is their methods)."""
        workbook = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
        state = set(vars(workbook)) | set(vars(workbook.add_worksheet()))
        workbook.close()
        tree = ast.parse(inspect.getsource(xlsx))
        private = [
            f"line {node.lineno}: {ast.unparse(node)}"
            for node in ast.walk(tree)
            if (isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in state))
            or (
                isinstance(node, ast.ImportFrom)
                and any(alias.name.startswith("_") for alias in node.names)
            )
        ]  # fmt: skip
        assert not private, private

    def test_memory_does_not_grow_with_the_rows(self):
        """constant_memory: eight times the rows, no more memory (rows are written to a temporary
        file as they come, not held until the workbook closes)."""

        def peak(count):
            rows = ((f"{i:020d}", date(2026, 10, 1), i * 1.01) for i in range(count))
            sheet = {
                "name": "Fapiao",
                "columns": [("Number", xlsx.TEXT), ("Date", xlsx.DATE), ("Amount", xlsx.NUMBER)],
                "rows": rows,
            }
            tracemalloc.start()
            try:
                with tempfile.TemporaryFile() as output:
                    xlsx.write_workbook([sheet], output)
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

        small, large = peak(1_000), peak(8_000)
        assert large < small + 512 * 1024, (small, large)
