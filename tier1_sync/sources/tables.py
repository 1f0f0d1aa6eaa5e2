"""Reading an export file (CSV or JSON) into rows that know their line number.

CSV: UTF-8 (a BOM is accepted), a header row, `csv` module quoting rules; a row's line is
the physical line it starts on (header = line 1). JSON: a list of objects; an item's line is
its index + 1. Structural problems the user must fix before anything can be read (no header,
a required column missing, not a list) are `ConfigError`s; a file that cannot be decoded is
one `RejectedRow` standing for all its rows, so nothing from it lands and the run fails.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tier1_sync.errors import ConfigError
from tier1_sync.sources.base import RejectedRow
from tier1_sync.sources.values import is_blank

log = logging.getLogger(__name__)


@dataclass
class Row:
    line: int
    values: dict[str, Any]  # by column name (trimmed, lower case); "" and null are absent values
    raw: dict[str, Any]  # as read, by the file's own column names


@dataclass
class Table:
    """A file's rows, read as they are taken (one at a time: an export of 400,000 rows is not
    held as rows). `rejected`, `warnings` and `rows_read` are complete once `rows` is used up."""

    name: str
    rows: Iterator[Row] = field(default_factory=lambda: iter(()))
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0


class _Unreadable(Exception):
    def __init__(self, reason: str, rows: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.rows = rows


def read_table(path: Path, columns: Sequence[str], required: Sequence[str]) -> Table:
    """The rows of `path`, checked against its header; see the module docstring."""
    table = Table(name=path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        text = _decode(path, data)
        items = _json_items(path.name, text) if path.suffix == ".json" else None
    except _Unreadable as exc:
        table.rejected.append(RejectedRow(file=path.name, reason=exc.reason, rows=exc.rows))
        table.rows_read = exc.rows
        return table
    if items is None:
        table.rows = _read_csv(table, text, columns, required)
    else:
        table.rows = _read_json(table, items, columns)
    return table


def _decode(path: Path, data: bytes) -> str:
    offset = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        position = exc.start + offset
        line = data[:position].count(b"\n") + 1
        utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        what = "it is UTF-16 ('Unicode text')" if utf16 else "it is not UTF-8"
        rows = _count_rows(path, data[offset:].decode("utf-8", errors="replace"))
        raise _Unreadable(
            f"{path.name} cannot be read: {what}; the byte 0x{data[position]:02X} at byte offset "
            f"{position} (line {line}) is not valid UTF-8. Nothing from this file was used: "
            "save it as UTF-8 (in Excel: 'CSV UTF-8') and run again.",
            rows=rows,
        ) from None


def _count_rows(path: Path, text: str) -> int:
    """About how many rows an unreadable file holds, so that rejecting it weighs as much."""
    if path.suffix == ".json":
        return max(text.count('"account_key"'), 1)
    records = sum(1 for _, cells, _ in _records(text) if cells)
    return max(records - 1, 1)


def _column(name: str) -> str:
    return name.strip().lower()


def _check_header(
    table: Table, header: Sequence[str], columns: Sequence[str], required: Sequence[str]
) -> None:
    names = [_column(h) for h in header]
    found = ", ".join(h for h in names if h) or "nothing"
    for column in required:
        if column not in names:
            raise ConfigError(
                f"{table.name} has no column '{column}'.",
                hint=f"The first line of {table.name} must be a header row naming the columns, "
                f"with at least {', '.join(required)}. Found: {found}.",
            )
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise ConfigError(
            f"{table.name} has the column '{twice[0]}' more than once.",
            hint="Keep one column of each name in the header row.",
        )
    unknown = [h.strip() or f"(unnamed column {i + 1})" for i, h in enumerate(header)]
    unknown = [u for u, n in zip(unknown, names, strict=True) if n not in columns]
    if unknown:
        message = (
            f"{table.name}: ignored the column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)} (not part of the export format)"
        )
        table.warnings.append(message)
        log.warning("%s", message)


def _records(text: str) -> Iterator[tuple[int, list[str], str | None]]:
    """(line the record starts on, its cells, a parse error), skipping blank lines."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a NUL byte, or a field over the size limit
            yield start, [], str(exc)
            continue
        if any(cell.strip() for cell in cells):
            yield start, cells, None


def _read_csv(
    table: Table, text: str, columns: Sequence[str], required: Sequence[str]
) -> Iterator[Row]:
    """Checks the header now (a ConfigError), then yields the rows as they are taken."""
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise ConfigError(
            f"{table.name} is empty.",
            hint=f"It needs a header row with at least {', '.join(required)}.",
        )
    header = first[1]
    if first[2] is not None:
        raise ConfigError(f"{table.name}: the header row cannot be read as CSV ({first[2]}).")
    _check_header(table, header, columns, required)
    return _csv_rows(table, records, header, columns)


def _csv_rows(
    table: Table,
    records: Iterator[tuple[int, list[str], str | None]],
    header: list[str],
    columns: Sequence[str],
) -> Iterator[Row]:
    names = [_column(h) for h in header]
    for line, cells, error in records:
        table.rows_read += 1
        raw: dict[str, Any] = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            raw["(extra values)"] = cells[len(header) :]
        if error is not None:
            reason = f"line {line} cannot be read as CSV: {error}"
            table.rejected.append(RejectedRow(file=table.name, line=line, reason=reason))
            continue
        extra = cells[len(header) :]
        if any(c.strip() for c in extra):
            reason = (
                f"line {line} has {len(cells)} values but the header has {len(header)} columns "
                "(a comma inside a value that is not in double quotes?)"
            )
            table.rejected.append(RejectedRow(file=table.name, line=line, reason=reason, raw=raw))
            continue
        values = {
            n: c.strip()
            for n, c in zip(names, cells, strict=False)
            if n in columns and not is_blank(c)
        }
        yield Row(line=line, values=values, raw=raw)


def _json_items(name: str, text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unreadable(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}. "
            "Nothing from this file was used.",
            rows=_count_rows(Path(name), text),
        ) from None
    if not isinstance(data, list):
        raise ConfigError(
            f"{name} holds a JSON {type(data).__name__}, not a list.",
            hint=f"{name} must be a list of objects, one per row, e.g. "
            '[{"account_key": "CS-000001", "as_of": "2026-11-20", "health_score": 72}].',
        )
    return data


def _read_json(table: Table, items: list[Any], columns: Sequence[str]) -> Iterator[Row]:
    """Items as rows (JSON has no header: a missing required key rejects that item)."""
    unknown: list[str] = []
    for index, item in enumerate(items):
        line = index + 1
        table.rows_read += 1
        if not isinstance(item, dict):
            reason = f"item {line} is a JSON {type(item).__name__}, not an object with the columns"
            table.rejected.append(RejectedRow(file=table.name, line=line, reason=reason))
            continue
        values: dict[str, Any] = {}
        for key, value in item.items():
            column = _column(str(key))
            if column not in columns:
                if str(key) not in unknown:
                    unknown.append(str(key))
            elif not is_blank(value):
                values[column] = value.strip() if isinstance(value, str) else value
        yield Row(line=line, values=values, raw=dict(item))
    if unknown:
        message = (
            f"{table.name}: ignored the key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)} (not part of the export format)"
        )
        table.warnings.append(message)
        log.warning("%s", message)
