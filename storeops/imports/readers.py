"""Read an uploaded table (CSV or XLSX) as rows of text, streaming.

Nothing here loads a whole file into memory: CSV is decoded chunk by chunk and
XLSX is read with openpyxl's read-only mode. Before an XLSX file is opened its
zip directory is checked (a zip bomb is refused by its declared sizes, which
`zipfile` then enforces) and every XML part is checked for a DOCTYPE (entity
expansion bombs need one); both are refused with a plain message.

Row numbers are the ones a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

SAMPLE_BYTES = 1024 * 1024
XML_HEAD_BYTES = 64 * 1024
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass
class Row:
    number: int
    cells: list[str]


class Table:
    """Headers plus an iterator of rows; `fraction_read` tells progress (0..1)."""

    format: str = ""
    encoding: str = ""
    rows_read: int = 0

    def __init__(self, headers: list[str]):
        self.headers = headers

    def rows(self) -> Iterator[Row]:  # pragma: no cover - abstract
        raise NotImplementedError

    def fraction_read(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass


def limits() -> dict[str, int]:
    return {
        "max_upload": getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024),
        "max_unzipped": getattr(settings, "IMPORT_MAX_XLSX_UNZIPPED_BYTES", 1024 * 1024 * 1024),
        "max_ratio": getattr(settings, "IMPORT_MAX_XLSX_RATIO", 200),
    }


def open_table(stream: IO[bytes], name: str = "") -> Table:
    """Open a binary stream as a Table, choosing CSV or XLSX by content, not by name."""
    size = _size_of(stream)
    if size == 0:
        raise FileRefused(_("The file is empty."))
    if size > limits()["max_upload"]:
        raise FileRefused(
            _("The file is %(size)s MB; at most %(limit)s MB can be imported at once.")
            % {"size": size // (1024 * 1024), "limit": limits()["max_upload"] // (1024 * 1024)}
        )
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return XlsxTable.open(stream, size)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _("This is an old Excel 97-2003 (.xls) file; save it as .xlsx or CSV and try again.")
        )
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise FileRefused(_("The file is named .xlsx but is not an Excel workbook."))
    return CsvTable.open(stream, size)


def _size_of(stream: IO[bytes]) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _clean_cell(value: str) -> str:
    value = value.strip()
    if not value.startswith('="'):
        return value
    match = _EXCEL_TEXT.match(value)  # ="0012" is how exports keep leading zeros
    return match.group(1).strip() if match else value


# CSV


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in sample:
        raise FileRefused(
            _(
                "The file is saved as UTF-16 or is not a text file. "
                "Save it as “CSV UTF-8” (or as .xlsx) and try again."
            )
        )
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRefused(
        _(
            "The file's text is neither UTF-8 nor GB18030 (the encodings Excel and "
            "marketplace exports use). Save it as “CSV UTF-8” and try again."
        )
    )


class _CountingReader(io.RawIOBase):
    """Wraps a binary stream and counts the bytes handed on."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


class CsvTable(Table):
    format = "csv"

    @classmethod
    def open(cls, stream: IO[bytes], size: int) -> CsvTable:
        sample = stream.read(SAMPLE_BYTES)
        stream.seek(0)
        encoding = _detect_encoding(sample)
        first_line = sample.split(b"\n", 1)[0]
        delimiter = "\t" if first_line.count(b"\t") > first_line.count(b",") else ","
        counter = _CountingReader(stream)
        text = io.TextIOWrapper(
            io.BufferedReader(counter, buffer_size=64 * 1024),
            encoding=encoding,
            errors="strict",
            newline="",
        )
        reader = csv.reader(text, delimiter=delimiter)
        table = cls.__new__(cls)
        table.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        table._size = size
        table._counter = counter
        table._reader = reader
        table._record = 0
        try:
            headers = table._next()
        except StopIteration:
            raise FileRefused(_("The file is empty.")) from None
        while headers is not None and not any(cell.strip() for cell in headers):
            try:
                headers = table._next()
            except StopIteration:
                raise FileRefused(_("The file is empty.")) from None
        Table.__init__(table, [_clean_cell(h) for h in headers])
        return table

    def _next(self) -> list[str]:
        try:
            cells = next(self._reader)
            self._record += 1
            return cells
        except UnicodeDecodeError:
            raise FileRefused(
                _(
                    "Around line %(line)d the file stops being valid %(encoding)s text. "
                    "Save it as “CSV UTF-8” and try again."
                )
                % {"line": self._reader.line_num + 1, "encoding": self.encoding.upper()}
            ) from None
        except csv.Error as error:
            raise FileRefused(
                _("Line %(line)d cannot be read as CSV: %(reason)s")
                % {"line": self._reader.line_num, "reason": error}
            ) from None

    def rows(self) -> Iterator[Row]:
        while True:
            try:
                cells = self._next()
            except StopIteration:
                return
            joined = "".join(cells)
            if not joined.strip():
                continue
            # Row numbers count records (as Excel shows them), so a quoted cell
            # spanning several lines stays one row.
            self.rows_read += 1
            if '="' in joined:
                yield Row(self._record, [_clean_cell(cell) for cell in cells])
            else:  # no Excel text marker anywhere: stripping is all the cleaning
                yield Row(self._record, [cell.strip() for cell in cells])

    def fraction_read(self) -> float:
        return min(1.0, self._counter.consumed / self._size) if self._size else 1.0


