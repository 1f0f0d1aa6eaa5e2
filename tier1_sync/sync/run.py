"""One entry to the sync for every front end (the CLI, the CumulusCI task)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from tier1_sync.config import Settings
from tier1_sync.salesforce.client import OrgClient
from tier1_sync.salesforce.connection import Connection
from tier1_sync.sources.base import SourceOptions, load_connector
from tier1_sync.sync.job import SyncJob
from tier1_sync.sync.report import RunReport


def run_sync(
    connection: Connection,
    settings: Settings,
    source: str,
    *,
    path: Path | None = None,
    dry_run: bool = False,
    verify_only: bool = False,
    env: Mapping[str, str] | None = None,
) -> RunReport:
    """Read the source, then match, plan, write (or not) and report, as `tier1 sync` does."""
    connector = load_connector(
        source,
        SourceOptions(
            path=path,
            settings=settings.sources.get(source, {}),
            env=dict(os.environ if env is None else env),
        ),
    )
    data = connector.read()
    client = OrgClient(connection.sf, budget_share=settings.sync.api_budget_share)
    job = SyncJob(client=client, org=connection.name, settings=settings.sync, rules=settings.rules)
    return job.run(data, dry_run=dry_run, verify_only=verify_only)
