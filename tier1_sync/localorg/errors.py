"""Errors the local org answers with, in Salesforce's shapes."""

from __future__ import annotations

from typing import Any


class SalesforceError(Exception):
    """An error Salesforce would return: HTTP status, error code, message, fields."""

    def __init__(
        self, status: int, error_code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields

    def rest_body(self) -> list[dict[str, Any]]:
        """The body of a failed REST call: `[{"message", "errorCode"[, "fields"]}]`."""
        body: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            body["fields"] = self.fields
        return [body]

    def record_error(self) -> dict[str, Any]:
        """One entry of a per-record `errors` list (collections, composite)."""
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields or []}


def required_missing(fields: list[str]) -> SalesforceError:
    return SalesforceError(
        400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(fields)}]", fields
    )


def not_found(what: str = "The requested resource does not exist") -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", what)


def fls_denied(fields: list[str]) -> SalesforceError:
    return SalesforceError(
        400,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        f"Unable to create/update fields: {', '.join(fields)}. Please check the security "
        "settings of this field and verify that it is read/write for your profile or "
        "permission set.",
        fields,
    )
