"""The SPEC §4 rules inside the sync, against the local org: the spec's stories, run twice."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.format import format_soql

from tests.localorg.helpers import create, query, update
from tests.sync.rule_seed import NOW, TODAY, Portfolio, ago, ahead, export, seed
from tier1_sync.localorg.server import RunningOrg
from tier1_sync.rules.settings import RuleSettings
from tier1_sync.salesforce.client import OrgClient, RetryPolicy
from tier1_sync.sources.base import SourceData
from tier1_sync.sync.job import SyncJob
from tier1_sync.sync.report import RunReport
from tier1_sync.sync.settings import SyncSettings
from tier1_sync.sync.tier import run_tiering

RULES = {"tiering": {"top_arr_pct": 10}}


def _no_sleep(_: float) -> None:
    return None


def client(org: RunningOrg) -> OrgClient:
    return OrgClient(org.client(), retry=RetryPolicy(sleep=_no_sleep))


def run(org: RunningOrg, data: SourceData | None = None, **kwargs: Any) -> RunReport:
    job = SyncJob(
        client=client(org),
        org="local",
        settings=SyncSettings(),
        now=NOW,
        rules=RuleSettings.model_validate(kwargs.pop("rules", RULES)),
    )
    return job.run(data or export(), **kwargs)


def written(report: RunReport) -> int:
    return sum(o.created + o.updated for o in report.objects.values())


def flags(sf: Salesforce) -> dict[str, dict[str, Any]]:
    soql = (
        "SELECT Flag_Key__c, Name, Category__c, Panel__c, Status__c, Raised_By_Team__c, "
        "Raised_On__c, Condition_Cleared_On__c, AE_Acknowledged_On__c, Account__r.Name "
        "FROM Risk_Flag__c"
    )
    return {str(r["Flag_Key__c"]): r for r in query(sf, soql)["records"]}


def categories(sf: Salesforce) -> list[tuple[str, str]]:
    return sorted((f["Account__r"]["Name"], f["Category__c"]) for f in flags(sf).values())


def account(sf: Salesforce, account_id: str) -> dict[str, Any]:
    soql = format_soql(
        "SELECT Tier1__c, Tier1_Criteria__c, Tier1_Since__c, Risk_Override_Status__c, "
        "Last_AE_Touch__c, Last_CSM_Touch__c, Last_Customer_Contact__c, Next_AE_Touch__c, "
        "Next_CSM_Touch__c, Health_Score__c FROM Account WHERE Id = {}",
        account_id,
    )
    return dict(query(sf, soql)["records"][0])


@pytest.fixture
def portfolio(deployed_org: RunningOrg) -> Portfolio:
    return seed(deployed_org.client())


def test_the_spec_stories_raise_their_flags_and_signals_once(
    deployed_org: RunningOrg, portfolio: Portfolio
) -> None:
    first = run(deployed_org)
    assert first.status == "Succeeded", (first.notes, first.failures)
    sf = deployed_org.client()
    assert categories(sf) == [
        ("Acme", "Health Drop"),
        ("Acme", "Sponsor Contact Gap"),
        ("Initech", "Engagement Gap"),
        ("Initech", "Overdue Commitment"),
        ("Initech", "Stale Review"),
        ("Umbrella", "Renewal Risk"),
    ]
    acme = portfolio.accounts["Acme"]
    drop = flags(sf)[f"HEALTH_DROP|{acme}|{TODAY}"]
    assert drop["Name"] == "Health Drop: 82 → 61"
    assert (drop["Status__c"], drop["Raised_By_Team__c"], drop["Panel__c"]) == (
        "Open",
        "Automation",
        "Health Score",
    )
    assert drop["Raised_On__c"] == TODAY.isoformat()
    signals = query(
        sf, "SELECT Signal_Type__c, Module__c, Seats_Added__c, Status__c FROM Expansion_Signal__c"
    )["records"]
    assert sorted((s["Signal_Type__c"], s["Module__c"]) for s in signals) == [
        ("New Module Adoption", "Workflow Automation"),
        ("Seats Added", "Analytics"),
        ("Usage Growth", "Analytics"),
    ]
    assert {s["Status__c"] for s in signals} == {"New"}
    kinds = sorted(e.kind for e in first.rule_events)
    assert kinds.count("flag raised") == 6
    assert kinds.count("signal raised") == 3

    second = run(deployed_org)
    assert second.status == "Succeeded"
    assert written(second) == 0, [w for w in second.objects.values() if w.created or w.updated]
    assert second.rule_events == []
    assert second.objects["Risk_Flag__c"].unchanged == 6
    assert len(flags(sf)) == 6


def test_tiering_enters_leaves_and_expires(deployed_org: RunningOrg, portfolio: Portfolio) -> None:
    report = run(deployed_org)
    assert report.tiering is not None
    assert report.tiering.applied
    assert (report.tiering.tier1, report.tiering.accounts) == (4, 20)
    sf = deployed_org.client()
    states = {name: account(sf, i) for name, i in portfolio.accounts.items()}
    assert {n for n, a in states.items() if a["Tier1__c"]} == {"Acme", "Globex", "Initech", "Stark"}
    assert states["Acme"]["Tier1_Criteria__c"] == "ARR Threshold"
    assert states["Initech"]["Tier1_Criteria__c"] == "Strategic"
    assert states["Stark"]["Tier1_Criteria__c"] == "Risk Override"  # its last day is today
    assert states["Stark"]["Tier1_Since__c"] == TODAY.isoformat()
    hooli = states["Hooli"]
    assert (hooli["Tier1__c"], hooli["Tier1_Criteria__c"]) == (False, None)
    assert hooli["Tier1_Since__c"] == "2026-06-01"  # history stays
    assert hooli["Risk_Override_Status__c"] == "Expired"
    later = SyncJob(
        client=client(deployed_org),
        org="local",
        settings=SyncSettings(),
        now=NOW.replace(day=3),
        rules=RuleSettings.model_validate(RULES),
    ).run(export())
    assert later.status == "Succeeded"
    assert account(sf, portfolio.accounts["Acme"])["Tier1_Since__c"] == TODAY.isoformat()


def test_engagement_timeline_from_activities_and_the_platform(
    deployed_org: RunningOrg, portfolio: Portfolio
) -> None:
    run(deployed_org)
    globex = account(deployed_org.client(), portfolio.accounts["Globex"])
    assert globex["Last_AE_Touch__c"] == ago(5)  # the AE's latest completed task
    assert globex["Last_CSM_Touch__c"] == ago(3)  # the CSM's event beats the platform's ago(7)
    assert globex["Last_Customer_Contact__c"] == ago(4)  # an Inbound Call beats ago(6)
    assert globex["Next_AE_Touch__c"] == ahead(3)  # the AE's event comes before the task
    assert globex["Next_CSM_Touch__c"] == ahead(10)  # the CS platform's next touch
    stark = account(deployed_org.client(), portfolio.accounts["Stark"])
    assert stark["Last_Customer_Contact__c"] == ago(3)


def test_a_cleared_condition_is_marked_and_the_flag_stays(
    deployed_org: RunningOrg, portfolio: Portfolio
) -> None:
    run(deployed_org)
    sf = deployed_org.client()
    sponsor_key = next(k for k in flags(sf) if k.startswith("SPONSOR_CONTACT_GAP|"))
    drop_key = next(k for k in flags(sf) if k.startswith("HEALTH_DROP|"))
    drop_id = query(sf, format_soql("SELECT Id FROM Risk_Flag__c WHERE Flag_Key__c = {}", drop_key))
    update(sf, "Risk_Flag__c", drop_id["records"][0]["Id"], {"AE_Acknowledged_On__c": ago(0)})
    update(
        sf, "Stakeholder__c", portfolio.stakeholders["acme sponsor"], {"Last_Contact_On__c": ago(1)}
    )
    second = run(deployed_org)
    assert [(e.kind, e.key) for e in second.rule_events] == [("flag cleared", sponsor_key)]
    after = flags(sf)
    assert after[sponsor_key]["Condition_Cleared_On__c"] == TODAY.isoformat()
    assert after[sponsor_key]["Status__c"] == "Open"  # stays for both teams to acknowledge
    assert after[drop_key]["AE_Acknowledged_On__c"] == TODAY.isoformat()  # people's field kept
    third = run(deployed_org)
    assert written(third) == 0


def test_each_champion_change_raises_its_own_flag(
    deployed_org: RunningOrg, portfolio: Portfolio
) -> None:
    run(deployed_org)
    sf = deployed_org.client()
    globex = portfolio.accounts["Globex"]
    old = portfolio.stakeholders["globex champion"]
    update(sf, "Stakeholder__c", old, {"Is_Current__c": False, "Replaced_On__c": ago(1)})
    contact = create(sf, "Contact", {"LastName": "New Champion", "AccountId": globex})
    new = create(
        sf,
        "Stakeholder__c",
        {
            "Account__c": globex,
            "Contact__c": contact,
            "Role__c": "Champion",
            "Last_Contact_On__c": ago(1),
        },
    )
    second = run(deployed_org)
    assert [e.detail for e in second.rule_events] == [
        f"Champion Change: Globex Champion replaced on {ago(1)}"
    ]
    update(sf, "Stakeholder__c", new, {"Is_Current__c": False, "Replaced_On__c": ago(0)})
    third = run(deployed_org)
    assert [e.kind for e in third.rule_events] == ["flag raised"]
    changes = [k for k in flags(sf) if k.startswith("CHAMPION_CHANGE|")]
    assert sorted(changes) == sorted(
        [f"CHAMPION_CHANGE|{globex}|{old}|{ago(1)}", f"CHAMPION_CHANGE|{globex}|{new}|{ago(0)}"]
    )
    assert written(run(deployed_org)) == 0


def test_renewal_risk_outside_tier1_requests_an_override(
    deployed_org: RunningOrg, portfolio: Portfolio
) -> None:
    report = run(deployed_org)
    umbrella = portfolio.accounts["Umbrella"]
    state = account(deployed_org.client(), umbrella)
    assert state["Tier1__c"] is False
    assert state["Risk_Override_Status__c"] == "Requested"
    assert ("override requested", umbrella) in {(e.kind, e.account_id) for e in report.rule_events}
    assert f"RENEWAL_RISK|{umbrella}|{ahead(30)}" in flags(deployed_org.client())


def test_dry_run_shows_the_rule_writes_and_writes_nothing(
    deployed_org: RunningOrg, portfolio: Portfolio
) -> None:
    report = run(deployed_org, dry_run=True)
    assert report.status == "Dry Run"
    assert report.objects["Risk_Flag__c"].created == 6
    assert report.objects["Expansion_Signal__c"].created == 3
    assert any(c.sobject == "Risk_Flag__c" and c.field == "Name" for c in report.sample_changes)
    sf = deployed_org.client()
    assert flags(sf) == {}
    assert account(sf, portfolio.accounts["Acme"])["Tier1__c"] is False


def test_one_write_per_account_even_when_several_steps_change_it(
    deployed_org: RunningOrg, portfolio: Portfolio
) -> None:
    """Health, tiering, the timeline and the override request all change the six accounts in
    the export: each gets one write (the fillers are unchanged)."""
    report = run(deployed_org)
    assert report.objects["Account"].updated == 6
    assert report.objects["Account"].unchanged == 14


def test_tier_dry_run_explains_entries_and_exits(
    deployed_org: RunningOrg, portfolio: Portfolio
) -> None:
    rules = RuleSettings.model_validate(RULES)
    report = run_tiering(
        client(deployed_org), "local", rules, SyncSettings(), dry_run=True, now=NOW
    )
    assert report.status == "Dry Run"
    assert report.tiering is not None
    entering = {c.name: (c.criteria, c.why) for c in report.tiering.entering}
    assert set(entering) == {"Acme", "Globex", "Initech", "Stark"}
    assert entering["Initech"] == (["Strategic"], "strategic: Reference Program")
    assert entering["Acme"][1] == "ARR 1,000,000 in the top 10%"
    assert entering["Stark"][1] == f"approved risk override until {TODAY}"
    [leaving] = report.tiering.leaving
    assert leaving.name == "Hooli"
    assert "risk override expired on 2026-11-30" in leaving.why
    assert account(deployed_org.client(), portfolio.accounts["Acme"])["Tier1__c"] is False


def test_tier_above_the_cap_is_refused_unless_forced(
    deployed_org: RunningOrg, portfolio: Portfolio
) -> None:
    rules = RuleSettings.model_validate({"tiering": {"top_arr_pct": 30}})
    refused = run_tiering(client(deployed_org), "local", rules, SyncSettings(), now=NOW)
    assert refused.status == "Refused"
    assert refused.exit_code == 1
    assert refused.tiering is not None
    assert "above the 25% cap" in (refused.tiering.refused or "")
    sf = deployed_org.client()
    assert account(sf, portfolio.accounts["Acme"])["Tier1__c"] is False
    assert account(sf, portfolio.accounts["Hooli"])["Risk_Override_Status__c"] == "Expired"
    report = run(deployed_org, rules={"tiering": {"top_arr_pct": 30}})
    assert report.status == "Succeeded"
    assert any("above the 25% cap" in note for note in report.notes)
    assert account(sf, portfolio.accounts["Acme"])["Tier1__c"] is False
    forced = run_tiering(client(deployed_org), "local", rules, SyncSettings(), force=True, now=NOW)
    assert forced.status == "Succeeded"
    assert account(sf, portfolio.accounts["Acme"])["Tier1__c"] is True
