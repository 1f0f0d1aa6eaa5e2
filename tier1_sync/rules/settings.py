"""`[rules]` in tier1.toml: every threshold of SPEC §4, with its default, validated by pydantic.

A bad value (a negative day count, a cap below the warning) is a configuration error: exit 2.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Days = Annotated[int, Field(ge=1, le=3650, description="a number of days (1 or more)")]
Percent = Annotated[float, Field(gt=0, le=100, description="a share of 100")]
StakeholderRole = Literal["Champion", "Executive Sponsor", "Detractor", "Influencer", "User"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TieringSettings(_Section):
    """`[rules.tiering]`: who is Tier 1, and how big Tier 1 may get."""

    top_arr_pct: Percent = Field(default=20.0, description="top share of accounts by ARR")
    warn_pct: Percent = Field(default=20.0, description="warn when Tier 1 is above this share")
    cap_pct: Percent = Field(default=25.0, description="refuse to apply above this share")

    @model_validator(mode="after")
    def _warning_before_cap(self) -> TieringSettings:
        if self.warn_pct > self.cap_pct:
            raise ValueError("warn_pct must not be above cap_pct")
        return self


class EngagementSettings(_Section):
    """`[rules.engagement]`: the engagement timeline (panel 4)."""

    customer_activity_types: list[str] = Field(
        default_factory=lambda: ["Inbound Call", "Inbound Email", "Customer Meeting Request"],
        min_length=1,
        description="Task / Event Type values that count as customer-initiated contact",
    )


class HealthDropSettings(_Section):
    points: int = Field(default=15, ge=1, le=100, description="a fall of at least this much")
    days: Days = Field(default=14, description="versus the snapshot this many days earlier")


class EngagementGapSettings(_Section):
    ae_days: Days = Field(default=30, description="no AE touch for more than this many days")
    customer_days: Days = Field(
        default=14, description="and no customer-initiated contact for more than this many days"
    )


def _sponsor_roles() -> list[StakeholderRole]:
    return ["Executive Sponsor", "Champion"]


class SponsorGapSettings(_Section):
    days: Days = Field(default=45, description="not contacted for more than this many days")
    roles: list[StakeholderRole] = Field(
        default_factory=_sponsor_roles,
        min_length=1,
        description="the current stakeholders the rule watches",
    )


class ChampionChangeSettings(_Section):
    within_days: Days = Field(
        default=90, description="raise for champions replaced at most this many days ago"
    )


class RenewalRiskSettings(_Section):
    within_days: Days = Field(default=60, description="renewal at most this many days away")
    bottom_pct: Percent = Field(default=10.0, description="health in this bottom share")


class StaleReviewSettings(_Section):
    days: Days = Field(default=7, description="a review older than this many days is stale")


class OverdueCommitmentSettings(_Section):
    max_open_days: Days = Field(default=42, description="open for more than this many days")


class ExpansionSettings(_Section):
    window_days: Days = Field(default=30, description="growth measured over this many days")
    seats_added: int = Field(default=10, ge=1, description="seats up by at least this many")
    seats_added_pct: Percent = Field(default=10.0, description="or by at least this share")
    usage_growth_pct: Percent = Field(default=20.0, description="active users up by this share")
    new_module_min_users: int = Field(
        default=1, ge=1, description="active users in an uncommitted module that raise a signal"
    )


class RuleSettings(_Section):
    """Everything under `[rules]`; each section has SPEC §4's defaults."""

    tiering: TieringSettings = Field(default_factory=TieringSettings)
    engagement: EngagementSettings = Field(default_factory=EngagementSettings)
    health_drop: HealthDropSettings = Field(default_factory=HealthDropSettings)
    engagement_gap: EngagementGapSettings = Field(default_factory=EngagementGapSettings)
    sponsor_contact_gap: SponsorGapSettings = Field(default_factory=SponsorGapSettings)
    champion_change: ChampionChangeSettings = Field(default_factory=ChampionChangeSettings)
    renewal_risk: RenewalRiskSettings = Field(default_factory=RenewalRiskSettings)
    stale_review: StaleReviewSettings = Field(default_factory=StaleReviewSettings)
    overdue_commitment: OverdueCommitmentSettings = Field(default_factory=OverdueCommitmentSettings)
    expansion: ExpansionSettings = Field(default_factory=ExpansionSettings)
