"""Salesforce formulas, the subset the local org enforces, compiled to SQLite expressions.

Supported: AND, OR, NOT, IF, ISBLANK, ISPICKVAL, TEXT, TODAY(), the operators
`= == != <> < > <= >= + - * / && ||`, field references, numbers, "strings", TRUE/FALSE/NULL.
Anything else raises `FormulaUnsupported`: the deploy accepts such a rule with a warning
that it is not enforced locally, rather than enforcing something else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>==|!=|<>|<=|>=|&&|\|\||[-+*/=<>(),&!])
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_FUNCTIONS = {"AND", "OR", "NOT", "IF", "ISBLANK", "ISPICKVAL", "TEXT", "TODAY"}


class FormulaUnsupported(ValueError):
    """The formula uses something outside the subset the local org can evaluate."""


@dataclass(frozen=True)
class Node:
    kind: str  # num, str, bool, null, field, call, op, neg
    value: str = ""
    args: tuple[Node, ...] = ()


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise FormulaUnsupported(
                f"cannot read the formula at: {text[position : position + 20]!r}"
            )
        position = match.end()
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
    return tokens


class _Parser:
    _LEVELS = (
        ("||",),
        ("&&",),
        ("=", "==", "!=", "<>"),
        ("<", ">", "<=", ">="),
        ("+", "-"),
        ("*", "/"),
    )

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise FormulaUnsupported(f"expected {value or 'more'} in the formula")
        self.i += 1
        return token

    def parse(self) -> Node:
        node = self.binary(0)
        if self.peek() is not None:
            raise FormulaUnsupported(f"unexpected {self.peek()[1]!r} in the formula")  # type: ignore[index]
        return node

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while (
            (token := self.peek()) is not None
            and token[0] == "op"
            and token[1] in self._LEVELS[level]
        ):
            self.take()
            node = Node("op", token[1], (node, self.binary(level + 1)))
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token[1] in {"-", "!"}:
            self.take()
            operand = self.unary()
            return (
                Node("neg", "", (operand,)) if token[1] == "-" else Node("call", "NOT", (operand,))
            )
        return self.atom()

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Node("num", value)
        if kind == "string":
            return Node("str", bytes(value[1:-1], "utf-8").decode("unicode_escape"))
        if value == "(":
            node = self.binary(0)
            self.take(")")
            return node
        if kind != "name":
            raise FormulaUnsupported(f"unexpected {value!r} in the formula")
        upper = value.upper()
        if upper in {"TRUE", "FALSE"}:
            return Node("bool", upper)
        if upper == "NULL":
            return Node("null")
        token = self.peek()
        if token is not None and token[1] == "(":
            if upper not in _FUNCTIONS:
                raise FormulaUnsupported(f"the function {value}() is not supported locally")
            self.take("(")
            args: list[Node] = []
            while (token := self.peek()) is not None and token[1] != ")":
                args.append(self.binary(0))
                if (token := self.peek()) is not None and token[1] == ",":
                    self.take(",")
            self.take(")")
            return Node("call", upper, tuple(args))
        if "." in value or value.startswith("$"):
            raise FormulaUnsupported(f"cross-object or global reference {value} is not supported")
        return Node("field", value)


def parse_formula(text: str) -> Node:
    return _Parser(text).parse()


def referenced_fields(node: Node) -> set[str]:
    if node.kind == "field":
        return {node.value}
    return {name for arg in node.args for name in referenced_fields(arg)}


# Resolves a field name to (SQL expression, describe type), raising FormulaUnsupported if unknown.
Resolver = Callable[[str], tuple[str, str]]


@dataclass(frozen=True)
class Sql:
    text: str
    type: str  # number, text, date, datetime, boolean, null
    params: tuple[object, ...] = ()


_DATE_TYPES = {"date", "datetime"}


def _type_of(describe_type: str) -> str:
    if describe_type in {"double", "currency", "percent", "int"}:
        return "number"
    if describe_type in _DATE_TYPES or describe_type == "boolean":
        return describe_type
    return "text"


def to_sql(node: Node, resolve: Resolver, today: str) -> Sql:
    """Compile a formula to an SQLite expression (params bound in order)."""
    kind = node.kind
    if kind == "num":
        return Sql(node.value, "number")
    if kind == "str":
        return Sql("?", "text", (node.value,))
    if kind == "bool":
        return Sql("1" if node.value == "TRUE" else "0", "boolean")
    if kind == "null":
        return Sql("NULL", "null")
    if kind == "field":
        expression, describe_type = resolve(node.value)
        return Sql(expression, _type_of(describe_type))
    if kind == "neg":
        inner = to_sql(node.args[0], resolve, today)
        return Sql(f"(-{inner.text})", "number", inner.params)
    if kind == "op":
        return _operator(node, resolve, today)
    return _call(node, resolve, today)


def _join(parts: list[Sql], separator: str, type_: str) -> Sql:
    return Sql(
        "(" + separator.join(p.text for p in parts) + ")",
        type_,
        tuple(param for p in parts for param in p.params),
    )


def _operator(node: Node, resolve: Resolver, today: str) -> Sql:
    left, right = (to_sql(arg, resolve, today) for arg in node.args)
    op = {"==": "=", "<>": "!=", "&&": "AND", "||": "OR"}.get(node.value, node.value)
    params = left.params + right.params
    if op in {"+", "-"} and (left.type in _DATE_TYPES or right.type in _DATE_TYPES):
        if op == "-" and left.type == "date" and right.type == "date":
            return Sql(f"(julianday({left.text}) - julianday({right.text}))", "number", params)
        if left.type == "date" and right.type == "number":
            sign = "+" if op == "+" else "-"
            return Sql(f"date({left.text}, '{sign}' || {right.text} || ' days')", "date", params)
        raise FormulaUnsupported(f"date arithmetic {left.type} {op} {right.type}")
    if op in {"+", "-", "*", "/"}:
        return Sql(f"({left.text} {op} {right.text})", "number", params)
    if op in {"AND", "OR"}:
        return Sql(f"({_truth(left)} {op} {_truth(right)})", "boolean", params)
    if right.type == "null" or left.type == "null":
        target = left if right.type == "null" else right
        null_test = "IS NULL" if op == "=" else "IS NOT NULL"
        return Sql(f"({target.text} {null_test})", "boolean", target.params)
    collate = " COLLATE NOCASE" if "text" in {left.type, right.type} else ""
    return Sql(f"({left.text} {op} {right.text}{collate})", "boolean", params)


def _truth(sql: Sql) -> str:
    return f"COALESCE({sql.text}, 0)"


def _call(node: Node, resolve: Resolver, today: str) -> Sql:
    name, args = node.value, [to_sql(arg, resolve, today) for arg in node.args]
    if name == "TODAY":
        return Sql("?", "date", (today,))
    if name in {"AND", "OR"}:
        if not args:
            raise FormulaUnsupported(f"{name}() needs arguments")
        return _join([Sql(_truth(a), "boolean", a.params) for a in args], f" {name} ", "boolean")
    if name == "NOT":
        _arity(name, args, 1)
        return Sql(f"(NOT {_truth(args[0])})", "boolean", args[0].params)
    if name == "ISBLANK":
        _arity(name, args, 1)
        value = args[0]
        blank = f"({value.text} IS NULL" + (
            f" OR {value.text} = '')" if value.type == "text" else ")"
        )
        return Sql(blank, "boolean", value.params + (value.params if value.type == "text" else ()))
    if name == "ISPICKVAL":
        _arity(name, args, 2)
        return Sql(f"({args[0].text} = {args[1].text})", "boolean", args[0].params + args[1].params)
    if name == "TEXT":
        _arity(name, args, 1)
        return Sql(f"CAST({args[0].text} AS TEXT)", "text", args[0].params)
    if name == "IF":
        _arity(name, args, 3)
        condition, then, otherwise = args
        type_ = then.type if then.type != "null" else otherwise.type
        return Sql(
            f"(CASE WHEN {_truth(condition)} THEN {then.text} ELSE {otherwise.text} END)",
            type_,
            condition.params + then.params + otherwise.params,
        )
    raise FormulaUnsupported(f"the function {name}() is not supported locally")


def _arity(name: str, args: list[Sql], count: int) -> None:
    if len(args) != count:
        raise FormulaUnsupported(f"{name}() takes {count} argument(s), got {len(args)}")