# XLSX


def _check_zip(stream: IO[bytes], size: int) -> None:
    lim = limits()
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        raise FileRefused(_("The file is not a valid Excel workbook (.xlsx).")) from None
    with archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise FileRefused(_("The file is a zip archive but not an Excel workbook (.xlsx)."))
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > lim["max_unzipped"] or (
                info.file_size > 10 * 1024 * 1024 and ratio > lim["max_ratio"]
            ):
                raise FileRefused(
                    _(
                        "The workbook unpacks to far more data than it holds (a “zip bomb”); "
                        "it was refused. Save the data again from Excel or as CSV."
                    )
                )
        for info in archive.infolist():
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(info) as part:
                head = part.read(XML_HEAD_BYTES).replace(b"\x00", b"").upper()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise FileRefused(
                    _(
                        "The workbook contains XML entity declarations, which Excel never "
                        "writes and which can be used to attack the server; it was refused."
                    )
                )
    stream.seek(0)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    return str(value)


class XlsxTable(Table):
    format = "xlsx"
    encoding = ""

    @classmethod
    def open(cls, stream: IO[bytes], size: int) -> XlsxTable:
        from openpyxl import load_workbook

        _check_zip(stream, size)
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds; all mean the same to a user
            raise FileRefused(
                _("The workbook cannot be read (%(reason)s). Save it again from Excel.")
                % {"reason": error.__class__.__name__}
            ) from None
        sheet = workbook.worksheets[0]
        table = cls.__new__(cls)
        table._workbook = workbook
        table._total = sheet.max_row or 0
        table._position = 0
        table._rows = sheet.iter_rows(values_only=True)
        headers = None
        for values in table._rows:
            table._position += 1
            cells = [_cell_text(v) for v in values]
            if any(cell.strip() for cell in cells):
                headers = cells
                break
        if headers is None:
            workbook.close()
            raise FileRefused(_("The first sheet of the workbook is empty."))
        while headers and not headers[-1].strip():
            headers.pop()
        Table.__init__(table, [_clean_cell(h) for h in headers])
        return table

    def rows(self) -> Iterator[Row]:
        for values in self._rows:
            self._position += 1
            cells = [_clean_cell(_cell_text(v)) for v in values]
            if not any(cells):
                continue
            self.rows_read += 1
            yield Row(self._position, cells)

    def fraction_read(self) -> float:
        return min(1.0, self._position / self._total) if self._total else 1.0

    def close(self) -> None:
        self._workbook.close()


# JSON records (the REST endpoints)


def _record_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class RecordsTable(Table):
    """A list of JSON objects read like a sheet: keys are headers, item 1 is row 1."""

    format = "json"

    def __init__(self, records: list[dict[str, Any]]):
        headers: dict[str, None] = {}
        for position, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                raise FileRefused(_("Row %(row)d is not an object.") % {"row": position})
            headers.update(dict.fromkeys(record))
        if not records:
            raise FileRefused(_("There are no rows."))
        super().__init__(list(headers))
        self._records = records
        self._position = 0

    def rows(self) -> Iterator[Row]:
        for position, record in enumerate(self._records, start=1):
            self._position = position
            self.rows_read += 1
            yield Row(position, [_record_text(record.get(h)).strip() for h in self.headers])

    def fraction_read(self) -> float:
        return self._position / len(self._records)
