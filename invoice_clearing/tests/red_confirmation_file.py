"""Lists of 红字确认单 shaped like the platform's export, written for the tests (the reader is
`tools/red_confirmation_export.py`)."""

import csv
import io

from openpyxl import Workbook

from ..tools.red_confirmation_export import COLUMN_LABELS, HEADERS
from ..tools.spreadsheet import cell_text as _text


def write_forms_csv(rows, encoding="utf-8-sig", title=True):
    """A list export as the platform writes it: dicts with the HEADERS keys."""
    out = io.StringIO()
    writer = csv.writer(out)
    if title:
        writer.writerow(["红字发票信息确认单列表"])
    writer.writerow([COLUMN_LABELS[key] for key in HEADERS])
    for row in rows:
        writer.writerow([_text(row.get(key)) for key in HEADERS])
    return out.getvalue().encode(encoding)


def write_forms_xlsx(rows, title=True):
    """The same list as an xlsx workbook."""
    book = Workbook()
    sheet = book.active
    sheet.title = "红字确认单"
    if title:
        sheet.append(["红字发票信息确认单列表"])
    sheet.append([COLUMN_LABELS[key] for key in HEADERS])
    for row in rows:
        sheet.append([row.get(key) for key in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
