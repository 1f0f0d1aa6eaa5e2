"""`--source file`: the CS export folder (SPEC §6).

A folder with `health.csv` (or `health.json`) and optionally `usage.csv` (or `usage.json`).
Every bad row becomes a `RejectedRow` naming the file, the line, the field and what to fix,
with the row kept; the good rows still go through. A missing folder, a missing health file or
a missing required column is a `ConfigError` (exit 2): nothing can be read until it is fixed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tier1_sync.errors import ConfigError
from tier1_sync.sources.base import (
    Band,
    HealthRecord,
    RejectedRow,
    SharedValues,
    SourceData,
    SourceOptions,
    UsageRecord,
)
from tier1_sync.sources.tables import Row, Table, read_table
from tier1_sync.sources.values import (
    BadValue,
    parse_account_id,
    parse_count,
    parse_date,
    parse_key,
    parse_score,
    shown,
)

SOURCE_NAME = "File"
HEALTH_COLUMNS = (
    "account_key",
    "salesforce_account_id",
    "as_of",
    "health_score",
    "health_band",
    "usage_score",
    "engagement_score",
    "support_score",
    "sentiment_score",
    "last_customer_contact",
    "last_csm_touch",
    "next_csm_touch",
)
HEALTH_REQUIRED = ("account_key", "as_of", "health_score")
SUB_SCORES = ("usage_score", "engagement_score", "support_score", "sentiment_score")
TOUCH_DATES = ("last_customer_contact", "last_csm_touch", "next_csm_touch")
USAGE_COLUMNS = ("account_key", "as_of", "module", "licensed_seats", "active_users")
USAGE_REQUIRED = USAGE_COLUMNS
BANDS: dict[str, Band] = {"green": "Green", "yellow": "Yellow", "red": "Red"}
MISSING = {
    "account_key": "the CS platform's account id",
    "as_of": "the day the values are for, YYYY-MM-DD",
    "health_score": "a score from 0 to 100",
    "module": "the product module's name",
}
T = TypeVar("T")


class FileSettings(BaseModel):
    """`[sources.file]` in tier1.toml."""

    model_config = ConfigDict(extra="forbid")

    path: Path | None = None  # the export folder when --path is not given


class _Fields:
    """Reads one row's values, collecting every problem rather than stopping at the first."""

    def __init__(self, file: str, row: Row) -> None:
        self.file = file
        self.row = row
        self.problems: list[tuple[str, str]] = []

    def take(
        self, field: str, parse: Callable[[str, object], T], required: bool = False
    ) -> T | None:
        value = self.row.values.get(field)
        if value is None:
            if required:
                self.problems.append((field, f"{field} is missing ({MISSING[field]})"))
            return None
        try:
            return parse(field, value)
        except BadValue as exc:
            self.problems.append((field, str(exc)))
            return None

    def problem(self, field: str, reason: str) -> None:
        self.problems.append((field, reason))

    def rejected(self) -> RejectedRow:
        return RejectedRow(
            file=self.file,
            line=self.row.line,
            field=self.problems[0][0],
            reason="; ".join(reason for _, reason in self.problems),
            raw=self.row.raw,
        )

    def origin(self) -> str:
        return f"{self.file}:{self.row.line}"


def _band(field: str, value: object) -> Band:
    band = BANDS.get(str(value).strip().lower())
    if band is None:
        raise BadValue(f"{field} {shown(value)} is not green, yellow or red")
    return band


def _as_of(fields: _Fields, today: dt.date) -> dt.date | None:
    as_of = fields.take("as_of", parse_date, required=True)
    if as_of is not None and as_of > today + dt.timedelta(days=1):
        fields.problem("as_of", f"as_of {as_of} is in the future")
        return None
    return as_of


def health_from_row(file: str, row: Row, today: dt.date) -> HealthRecord | RejectedRow:
    """One health.csv row as a record, or the reasons it cannot be used."""
    fields = _Fields(file, row)
    key = fields.take("account_key", parse_key, required=True)
    sf_id = fields.take("salesforce_account_id", parse_account_id)
    as_of = _as_of(fields, today)
    score = fields.take("health_score", parse_score, required=True)
    band = fields.take("health_band", _band)
    subs = {name: fields.take(name, parse_score) for name in SUB_SCORES}
    dates = {name: fields.take(name, parse_date) for name in TOUCH_DATES}
    if fields.problems or key is None or as_of is None or score is None:
        return fields.rejected()

    def sub(name: str) -> int | None:
        value = subs[name]
        return value[0] if value is not None else None

    return HealthRecord(
        account_key=key,
        salesforce_account_id=sf_id,
        as_of=as_of,
        health_score=score[0],
        raw_score=score[1],
        health_band=band,
        usage_score=sub("usage_score"),
        engagement_score=sub("engagement_score"),
        support_score=sub("support_score"),
        sentiment_score=sub("sentiment_score"),
        last_customer_contact=dates["last_customer_contact"],
        last_csm_touch=dates["last_csm_touch"],
        next_csm_touch=dates["next_csm_touch"],
        origin=fields.origin(),
    )


