"""Salesforce record ids: 15 case-sensitive characters plus a 3-character checksum suffix.

Shared by the local org (which mints and reads ids) and the sources (which check the ids a
CS platform or an export file holds before the sync trusts them).
"""

from __future__ import annotations

import re

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
ACCOUNT_PREFIX = "001"


def checksum_suffix(id15: str) -> str:
    """The suffix Salesforce appends to make an id case-insensitively unique."""
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _ALPHABET[bits]
    return suffix


def to_18(record_id: str) -> str:
    """A 15- or 18-character id as 18 characters; ValueError if it is not an id.

    Lenient: an 18-character id gets its suffix recomputed from the case of its first 15
    characters. Use `normalise_id` for ids read from outside, where a wrong suffix matters.
    """
    if not _ID_PATTERN.match(record_id):
        raise ValueError(f"not a Salesforce id: {record_id!r}")
    if len(record_id) == 18:
        return record_id[:15] + checksum_suffix(record_id[:15])
    return record_id + checksum_suffix(record_id)


def looks_like_id(value: str) -> bool:
    return bool(_ID_PATTERN.match(value))


def _case_from_suffix(id15: str, suffix: str) -> str | None:
    """`id15` with its letters' case restored from an 18-character id's suffix, if it fits."""
    restored = []
    for chunk_no, code in enumerate(suffix.upper()):
        bits = _ALPHABET.index(code) if code in _ALPHABET else -1
        if bits < 0:
            return None
        for i, ch in enumerate(id15[chunk_no * 5 : chunk_no * 5 + 5]):
            upper = bool(bits & (1 << i))
            if upper and not ch.isalpha():
                return None
            restored.append(ch.upper() if upper else ch.lower())
    return "".join(restored)


def normalise_id(value: str) -> str:
    """An id from outside as 18 characters; ValueError (a sentence a person can act on) if not.

    15 characters: the suffix is added. 18 characters: the suffix must agree with the case of
    the first 15; an id whose letters were all upper- or lower-cased on the way (a spreadsheet,
    a case-insensitive system) gets its case back from the suffix, as Salesforce reads it.
    """
    if not looks_like_id(value):
        raise ValueError("is not a Salesforce id (15 or 18 letters and digits)")
    if len(value) == 15:
        return value + checksum_suffix(value)
    id15, suffix = value[:15], value[15:]
    if checksum_suffix(id15) == suffix.upper():
        return id15 + suffix.upper()
    if id15 in {id15.upper(), id15.lower()}:
        restored = _case_from_suffix(id15, suffix)
        if restored is not None:
            return restored + suffix.upper()
    expected = checksum_suffix(id15)
    raise ValueError(
        f"has the checksum suffix {suffix} but its first 15 characters give {expected} "
        "(a mistyped or altered id)"
    )


def normalise_account_id(value: str) -> str:
    """`normalise_id` for an Account id: it must also start with the Account prefix 001."""
    full = normalise_id(value)
    if not full.startswith(ACCOUNT_PREFIX):
        raise ValueError(f"is not an Account id (Account ids start with {ACCOUNT_PREFIX})")
    return full
