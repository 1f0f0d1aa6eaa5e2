"""`[rules]` in tier1.toml: SPEC §4 defaults, and bad values are configuration errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tier1_sync.config import load_settings
from tier1_sync.errors import ConfigError
from tier1_sync.rules.settings import RuleSettings


def test_defaults_are_the_spec_thresholds() -> None:
    rules = RuleSettings()
    assert (rules.tiering.top_arr_pct, rules.tiering.warn_pct, rules.tiering.cap_pct) == (
        20,
        20,
        25,
    )
    assert (rules.health_drop.points, rules.health_drop.days) == (15, 14)
    assert (rules.engagement_gap.ae_days, rules.engagement_gap.customer_days) == (30, 14)
    assert rules.sponsor_contact_gap.days == 45
    assert rules.sponsor_contact_gap.roles == ["Executive Sponsor", "Champion"]
    assert (rules.renewal_risk.within_days, rules.renewal_risk.bottom_pct) == (60, 10)
    assert rules.stale_review.days == 7
    assert rules.overdue_commitment.max_open_days == 42
    expansion = rules.expansion
    assert (expansion.seats_added, expansion.seats_added_pct, expansion.usage_growth_pct) == (
        10,
        10,
        20,
    )
    assert expansion.window_days == 30
    assert rules.engagement.customer_activity_types == [
        "Inbound Call",
        "Inbound Email",
        "Customer Meeting Request",
    ]


def test_the_project_tier1_toml_states_the_defaults(project_dir: Path) -> None:
    assert load_settings(project_dir / "tier1.toml").rules == RuleSettings()


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("[rules.engagement_gap]\nae_days = -30\n", "rules.engagement_gap.ae_days"),
        ("[rules.stale_review]\ndays = 0\n", "greater than or equal to 1"),
        ("[rules.tiering]\nwarn_pct = 30\ncap_pct = 25\n", "warn_pct must not be above cap_pct"),
        ("[rules.tiering]\ncap_pct = 120\n", "rules.tiering.cap_pct"),
        ("[rules.sponsor_contact_gap]\nroles = ['CEO']\n", "rules.sponsor_contact_gap.roles"),
        ("[rules.health_drop]\npoint = 15\n", "Extra inputs are not permitted"),
    ],
)
def test_a_bad_threshold_is_a_configuration_error(tmp_path: Path, toml: str, words: str) -> None:
    path = tmp_path / "tier1.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.exit_code == 2
    assert words in caught.value.message


def test_thresholds_can_be_changed(tmp_path: Path) -> None:
    path = tmp_path / "tier1.toml"
    path.write_text("[rules.health_drop]\npoints = 20\n\n[rules.tiering]\ncap_pct = 30\n")
    rules = load_settings(path).rules
    assert (rules.health_drop.points, rules.health_drop.days) == (20, 14)
    assert rules.tiering.cap_pct == 30