def usage_from_row(file: str, row: Row, today: dt.date) -> UsageRecord | RejectedRow:
    """One usage.csv row as a record, or the reasons it cannot be used."""
    fields = _Fields(file, row)
    key = fields.take("account_key", parse_key, required=True)
    as_of = _as_of(fields, today)
    module = fields.take("module", parse_key, required=True)
    seats = fields.take("licensed_seats", parse_count)
    active = fields.take("active_users", parse_count)
    if seats is None and active is None and not fields.problems:
        fields.problem(
            "licensed_seats", "licensed_seats and active_users are both empty: give at least one"
        )
    if fields.problems or key is None or as_of is None or module is None:
        return fields.rejected()
    return UsageRecord(
        account_key=key,
        as_of=as_of,
        module=module,
        licensed_seats=seats,
        active_users=active,
        origin=fields.origin(),
    )


class _FirstSeen:
    """The line of the first accepted row per key; keys compare ignoring case, like Salesforce."""

    def __init__(self) -> None:
        self.lines: dict[tuple[str, ...], tuple[int, str]] = {}

    def duplicate(
        self, file: str, line: int, key: tuple[str, ...], what: str
    ) -> RejectedRow | None:
        folded = tuple(part.casefold() for part in key)
        first = self.lines.get(folded)
        if first is None:
            self.lines[folded] = (line, key[0])
            return None
        case_note = (
            "" if first[1] == key[0] else " (keys are compared ignoring case, as in Salesforce)"
        )
        return RejectedRow(
            file=file,
            line=line,
            field="account_key",
            reason=f"duplicate: {what} already has a row on line {first[0]}{case_note}; "
            "only the first was used",
        )


def _key_of(record: HealthRecord | UsageRecord) -> tuple[tuple[str, ...], str]:
    """The snapshot key a record must not share with another of its file, and how to say it."""
    day = record.as_of.isoformat()
    if isinstance(record, HealthRecord):
        return (record.account_key, day), f"account_key {record.account_key} for as_of {day}"
    return (
        (record.account_key, record.module, day),
        f"account_key {record.account_key}, module {record.module}, as_of {day}",
    )


def _take_rows(
    table: Table,
    to_record: Callable[[str, Row, dt.date], HealthRecord | UsageRecord | RejectedRow],
    today: dt.date,
    data: SourceData,
    shared: SharedValues,
) -> None:
    """Each row as a record (the first of a key) or a RejectedRow (a bad row or a duplicate)."""
    seen = _FirstSeen()
    for row in table.rows:
        result = to_record(table.name, row, today)
        if not isinstance(result, RejectedRow):
            key, what = _key_of(result)
            duplicate = seen.duplicate(table.name, row.line, key, what)
            if duplicate is None:
                shared.share(result)  # one key / date object across the account's rows
                if isinstance(result, HealthRecord):
                    data.health.append(result)
                else:
                    data.usage.append(result)
                continue
            result = duplicate.model_copy(update={"raw": row.raw})
        data.rejected.append(result)


def _collect(data: SourceData, table: Table) -> None:
    data.rejected.extend(table.rejected)
    data.warnings.extend(table.warnings)
    data.rows_read += table.rows_read


def _find(folder: Path, stem: str) -> Path | None:
    found = [folder / f"{stem}.{ext}" for ext in ("csv", "json")]
    found = [path for path in found if path.is_file()]
    if len(found) > 1:
        raise ConfigError(
            f"{folder} has both {stem}.csv and {stem}.json.",
            hint="Keep one of them: the sync reads one file per kind of data.",
        )
    return found[0] if found else None


def _no_health(folder: Path) -> ConfigError:
    present = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    listing = ", ".join(present[:10]) or "nothing"
    return ConfigError(
        f"{folder} has no health.csv (or health.json).",
        hint=f"The export folder needs health.csv (SPEC §6); it holds: {listing}.",
    )


class FileSource:
    """Reads the CS export folder (`--source file --path FOLDER`)."""

    name = "file"

    def __init__(self, options: SourceOptions, today: dt.date | None = None) -> None:
        try:
            settings = FileSettings.model_validate(options.settings)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise ConfigError(f"[sources.file] {where}: {problem['msg']}.") from None
        self.folder = options.path or settings.path
        self.today = today or dt.datetime.now(dt.UTC).date()

    def __repr__(self) -> str:
        return f"FileSource(folder={str(self.folder)!r})"

    def _folder(self) -> Path:
        if self.folder is None:
            raise ConfigError(
                "The file source needs the export folder.",
                hint="Pass --path FOLDER (the folder holding health.csv), "
                "or set path in [sources.file] in tier1.toml.",
            )
        if not self.folder.exists():
            raise ConfigError(f"The export folder {self.folder} does not exist.")
        if not self.folder.is_dir():
            raise ConfigError(
                f"{self.folder} is a file, not a folder.",
                hint=f"--path takes the folder that holds health.csv: {self.folder.parent}.",
            )
        return self.folder

    def read(self) -> SourceData:
        folder = self._folder()
        health = _find(folder, "health")
        if health is None:
            raise _no_health(folder)
        usage = _find(folder, "usage")
        data = SourceData(source=SOURCE_NAME)
        shared = SharedValues()
        table = read_table(health, HEALTH_COLUMNS, HEALTH_REQUIRED)
        _take_rows(table, health_from_row, self.today, data, shared)
        _collect(data, table)
        if usage is not None:
            table = read_table(usage, USAGE_COLUMNS, USAGE_REQUIRED)
            _take_rows(table, usage_from_row, self.today, data, shared)
            _collect(data, table)
        data.rejected.sort(key=lambda row: (row.file != health.name, row.line or 0))
        return data
