"""`tier1 doctor`'s judgements, with plain values; its login against mocked Salesforce."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import responses

from tier1_sync.config import OrgConfig, Settings
from tier1_sync.errors import ConfigError
from tier1_sync.metadata.source import ObjectPermission, SourceProject
from tier1_sync.salesforce.deploy import SchemaDiff, TypeConflict
from tier1_sync.salesforce.doctor import (
    judge_api_usage,
    judge_api_version,
    judge_last_run,
    run_doctor,
)
from tier1_sync.salesforce.doctor_access import (
    expected_integration_fields,
    judge_data_model,
    judge_integration_access,
    judge_permission_sets,
)
from tier1_sync.salesforce.doctor_checks import Fixes, listing

NOW = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=48)
FIXES = Fixes("prod")
ALL_SETS = {"Tier1_AE", "Tier1_CSM", "Tier1_CS_Lead", "Tier1_RevOps", "Tier1_Integration"}


def _run(status: str, hours_ago: float, source: str = "File") -> dict[str, str]:
    started = NOW - dt.timedelta(hours=hours_ago)
    return {
        "Run_Key__c": "run-1",
        "Source__c": source,
        "Status__c": status,
        "Started_At__c": started.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
    }


# --- last sync --------------------------------------------------------------------------


def test_no_sync_yet_points_to_the_sync_command() -> None:
    check = judge_last_run(None, NOW, DAY, FIXES)
    assert not check.ok
    assert check.detail == "no sync has run yet"
    assert check.fix is not None
    assert check.fix.startswith("tier1 sync --org prod --source")


def test_a_recent_successful_run_passes() -> None:
    check = judge_last_run(_run("Succeeded", 3), NOW, DAY, FIXES)
    assert check.ok
    assert not check.warning
    assert "Succeeded 3 h ago" in check.detail


def test_a_failed_run_fails_with_a_rerun_of_its_source() -> None:
    check = judge_last_run(_run("Failed", 1, source="Vitally"), NOW, DAY, FIXES)
    assert not check.ok
    assert "Report__c" in check.detail
    assert check.fix == "tier1 sync --org prod --source vitally"


def test_a_file_run_rerun_needs_the_folder() -> None:
    check = judge_last_run(_run("Failed", 1), NOW, DAY, FIXES)
    assert check.fix == "tier1 sync --org prod --source file --path <export folder>"


def test_an_old_run_fails_and_the_age_is_a_parameter() -> None:
    stale = judge_last_run(_run("Succeeded", 49), NOW, DAY, FIXES)
    assert not stale.ok
    assert "older than 48 hours" in stale.detail
    hourly = judge_last_run(_run("Succeeded", 3), NOW, dt.timedelta(hours=2), FIXES)
    assert not hourly.ok
    assert "older than 2 hours" in hourly.detail


def test_a_partial_run_passes_with_a_warning() -> None:
    check = judge_last_run(_run("Partial", 2), NOW, DAY, FIXES)
    assert check.ok
    assert check.warning
    assert "some records failed" in check.detail


# --- API usage and version ------------------------------------------------------------


def _limits(used: int, allocation: int = 100_000) -> dict[str, dict[str, int]]:
    return {"DailyApiRequests": {"Max": allocation, "Remaining": allocation - used}}


def test_api_usage_passes_with_headroom() -> None:
    check = judge_api_usage(_limits(12_345), 0.10)
    assert check.ok
    assert check.detail == "used 12,345 of 100,000 (12%)"


def test_api_usage_fails_under_the_threshold() -> None:
    assert judge_api_usage(_limits(90_000), 0.10).ok, "exactly 10% left is enough"
    check = judge_api_usage(_limits(90_001), 0.10)
    assert not check.ok
    assert "used 90,001 of 100,000 (90%)" in check.detail
    assert check.fix
    assert not judge_api_usage(_limits(60_000), 0.50).ok


def test_api_usage_without_the_limit_fails() -> None:
    assert not judge_api_usage({}, 0.10).ok


def test_api_version_compares_the_org_with_the_project() -> None:
    check = judge_api_version(["61.0", "62.0", "63.0"], "63.0", "63.0", "prod")
    assert check.ok
    assert "63.0" in check.detail
    older = judge_api_version(["61.0", "62.0"], "63.0", "62.0", "prod")
    assert not older.ok
    assert "org up to 62.0" in older.detail
    assert older.fix is not None
    assert "sourceApiVersion" in older.fix


def test_api_version_the_client_calls_must_exist() -> None:
    check = judge_api_version(["63.0", "64.0"], "63.0", "60.0", "prod")
    assert not check.ok
    assert check.fix == 'Set api_version = "64.0" under [orgs.prod] in tier1.toml'


# --- data model -------------------------------------------------------------------------


def test_data_model_lists_what_is_missing(source: SourceProject) -> None:
    diff = SchemaDiff(
        missing_objects=["Risk_Flag__c"], missing_fields=[f"Account.F{i}__c" for i in range(9)]
    )
    check = judge_data_model(diff, source, FIXES)
    assert not check.ok
    assert check.fix == "tier1 deploy --org prod"
    assert "missing objects: Risk_Flag__c" in check.detail
    assert "and 4 more" in check.detail
    assert len(check.items) == 10


def test_data_model_type_conflicts_need_a_human_first(source: SourceProject) -> None:
    conflict = TypeConflict(field="Account.ARR__c", in_org="string (20)", in_force_app="Currency")
    check = judge_data_model(SchemaDiff(conflicts=[conflict]), source, FIXES)
    assert not check.ok
    assert "Account.ARR__c" in check.detail
    assert check.fix is not None
    assert check.fix.startswith("Rename or retire")


def test_a_matching_model_passes(source: SourceProject) -> None:
    check = judge_data_model(SchemaDiff(), source, FIXES)
    assert check.ok
    assert f"{len(source.objects)} objects" in check.detail


# --- permission sets ------------------------------------------------------------------


def _holders(**sets: set[str]) -> dict[str, set[str]]:
    return {name: sets.get(name, set()) for name in ALL_SETS}


def test_missing_sets_point_to_deploy() -> None:
    check = judge_permission_sets({"Tier1_AE"}, _holders(), "sync@x.com", True, FIXES)
    assert not check.ok
    assert check.fix == "tier1 deploy --org prod"
    assert "Tier1_Integration" in check.detail


def test_the_integration_user_needs_its_set() -> None:
    check = judge_permission_sets(ALL_SETS, _holders(), "sync@x.com", True, FIXES)
    assert not check.ok
    assert check.fix == "tier1 assign --org prod --user sync@x.com --role integration"


def test_an_unknown_or_inactive_integration_user_fails() -> None:
    unknown = judge_permission_sets(ALL_SETS, _holders(), "ghost@x.com", None, FIXES)
    assert not unknown.ok
    assert "not in the org" in unknown.detail
    assert unknown.fix is not None
    assert "integration_user" in unknown.fix
    inactive = judge_permission_sets(ALL_SETS, _holders(), "sync@x.com", False, FIXES)
    assert not inactive.ok
    assert "inactive" in inactive.detail


def test_roles_nobody_holds_warn_but_pass() -> None:
    holders = _holders(Tier1_Integration={"sync@x.com"}, Tier1_AE={"ae@x.com"})
    check = judge_permission_sets(ALL_SETS, holders, "sync@x.com", True, FIXES)
    assert check.ok
    assert check.warning
    assert "nobody holds Tier1_CSM, Tier1_CS_Lead, Tier1_RevOps" in check.detail
    assert check.fix == "tier1 assign --org prod --user <username> --role csm"


def test_every_role_held_passes_clean() -> None:
    holders = {name: {f"{name}@x.com"} for name in ALL_SETS}
    holders["Tier1_Integration"] = {"sync@x.com"}
    check = judge_permission_sets(ALL_SETS, holders, "sync@x.com", True, FIXES)
    assert check.ok
    assert not check.warning
    assert check.fix is None


def test_an_integration_user_with_a_human_role_warns() -> None:
    holders = {name: {"sync@x.com"} for name in ALL_SETS}
    check = judge_permission_sets(ALL_SETS, holders, "sync@x.com", True, FIXES)
    assert check.ok
    assert check.warning
    assert "also holds Tier1_AE" in check.detail


# --- the integration user's write access ----------------------------------------------


def _integration_objects(source: SourceProject) -> dict[str, ObjectPermission]:
    return source.permission_sets["Tier1_Integration"].objects


def _rights(source: SourceProject) -> dict[str, dict[str, bool]]:
    return {
        name: {"create": p.create, "edit": p.edit, "delete": p.delete, "modify_all": p.modify_all}
        for name, p in _integration_objects(source).items()
    }


def test_expected_fields_leave_out_master_detail_and_computed(source: SourceProject) -> None:
    expected = expected_integration_fields(source)
    assert "Account.Health_Score__c" in expected
    assert "Health_Snapshot__c.Account__c" not in expected, "master-detail takes no FLS"
    assert "Account.ARR__c" not in expected
    assert expected == source.permission_sets["Tier1_Integration"].editable_fields()


def test_exact_integration_access_passes(source: SourceProject) -> None:
    expected = expected_integration_fields(source)
    check = judge_integration_access(
        expected, _rights(source), expected, _integration_objects(source), FIXES
    )
    assert check.ok
    assert f"edits exactly its {len(expected)} fields" in check.detail
    assert "Sync_Run__c" in check.detail


def test_extra_and_missing_field_edits_are_named(source: SourceProject) -> None:
    expected = expected_integration_fields(source)
    edits = (expected - {"Account.Health_Score__c"}) | {"Account.ARR__c"}
    check = judge_integration_access(
        edits, _rights(source), expected, _integration_objects(source), FIXES
    )
    assert not check.ok
    assert "edits fields it does not own: Account.ARR__c" in check.detail
    assert "cannot edit its fields: Account.Health_Score__c" in check.detail
    assert check.fix == "tier1 deploy --org prod"


def test_object_rights_are_compared_with_force_app(source: SourceProject) -> None:
    expected = expected_integration_fields(source)
    rights = _rights(source)
    rights["Sync_Run__c"]["create"] = False
    rights["Account"]["delete"] = True
    check = judge_integration_access(
        expected, rights, expected, _integration_objects(source), FIXES
    )
    assert not check.ok
    assert "cannot create Sync_Run__c" in check.items
    assert "may delete Account, which force-app does not grant" in check.items


# --- helpers and login ----------------------------------------------------------------


def test_listing_shortens_long_lists() -> None:
    assert listing(["a", "b"]) == "a, b"
    assert listing([str(i) for i in range(8)], 3) == "0, 1, 2 and 5 more"


@responses.activate
def test_a_refused_session_is_the_only_check_and_shows_no_token(project_dir: Path) -> None:
    token = "00D000000000001AAA!expired.secret.token"
    responses.add(
        responses.GET,
        "https://acme.my.salesforce.com/services/oauth2/userinfo",
        status=401,
        json=[{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}],
    )
    settings = Settings(orgs={"prod": OrgConfig(auth="access_token")})
    env = {"SF_INSTANCE_URL": "https://acme.my.salesforce.com", "SF_ACCESS_TOKEN": token}
    report = run_doctor("prod", settings, project_dir, env=env)
    assert not report.ok
    assert [check.name for check in report.checks] == ["Login"]
    assert "refused the session (HTTP 401)" in report.checks[0].detail
    assert report.checks[0].fix is not None
    assert "SF_ACCESS_TOKEN" in report.checks[0].fix
    assert token not in report.model_dump_json()


@responses.activate
def test_a_refused_login_is_a_failed_check_not_a_crash(project_dir: Path) -> None:
    responses.add(
        responses.POST,
        "https://acme.my.salesforce.com/services/oauth2/token",
        status=400,
        json={"error": "invalid_client", "error_description": "invalid client credentials"},
    )
    settings = Settings(orgs={"ci": OrgConfig(auth="client_credentials", my_domain="acme.my")})
    env = {"SF_CLIENT_ID": "3MVG9client", "SF_CLIENT_SECRET": "very-secret"}
    report = run_doctor("ci", settings, project_dir, env=env)
    assert not report.ok
    assert [check.name for check in report.checks] == ["Login"]
    assert "refused" in report.checks[0].detail
    assert "very-secret" not in report.model_dump_json()


def test_an_unknown_org_is_a_configuration_error(project_dir: Path) -> None:
    with pytest.raises(ConfigError, match="No org named 'nope'") as failure:
        run_doctor("nope", Settings(), project_dir, env={})
    assert failure.value.exit_code == 2
