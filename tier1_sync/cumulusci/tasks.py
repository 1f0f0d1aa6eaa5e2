"""CumulusCI tasks over the code the `tier1` command line runs.

Each task declares its options as a pydantic model (`options_model`); the base class turns
CumulusCI's option values (strings from `cci task run -o`, YAML values from cumulusci.yml) into
that model with CumulusCI's own parsers, derives `task_options` (what `cci task info` shows)
from the model's field descriptions, and hands the subclass a `Connection` built from the
CumulusCI org. Our errors become CumulusCI's: a configuration problem is a usage error, a job
failure is a `CumulusCIFailure` (a deploy failure a `DeploymentException`).

Adding a task: write the options model, subclass `Tier1Task` with `options_model` set and a
`_run_tier1` that calls the same function as the CLI command.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any, ClassVar, Generic, TypeVar, cast

from cumulusci.core.exceptions import (
    CumulusCIFailure,
    CumulusCIUsageError,
    DeploymentException,
    TaskOptionsError,
)
from cumulusci.core.utils import process_bool_arg, process_list_arg
from cumulusci.tasks.salesforce import BaseSalesforceApiTask
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from tier1_sync.config import load_settings
from tier1_sync.errors import ConfigError, Tier1Error
from tier1_sync.salesforce.assign import PERMISSION_SETS, RoleName, assign_permission_set
from tier1_sync.salesforce.client import OrgClient
from tier1_sync.salesforce.connection import Connection
from tier1_sync.salesforce.deploy import DeployResult, deploy, failure_table
from tier1_sync.sync.report import write_report
from tier1_sync.sync.run import run_sync
from tier1_sync.sync.tier import run_tiering

# Options every CumulusCI task accepts; they are CumulusCI's, not ours.
CCI_SPECIAL_OPTIONS = frozenset({"debug_before", "debug_after", "no_prompt"})


def _bool(value: object) -> object:
    try:
        return bool(process_bool_arg(value))
    except TypeError as exc:  # pydantic reports ValueError, not TypeError, as bad input
        raise ValueError(str(exc)) from None


def _list(value: object) -> object:
    return [] if value is None or value == "" else process_list_arg(value)


CciBool = Annotated[bool, BeforeValidator(_bool)]
"""A boolean option: True/False, yes/no, 1/0, on/off, as CumulusCI reads them."""

CciList = Annotated[list[str], BeforeValidator(_list)]
"""A list option: a YAML list, or a comma-separated string as `-o roles ae,csm` gives."""


def task_options_from(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """CumulusCI's `task_options` (description, required, default) from a pydantic model."""
    options: dict[str, dict[str, Any]] = {}
    for name, field in model.model_fields.items():
        option: dict[str, Any] = {
            "description": field.description or "",
            "required": field.is_required(),
        }
        default = None if field.is_required() else field.get_default(call_default_factory=True)
        if default not in (None, [], ""):
            option["default"] = default
        options[name] = option
    return options


OptionsT = TypeVar("OptionsT", bound=BaseModel)


