"""The run's writes, planned chunk by chunk and kept on disk until they are applied.

A sync plans a few thousand accounts at a time (read → plan → spool, then the chunk is
dropped), so memory holds one chunk, not 100,000 accounts' worth of records and writes.
Each object's writes go to a JSON-lines file in the order they will be sent: sorted by
parent Account within a chunk, chunks in Account Id order. The spool keeps the counts the
report needs, the first writes of each object (with what the org held, for the dry run's
sample of changes) and, when asked, every change to watched fields (--verify-only's drift).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

from tier1_sync.sync.plan import Action, ObjectPlan, RecordWrite, SyncPlan

SAMPLE_WRITES = 10  # writes kept in memory per object, for the dry run's sample of changes
WATCH_LIMIT = 10_000  # watched changes kept (drift), at most


class Change(NamedTuple):
    """One field change of one record, for people (dry-run samples, drift)."""

    sobject: str
    key: str
    label: str
    action: str
    field: str
    old: Any
    new: Any


@dataclass(slots=True)
class SpooledObject:
    sobject: str
    key_field: str
    path: Path
    creates: int = 0
    updates: int = 0
    unchanged: int = 0
    fields: set[str] = dataclasses.field(default_factory=set)  # every field any write sends
    samples: list[RecordWrite] = dataclasses.field(default_factory=list)
    _file: IO[str] | None = None

    @property
    def writes(self) -> int:
        return self.creates + self.updates


class PlanSpool:
    """Append chunk plans with `add`; read each object's writes back with `writes`."""

    def __init__(
        self,
        directory: Path,
        *,
        watch: Mapping[str, tuple[str, ...]] | None = None,
        sample_writes: int = SAMPLE_WRITES,
    ) -> None:
        self.directory = directory
        self.objects: dict[str, SpooledObject] = {}
        self.watch = dict(watch or {})
        self.watched: list[Change] = []
        self._sample_writes = sample_writes

    def __enter__(self) -> PlanSpool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def total_writes(self) -> int:
        return sum(o.writes for o in self.objects.values())

    def add(self, plan: SyncPlan) -> None:
        """Spool one chunk's plan: its writes sorted by parent Account, then key."""
        for name, object_plan in plan.objects.items():
            spooled = self._object(object_plan)
            spooled.unchanged += object_plan.unchanged
            writes = sorted(object_plan.writes, key=lambda w: (w.parent_id or "", w.key))
            for write in writes:
                self._append(spooled, write)
                self._watch(name, write)

    def _object(self, object_plan: ObjectPlan) -> SpooledObject:
        found = self.objects.get(object_plan.sobject)
        if found is None:
            path = self.directory / f"{len(self.objects):02d}-{object_plan.sobject}.jsonl"
            found = SpooledObject(object_plan.sobject, object_plan.key_field, path)
            self.objects[object_plan.sobject] = found
        return found

    def _append(self, spooled: SpooledObject, write: RecordWrite) -> None:
        if write.action == "create":
            spooled.creates += 1
        else:
            spooled.updates += 1
        spooled.fields.update(write.values)
        if len(spooled.samples) < self._sample_writes:
            spooled.samples.append(write)
        if spooled._file is None:
            spooled._file = spooled.path.open("a", encoding="utf-8")
        line = [write.key, write.action, write.parent_id, write.label, write.create_only]
        spooled._file.write(json.dumps([*line, write.values], separators=(",", ":")) + "\n")

    def _watch(self, sobject: str, write: RecordWrite) -> None:
        fields = self.watch.get(sobject)
        if not fields or len(self.watched) >= WATCH_LIMIT:
            return
        for change in write.changes:
            if change.field in fields and len(self.watched) < WATCH_LIMIT:
                self.watched.append(Change(sobject, write.key, write.label, write.action, *change))

    def writes(self, sobject: str) -> Iterator[RecordWrite]:
        """The object's writes in the order they were spooled (without what the org held)."""
        spooled = self.objects[sobject]
        if spooled._file is not None:
            spooled._file.flush()
        if not spooled.path.exists():
            return
        with spooled.path.open(encoding="utf-8") as lines:
            for line in lines:
                key, action, parent_id, label, create_only, values = json.loads(line)
                yield RecordWrite(
                    sobject=sobject,
                    key_field=spooled.key_field,
                    key=key,
                    values=values,
                    action=_action(action),
                    create_only=tuple(create_only),
                    parent_id=parent_id,
                    label=label,
                )

    def sample_changes(self, per_object: int) -> Iterator[Change]:
        """The first `per_object` field changes of each object, old → new."""
        for name, spooled in self.objects.items():
            shown = 0
            for write in spooled.samples:
                for change in write.changes:
                    if shown >= per_object:
                        break
                    yield Change(name, write.key, write.label, write.action, *change)
                    shown += 1

    def close(self) -> None:
        for spooled in self.objects.values():
            if spooled._file is not None:
                spooled._file.close()
                spooled._file = None


def _action(value: str) -> Action:
    if value not in ("create", "update"):
        raise ValueError(f"unknown write action {value!r} in the spool")
    return "create" if value == "create" else "update"
