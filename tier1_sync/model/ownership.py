"""Who owns which field: the ownership table of SPEC §2 / §3.1, kept in ownership.toml.

The permission sets implement this table (a test holds them to it), the data dictionary
prints it, and the sync writes only the fields it gives to `Integration`.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Literal

from pydantic import BaseModel

Role = Literal["AE", "CSM", "CS_Lead", "RevOps", "Integration"]
ROLES: tuple[Role, ...] = ("AE", "CSM", "CS_Lead", "RevOps", "Integration")


def permission_set_name(role: Role) -> str:
    return f"Tier1_{role}"


class Ownership(BaseModel):
    """Field full name (`Object.Field`) → owning roles; custom object → panel number."""

    panels: dict[str, int]
    owners: dict[str, tuple[Role, ...]]

    def fields_owned_by(self, role: Role) -> set[str]:
        return {name for name, roles in self.owners.items() if role in roles}

    def owners_of(self, full_name: str) -> tuple[Role, ...]:
        return self.owners.get(full_name, ())


def parse_ownership(text: str) -> Ownership:
    data = tomllib.loads(text)
    panels = data.pop("panels", {})
    owners = {
        f"{object_name}.{field_name}": tuple(roles)
        for object_name, fields in data.items()
        for field_name, roles in fields.items()
    }
    return Ownership.model_validate({"panels": panels, "owners": owners})


def load_ownership() -> Ownership:
    text = resources.files("tier1_sync.model").joinpath("ownership.toml").read_text("utf-8")
    return parse_ownership(text)
