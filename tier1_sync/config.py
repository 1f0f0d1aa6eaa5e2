"""`tier1.toml`: org connections (and, later, sync and rule settings), validated by pydantic.

Secrets never live here: they come from the environment (see `salesforce/credentials.py`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tier1_sync.errors import ConfigError
from tier1_sync.rules.settings import RuleSettings
from tier1_sync.sync.settings import SyncSettings

CONFIG_FILE = "tier1.toml"
LOCAL = "local"
AuthKind = Literal["jwt", "client_credentials", "access_token", "cci", "local"]


class OrgConfig(BaseModel):
    """One `[orgs.NAME]` entry."""

    model_config = ConfigDict(extra="forbid")

    auth: AuthKind
    username: str | None = Field(
        default=None, description="jwt: the integration user (else SF_USERNAME)"
    )
    instance_url: str | None = Field(
        default=None,
        description="jwt: My Domain prefix such as 'acme.my'; access_token: the full URL",
    )
    domain: Literal["login", "test"] | None = Field(
        default=None, description="jwt: login (production) or test (sandbox); else SF_LOGIN_URL"
    )
    my_domain: str | None = Field(
        default=None, description="client_credentials: My Domain prefix such as 'acme.my'"
    )
    cci_org: str | None = Field(default=None, description="cci: the org name in the keychain")
    api_version: str = "63.0"
    integration_user: str | None = Field(
        default=None,
        description="Username the scheduled sync runs as (tier1 doctor checks its access); "
        "default: the user this connection logs in as",
    )

    @model_validator(mode="after")
    def _fits_the_auth(self) -> OrgConfig:
        if self.auth == "client_credentials" and self.my_domain in {"login", "test"}:
            raise ValueError("client_credentials needs your My Domain, not login or test")
        return self


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    orgs: dict[str, OrgConfig] = Field(default_factory=dict)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    rules: RuleSettings = Field(default_factory=RuleSettings)
    sources: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="[sources.NAME]: settings each connector validates"
    )
    source: Path | None = Field(default=None, exclude=True)

    def org(self, name: str) -> OrgConfig:
        if name == LOCAL and LOCAL not in self.orgs:
            return OrgConfig(auth="local")
        found = self.orgs.get(name)
        if found is None:
            known = ", ".join(sorted({*self.orgs, LOCAL}))
            where = self.source or CONFIG_FILE
            raise ConfigError(
                f"No org named '{name}' in {where}.",
                hint=f"Known orgs: {known}. Add an [orgs.{name}] table to {CONFIG_FILE}.",
            )
        return found


def load_settings(path: Path | None = None, project_dir: Path | None = None) -> Settings:
    """Read tier1.toml (explicit path, else the project folder's, else defaults)."""
    candidate = path or (project_dir or Path.cwd()) / CONFIG_FILE
    if not candidate.exists():
        if path is not None:
            raise ConfigError(f"{path} does not exist.")
        return Settings()
    try:
        data = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{candidate}: {exc}") from None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ConfigError(f"{candidate}: {where}: {problem['msg']}") from None
    settings.source = candidate
    return settings
