"""Bulk API 2.0 job files: the upload read row by row, result CSVs written as Salesforce does."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from tier1_sync.localorg.bulk_model import IngestJob

SUCCESS_COLUMNS = ("sf__Id", "sf__Created")
FAILED_COLUMNS = ("sf__Id", "sf__Error")


@dataclass(frozen=True)
class JobPaths:
    folder: Path

    @property
    def data(self) -> Path:
        return self.folder / "data.csv"

    @property
    def successful(self) -> Path:
        return self.folder / "successful.csv"

    @property
    def failed(self) -> Path:
        return self.folder / "failed.csv"


class RowResult(NamedTuple):
    record_id: str
    created: bool
    error: str | None = None


class Rows:
    """Non-empty rows of the uploaded CSV; a malformed CSV ends them with `error`."""

    def __init__(self, source: IO[str], job: IngestJob) -> None:
        self._reader = csv.reader(source, delimiter=job.delimiter, strict=True)
        self.error: str | None = None

    def __iter__(self) -> Iterator[list[str]]:
        try:
            for row in self._reader:
                if row:
                    yield row
        except (csv.Error, UnicodeDecodeError) as exc:  # Salesforce wants UTF-8 CSV
            self.error = f"InvalidBatch : {exc} (line {self._reader.line_num})"


def take(rows: Iterator[list[str]], count: int) -> list[list[str]]:
    taken: list[list[str]] = []
    for row in rows:
        taken.append(row)
        if len(taken) == count:
            break
    return taken


def open_data(paths: JobPaths) -> IO[str]:
    return paths.data.open(newline="", encoding="utf-8-sig")


def read_header(paths: JobPaths, job: IngestJob) -> list[str] | None:
    """The uploaded CSV's header row, if anything was uploaded."""
    if not paths.data.exists():
        return None
    with open_data(paths) as source:
        return next(iter(Rows(source, job)), None)


def header_line(job: IngestJob, header: list[str], prefix: Iterable[str] = ()) -> str:
    """Result files quote their own columns and repeat the original header as it was."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=job.delimiter, lineterminator=job.newline).writerow(header)
    quoted = "".join(f'"{name}"{job.delimiter}' for name in prefix)
    return quoted + buffer.getvalue()


class ResultFiles:
    """sf__Id/sf__Created and sf__Id/sf__Error CSV files, every value quoted."""

    def __init__(self, paths: JobPaths, job: IngestJob, header: list[str]) -> None:
        self._files = [paths.successful.open("w", newline="", encoding="utf-8")]
        self._files.append(paths.failed.open("w", newline="", encoding="utf-8"))
        self._files[0].write(header_line(job, header, SUCCESS_COLUMNS))
        self._files[1].write(header_line(job, header, FAILED_COLUMNS))
        self._writers = [
            csv.writer(
                f, delimiter=job.delimiter, lineterminator=job.newline, quoting=csv.QUOTE_ALL
            )
            for f in self._files
        ]

    def write(self, rows: list[list[str]], results: list[RowResult]) -> None:
        successful, failed = self._writers
        for cells, result in zip(rows, results, strict=False):
            if result.error is None:
                created = "true" if result.created else "false"
                successful.writerow([result.record_id, created, *cells])
            else:
                failed.writerow([result.record_id, result.error, *cells])
        for file in self._files:
            file.flush()

    def close(self) -> None:
        for file in self._files:
            file.close()


def unprocessed_lines(paths: JobPaths, job: IngestJob) -> Iterator[str]:
    """The original header and every row the job did not get to, in pieces of ~64 KB."""
    if not paths.data.exists():
        return
    with open_data(paths) as source:
        rows = iter(Rows(source, job))
        header = next(rows, None)
        if header is None:
            return
        yield header_line(job, header)
        if job.state == "JobComplete":
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=job.delimiter, lineterminator=job.newline)
        for number, row in enumerate(rows):
            if number < job.processed:
                continue
            writer.writerow(row)
            if buffer.tell() > 65_536:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
