"""parse_soql: one LALR pass from text to AST, and parse errors in Salesforce's words."""

from __future__ import annotations

import re
from functools import cache

from lark import Lark, Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from tier1_sync.localorg.soql.ast import Query
from tier1_sync.localorg.soql.builder import Builder
from tier1_sync.localorg.soql.errors import Rejection, SoqlError, line_column
from tier1_sync.localorg.soql.grammar import GRAMMAR

# Valid SOQL the local org does not support, found where parsing stopped: the keyword, and how
# many words name the construct ("FOR UPDATE", "WITH SECURITY_ENFORCED").
_UNSUPPORTED_KEYWORDS = {"HAVING": 1, "TYPEOF": 1, "WITH": 2, "FOR": 2, "USING": 2, "UPDATE": 2}
_WORDS = re.compile(r"'(?:[^'\\]|\\.)*'?|[A-Za-z_][A-Za-z0-9_]*|\S", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# Reserved words that can never name anything. The contextual lexer reads a keyword as NAME
# where the keyword cannot come next ("SELECT FROM x"); this puts it back, so the error
# names the keyword instead of failing later.
_RESERVED = {
    terminal.lstrip("_"): terminal
    for terminal in ("SELECT", "_FROM", "_WHERE", "_AND", "_OR", "_LIKE", "_IN")
}


def _reserved_as_keyword(token: Token) -> Token:
    terminal = _RESERVED.get(token.value.upper())
    if terminal is not None:
        token.type = terminal
    return token


@cache
def _lark() -> Lark:
    return Lark(
        GRAMMAR,
        parser="lalr",
        lexer="contextual",
        start="query",
        transformer=Builder(),
        maybe_placeholders=True,
        lexer_callbacks={"NAME": _reserved_as_keyword},
    )


def parse_soql(text: str) -> Query:
    """Parse one SOQL query; raise SoqlError (MALFORMED_QUERY) for anything not supported."""
    try:
        query = _lark().parse(text)
    except Rejection as rejection:
        raise SoqlError(text, rejection.offset, rejection.reason) from None
    except UnexpectedInput as error:
        offset, reason = _describe(text, error)
        raise SoqlError(text, offset, reason) from None
    if not isinstance(query, Query):  # pragma: no cover - the grammar's start rule is `query`
        raise TypeError(f"the SOQL builder returned {type(query).__name__}")
    return query


def _describe(text: str, error: UnexpectedInput) -> tuple[int, str]:
    """Where parsing stopped and why, naming an unsupported construct when there is one."""
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream or 0
        char = text[offset]
        line, column = line_column(text, offset)
        if char == "'":
            reason = f"line {line}:{column} mismatched character '<EOF>' expecting '''"
        else:
            reason = f"line {line}:{column} no viable alternative at character '{char}'"
    elif isinstance(error, UnexpectedToken) and error.token.type != "$END":
        offset = error.token.start_pos or 0
        if error.token.type == "BIND":
            return (
                offset,
                f"bind variables ({error.token.value}) are not supported by the local org",
            )
        reason = f"unexpected token: '{error.token.value}'"
    else:
        offset = len(text.rstrip())
        reason = "unexpected token: '<EOF>'"
    return _unsupported_keyword(text, offset) or (offset, reason)


def _unsupported_keyword(text: str, offset: int) -> tuple[int, str] | None:
    """The first unsupported keyword at or before `offset`, with the words that name it."""
    words = [(m.group(), m.start()) for m in _WORDS.finditer(text)]
    for index, (word, start) in enumerate(words):
        if start > offset:
            return None
        count = _UNSUPPORTED_KEYWORDS.get(word.upper())
        if count is None:
            continue
        named = [word.upper()]
        for following, _ in words[index + 1 : index + count]:
            if _IDENTIFIER.fullmatch(following):
                named.append(following.upper())
        return start, f"{' '.join(named)} is not supported by the local org"
    return None
