"""The connector interface and the normalised records every source yields.

A connector reads one CS platform (or the export folder) and yields health and usage
records normalised the same way: health 0-100 with higher = healthier (the raw value and
scale kept), Salesforce ids as 18 characters, dates in UTC. Rows it cannot use become
`RejectedRow`s with file, line, field and reason; they never stop the good rows.
New connectors plug in through the `tier1_sync.sources` entry point group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass

from tier1_sync.errors import ConfigError

ENTRY_POINT_GROUP = "tier1_sync.sources"
Band = Literal["Green", "Yellow", "Red"]


# The records are slotted pydantic dataclasses rather than BaseModels: a sync at 100,000
# accounts holds some 400,000 of them, and a slotted dataclass is about a quarter the size
# (no per-instance __dict__ or fields-set). Validation is the same; construct them with
# keywords (kw_only), copy with dataclasses.replace, dump with pydantic.TypeAdapter.


@dataclass(slots=True, kw_only=True)
class HealthRecord:
    """One account's health on one day."""

    account_key: str  # the CS platform's account id
    salesforce_account_id: str | None = None  # 18 characters when known
    as_of: dt.date
    health_score: int = Field(ge=0, le=100)  # higher = healthier
    raw_score: float | None = None
    raw_scale: str = "0-100"  # e.g. "0-10" for Vitally and Planhat
    health_band: Band | None = None
    usage_score: int | None = Field(default=None, ge=0, le=100)
    engagement_score: int | None = Field(default=None, ge=0, le=100)
    support_score: int | None = Field(default=None, ge=0, le=100)
    sentiment_score: int | None = Field(default=None, ge=0, le=100)
    last_customer_contact: dt.date | None = None
    last_csm_touch: dt.date | None = None
    next_csm_touch: dt.date | None = None
    origin: str = ""  # where it came from, e.g. "health.csv:12" or "vitally:accounts"


@dataclass(slots=True, kw_only=True)
class UsageRecord:
    """Seats and active users of one module of one account on one day."""

    account_key: str
    as_of: dt.date
    module: str = Field(min_length=1, max_length=80)
    licensed_seats: int | None = Field(default=None, ge=0)
    active_users: int | None = Field(default=None, ge=0)
    origin: str = ""


class SharedValues:
    """One object per distinct key and date within one read of a source.

    Records repeat the same account key, Salesforce id, module and dates (several days of
    one account; one as-of day for most accounts), and each parsed copy costs 30-80 bytes.
    `share` swaps a freshly built record's copies for the first equal object seen in this
    read. Both kinds are immutable and compare exactly (a `date` never equals a `datetime`),
    so the records keep their values. The table is per read and goes away with it (no
    process-wide table, as `sys.intern` keeps).
    """

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._dates: dict[dt.date, dt.date] = {}

    def text(self, value: str) -> str:
        return self._texts.setdefault(value, value)

    def date(self, value: dt.date) -> dt.date:
        return self._dates.setdefault(value, value)

    def optional_text(self, value: str | None) -> str | None:
        return None if value is None else self.text(value)

    def optional_date(self, value: dt.date | None) -> dt.date | None:
        return None if value is None else self.date(value)

    def share(self, record: HealthRecord | UsageRecord) -> None:
        """Point `record`'s keys and dates at the shared objects (it must not be in use yet)."""
        record.account_key = self.text(record.account_key)
        record.as_of = self.date(record.as_of)
        if isinstance(record, UsageRecord):
            record.module = self.text(record.module)
            return
        record.salesforce_account_id = self.optional_text(record.salesforce_account_id)
        record.last_customer_contact = self.optional_date(record.last_customer_contact)
        record.last_csm_touch = self.optional_date(record.last_csm_touch)
        record.next_csm_touch = self.optional_date(record.next_csm_touch)


class RejectedRow(BaseModel):
    """An input row that was not used, and why (reported, never silently dropped)."""

    file: str
    line: int | None = None
    field: str | None = None
    reason: str
    raw: dict[str, Any] = Field(default_factory=dict)
    rows: int = Field(default=1, ge=1)  # input rows it stands for: a whole unreadable file is many


class SourceData(BaseModel):
    """Everything one read of a source produced.

    Records given to it are kept as they are, not validated or copied again (pydantic's
    default `revalidate_instances="never"`, which holds for dataclass instances too).
    """

    source: str  # the Health_Source__c value: File, Vitally, Planhat, ...
    health: list[HealthRecord] = Field(default_factory=list)
    usage: list[UsageRecord] = Field(default_factory=list)
    rejected: list[RejectedRow] = Field(default_factory=list)
    rows_read: int = 0
    api_calls: int = 0
    warnings: list[str] = Field(default_factory=list)  # e.g. an ignored column; not rejections

    def rejected_rows(self) -> int:
        """How many input rows were not used (a rejected whole file counts all its rows)."""
        return sum(row.rows for row in self.rejected)

    def reject_pct(self) -> float:
        """Rejected rows as a share of the rows read, 0-100 (compare with `max_reject_pct`)."""
        if self.rows_read <= 0:
            return 100.0 if self.rejected else 0.0
        return min(100.0, 100.0 * self.rejected_rows() / self.rows_read)


class SourceOptions(BaseModel):
    """How to reach a source: the folder for `file`, and `[sources.NAME]` settings."""

    path: Path | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    env: Mapping[str, str] = Field(default_factory=dict)


class Connector(Protocol):
    name: str

    def read(self) -> SourceData: ...


class ConnectorFactory(Protocol):
    def __call__(self, options: SourceOptions) -> Connector: ...


def available_sources() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def load_connector(name: str, options: SourceOptions) -> Connector:
    """The connector registered under `name` in the `tier1_sync.sources` entry points."""
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not found:
        known = ", ".join(available_sources()) or "none installed"
        raise ConfigError(f"Unknown source '{name}'.", hint=f"Known sources: {known}.")
    factory: ConnectorFactory = found[0].load()
    return factory(options)
