"""The issue's "done when": the sample portfolio plus the sample export raise the flags and
signals the rules call for, and a second run raises nothing new."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tier1_sync.localorg.seed import generate, load
from tier1_sync.localorg.server import RunningOrg
from tier1_sync.rules.settings import RuleSettings
from tier1_sync.salesforce.client import OrgClient
from tier1_sync.sources.base import SourceOptions
from tier1_sync.sources.file import FileSource
from tier1_sync.sync.job import SyncJob
from tier1_sync.sync.settings import SyncSettings

pytest.importorskip("snowfakery", reason="install the extra: pip install tier1-sync[cci]")
pytestmark = pytest.mark.cci


def test_sample_portfolio_and_export(deployed_org: RunningOrg, project_dir: Path) -> None:
    load(
        OrgClient(deployed_org.client()),
        generate(project_dir / "datasets/portfolio.recipe.yml", 50),
    )
    data = FileSource(SourceOptions(path=project_dir / "samples/cs-export")).read()

    def run() -> SyncJob:
        return SyncJob(
            client=OrgClient(deployed_org.client()),
            org="local",
            settings=SyncSettings(),
            rules=RuleSettings(),
        )

    first = run().run(data)
    assert first.status == "Succeeded", (first.notes, first.failures)
    assert first.tiering is not None
    assert first.tiering.applied, first.tiering.refused  # 10 by ARR + 2 strategic: 24%
    assert 10 <= first.tiering.tier1 <= 13
    raised = Counter(e.detail.split(":")[0] for e in first.rule_events if "raised" in e.kind)
    # CS-000102 and CS-000105 are the 2nd and 5th largest accounts: always Tier 1.
    assert raised["Health Drop"] >= 2
    assert {"Health Drop: 82 → 61", "Health Drop: 74 → 55"} <= {e.detail for e in first.rule_events}
    # CS-000101 (the largest) grew Analytics; CS-000104 (4th, and strategic) grew Core.
    assert {"Seats Added: Analytics 200 → 215", "Seats Added: Core 80 → 95"} <= {
        e.detail for e in first.rule_events
    }
    assert first.objects["Risk_Flag__c"].created == sum(
        1 for e in first.rule_events if e.kind == "flag raised"
    )
    second = run().run(data)
    assert sum(o.created + o.updated for o in second.objects.values()) == 0
    assert second.rule_events == []
