"""Load the sample portfolio (datasets/portfolio.recipe.yml) into an org: `tier1 local-org seed`.

Snowfakery (installed with the `cci` extra) generates the records; they are inserted parent
first through sObject Collections, with Snowfakery's row references turned into record ids.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from tier1_sync.errors import ConfigError, JobFailed
from tier1_sync.salesforce.client import COLLECTION_SIZE, OrgClient

LOAD_ORDER = ("Account", "Contact", "Opportunity", "Stakeholder__c", "Open_Item__c", "Task")
REFERENCES = {  # reference column -> the table its Snowfakery row ids point into
    "AccountId": "Account",
    "Account__c": "Account",
    "Contact__c": "Contact",
    "WhoId": "Contact",
    "WhatId": "Account",
    "Opportunity__c": "Opportunity",
}


def generate(recipe: Path, accounts: int) -> list[dict[str, Any]]:
    try:
        from snowfakery import generate_data
    except ImportError:
        raise ConfigError(
            "Loading the sample portfolio needs Snowfakery.",
            hint="pip install 'tier1-sync[cci]' (./scripts/demo installs it).",
        ) from None
    if not recipe.is_file():
        raise ConfigError(f"{recipe} does not exist.")
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "portfolio.json"
        generate_data(
            str(recipe),
            output_format="json",
            output_file=str(output),
            target_number=("Account", accounts),
        )
        rows: list[dict[str, Any]] = json.loads(output.read_text())
    return rows


def load(client: OrgClient, rows: list[dict[str, Any]]) -> Counter[str]:
    """Insert the generated rows parent first; returns how many of each object were created."""
    ids: dict[tuple[str, int], str] = {}
    created: Counter[str] = Counter()
    for table in LOAD_ORDER:
        batch = [row for row in rows if row["_table"] == table]
        for start in range(0, len(batch), COLLECTION_SIZE):
            chunk = batch[start : start + COLLECTION_SIZE]
            records = [_record(table, row, ids) for row in chunk]
            for row, answer in zip(chunk, client.collection("POST", records), strict=True):
                if not answer.get("success"):
                    error = (answer.get("errors") or [{}])[0]
                    raise JobFailed(
                        f"Loading {table} row {row['id']} failed: "
                        f"{error.get('statusCode')} {error.get('message')}"
                    )
                ids[(table, int(row["id"]))] = str(answer["id"])
                created[table] += 1
    return created


def _record(table: str, row: dict[str, Any], ids: dict[tuple[str, int], str]) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": table}}
    for field, value in row.items():
        if field in {"_table", "id"} or value is None:
            continue
        if field in REFERENCES:
            value = ids[(REFERENCES[field], int(value))]
        record[field] = value
    return record
