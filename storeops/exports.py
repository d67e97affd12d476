"""Files StoreOps writes for spreadsheets: CSV (UTF-8 with BOM, so Excel reads
Chinese correctly) and XLSX.

Text that begins with `=`, `+`, `-`, `@` (or a tab or carriage return) would
be run as a formula by Excel or WPS; such text (a product title from a
marketplace, a buyer's note) is written with a leading apostrophe so that it
stays text. Numbers, Decimals and dates are written as such, unescaped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"


def escape_text(value: str) -> str:
    """`value` made safe to hand a spreadsheet as text."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal, float)):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            # The store's wall-clock time, with its offset: what staff expect to
            # read, and still the same instant when imported again.
            from storeops import business_day

            value = value.astimezone(business_day.store_zone())
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape_text(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def iter_csv(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterable[bytes]:
    """CSV bytes, chunk by chunk, starting with a UTF-8 byte-order mark."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow([escape_text(str(h)) for h in headers]).encode()
    for row in rows:
        yield writer.writerow([_csv_cell(cell) for cell in row]).encode()


def write_csv(stream: IO[bytes], headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    for chunk in iter_csv(headers, rows):
        stream.write(chunk)


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def csv_response(
    filename: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        iter_csv(headers, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _disposition(filename)
    return response


@dataclass
class Sheet:
    title: str | Promise
    headers: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    money_columns: Sequence[int] = ()
    widths: Sequence[int] = ()


def _xlsx_cell(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, dt.datetime):
        # Excel has no time zones: write the wall-clock time it was in the store.
        from storeops import business_day

        if value.tzinfo is not None:
            value = value.astimezone(business_day.store_zone())
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return escape_text(str(value))


def write_xlsx(stream: IO[bytes], sheets: Sequence[Sheet]) -> None:
    """Write a workbook (openpyxl's write-only mode: memory stays flat)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=str(sheet.title)[:31])
        for position, width in enumerate(sheet.widths, start=1):
            worksheet.column_dimensions[get_column_letter(position)].width = width
        header_cells = []
        for header in sheet.headers:
            cell = WriteOnlyCell(worksheet, value=escape_text(str(header)))
            cell.font = bold
            header_cells.append(cell)
        worksheet.append(header_cells)
        worksheet.freeze_panes = "A2"
        money = set(sheet.money_columns)
        for row in sheet.rows:
            cells = []
            for position, value in enumerate(row):
                cell = WriteOnlyCell(worksheet, value=_xlsx_cell(value))
                if position in money:
                    cell.number_format = MONEY_FORMAT
                elif isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
                elif isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            worksheet.append(cells)
    workbook.save(stream)


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response
