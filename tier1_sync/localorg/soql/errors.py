"""SoqlError, with a message laid out the way Salesforce lays out MALFORMED_QUERY."""

from __future__ import annotations


def format_error_message(text: str, line: int, column: int, reason: str) -> str:
    """Quote the query line, put a caret under the column, then the row, column and reason.

    Salesforce's shape: `"\\nSELECT ...\\n      ^\\nERROR at Row:1:Column:7\\nreason"`.
    """
    lines = text.splitlines() or [""]
    quoted = lines[min(line, len(lines)) - 1]
    caret = " " * (column - 1) + "^"
    return f"\n{quoted}\n{caret}\nERROR at Row:{line}:Column:{column}\n{reason}"


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset into `text`."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


class SoqlError(Exception):
    """A query the local org cannot parse: malformed, or valid SOQL it does not support."""

    error_code = "MALFORMED_QUERY"

    def __init__(self, text: str, offset: int, reason: str) -> None:
        self.line, self.column = line_column(text, offset)
        self.reason = reason
        self.message = format_error_message(text, self.line, self.column, reason)
        super().__init__(self.message)


class Rejection(Exception):
    """Raised inside the parser at a character offset; `parse_soql` turns it into SoqlError."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason
