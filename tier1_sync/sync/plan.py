"""Plan only the changes: read what the org holds, compare field by field, keep the differences.

A plan is a list of writes per object. Every write names the record (Id or external id
key), the values to send, and the field changes old → new; unchanged records are counted,
not written. `guard_owned` refuses any write to a field the sync does not own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from tier1_sync.errors import JobFailed
from tier1_sync.model.ownership import Ownership

Action = Literal["create", "update"]
# Fields a create must carry that field-level security does not govern.
_ALWAYS_WRITABLE = {"Name"}


class FieldChange(NamedTuple):
    """One field's old and new value (a tuple: plans hold millions of them at 100k accounts)."""

    field: str
    old: Any = None
    new: Any = None


@dataclass(slots=True)
class RecordWrite:
    sobject: str
    key_field: str  # "Id" (update by id) or the external id field (upsert)
    key: str
    values: dict[str, Any]  # what is sent: the changed fields, create-only and touch values
    action: Action
    current: dict[str, Any] | None = None  # what the org holds (shared, not copied)
    create_only: tuple[str, ...] = ()  # fields sent only because this is a create
    parent_id: str | None = None  # the Account, to sort children and limit lock contention
    label: str = ""  # for people: the CS account key, the flag title, ...

    @property
    def changes(self) -> list[FieldChange]:
        """Field changes old → new, worked out when asked (a plan holds 100,000s of writes)."""
        current = self.current
        return [
            FieldChange(field, None if current is None else jsonable(current.get(field)), new)
            for field, new in self.values.items()
            if field not in self.create_only
        ]

    def desired(self, touch: dict[str, Any] | None) -> dict[str, Any]:
        """The values this write was planned with, less create-only and touch values."""
        return {
            field: value
            for field, value in self.values.items()
            if field not in self.create_only and field not in (touch or {})
        }


@dataclass(slots=True)
class _Planned:
    """Everything a record was planned with, so a later step can merge into its write.

    What it wanted is its write's values (fields equal to what the org holds need no
    remembering: a merge compares with `current` again).
    """

    current: dict[str, Any] | None
    create_only: dict[str, Any] | None
    touch: dict[str, Any] | None
    parent_id: str | None
    label: str
    write: RecordWrite | None


@dataclass(slots=True)
class ObjectPlan:
    sobject: str
    key_field: str
    unchanged: int = 0
    _writes: dict[str, RecordWrite] = dataclasses.field(default_factory=dict)  # by key, lower case
    _planned: dict[str, _Planned] = dataclasses.field(default_factory=dict)  # by key, lower case

    @property
    def writes(self) -> list[RecordWrite]:
        """The writes in planning order (a merge keeps a record's first position)."""
        return list(self._writes.values())

    @property
    def creates(self) -> int:
        return sum(1 for w in self._writes.values() if w.action == "create")

    @property
    def updates(self) -> int:
        return sum(1 for w in self._writes.values() if w.action == "update")


@dataclass(slots=True)
class SyncPlan:
    objects: dict[str, ObjectPlan] = dataclasses.field(default_factory=dict)

    def object(self, sobject: str, key_field: str) -> ObjectPlan:
        found = self.objects.get(sobject)
        if found is None:
            found = self.objects[sobject] = ObjectPlan(sobject=sobject, key_field=key_field)
        return found

    @property
    def total_writes(self) -> int:
        return sum(len(p._writes) for p in self.objects.values())

    def desired(self, sobject: str, key: str) -> dict[str, Any]:
        """The values planned for a record so far (empty if it was not planned)."""
        object_plan = self.objects.get(sobject)
        planned = None if object_plan is None else object_plan._planned.get(key.lower())
        if planned is None or planned.write is None:
            return {}
        return planned.write.desired(planned.touch)


def canonical(value: Any) -> Any:
    """One form per value, so 82 == 82.0 and date(2024, 5, 1) == "2024-05-01"."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def diff(current: dict[str, Any] | None, desired: dict[str, Any]) -> list[FieldChange]:
    """Field changes needed to turn `current` into `desired` (all of them for a new record)."""
    changes = []
    for field, new in desired.items():
        old = None if current is None else current.get(field)
        if current is None or canonical(old) != canonical(new):
            changes.append(FieldChange(field=field, old=jsonable(old), new=jsonable(new)))
    return changes


def plan_record(
    plan: SyncPlan,
    sobject: str,
    key_field: str,
    key: str,
    desired: dict[str, Any],
    current: dict[str, Any] | None,
    *,
    parent_id: str | None = None,
    label: str = "",
    create_only: dict[str, Any] | None = None,
    touch: dict[str, Any] | None = None,
) -> RecordWrite | None:
    """Add a write for this record if anything differs; count it unchanged otherwise.

    `create_only` values go only into creates (e.g. the master-detail Account__c);
    `touch` values ride along with any write (e.g. Tier1_Last_Synced__c).
    Planning the same record again (the health step, then tiering, then the engagement
    timeline) merges into its one write: the later step's value wins field by field, so a
    record is never written twice in one run.
    """
    object_plan = plan.object(sobject, key_field)
    slot = key.lower()
    earlier = object_plan._planned.get(slot)
    if earlier is not None:
        if earlier.write is not None:
            desired = {**earlier.write.desired(earlier.touch), **desired}
        if earlier.current is not None:
            current = {**(current or {}), **earlier.current}
        create_only = {**(earlier.create_only or {}), **(create_only or {})}
        touch = {**(earlier.touch or {}), **(touch or {})}
        parent_id = earlier.parent_id or parent_id
        label = earlier.label or label
        if earlier.write is None:
            object_plan.unchanged -= 1
    write = _write_for(
        sobject, key_field, key, desired, current, parent_id, label, create_only, touch
    )
    object_plan._planned[slot] = _Planned(
        current=current,
        create_only=create_only,
        touch=touch,
        parent_id=parent_id,
        label=label,
        write=write,
    )
    if write is None:
        object_plan.unchanged += 1
        object_plan._writes.pop(slot, None)
    else:
        object_plan._writes[slot] = write
    return write


def _write_for(
    sobject: str,
    key_field: str,
    key: str,
    desired: dict[str, Any],
    current: dict[str, Any] | None,
    parent_id: str | None,
    label: str,
    create_only: dict[str, Any] | None,
    touch: dict[str, Any] | None,
) -> RecordWrite | None:
    values = {c.field: c.new for c in diff(current, desired)}
    if not values:
        return None
    action: Action = "create" if current is None else "update"
    fixed: tuple[str, ...] = ()
    if action == "create" and create_only:
        fixed = tuple(name for name in create_only if name not in values)
        values.update({name: jsonable(create_only[name]) for name in fixed})
    for name, value in (touch or {}).items():
        values[name] = jsonable(value)
    return RecordWrite(
        sobject=sobject,
        key_field=key_field,
        key=key,
        values=values,
        action=action,
        current=current,
        create_only=fixed,
        parent_id=parent_id,
        label=label,
    )


def stamp(now: dt.datetime) -> dict[str, Any]:
    """Tier1_Last_Synced__c, the `touch` value that rides along with every Account write."""
    return {"Tier1_Last_Synced__c": now.strftime("%Y-%m-%dT%H:%M:%S.000Z")}


def guard_owned(plan: SyncPlan, ownership: Ownership) -> None:
    """Production data is sacred: refuse any write to a field the integration does not own."""
    owned = {name.lower() for name in ownership.fields_owned_by("Integration")}
    for object_plan in plan.objects.values():
        for write in object_plan.writes:
            for field in write.values:
                full = f"{write.sobject}.{field}".lower()
                if full in owned or field in _ALWAYS_WRITABLE or field == write.key_field:
                    continue
                raise JobFailed(
                    f"Refusing to write {write.sobject}.{field}: the sync does not own it.",
                    hint="Fields the sync may write are the Integration ones in ownership.toml.",
                )