class Tier1Task(BaseSalesforceApiTask, Generic[OptionsT]):  # type: ignore[misc]
    """Base of the tier1 tasks: typed options, a tier1 `Connection`, our errors as CumulusCI's.

    Subclasses set `options_model` and implement `_run_tier1`; `self.parsed` holds the
    validated options and `self.connection` the org (CumulusCI's own simple-salesforce client).
    """

    options_model: ClassVar[type[BaseModel]]
    task_options: ClassVar[dict[str, dict[str, Any]]] = {}
    parsed: OptionsT
    connection: Connection

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "options_model" in cls.__dict__:
            cls.task_options = task_options_from(cls.options_model)

    def _init_options(self, kwargs: dict[str, Any]) -> None:
        super()._init_options(kwargs)
        values = {k: v for k, v in self.options.items() if k not in CCI_SPECIAL_OPTIONS}
        try:
            self.parsed = cast(OptionsT, self.options_model.model_validate(values))
        except ValidationError as exc:
            problems = ", ".join(
                f"'{'.'.join(str(p) for p in e['loc']) or '?'}': {e['msg']}" for e in exc.errors()
            )
            raise TaskOptionsError(f"Task Options Error: {problems}") from None

    def _init_class(self) -> None:
        """Called by CumulusCI once `self.sf` (logged in to the task's org) exists."""
        super()._init_class()
        self.connection = Connection(
            name=str(self.org_config.name or "cci"),
            auth="cci",
            sf=self.sf,
            instance_url=str(self.org_config.instance_url).rstrip("/"),
            username=self.org_config.username,
        )

    def _run_task(self) -> None:
        try:
            self._run_tier1()
        except ConfigError as exc:
            raise CumulusCIUsageError(_message(exc)) from None
        except Tier1Error as exc:
            raise CumulusCIFailure(_message(exc)) from None

    def _run_tier1(self) -> None:
        raise NotImplementedError

    def _project_dir(self, given: Path | None) -> Path:
        return given or Path(self.project_config.repo_root or Path.cwd())


def _message(exc: Tier1Error) -> str:
    return f"{exc.message} (Hint: {exc.hint})" if exc.hint else exc.message


class DeployOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    check_only: CciBool = Field(
        default=False, description="Validate the deploy in the org without saving anything."
    )
    project_dir: Path | None = Field(
        default=None,
        description="The folder holding sfdx-project.json and force-app "
        "(default: the CumulusCI project's root).",
    )


class Tier1Deploy(Tier1Task[DeployOptions]):
    """Deploys force-app as `tier1 deploy` does: our converter, no Salesforce CLI needed.

    A preflight first refuses fields that exist in the org with another type (nothing is
    half-applied); then the Metadata API deploy, polled until done. Return values: the
    `DeployResult` as a dict.
    """

    task_docs = inspect.cleandoc(__doc__ or "")
    options_model = DeployOptions

    def _run_tier1(self) -> None:
        folder = self._project_dir(self.parsed.project_dir)
        states: list[str] = []

        def log_state(state: str, done: int, total: int) -> None:
            if not states or states[-1] != state:
                states.append(state)
                self.logger.info(f"Deploy {state}: {done}/{total} components")

        result = deploy(
            self.connection, folder, check_only=self.parsed.check_only, on_progress=log_state
        )
        self.return_values = result.model_dump(mode="json")
        self._report(result)

    def _report(self, result: DeployResult) -> None:
        failure = failure_table(result)
        if failure is not None:
            raise DeploymentException(failure.as_text())
        verb = "Validated" if result.check_only else "Deployed"
        self.logger.info(
            f"{verb} {result.components_deployed} components to {result.org} "
            f"in {result.seconds:.1f}s (deploy {result.deploy_id})."
        )


def _roles(value: object) -> object:
    names = _list(value)
    return list(RoleName) if names == ["all"] else names


class AssignRolesOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: Annotated[list[RoleName], BeforeValidator(_roles)] = Field(
        min_length=1,
        description="The Tier 1 roles to give, comma-separated, or all: "
        + ", ".join(f"{role} ({PERMISSION_SETS[role]})" for role in RoleName)
        + ".",
    )
    users: CciList = Field(
        default_factory=list,
        description="Usernames to assign, comma-separated (default: the org's running user).",
    )


class Tier1AssignRoles(Tier1Task[AssignRolesOptions]):
    """Assigns the permission sets of Tier 1 roles to users, as `tier1 assign` does.

    Skips assignments a user already has. Return values: `assignments`, one entry per user
    and permission set with `created` false when it was already there.
    """

    task_docs = inspect.cleandoc(__doc__ or "")
    options_model = AssignRolesOptions

    def _run_tier1(self) -> None:
        users = self.parsed.users or [str(self.org_config.username)]
        assignments: list[dict[str, Any]] = []
        for user in users:
            for role in self.parsed.roles:
                permission_set = PERMISSION_SETS[role]
                created = assign_permission_set(self.connection.sf, user, permission_set)
                verb = "Assigned" if created else "Already assigned"
                self.logger.info(f"{verb} {permission_set} to {user}")
                assignments.append(
                    {"username": user, "permission_set": permission_set, "created": created}
                )
        self.return_values = {"assignments": assignments}


class SyncRunOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="The CS platform source: file, vitally, planhat, ...")
    path: Path | None = Field(default=None, description="For source file: the export folder.")
    dry_run: CciBool = Field(default=False, description="Show what would change; write nothing.")
    verify_only: CciBool = Field(
        default=False, description="Compare Panel 2 with the CS platform; fail on drift."
    )
    report: Path | None = Field(
        default=None, description="Write the JSON run report here (failed_rows.csv beside it)."
    )
    project_dir: Path | None = Field(
        default=None, description="The folder holding tier1.toml (default: the project root)."
    )


class Tier1SyncRun(Tier1Task[SyncRunOptions]):
    """Runs the sync as `tier1 sync` does: CS platform → match → plan → write → report.

    Settings come from the project's tier1.toml; secrets from the environment. Fails the
    task (as `tier1 sync` exits 1) when the run fails or shows drift. Return values: the
    run report as a dict.
    """

    task_docs = inspect.cleandoc(__doc__ or "")
    options_model = SyncRunOptions

    def _run_tier1(self) -> None:
        folder = self._project_dir(self.parsed.project_dir)
        settings = load_settings(None, folder)
        report = run_sync(
            self.connection,
            settings,
            self.parsed.source,
            path=self.parsed.path,
            dry_run=self.parsed.dry_run,
            verify_only=self.parsed.verify_only,
        )
        if self.parsed.report is not None:
            write_report(report, self.parsed.report)
        self.return_values = report.model_dump(mode="json")
        self.logger.info(
            f"{report.status}: {report.records_written} records written, "
            f"{report.records_failed} failed, {len(report.rejected)} input rows rejected, "
            f"{report.api_calls} API calls."
        )
        if report.exit_code:
            raise CumulusCIFailure(f"The sync ended {report.status}: " + "; ".join(report.notes))


class TierOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: CciBool = Field(
        default=False, description="List who would enter and leave Tier 1, and why."
    )
    force: CciBool = Field(default=False, description="Apply even above the Tier 1 cap.")
    project_dir: Path | None = Field(
        default=None, description="The folder holding tier1.toml (default: the project root)."
    )


class Tier1Tier(Tier1Task[TierOptions]):
    """Designates Tier 1 as `tier1 tier` does: top ARR share, strategic designations,
    approved unexpired risk overrides; refuses above the cap unless `force`. Return values:
    the tiering report as a dict.
    """

    task_docs = inspect.cleandoc(__doc__ or "")
    options_model = TierOptions

    def _run_tier1(self) -> None:
        settings = load_settings(None, self._project_dir(self.parsed.project_dir))
        client = OrgClient(self.connection.sf, budget_share=settings.sync.api_budget_share)
        report = run_tiering(
            client,
            self.connection.name,
            settings.rules,
            settings.sync,
            dry_run=self.parsed.dry_run,
            force=self.parsed.force,
        )
        self.return_values = report.model_dump(mode="json")
        summary = report.tiering
        if summary is not None:
            self.logger.info(
                f"{report.status}: Tier 1 is {summary.tier1} of {summary.accounts} accounts "
                f"({summary.share_pct}%); {len(summary.entering)} entering, "
                f"{len(summary.leaving)} leaving."
            )
        for note in report.notes:
            self.logger.info(note)
        if report.exit_code:
            raise CumulusCIFailure(
                f"Tier 1 designation ended {report.status}: " + "; ".join(report.notes)
            )
