"""The local org's SOQL parser: every supported construct, and a named error for the rest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from simple_salesforce.format import format_soql

from tier1_sync.localorg.soql import (
    Aggregate,
    And,
    Comparison,
    DateLiteral,
    Expr,
    FieldPath,
    Not,
    Or,
    OrderItem,
    Position,
    Query,
    SoqlError,
    SubQuery,
    Value,
    like_regex,
    parse_soql,
)

UTC = dt.UTC


def f(dotted: str) -> FieldPath:
    return FieldPath(tuple(dotted.split(".")))


def cmp(dotted: str, op: str, value: Value | tuple[Value, ...]) -> Comparison:
    return Comparison(f(dotted), op, value)


def where_of(soql: str) -> Expr:
    where = parse_soql(soql).where
    assert where is not None
    return where


def value_of(soql: str) -> Value | tuple[Value, ...]:
    where = where_of(soql)
    assert isinstance(where, Comparison)
    return where.value


# --- SELECT list --------------------------------------------------------------------------

SELECT_CASES: list[tuple[str, tuple[object, ...]]] = [
    ("SELECT Id FROM Account", (f("Id"),)),
    ("SELECT Id, Name, Health_Score__c FROM Account", (f("Id"), f("Name"), f("Health_Score__c"))),
    ("SELECT Account__r.Name FROM Risk_Flag__c", (f("Account__r.Name"),)),
    ("SELECT Owner.Email FROM Account", (f("Owner.Email"),)),
    ("SELECT Account__r.Owner.Name FROM Risk_Flag__c", (f("Account__r.Owner.Name"),)),
    ("SELECT A__r.B__r.C__r.D__r.Name FROM X__c", (f("A__r.B__r.C__r.D__r.Name"),)),
    ("SELECT COUNT() FROM Account", (Aggregate("COUNT", None),)),
    ("SELECT COUNT(Id) FROM Account", (Aggregate("COUNT", f("Id")),)),
    ("SELECT count(Id) n FROM Account", (Aggregate("COUNT", f("Id"), "n"),)),
    ("SELECT COUNT_DISTINCT(OwnerId) FROM Account", (Aggregate("COUNT_DISTINCT", f("OwnerId")),)),
    (
        "SELECT MAX(ActivityDate) lastTouch FROM Task",
        (Aggregate("MAX", f("ActivityDate"), "lastTouch"),),
    ),
    ("SELECT Min(Amount) FROM Opportunity", (Aggregate("MIN", f("Amount")),)),
    ("SELECT SUM(ARR__c) total FROM Account", (Aggregate("SUM", f("ARR__c"), "total"),)),
    (
        "SELECT avg(Account__r.ARR__c) FROM Risk_Flag__c",
        (Aggregate("AVG", f("Account__r.ARR__c")),),
    ),
    (
        "SELECT WhatId, MAX(ActivityDate) last, COUNT(Id) FROM Task GROUP BY WhatId",
        (f("WhatId"), Aggregate("MAX", f("ActivityDate"), "last"), Aggregate("COUNT", f("Id"))),
    ),
]


@pytest.mark.parametrize(("soql", "select"), SELECT_CASES)
def test_select_list(soql: str, select: tuple[object, ...]) -> None:
    assert parse_soql(soql).select == select


def test_field_path_dotted_joins_the_parts() -> None:
    item = parse_soql("SELECT Account__r.Owner.Name FROM Risk_Flag__c").select[0]
    assert isinstance(item, FieldPath)
    assert item.dotted == "Account__r.Owner.Name"


def test_child_subquery_is_a_full_query_on_the_relationship() -> None:
    query = parse_soql(
        "SELECT Id, Name, (SELECT Id, Name FROM Risk_Flags__r WHERE Status__c = 'Open' "
        "ORDER BY Severity__c DESC LIMIT 5) FROM Account"
    )
    assert query.select[:2] == (f("Id"), f("Name"))
    child = query.select[2]
    assert isinstance(child, SubQuery)
    assert child.query == Query(
        select=(f("Id"), f("Name")),
        sobject="Risk_Flags__r",
        where=cmp("Status__c", "=", "Open"),
        order_by=(OrderItem(f("Severity__c"), descending=True, nulls_first=False),),
        limit=5,
    )
    assert query.sobject == "Account"


def test_two_subqueries_and_fields_after_them() -> None:
    query = parse_soql(
        "SELECT (SELECT Id FROM Contacts), (SELECT Id FROM Risk_Flags__r), Name FROM Account"
    )
    children = [i.query.sobject for i in query.select if isinstance(i, SubQuery)]
    assert children == ["Contacts", "Risk_Flags__r"]
    assert query.select[-1] == f("Name")


@pytest.mark.parametrize(
    ("soql", "count_only", "aggregate"),
    [
        ("SELECT COUNT() FROM Account", True, False),
        ("SELECT COUNT() FROM Account WHERE Name = 'x' LIMIT 1", True, False),
        ("SELECT COUNT(Id) FROM Account", False, True),
        ("SELECT Name FROM Account GROUP BY Name", False, True),
        ("SELECT Id, Name FROM Account", False, False),
    ],
)
def test_count_only_and_aggregate_queries(soql: str, count_only: bool, aggregate: bool) -> None:
    query = parse_soql(soql)
    assert query.is_count_only is count_only
    assert query.is_aggregate is aggregate


# --- WHERE: operators and values ----------------------------------------------------------

OPERATOR_CASES: list[tuple[str, Comparison]] = [
    ("Name = 'Acme'", cmp("Name", "=", "Acme")),
    ("Name != 'Acme'", cmp("Name", "!=", "Acme")),
    ("Name <> 'Acme'", cmp("Name", "!=", "Acme")),
    ("ARR__c < 10", cmp("ARR__c", "<", 10)),
    ("ARR__c > 10", cmp("ARR__c", ">", 10)),
    ("ARR__c <= 10", cmp("ARR__c", "<=", 10)),
    ("ARR__c >= 10", cmp("ARR__c", ">=", 10)),
    ("ARR__c>=10", cmp("ARR__c", ">=", 10)),
    ("Name LIKE 'Ac%'", cmp("Name", "LIKE", "Ac%")),
    ("Tier__c IN ('1', '2')", cmp("Tier__c", "IN", ("1", "2"))),
    ("Tier__c IN ('1')", cmp("Tier__c", "IN", ("1",))),
    ("Tier__c NOT IN ('3', null)", cmp("Tier__c", "NOT IN", ("3", None))),
    ("Products__c INCLUDES ('A;B', 'C')", cmp("Products__c", "INCLUDES", ("A;B", "C"))),
    ("Products__c EXCLUDES ('A')", cmp("Products__c", "EXCLUDES", ("A",))),
    ("Account__r.Owner.Email = 'a@b.c'", cmp("Account__r.Owner.Email", "=", "a@b.c")),
]


@pytest.mark.parametrize(("condition", "expected"), OPERATOR_CASES)
def test_operators(condition: str, expected: Comparison) -> None:
    assert where_of(format_soql("SELECT Id FROM Account WHERE {:literal}", condition)) == expected


VALUE_CASES: list[tuple[str, Value]] = [
    ("'plain'", "plain"),
    ("''", ""),
    (r"'it\'s'", "it's"),
    (r"'say \"hi\"'", 'say "hi"'),
    (r"'back\\slash'", "back\\slash"),
    (r"'a\nb\rc\td\be\ff'", "a\nb\rc\td\be\ff"),
    (r"'snake\_case 100\%'", "snake_case 100%"),
    ("'naïve ünïcode'", "naïve ünïcode"),
    ("42", 42),
    ("-42", -42),
    ("+7", 7),
    ("0", 0),
    ("3.14", Decimal("3.14")),
    ("-0.5", Decimal("-0.5")),
    ("+.5", Decimal(".5")),
    ("true", True),
    ("FALSE", False),
    ("null", None),
    ("NULL", None),
    ("2024-05-01", dt.date(2024, 5, 1)),
    ("2024-05-01T10:00:00Z", dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T10:00:00.000+0000", dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T10:00:00+00:00", dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ("2024-05-01T10:00:00.250Z", dt.datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)),
    (
        "2024-05-01T10:00:00-05:00",
        dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone(-dt.timedelta(hours=5))),
    ),
    ("2024-05-01T12:30:00+0530", dt.datetime(2024, 5, 1, 7, 0, tzinfo=UTC)),
    ("TODAY", DateLiteral("TODAY")),
    ("yesterday", DateLiteral("YESTERDAY")),
    ("Tomorrow", DateLiteral("TOMORROW")),
    ("LAST_N_DAYS:30", DateLiteral("LAST_N_DAYS", 30)),
    ("next_n_days:7", DateLiteral("NEXT_N_DAYS", 7)),
]


@pytest.mark.parametrize(("literal", "expected"), VALUE_CASES)
def test_values(literal: str, expected: Value) -> None:
    value = value_of(format_soql("SELECT Id FROM Account WHERE X__c = {:literal}", literal))
    assert value == expected
    assert type(value) is type(expected)


def test_datetimes_are_timezone_aware() -> None:
    value = value_of("SELECT Id FROM Event WHERE StartDateTime > 2024-05-01T10:00:00-07:00")
    assert isinstance(value, dt.datetime)
    assert value.utcoffset() == dt.timedelta(hours=-7)
    assert value == dt.datetime(2024, 5, 1, 17, tzinfo=UTC)


def test_list_values_mix_types() -> None:
    value = value_of("SELECT Id FROM Task WHERE ActivityDate IN (2024-05-01, TODAY, null)")
    assert value == (dt.date(2024, 5, 1), DateLiteral("TODAY"), None)


def test_string_can_span_lines_and_hold_keywords() -> None:
    value = value_of("SELECT Id FROM Account WHERE Name = 'SELECT x\nFROM y WHERE'")
    assert value == "SELECT x\nFROM y WHERE"


# --- LIKE patterns ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "pattern", "matches", "misses"),
    [
        ("'Ac%'", "Ac%", ["Acme", "ac", "AC corp"], ["The Acme"]),
        ("'_cme'", "_cme", ["Acme", "xcme"], ["cme", "Accme"]),
        (r"'100\%'", r"100\%", ["100%"], ["1000", "100"]),
        (r"'snake\_case%'", r"snake\_case%", ["snake_case", "Snake_Case_2"], ["snakeXcase"]),
        (r"'back\\slash'", r"back\\slash", ["back\\slash"], ["backslash"]),
        (r"'it\'s%'", "it's%", ["It's fine"], ["its"]),
    ],
)
def test_like_keeps_wildcard_escapes(
    literal: str, pattern: str, matches: list[str], misses: list[str]
) -> None:
    value = value_of(format_soql("SELECT Id FROM Account WHERE Name LIKE {:literal}", literal))
    assert value == pattern
    regex = like_regex(pattern)
    assert all(regex.fullmatch(m) for m in matches)
    assert not any(regex.fullmatch(m) for m in misses)


# --- queries built by simple_salesforce.format_soql ----------------------------------------

AWKWARD_STRINGS = [
    "O'Brien",
    'say "hi"',
    "C:\\temp\\new",
    "\\'",
    "line one\nline two\r\n\ttabbed",
    "bell\b feed\f",
    "50% off_today",
    "",
    "ünïcødé ✓",
]


@pytest.mark.parametrize("text", AWKWARD_STRINGS)
def test_format_soql_strings_round_trip(text: str) -> None:
    soql = format_soql("SELECT Id FROM Account WHERE Name = {}", text)
    assert value_of(soql) == text


@pytest.mark.parametrize("text", AWKWARD_STRINGS)
def test_format_soql_like_round_trips(text: str) -> None:
    soql = format_soql("SELECT Id FROM Account WHERE Name LIKE '{:like}%'", text)
    value = value_of(soql)
    assert isinstance(value, str)
    regex = like_regex(value)
    assert regex.fullmatch(text)
    assert regex.fullmatch(text + " and more")
    if "_" in text or "%" in text:
        assert not regex.fullmatch(text.replace("_", "x").replace("%", "y"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (None, None),
        (7, 7),
        (-3, -3),
        (0.5, Decimal("0.5")),
        (dt.date(2024, 5, 1), dt.date(2024, 5, 1)),
        (dt.datetime(2024, 5, 1, 10, tzinfo=UTC), dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
        (
            dt.datetime(2024, 5, 1, 12, 30, 15, 999, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            dt.datetime(2024, 5, 1, 10, 30, 15, tzinfo=UTC),
        ),
        (["a'b", "c\\d"], ("a'b", "c\\d")),
        ((1, 2, 3), (1, 2, 3)),
        ([dt.date(2024, 1, 1), None], (dt.date(2024, 1, 1), None)),
    ],
)
def test_format_soql_values(value: object, expected: Value | tuple[Value, ...]) -> None:
    op = "IN" if isinstance(value, list | tuple) else "="
    soql = format_soql("SELECT Id FROM Account WHERE X__c {:literal} {}", op, value)
    assert value_of(soql) == expected


def test_format_soql_typical_sync_query() -> None:
    soql = format_soql(
        "SELECT Id, Name, Account__r.Name FROM Risk_Flag__c "
        "WHERE Account__c IN {ids} AND Flag_Key__c = {key} AND Resolved__c = {resolved} "
        "AND LastModifiedDate >= {since} ORDER BY CreatedDate DESC LIMIT {n}",
        ids=["001000000000001AAA", "001000000000002AAA"],
        key="churn-risk:it's",
        resolved=False,
        since=dt.datetime(2024, 5, 1, tzinfo=UTC),
        n=200,
    )
    query = parse_soql(soql)
    assert query.where == And(
        (
            cmp("Account__c", "IN", ("001000000000001AAA", "001000000000002AAA")),
            cmp("Flag_Key__c", "=", "churn-risk:it's"),
            cmp("Resolved__c", "=", False),
            cmp("LastModifiedDate", ">=", dt.datetime(2024, 5, 1, tzinfo=UTC)),
        )
    )
    assert query.limit == 200


# --- boolean structure ---------------------------------------------------------------------

A, B, C, D = (cmp(n, "=", 1) for n in "abcd")

LOGIC_CASES: list[tuple[str, Expr]] = [
    ("a = 1 AND b = 1", And((A, B))),
    ("a = 1 OR b = 1", Or((A, B))),
    ("a = 1 AND b = 1 AND c = 1", And((A, B, C))),
    ("a = 1 OR b = 1 OR c = 1", Or((A, B, C))),
    ("a = 1 AND b = 1 OR c = 1", Or((And((A, B)), C))),
    ("a = 1 OR b = 1 AND c = 1", Or((A, And((B, C))))),
    ("a = 1 AND b = 1 OR c = 1 AND d = 1", Or((And((A, B)), And((C, D))))),
    ("a = 1 AND (b = 1 OR c = 1)", And((A, Or((B, C))))),
    ("(a = 1 OR b = 1) AND (c = 1 OR d = 1)", And((Or((A, B)), Or((C, D))))),
    ("((a = 1))", A),
    ("(a = 1 AND (b = 1 OR (c = 1 AND d = 1)))", And((A, Or((B, And((C, D))))))),
    ("NOT a = 1", Not(A)),
    ("NOT (a = 1 OR b = 1)", Not(Or((A, B)))),
    ("NOT a = 1 AND b = 1", And((Not(A), B))),
    ("a = 1 AND NOT (b = 1 AND NOT c = 1)", And((A, Not(And((B, Not(C))))))),
    ("a = 1 and b = 1 oR c = 1", Or((And((A, B)), C))),
]


@pytest.mark.parametrize(("condition", "expected"), LOGIC_CASES)
def test_and_binds_tighter_than_or(condition: str, expected: Expr) -> None:
    assert where_of(format_soql("SELECT Id FROM Account WHERE {:literal}", condition)) == expected


# --- GROUP BY, ORDER BY, LIMIT, OFFSET -----------------------------------------------------

ORDER_CASES: list[tuple[str, tuple[OrderItem, ...]]] = [
    ("Name", (OrderItem(f("Name"), descending=False, nulls_first=True),)),
    ("Name ASC", (OrderItem(f("Name"), descending=False, nulls_first=True),)),
    ("Name DESC", (OrderItem(f("Name"), descending=True, nulls_first=False),)),
    ("Name asc nulls last", (OrderItem(f("Name"), descending=False, nulls_first=False),)),
    ("Name DESC NULLS FIRST", (OrderItem(f("Name"), descending=True, nulls_first=True),)),
    ("Name NULLS LAST", (OrderItem(f("Name"), descending=False, nulls_first=False),)),
    (
        "Account__r.Name DESC, Id",
        (OrderItem(f("Account__r.Name"), True, False), OrderItem(f("Id"), False, True)),
    ),
    ("MAX(ActivityDate) DESC", (OrderItem(Aggregate("MAX", f("ActivityDate")), True, False),)),
    ("COUNT(Id)", (OrderItem(Aggregate("COUNT", f("Id")), False, True),)),
    ("lastTouch DESC", (OrderItem(f("lastTouch"), True, False),)),
]


@pytest.mark.parametrize(("clause", "expected"), ORDER_CASES)
def test_order_by(clause: str, expected: tuple[OrderItem, ...]) -> None:
    query = parse_soql(format_soql("SELECT Id FROM Account ORDER BY {:literal}", clause))
    assert query.order_by == expected


def test_group_by_limit_offset_in_order() -> None:
    query = parse_soql(
        "SELECT WhatId, MAX(ActivityDate) lastTouch FROM Task WHERE ActivityDate = "
        "LAST_N_DAYS:90 GROUP BY WhatId, Type ORDER BY lastTouch DESC LIMIT 50 OFFSET 100"
    )
    assert query.group_by == (f("WhatId"), f("Type"))
    assert query.where == cmp("ActivityDate", "=", DateLiteral("LAST_N_DAYS", 90))
    assert query.order_by == (OrderItem(f("lastTouch"), True, False),)
    assert (query.limit, query.offset) == (50, 100)


def test_no_optional_clauses() -> None:
    assert parse_soql("SELECT Id FROM Account") == Query(select=(f("Id"),), sobject="Account")


# --- case and whitespace -------------------------------------------------------------------


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id, Name FROM Account WHERE Name LIKE 'A%' ORDER BY Name DESC NULLS LAST LIMIT 5",
        "select Id, Name from Account where Name like 'A%' order by Name desc nulls last limit 5",
        "Select Id, Name From Account Where Name Like 'A%' Order By Name Desc Nulls Last Limit 5",
        "SeLeCt Id,Name FrOm Account\n  WHERE Name LIKE 'A%'\n\tORDER  BY Name DESC NULLS LAST"
        "  LIMIT 5",
    ],
)
def test_keywords_are_case_insensitive(soql: str) -> None:
    assert parse_soql(soql) == Query(
        select=(f("Id"), f("Name")),
        sobject="Account",
        where=cmp("Name", "LIKE", "A%"),
        order_by=(OrderItem(f("Name"), True, False),),
        limit=5,
    )


def test_identifiers_keep_their_case() -> None:
    query = parse_soql(
        "select account__R.NAME, health_score__C from ACCOUNT where OWNER.email = ''"
    )
    assert query.select == (f("account__R.NAME"), f("health_score__C"))
    assert query.sobject == "ACCOUNT"
    assert query.where == cmp("OWNER.email", "=", "")


@pytest.mark.parametrize(
    ("soql", "sobject", "first"),
    [
        ("SELECT Id FROM Order ORDER BY Id", "Order", "Id"),
        ("SELECT Id FROM Group", "Group", "Id"),
        ("SELECT Fromage__c, Selected__c FROM Account", "Account", "Fromage__c"),
        ("SELECT Order__c, Limit__c FROM Account WHERE Not__c = true", "Account", "Order__c"),
    ],
)
def test_words_that_look_like_keywords(soql: str, sobject: str, first: str) -> None:
    query = parse_soql(soql)
    assert query.sobject == sobject
    assert query.select[0] == f(first)


def test_positions_point_at_the_source() -> None:
    query = parse_soql("SELECT Id,\n  Owner.Name FROM Account")
    owner = query.select[1]
    assert isinstance(owner, FieldPath)
    assert owner.pos == Position(2, 3, 13)
    assert query.sobject_pos == Position(2, 19, 29)


# --- unsupported and malformed queries -----------------------------------------------------

UNSUPPORTED_CASES: list[tuple[str, str]] = [
    ("SELECT FIELDS(ALL) FROM Account LIMIT 200", "FIELDS(ALL)"),
    ("SELECT fields(STANDARD) FROM Account", "fields(STANDARD)"),
    ("SELECT FIELDS(CUSTOM) FROM Account", "FIELDS(CUSTOM)"),
    ("SELECT Name, COUNT(Id) FROM Account GROUP BY Name HAVING COUNT(Id) > 1", "HAVING"),
    ("SELECT TYPEOF What WHEN Account THEN Phone END FROM Event", "TYPEOF"),
    ("SELECT Id FROM Account WITH SECURITY_ENFORCED", "WITH SECURITY_ENFORCED"),
    ("SELECT Id FROM Account WHERE Name = 'x' WITH USER_MODE", "WITH USER_MODE"),
    ("SELECT Id FROM Account FOR UPDATE", "FOR UPDATE"),
    ("SELECT Id FROM Account LIMIT 1 FOR VIEW", "FOR VIEW"),
    ("SELECT Id FROM Account for reference", "FOR REFERENCE"),
    ("SELECT Id FROM KnowledgeArticleVersion UPDATE TRACKING", "UPDATE TRACKING"),
    ("SELECT Id FROM Account USING SCOPE mine", "USING SCOPE"),
    ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)", "semi-join"),
    ("SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact)", "semi-join"),
    ("SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = 2024", "CALENDAR_YEAR()"),
    ("SELECT CALENDAR_MONTH(CloseDate) FROM Opportunity", "CALENDAR_MONTH()"),
    ("SELECT Id FROM Task GROUP BY DAY_ONLY(ActivityDate)", "DAY_ONLY()"),
    ("SELECT Id FROM Account GROUP BY ROLLUP(Type)", "ROLLUP()"),
    ("SELECT FORMAT(Amount) FROM Opportunity", "FORMAT()"),
    ("SELECT toLabel(Status) FROM Lead", "toLabel()"),
    ("SELECT convertCurrency(Amount) FROM Opportunity", "convertCurrency()"),
    ("SELECT MAX(CALENDAR_YEAR(CloseDate)) FROM Opportunity", "CALENDAR_YEAR()"),
    ("SELECT Id FROM Account ORDER BY DISTANCE(Loc__c, GEOLOCATION(1, 2), 'mi')", "DISTANCE()"),
    ("SELECT Id FROM Account WHERE Name = :name", "bind variables (:name)"),
    ("SELECT Id FROM Account WHERE Id IN :ids", "bind variables (:ids)"),
    ("SELECT Id FROM Account LIMIT :n", "bind variables (:n)"),
    ("SELECT Id FROM Account WHERE CreatedDate = THIS_MONTH", "THIS_MONTH"),
    ("SELECT Id FROM Account WHERE CreatedDate > LAST_FISCAL_YEAR", "LAST_FISCAL_YEAR"),
    ("SELECT Id FROM Account WHERE CreatedDate = LAST_N_WEEKS:2", "LAST_N_WEEKS"),
    ("SELECT Id FROM Account WHERE CreatedDate = N_DAYS_AGO:3", "N_DAYS_AGO"),
    ("SELECT Name n FROM Account", "field aliases"),
    ("SELECT Id FROM Account WHERE COUNT(Id) > 1", "COUNT() in WHERE"),
]


@pytest.mark.parametrize(("soql", "named"), UNSUPPORTED_CASES)
def test_unsupported_soql_is_named(soql: str, named: str) -> None:
    with pytest.raises(SoqlError) as raised:
        parse_soql(soql)
    error = raised.value
    assert error.error_code == "MALFORMED_QUERY"
    assert named.lower() in error.message.lower()
    assert "not supported by the local org" in error.message


MALFORMED_CASES: list[tuple[str, str]] = [
    ("SELECT Id FROM Account FOO", "unexpected token: 'FOO'"),
    ("SELECT Id FROM Account a", "unexpected token: 'a'"),
    ("SELECT Id FROM", "unexpected token: '<EOF>'"),
    ("", "unexpected token: '<EOF>'"),
    ("SELECT FROM Account", "unexpected token: 'FROM'"),
    ("SELECT Id, FROM Account", "unexpected token: 'FROM'"),
    ("SELECT Id FROM Account, Contact", "unexpected token: ','"),
    ("SELECT Id FROM Account WHERE", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Account WHERE Name = 'x", "mismatched character '<EOF>' expecting '''"),
    ("SELECT Id FROM Account;", "no viable alternative at character ';'"),
    ("SELECT Id FROM Account WHERE Name == 'x'", "unexpected token: '='"),
    ("SELECT Id FROM Account WHERE Name = Other__c", "unexpected token: 'Other__c'"),
    ("SELECT Id FROM Account WHERE Id IN ()", "unexpected token: ')'"),
    ("SELECT Id FROM Account WHERE Name = 'a\\qb'", "Illegal character sequence '\\q'"),
    ("SELECT Id FROM Account WHERE Name LIKE 5", "LIKE needs a quoted string"),
    ("SELECT Id FROM Task WHERE ActivityDate = 2024-02-30", "invalid date"),
    ("SELECT Id FROM Event WHERE StartDateTime > 2024-05-01T10:00:00", "needs a time zone"),
    ("SELECT Id FROM Event WHERE StartDateTime > 2024-05-01T10:00Z", "invalid date"),
    ("SELECT Id FROM Account LIMIT 1.5", "LIMIT must be a non-negative integer"),
    ("SELECT Id FROM Account LIMIT -1", "LIMIT must be a non-negative integer"),
    ("SELECT Id FROM Account OFFSET +3", "OFFSET must be a non-negative integer"),
    ("SELECT Id FROM Account LIMIT 5 WHERE Name = 'x'", "unexpected token: 'WHERE'"),
    ("SELECT Id FROM Account WHERE (Name = 'x'", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Account WHERE Name NOT LIKE 'x'", "unexpected token: 'LIKE'"),
    ("SELECT MAX(Amount, Id) FROM Opportunity", "MAX() takes exactly one field"),
    ("SELECT SUM() FROM Opportunity", "SUM() takes exactly one field"),
    ("SELECT SUM(MAX(Amount)) FROM Opportunity", "MAX() cannot be nested inside SUM()"),
    ("SELECT COUNT('x') FROM Account", "unexpected token: ''x''"),
    ("SELECT Id FROM Account ORDER BY Name DESC ASC", "unexpected token: 'ASC'"),
    ("SELECT COUNT() total FROM Account", "unexpected token: 'total'"),
    ("SELECT Id, COUNT() FROM Account", "COUNT() must be the only element in the SELECT list"),
    ("SELECT Id FROM Account WHERE Amount > 1e5", "unexpected token: 'e5'"),
    ("SELECT Id FROM Account WHERE Name IN ('a',)", "unexpected token: ')'"),
    ("SELECT Id FROM Account WHERE Name = 'with' FOO", "unexpected token: 'FOO'"),
    ("SELECT With__c FROM Account FOO", "unexpected token: 'FOO'"),
]


@pytest.mark.parametrize(("soql", "reason"), MALFORMED_CASES)
def test_malformed_soql(soql: str, reason: str) -> None:
    with pytest.raises(SoqlError) as raised:
        parse_soql(soql)
    assert raised.value.error_code == "MALFORMED_QUERY"
    assert reason in raised.value.message.splitlines()[-1]


def test_error_message_has_salesforce_layout() -> None:
    with pytest.raises(SoqlError) as raised:
        parse_soql("SELECT Id FROM Account GROUP BY Name HAVING COUNT(Id) > 1")
    assert raised.value.message == (
        "\nSELECT Id FROM Account GROUP BY Name HAVING COUNT(Id) > 1"
        "\n                                     ^"
        "\nERROR at Row:1:Column:38"
        "\nHAVING is not supported by the local org"
    )
    assert (raised.value.line, raised.value.column) == (1, 38)
    assert str(raised.value) == raised.value.message


def test_error_on_a_later_line_quotes_that_line() -> None:
    with pytest.raises(SoqlError) as raised:
        parse_soql("SELECT Id\nFROM Account\nWHERE Name = 'x' FOO")
    assert raised.value.message == (
        "\nWHERE Name = 'x' FOO"
        "\n                 ^"
        "\nERROR at Row:3:Column:18"
        "\nunexpected token: 'FOO'"
    )
