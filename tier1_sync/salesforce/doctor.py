"""`tier1 doctor`: is this org ready for the dashboard and the scheduled sync?

Each check answers on its own: one that fails (or whose calls the org refuses) never hides
the others, except that nothing runs without a login. Every failure carries the command that
fixes it. The judging is done by pure functions of what the org answered, tested with plain
values; the `check_*` functions only make the calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import requests
from pydantic import BaseModel, Field
from simple_salesforce.exceptions import SalesforceMalformedRequest
from simple_salesforce.format import format_soql

from tier1_sync.config import OrgConfig, Settings
from tier1_sync.errors import JobFailed
from tier1_sync.metadata.source import load_source
from tier1_sync.project import source_api_version, source_dir
from tier1_sync.salesforce.connection import Connection, LoginRefused, connect
from tier1_sync.salesforce.doctor_access import (
    DATA_MODEL,
    INTEGRATION_ACCESS,
    PERMISSION_SETS,
    check_data_model,
    check_integration_access,
    check_permission_sets,
)
from tier1_sync.salesforce.doctor_checks import Check, Fixes, guarded, salesforce_problem

TIMEOUT_SECONDS = 60.0
LOGIN = "Login"
API_VERSION = "API version"
API_USAGE = "API usage"
LAST_SYNC = "Last sync"

__all__ = ["Check", "DoctorReport", "Thresholds", "run_doctor"]


@dataclass(frozen=True)
class Thresholds:
    min_api_headroom: float = 0.10  # fail when less than this share of DailyApiRequests is left
    max_sync_age: dt.timedelta = field(default_factory=lambda: dt.timedelta(hours=48))


class DoctorReport(BaseModel):
    org: str
    instance_url: str | None = None
    username: str | None = Field(default=None, description="the user tier1 logged in as")
    integration_user: str | None = Field(default=None, description="the user the sync runs as")
    ok: bool
    checks: list[Check]


def run_doctor(
    org: str,
    settings: Settings,
    project_dir: Path,
    *,
    thresholds: Thresholds | None = None,
    now: dt.datetime | None = None,
    env: Mapping[str, str] | None = None,
) -> DoctorReport:
    """Log in and run every check. ConfigError (exit 2) only for an unknown org or missing
    settings; a refused or unreachable login is the report's failed first check."""
    config = settings.org(org)
    source = load_source(source_dir(project_dir))
    project_version = source_api_version(project_dir)
    limits = thresholds or Thresholds()
    fixes = Fixes(org)
    try:
        connection = connect(org, settings, env)
    except (LoginRefused, JobFailed) as exc:
        failed = Check(
            name=LOGIN, ok=False, detail=exc.message, fix=exc.hint or _login_fix(org, config)
        )
        return DoctorReport(org=org, ok=False, checks=[failed])
    username: str | None = None
    login_fix = _login_fix(org, config)

    def login() -> Check:
        nonlocal username
        check, username = check_login(connection, login_fix)
        return check

    login_check = guarded(LOGIN, login_fix, login)
    if not login_check.ok:
        return DoctorReport(
            org=org, instance_url=connection.instance_url, ok=False, checks=[login_check]
        )
    integration_user = config.integration_user or username
    checks = [
        login_check,
        guarded(
            API_VERSION,
            None,
            lambda: check_api_version(connection, project_version, config.api_version, org),
        ),
        guarded(DATA_MODEL, fixes.deploy, lambda: check_data_model(connection, source, fixes)),
        guarded(
            PERMISSION_SETS,
            fixes.deploy,
            lambda: check_permission_sets(connection, integration_user, fixes),
        ),
        guarded(
            INTEGRATION_ACCESS,
            fixes.deploy,
            lambda: check_integration_access(connection, source, fixes),
        ),
        guarded(API_USAGE, None, lambda: check_api_usage(connection, limits.min_api_headroom)),
        guarded(
            LAST_SYNC,
            fixes.deploy,
            lambda: check_last_sync(
                connection, fixes, now or dt.datetime.now(dt.UTC), limits.max_sync_age
            ),
        ),
    ]
    return DoctorReport(
        org=org,
        instance_url=connection.instance_url,
        username=username,
        integration_user=integration_user,
        ok=all(check.ok for check in checks),
        checks=checks,
    )


def _login_fix(org: str, config: OrgConfig) -> str:
    return {
        "jwt": "Check SF_USERNAME, SF_CLIENT_ID, SF_JWT_KEY_FILE and the connected app's "
        "pre-authorised users",
        "client_credentials": "Check SF_CLIENT_ID, SF_CLIENT_SECRET and the connected app's "
        "run-as user",
        "access_token": f"Get a fresh token (sf org display --target-org {org}) "
        "into SF_ACCESS_TOKEN",
        "cci": f"cci org connect {config.cci_org or org}",
        "local": "tier1 local-org stop && tier1 local-org start",
    }[config.auth]


def _get(connection: Connection, path: str) -> Any:
    """A GET outside the versioned REST root (`/services/data`, `/services/oauth2/userinfo`)."""
    sf = connection.sf
    response = sf.session.get(
        f"{connection.instance_url}{path}", headers=sf.headers, timeout=TIMEOUT_SECONDS
    )
    response.raise_for_status()
    return response.json()


# --- login --------------------------------------------------------------------------------


