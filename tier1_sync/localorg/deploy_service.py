"""Running Metadata API deploys: each in a worker thread, its result kept in the org.

`DeployService.start` answers at once with a Pending result (the deploy id); the worker
moves it to InProgress, then Succeeded or Failed. Results are stored (`_kv` kind "deploy"),
so checkDeployStatus still answers after the org restarts; a deploy the restart interrupted
reports Failed.
"""

from __future__ import annotations

import sqlite3
import threading

from tier1_sync.localorg.deploy import METADATA_KIND, Plan, Planner, component_key
from tier1_sync.localorg.deploy_checks import check_plan
from tier1_sync.localorg.deploy_package import PACKAGE_XML, Package, read_package
from tier1_sync.localorg.deploy_result import (
    FAILED,
    IN_PROGRESS,
    SUCCEEDED,
    DeployMessage,
    DeployOptions,
    DeployResult,
    metadata_datetime,
)
from tier1_sync.localorg.ids import looks_like_id, to_18
from tier1_sync.localorg.store import Store
from tier1_sync.metadata.types import CUSTOM_OBJECT, package_path

DEPLOY_KIND = "deploy"
DEPLOY_ID_PREFIX = "0Af"


class ApplyFailed(Exception):
    def __init__(self, object_name: str, message: str) -> None:
        super().__init__(message)
        self.object_name = object_name
        self.message = message


class Deployer:
    """One deploy, start to finish, on the calling thread."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def now(self) -> str:
        return metadata_datetime(self.store.clock.now())

    def deploy(self, data: bytes, result: DeployResult) -> None:
        now = self.now()
        package = read_package(data, now)
        with self.store.lock:  # plan against a schema nobody changes meanwhile
            planner = Planner(self.store, package)
            plan = planner.run()
            check_plan(planner)
            successes, failures = _messages(plan, package, now)
            if not failures and not result.options.check_only:
                try:
                    self._apply(plan)
                except ApplyFailed as exc:
                    failures.append(_apply_failure(plan, exc, now))
        result.successes, result.failures = successes, failures
        result.components_total = len(plan.outcomes) + len(package.failures)
        result.component_errors = len(failures)
        result.components_deployed = 0 if failures else len(plan.outcomes)
        result.status = FAILED if failures else SUCCEEDED

    def _apply(self, plan: Plan) -> None:
        store = self.store
        previous = {name: store.schema.find(name) for name in plan.objects}
        try:
            with store.transaction():
                # New objects first: the fields and roll-ups of the others may refer to them.
                for key in sorted(plan.objects, key=lambda k: (k not in plan.new_objects, k)):
                    obj = plan.objects[key]
                    if not obj.key_prefix:
                        obj.key_prefix = store.new_key_prefix()
                    try:
                        store.deploy_object(obj)
                    except sqlite3.Error as exc:
                        raise ApplyFailed(
                            obj.name, f"The local org could not change {obj.name}: {exc}"
                        ) from exc
                for _, perm_set in plan.permission_sets:
                    store.save_permission_set(perm_set)
                for outcome in plan.outcomes.values():
                    store.kv_put(METADATA_KIND, component_key(outcome.component), outcome.text)
        except BaseException:
            for name, before in previous.items():
                if before is None:
                    store.schema.remove(name)
                else:
                    store.schema.put(before)
            raise


def _messages(
    plan: Plan, package: Package, now: str
) -> tuple[list[DeployMessage], list[DeployMessage]]:
    successes: list[DeployMessage] = []
    failures = list(package.failures)
    if not any(f.full_name == PACKAGE_XML for f in failures):
        successes.append(
            DeployMessage(
                component_type="",
                full_name=PACKAGE_XML,
                file_name=package.path,
                created_date=now,
                success=True,
                changed=True,
            )
        )
    for outcome in plan.outcomes.values():
        component = outcome.component
        message = DeployMessage(
            component_type=component.type_name,
            full_name=component.full_name,
            file_name=component.file.zip_path,
            created_date=now,
            success=outcome.error is None,
            created=outcome.error is None and outcome.created,
            changed=outcome.error is None and outcome.changed,
            problem=outcome.error or outcome.warning,
        )
        if outcome.error is not None:
            message.problem_type = "Error"
            failures.append(message)
        else:
            message.problem_type = "Warning" if outcome.warning else None
            successes.append(message)
    return successes, failures


def _apply_failure(plan: Plan, exc: ApplyFailed, now: str) -> DeployMessage:
    file_name = next(
        (
            o.component.file.zip_path
            for o in plan.outcomes.values()
            if o.component.file.name == exc.object_name
        ),
        package_path(CUSTOM_OBJECT, exc.object_name),
    )
    return DeployMessage(
        component_type=CUSTOM_OBJECT,
        full_name=exc.object_name,
        file_name=file_name,
        created_date=now,
        success=False,
        problem=exc.message,
        problem_type="Error",
    )


class DeployService:
    """Starts deploys and answers for them, live or stored."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._live: dict[str, DeployResult] = {}
        self._lock = threading.Lock()

    def start(self, data: bytes, options: DeployOptions, user_id: str) -> DeployResult:
        now = metadata_datetime(self.store.clock.now())
        with self.store.transaction():
            user = self.store.row(self.store.schema.get("User"), user_id) or {}
            result = DeployResult(
                id=self.store.ids.new(DEPLOY_ID_PREFIX),
                options=options,
                created_by=user_id[:15],
                created_by_name=str(user.get("Name") or ""),
                created_date=now,
                last_modified_date=now,
            )
            self.store.kv_put(DEPLOY_KIND, result.id, result.model_dump(mode="json"))
        with self._lock:
            self._live[result.id] = result
        worker = threading.Thread(
            target=self._run,
            args=(result.model_copy(deep=True), data),
            name=f"tier1-deploy-{result.id}",
            daemon=True,
        )
        worker.start()
        return result

    def status(self, deploy_id: str) -> DeployResult | None:
        if not looks_like_id(deploy_id) or not deploy_id.startswith(DEPLOY_ID_PREFIX):
            return None
        deploy_id = to_18(deploy_id)
        with self._lock:
            live = self._live.get(deploy_id)
        if live is not None:
            return live.model_copy(deep=True)
        stored = self.store.kv_get(DEPLOY_KIND, deploy_id)
        if stored is None:
            return None
        result = DeployResult.model_validate(stored)
        if not result.done:  # the org stopped while this deploy ran
            result.status = FAILED
            result.error_status_code = "UNKNOWN_EXCEPTION"
            result.error_message = "The local org stopped before this deploy finished."
            self.store.kv_put(DEPLOY_KIND, result.id, result.model_dump(mode="json"))
        return result

    def _publish(self, result: DeployResult) -> None:
        with self._lock:
            self._live[result.id] = result.model_copy(deep=True)

    def _run(self, result: DeployResult, data: bytes) -> None:
        deployer = Deployer(self.store)
        result.status = IN_PROGRESS
        result.start_date = result.last_modified_date = deployer.now()
        self._publish(result)
        try:
            deployer.deploy(data, result)
        except Exception as exc:  # reported as the deploy's own error, as Salesforce does
            result.status = FAILED
            result.error_status_code = "UNKNOWN_EXCEPTION"
            result.error_message = f"An unexpected error occurred in the local org: {exc!r}"
        result.completed_date = result.last_modified_date = deployer.now()
        self.store.kv_put(DEPLOY_KIND, result.id, result.model_dump(mode="json"))
        with self._lock:
            self._live.pop(result.id, None)
