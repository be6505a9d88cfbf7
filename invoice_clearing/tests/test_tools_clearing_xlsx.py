"""XLSX writer: numbers stay numbers, IDs stay text (leading zeros), dates are dates."""

import io
from datetime import date, datetime

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