def check_login(connection: Connection, fix: str) -> tuple[Check, str | None]:
    """Who the session belongs to (OAuth userinfo); an HTTP error means the org refused it."""
    try:
        info = cast(dict[str, Any], _get(connection, "/services/oauth2/userinfo"))
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        detail = f"the org refused the session (HTTP {status})"
        return Check(name=LOGIN, ok=False, detail=detail, fix=fix), None
    username = str(info.get("preferred_username") or connection.username or "") or None
    detail = f"as {username or 'an unnamed user'} at {connection.instance_url} ({connection.auth})"
    return Check(name=LOGIN, ok=True, detail=detail), username


# --- API version ------------------------------------------------------------------------


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def check_api_version(
    connection: Connection, project_version: str, client_version: str, org: str
) -> Check:
    versions = [str(v["version"]) for v in _get(connection, "/services/data/")]
    return judge_api_version(versions, project_version, client_version, org)


def judge_api_version(
    org_versions: list[str], project_version: str, client_version: str, org: str
) -> Check:
    if not org_versions:
        return Check(name=API_VERSION, ok=False, detail="the org lists no API versions")
    newest = max(org_versions, key=_version_key)
    detail = f"org up to {newest}; force-app (sourceApiVersion) {project_version}"
    if _version_key(newest) < _version_key(project_version):
        return Check(
            name=API_VERSION,
            ok=False,
            detail=f"{detail}: the org is older than the metadata",
            fix=f'Set "sourceApiVersion": "{newest}" in sfdx-project.json',
        )
    if client_version not in org_versions:
        return Check(
            name=API_VERSION,
            ok=False,
            detail=f"{detail}; tier1 calls {client_version}, which the org does not offer",
            fix=f'Set api_version = "{newest}" under [orgs.{org}] in tier1.toml',
        )
    return Check(name=API_VERSION, ok=True, detail=detail)


# --- API usage ----------------------------------------------------------------------------


def check_api_usage(connection: Connection, min_headroom: float) -> Check:
    limits = cast(dict[str, Any], connection.sf.restful("limits"))
    return judge_api_usage(limits, min_headroom)


def judge_api_usage(limits: dict[str, Any], min_headroom: float) -> Check:
    daily = limits.get("DailyApiRequests") or {}
    allocation, remaining = int(daily.get("Max") or 0), int(daily.get("Remaining") or 0)
    if allocation <= 0:
        return Check(name=API_USAGE, ok=False, detail="the org reports no DailyApiRequests limit")
    used = allocation - remaining
    detail = f"used {used:,} of {allocation:,} ({used / allocation:.0%})"
    if remaining / allocation < min_headroom:
        return Check(
            name=API_USAGE,
            ok=False,
            detail=f"{detail}: less than {min_headroom:.0%} left for the sync",
            fix="Wait for the 24-hour window to free calls, run the sync less often, "
            "or raise the org's API allocation",
        )
    return Check(name=API_USAGE, ok=True, detail=detail)


# --- last sync run ----------------------------------------------------------------------

_LAST_RUN = (
    "SELECT Run_Key__c, Source__c, Status__c, Started_At__c, CreatedDate FROM Sync_Run__c "
    "WHERE Status__c != {} ORDER BY Started_At__c DESC NULLS LAST LIMIT 1"
)


def check_last_sync(
    connection: Connection, fixes: Fixes, now: dt.datetime, max_age: dt.timedelta
) -> Check:
    """The newest real run (dry runs change nothing, so they do not count)."""
    try:
        records = connection.sf.query(format_soql(_LAST_RUN, "Dry Run"))["records"]
    except SalesforceMalformedRequest as exc:
        code, message = salesforce_problem(exc)
        if code not in {"INVALID_TYPE", "INVALID_FIELD"}:
            raise
        last_line = message.strip().splitlines()[-1] if message.strip() else code
        detail = (
            "Sync_Run__c is not in the org"
            if code == "INVALID_TYPE"
            else f"Sync_Run__c is not as force-app defines it: {last_line}"
        )
        return Check(name=LAST_SYNC, ok=False, detail=detail, fix=fixes.deploy)
    return judge_last_run(records[0] if records else None, now, max_age, fixes)


def _parse_datetime(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _ago(age: dt.timedelta) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 120:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def judge_last_run(
    run: dict[str, Any] | None, now: dt.datetime, max_age: dt.timedelta, fixes: Fixes
) -> Check:
    if run is None:
        return Check(
            name=LAST_SYNC, ok=False, detail="no sync has run yet", fix=fixes.sync("<source>")
        )
    source = str(run.get("Source__c") or "<source>")
    status = str(run.get("Status__c") or "no status")
    stamp = run.get("Started_At__c") or run.get("CreatedDate")
    started = _parse_datetime(str(stamp)) if stamp else None
    when = _ago(now - started) if started else "at an unknown time"
    detail = f"{status} {when} (source {source}, run {run.get('Run_Key__c') or '-'})"
    if status == "Failed":
        return Check(
            name=LAST_SYNC,
            ok=False,
            detail=f"{detail}; its Report__c says why",
            fix=fixes.sync(source),
        )
    if started is None or now - started > max_age:
        hours = max_age.total_seconds() / 3600
        return Check(
            name=LAST_SYNC,
            ok=False,
            detail=f"{detail}: older than {hours:g} hours; is the scheduled job running?",
            fix=fixes.sync(source),
        )
    if status == "Partial":
        return Check(
            name=LAST_SYNC,
            ok=True,
            warning=True,
            detail=f"{detail}; some records failed, see its Report__c",
        )
    return Check(name=LAST_SYNC, ok=True, detail=detail)
