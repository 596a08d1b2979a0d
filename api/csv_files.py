"""CSV files the product writes. Every text cell is made safe for spreadsheets (OWASP's CSV
injection guidance): a cell that starts with = + - @, a tab or a carriage return would be run
as a formula by Excel or LibreOffice, so it gets a leading apostrophe, which spreadsheets show
as text and do not display. Numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text as RFC 4180 has it (CRLF line ends, so a field holding a lone CR or LF is
    quoted too) with a header row; cells spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()
