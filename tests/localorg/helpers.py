"""Typed calls to the local org for tests (explicit REST paths, no attribute magic)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError


def rest(sf: Salesforce, path: str, method: str = "GET", **kwargs: Any) -> Any:
    return sf.restful(path, method=method, **kwargs)


def create(sf: Salesforce, sobject: str, fields: dict[str, Any]) -> str:
    result = rest(sf, f"sobjects/{sobject}", "POST", json=fields)
    return str(result["id"])


def get(sf: Salesforce, sobject: str, record_id: str) -> dict[str, Any]:
    return cast(dict[str, Any], rest(sf, f"sobjects/{sobject}/{record_id}"))


def update(sf: Salesforce, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
    rest(sf, f"sobjects/{sobject}/{record_id}", "PATCH", json=fields)


def delete(sf: Salesforce, sobject: str, record_id: str) -> None:
    rest(sf, f"sobjects/{sobject}/{record_id}", "DELETE")


def collection(sf: Salesforce, method: str, body: dict[str, Any], path: str = "") -> list[Any]:
    suffix = f"/{path}" if path else ""
    return cast(list[Any], rest(sf, f"composite/sobjects{suffix}", method, json=body))


def query(sf: Salesforce, soql: str) -> dict[str, Any]:
    return cast(dict[str, Any], sf.query(soql))


def error_body(exc: SalesforceError) -> dict[str, Any]:
    """The first error of a failed call, as Salesforce sent it."""
    content = cast(Any, exc.content)
    return cast(dict[str, Any], content[0])


def deploy(
    sf: Salesforce, zip_path: Path, *, check_only: bool = False, timeout: float = 60
) -> dict[str, Any]:
    """Deploy a Metadata API zip as simple-salesforce users do, and wait until it is done.

    The answer is checkDeployStatus's, plus `asyncId` and every `states` it went through.
    """
    started = sf.deploy(str(zip_path), sandbox=False, checkOnly=check_only)
    deploy_id = str(started["asyncId"])
    deadline = time.monotonic() + timeout
    states: list[str] = []
    while True:
        status = cast(dict[str, Any], sf.checkDeployStatus(deploy_id))
        states.append(str(status["state"]))
        if status["state"] in {"Succeeded", "Failed", "SucceededPartial", "Canceled"}:
            return {**status, "asyncId": deploy_id, "states": states}
        if time.monotonic() > deadline:
            raise AssertionError(f"deploy {deploy_id} still {status['state']}")
        time.sleep(0.02)
