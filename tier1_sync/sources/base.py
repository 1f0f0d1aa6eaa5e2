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

from tier1_sync.errors import ConfigError

ENTRY_POINT_GROUP = "tier1_sync.sources"
Band = Literal["Green", "Yellow", "Red"]


class HealthRecord(BaseModel):
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


class UsageRecord(BaseModel):
    """Seats and active users of one module of one account on one day."""

    account_key: str
    as_of: dt.date
    module: str = Field(min_length=1, max_length=80)
    licensed_seats: int | None = Field(default=None, ge=0)
    active_users: int | None = Field(default=None, ge=0)
    origin: str = ""


class RejectedRow(BaseModel):
    """An input row that was not used, and why (reported, never silently dropped)."""

    file: str
    line: int | None = None
    field: str | None = None
    reason: str
    raw: dict[str, Any] = Field(default_factory=dict)
    rows: int = Field(default=1, ge=1)  # input rows it stands for: a whole unreadable file is many


class SourceData(BaseModel):
    """Everything one read of a source produced."""

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
