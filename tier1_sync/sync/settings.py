"""`[sync]` in tier1.toml: thresholds of the sync job, validated (a bad value is exit 2)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SyncSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_reject_pct: float = Field(
        default=5.0, ge=0, le=100, description="fail the run above this share of bad input rows"
    )
    bulk_threshold: int = Field(
        default=2000, ge=1, description="records per object above which Bulk API 2.0 is used"
    )
    api_budget_share: float = Field(
        default=0.9, gt=0, le=1, description="stop before using this share of the daily API"
    )
    green_at: int = Field(default=70, ge=0, le=100, description="health band Green from this score")
    yellow_at: int = Field(default=40, ge=0, le=100, description="health band Yellow from this")
    chunk_accounts: int = Field(
        default=2000,
        ge=1,
        description="accounts read and planned at a time (memory holds one chunk, not the org)",
    )
    lock_retries: int = Field(
        default=3, ge=0, le=10, description="re-tries of records that hit UNABLE_TO_LOCK_ROW"
    )

    @model_validator(mode="after")
    def _bands_in_order(self) -> SyncSettings:
        if self.yellow_at > self.green_at:
            raise ValueError("yellow_at must not be above green_at")
        return self
