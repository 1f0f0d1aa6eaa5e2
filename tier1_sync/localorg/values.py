"""Converting field values between JSON, the SQLite row, and Salesforce's validation rules."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.ids import looks_like_id, to_18
from tier1_sync.localorg.schema import FieldDef

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.000+0000"


def format_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime(DATETIME_FORMAT)


def parse_datetime(text: str) -> dt.datetime:
    cleaned = text.strip().replace("Z", "+00:00")
    cleaned = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", cleaned)
    parsed = dt.datetime.fromisoformat(cleaned)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _deserialize_error(field: FieldDef, kind: str, value: object) -> SalesforceError:
    return SalesforceError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} or request may "
        f"be missing a required field",
        [field.name],
    )


def to_storage(field: FieldDef, value: Any) -> Any:
    """Validate a value written through the API and convert it for SQLite (None stays None)."""
    if value is None or (value == "" and field.type not in {"string", "textarea"}):
        return None
    kind = field.type
    if kind in {"string", "textarea", "email", "phone", "url", "id"}:
        text = value if isinstance(value, str) else str(value)
        if field.length and len(text) > field.length:
            raise SalesforceError(
                400,
                "STRING_TOO_LONG",
                f"{field.label}: data value too large: {text[:60]} (max length={field.length})",
                [field.name],
            )
        if kind == "email" and text and not _EMAIL.match(text):
            raise SalesforceError(
                400,
                "INVALID_EMAIL_ADDRESS",
                f"{field.label}: invalid email address: {text}",
                [field.name],
            )
        return text or None
    if kind == "boolean":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return int(value.lower() == "true")
        raise _deserialize_error(field, "boolean", value)
    if kind in {"double", "currency", "percent", "int"}:
        return _number(field, value)
    if kind == "date":
        text = str(value)
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text).isoformat()
            return parse_datetime(text).date().isoformat()
        except ValueError:
            raise _deserialize_error(field, "date", value) from None
    if kind == "datetime":
        try:
            return format_datetime(parse_datetime(str(value)))
        except ValueError:
            raise _deserialize_error(field, "datetime", value) from None
    if kind == "picklist":
        text = str(value)
        if field.restricted_picklist and text not in field.picklist_values:
            raise _bad_picklist(field, text)
        return text
    if kind == "multipicklist":
        items = [v for v in str(value).split(";") if v]
        if field.restricted_picklist:
            for item in items:
                if item not in field.picklist_values:
                    raise _bad_picklist(field, item)
        return ";".join(items) or None
    if kind == "reference":
        text = str(value)
        if not looks_like_id(text):
            raise SalesforceError(
                400,
                "MALFORMED_ID",
                f"{field.label}: id value of incorrect type: {text}",
                [field.name],
            )
        return to_18(text)
    raise SalesforceError(400, "INVALID_TYPE", f"unsupported field type {kind}", [field.name])


def _bad_picklist(field: FieldDef, value: str) -> SalesforceError:
    return SalesforceError(
        400,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        f"{field.label}: bad value for restricted picklist field: {value}",
        [field.name],
    )


def _number(field: FieldDef, value: Any) -> int | float:
    if isinstance(value, bool):
        raise _deserialize_error(field, "double", value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _deserialize_error(field, "double", value) from None
    if not number.is_finite():
        raise _deserialize_error(field, "double", value)
    if field.type == "int":
        integral = int(number)
        if len(str(abs(integral))) > (field.digits or 9):
            raise _out_of_range(field, value)
        return integral
    scale = field.scale
    rounded = round(number, scale)
    integer_digits = len(str(abs(int(rounded)))) if int(rounded) else 0
    if field.precision and integer_digits > field.precision - scale:
        raise _out_of_range(field, value)
    return float(rounded)


def _out_of_range(field: FieldDef, value: object) -> SalesforceError:
    return SalesforceError(
        400,
        "NUMBER_OUTSIDE_VALID_RANGE",
        f"{field.label}: value outside of valid range on numeric field: {value}",
        [field.name],
    )


def from_storage(field: FieldDef, value: Any) -> Any:
    """A stored value as the REST API returns it in JSON."""
    if value is None:
        return None
    if field.type == "boolean":
        return bool(value)
    if field.type == "int":
        return int(value)
    if field.is_numeric:
        return json_number(value)
    return value


def json_number(value: float | int) -> float | int:
    """Numbers as Salesforce's JSON writes them: 1300 rather than 1300.0, but 12.5."""
    number = float(value)
    return int(number) if number.is_integer() else number
