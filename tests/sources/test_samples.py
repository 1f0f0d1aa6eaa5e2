"""The shipped sample export: clean, and showing what the dashboard is for."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from tier1_sync.sources.base import SourceData, SourceOptions
from tier1_sync.sources.file import FileSource

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "cs-export"
EARLY, LATE = dt.date(2026, 11, 16), dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def sample() -> SourceData:
    return FileSource(SourceOptions(path=SAMPLE), today=LATE).read()


def test_the_sample_is_clean(sample: SourceData) -> None:
    assert sample.rejected == []
    assert sample.warnings == []


def test_fifty_accounts_keyed_like_the_snowfakery_portfolio(sample: SourceData) -> None:
    keys = {h.account_key for h in sample.health}
    assert keys == {f"CS-{100 + n:06d}" for n in range(1, 51)}  # datasets/portfolio.recipe.yml
    assert {h.as_of for h in sample.health} == {EARLY, LATE}
    assert len(sample.health) == 100


def test_some_health_scores_drop_15_points_or_more(sample: SourceData) -> None:
    scores: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for h in sample.health:
        scores[h.account_key][h.as_of] = h.health_score
    drops = {k: v[EARLY] - v[LATE] for k, v in scores.items() if v[EARLY] - v[LATE] >= 15}
    assert drops.keys() == {"CS-000102", "CS-000105", "CS-000109", "CS-000131"}
    assert scores["CS-000102"] == {EARLY: 82, LATE: 61}


def test_usage_shows_seat_and_user_growth_and_a_module_not_bought(sample: SourceData) -> None:
    usage = {(u.account_key, u.module, u.as_of): u for u in sample.usage}
    assert {u.module for u in sample.usage} == {"Core", "Analytics", "Workflow Automation"}
    for key, module in (("CS-000101", "Analytics"), ("CS-000104", "Core")):
        before, after = usage[key, module, EARLY], usage[key, module, LATE]
        assert after.licensed_seats is not None
        assert before.licensed_seats is not None
        assert after.active_users is not None
        assert before.active_users is not None
        assert after.licensed_seats - before.licensed_seats >= 10
        assert after.active_users >= before.active_users * 1.2
    adopted = usage["CS-000107", "Workflow Automation", LATE]
    assert (adopted.licensed_seats, adopted.active_users) == (0, 14)
