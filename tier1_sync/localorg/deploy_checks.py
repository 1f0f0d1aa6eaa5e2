"""Checks that need the whole deploy in view: references between objects, roll-ups, formulas
the local org cannot evaluate (warnings), permission sets, layouts and tabs."""

from __future__ import annotations

from tier1_sync.localorg.deploy import Planner
from tier1_sync.localorg.deploy_package import Component
from tier1_sync.localorg.formula import FormulaUnsupported, parse_formula, to_sql
from tier1_sync.localorg.schema import FieldDef, SObjectDef
from tier1_sync.metadata.schema import MD_NS
from tier1_sync.metadata.source import read_permission_set

_ROLLUP_FILTERS = frozenset({"equals", "notEqual"})
_NOT_ENFORCED = "Not enforced by the local org ({reason}); Salesforce enforces it."


def check_plan(planner: Planner) -> None:
    for name, fields in planner.plan.deployed_fields.items():
        obj = planner.plan.objects[name.lower()]
        for field_name in fields:
            field_def = obj.field(field_name)
            if field_def is not None and field_def.custom:
                _check_field(planner, obj, field_def)
        for rule_name in planner.plan.deployed_rules.get(name, []):
            _check_rule(planner, obj, rule_name)
    for component in planner.package.components:
        if component.type_name == "PermissionSet":
            _check_permission_set(planner, component)
        elif component.type_name == "Layout":
            target = component.full_name.split("-", 1)[0]
            if planner.find(target) is None:
                planner.plan.fail("Layout", component.full_name, f"Entity '{target}' not found")
        elif (
            component.type_name == "CustomTab"
            and _is_object_tab(component)
            and planner.find(component.full_name) is None
        ):
            planner.plan.fail(
                "CustomTab", component.full_name, f"Entity '{component.full_name}' not found"
            )


def _check_field(planner: Planner, obj: SObjectDef, field_def: FieldDef) -> None:
    full_name = f"{obj.name}.{field_def.name}"
    for target in field_def.reference_to:
        if planner.find(target) is None:
            planner.plan.fail(
                "CustomField",
                full_name,
                f"Field {full_name} refers to the object {target}, which is neither in the org "
                "nor in this deploy",
            )
    if field_def.summary is not None:
        problem = _rollup_problem(planner, obj, field_def)
        if problem is not None:
            planner.plan.fail("CustomField", full_name, problem)
            return
        summary = field_def.summary
        ops = {operation for _, operation, _ in summary.filters}
        if summary.operation.lower() != "count" or not ops <= _ROLLUP_FILTERS:
            planner.plan.warn(
                "CustomField",
                full_name,
                f"The local org computes only COUNT roll-ups filtered by equals / notEqual; "
                f"queries of {full_name} fail there.",
            )
    if field_def.formula is not None:
        reason = _formula_problem(planner, obj, field_def.formula)
        if reason is not None:
            planner.plan.warn(
                "CustomField",
                full_name,
                f"Not computed by the local org ({reason}); queries of {full_name} fail there.",
            )


def _rollup_problem(planner: Planner, obj: SObjectDef, field_def: FieldDef) -> str | None:
    summary = field_def.summary
    assert summary is not None
    child = planner.find(summary.child_object)
    if child is None:
        return (
            f"The roll-up summary's object {summary.child_object} is neither in the org nor in "
            "this deploy: deploy it first or in the same package"
        )
    link = child.field(summary.foreign_key.split(".", 1)[1])
    if link is None or not link.is_master_detail or obj.name not in link.reference_to:
        return (
            f"{summary.foreign_key} is not a master-detail relationship to {obj.name}, "
            "so it cannot be rolled up"
        )
    for filter_field, _, _ in summary.filters:
        if child.field(filter_field.rsplit(".", 1)[-1]) is None:
            return f"The roll-up filter field {filter_field} does not exist"
    return None


def _check_rule(planner: Planner, obj: SObjectDef, rule_name: str) -> None:
    rule = next((r for r in obj.validation_rules if r[0] == rule_name), None)
    if rule is None:  # inactive: nothing to enforce
        return
    reason = _formula_problem(planner, obj, rule[1])
    if reason is not None:
        planner.plan.warn(
            "ValidationRule",
            f"{obj.name}.{rule_name}",
            _NOT_ENFORCED.format(reason=reason),
        )


def _formula_problem(planner: Planner, obj: SObjectDef, formula: str) -> str | None:
    today = planner.store.clock.today().isoformat()
    try:
        to_sql(parse_formula(formula), planner.store.column_resolver(obj, "t"), today)
    except FormulaUnsupported as exc:
        return str(exc)
    return None


def _check_permission_set(planner: Planner, component: Component) -> None:
    root = component.file.root
    assert root is not None
    perm_set = read_permission_set(component.full_name, root)
    planner.plan.permission_sets.append((component, perm_set))
    for name in perm_set.objects:
        if planner.find(name) is None:
            planner.plan.fail(
                "PermissionSet",
                component.full_name,
                f"In field: object - no CustomObject named {name} found",
            )
            return
    for name in perm_set.fields:
        object_name, _, field_name = name.partition(".")
        obj = planner.find(object_name)
        field_def = obj.field(field_name) if obj else None
        if field_def is None:
            problem = f"In field: field - no CustomField named {name} found"
        elif field_def.custom and _required(field_def):
            problem = f"You cannot deploy to a required field: {name}"
        else:
            continue
        planner.plan.fail("PermissionSet", component.full_name, problem)
        return


def _required(field_def: FieldDef) -> bool:
    """Required fields (master-detail, required=true) take no field permissions; checkboxes
    are never null but are not required."""
    return field_def.is_master_detail or (not field_def.nillable and field_def.type != "boolean")


def _is_object_tab(component: Component) -> bool:
    root = component.file.root
    value = root.findtext(f"{{{MD_NS}}}customObject") if root is not None else None
    return (value or "").strip() == "true"
