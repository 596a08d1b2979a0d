"""CSV files as people make them: UTF-8 with or without a byte order mark, or Windows-1252
(what spreadsheet programs on Windows save as CSV), even one such line among UTF-8 lines;
fields separated by commas, or by semicolons as German spreadsheets write them."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

DELIMITERS = (",", ";", "\t")
_SHOWN_LINES = 10


class UnreadableCsv(ValueError):
    """The file cannot be read as CSV at all; the message says why, for a person."""


@dataclass(frozen=True)
class CsvRow:
    line: int  # where the row starts in the file, counting from 1
    fields: dict[str, str]  # by column name; a short row lacks its last columns
    extra: int  # fields beyond the header's columns


@dataclass(frozen=True)
class CsvFile:
    columns: list[str]
    rows: list[CsvRow]
    encoding: str  # for people: "UTF-8", "Windows-1252", "UTF-8; line 4 read as ..."
    delimiter: str


def decode_lines(data: bytes) -> tuple[list[str], str]:
    """The file's lines (with their line ends) and how they were decoded.

    A whole file that is UTF-8 is read as UTF-8. Otherwise each line is read as UTF-8 when it
    is UTF-8, else as Windows-1252 (Latin-1 for the five bytes Windows-1252 leaves undefined):
    a Latin-1 line is never valid UTF-8, and a UTF-8 line read as Latin-1 would be garbled."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableCsv("the file is UTF-16 or UTF-32; save it as CSV in UTF-8")
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    if b"\x00" in body:
        line = body.count(b"\n", 0, body.index(b"\x00")) + 1
        raise UnreadableCsv(f"line {line} holds a NUL byte: this is not a CSV text file")
    utf8 = "UTF-8 with BOM" if bom else "UTF-8"
    try:
        # Lines end only where csv ends them (not at U+2028 and the like, as str.splitlines).
        return io.StringIO(body.decode("utf-8"), newline="").readlines(), utf8
    except UnicodeDecodeError:
        pass
    lines: list[str] = []
    other: dict[str, list[int]] = {}  # codec -> numbers of the lines it read
    utf8_beyond_ascii = False
    for number, raw in enumerate(body.splitlines(keepends=True), 1):
        try:
            lines.append(raw.decode("utf-8"))
            utf8_beyond_ascii = utf8_beyond_ascii or not raw.isascii()
            continue
        except UnicodeDecodeError:
            pass
        try:
            lines.append(raw.decode("cp1252"))
            other.setdefault("Windows-1252", []).append(number)
        except UnicodeDecodeError:
            lines.append(raw.decode("latin-1"))
            other.setdefault("Latin-1", []).append(number)
    if utf8_beyond_ascii:
        base = utf8
    else:  # no line needed UTF-8: the file is in the older encoding, not a mix
        base = "Windows-1252" if "Windows-1252" in other else "Latin-1"
        other.pop(base)
    notes = [f"{_lines(numbers)} read as {codec}" for codec, numbers in other.items()]
    return lines, "; ".join([base, *notes])


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_SHOWN_LINES])
    more = f" and {len(numbers) - _SHOWN_LINES} more" if len(numbers) > _SHOWN_LINES else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more} (not UTF-8)"


def read_csv(data: bytes) -> CsvFile:
    """Rows by column name with the line each starts on. Blank lines are skipped; a file with
    no header, a repeated column name or broken quoting is UnreadableCsv."""
    lines, encoding = decode_lines(data)
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise UnreadableCsv("the file is empty")
    delimiter = max(DELIMITERS, key=first.count)  # ties go to the comma
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    columns: list[str] | None = None
    rows: list[CsvRow] = []
    try:
        while True:
            line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            if not any(field.strip() for field in record):
                continue
            if columns is None:
                columns = [name.strip() for name in record]
                repeated = sorted({c for c in columns if columns.count(c) > 1})
                if repeated:
                    raise UnreadableCsv(f"column(s) named twice: {', '.join(repeated)}")
                continue
            extra = max(0, len(record) - len(columns))
            rows.append(CsvRow(line, dict(zip(columns, record, strict=False)), extra))
    except csv.Error as exc:
        raise UnreadableCsv(f"line {reader.line_num}: {exc}") from None
    if columns is None:
        raise UnreadableCsv("the file has no header line, only empty fields")
    return CsvFile(columns, rows, encoding, delimiter)
