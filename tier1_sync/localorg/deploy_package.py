"""Reading a deploy's zip: package.xml, every file checked against the Metadata API schema,
and the components package.xml names, found in the files.

Problems become componentFailures (the shape Salesforce reports them in); nothing here
touches the org.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

from tier1_sync.localorg.deploy_result import DeployMessage
from tier1_sync.metadata.schema import MD_NS, metadata_schema
from tier1_sync.metadata.types import (
    CHILD_BY_ELEMENT,
    CHILD_BY_TYPE,
    CUSTOM_OBJECT,
    FOLDER_BY_NAME,
    FOLDER_BY_TYPE,
    OBJECT_SUFFIX,
    OBJECTS_FOLDER,
)

PACKAGE_XML = "package.xml"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


@dataclass
class PackageFile:
    zip_path: str  # as in the zip: the fileName of its components
    type_name: str  # CustomObject, PermissionSet, Layout, ...
    name: str  # Account, Tier1_AE, Account-Tier 1 Account Layout, ...
    data: bytes
    root: etree._Element | None = None  # set when the file passed the schema check


@dataclass(frozen=True)
class Component:
    """One component package.xml names: a file, or a child element of an .object file."""

    type_name: str
    full_name: str
    file: PackageFile
    element: etree._Element | None = None


@dataclass
class Package:
    path: str = PACKAGE_XML
    files: list[PackageFile] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    failures: list[DeployMessage] = field(default_factory=list)


class _Failures:
    def __init__(self, package: Package, now: str) -> None:
        self.package = package
        self.now = now

    def add(
        self, type_name: str, full_name: str, file_name: str, problem: str, line: int | None = None
    ) -> None:
        self.package.failures.append(
            DeployMessage(
                component_type=type_name,
                full_name=full_name,
                file_name=file_name,
                created_date=self.now,
                success=False,
                problem=problem,
                problem_type="Error",
                line_number=line,
                column_number=None if line is None else 1,
            )
        )


def read_package(data: bytes, now: str) -> Package:
    package = Package()
    failures = _Failures(package, now)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = {
            name: archive.read(name) for name in archive.namelist() if not name.endswith("/")
        }
    except (zipfile.BadZipFile, ValueError) as exc:
        failures.add("", PACKAGE_XML, PACKAGE_XML, f"The deploy is not a valid zip file: {exc}")
        return package
    manifests = sorted(
        (n for n in entries if PurePosixPath(n).name == PACKAGE_XML and n.count("/") <= 1),
        key=lambda n: n.count("/"),
    )
    if not manifests:
        failures.add("", PACKAGE_XML, PACKAGE_XML, "No package.xml found")
        return package
    package.path = manifests[0]
    prefix = package.path[: -len(PACKAGE_XML)]
    members = _read_manifest(entries[package.path], package.path, failures)
    for zip_path, content in sorted(entries.items()):
        if zip_path == package.path:
            continue
        if not zip_path.startswith(prefix):
            failures.add("", zip_path, zip_path, f"{zip_path} is outside the package folder")
            continue
        found = _classify(zip_path, zip_path[len(prefix) :], content, failures)
        if found is not None:
            _check_schema(found, failures)
            package.files.append(found)
    if members is not None:
        _select(package, members, failures)
    return package


def _read_manifest(data: bytes, zip_path: str, failures: _Failures) -> dict[str, list[str]] | None:
    problems = metadata_schema().check_bytes(data, zip_path)
    for problem in problems:
        failures.add("", PACKAGE_XML, zip_path, problem.message, problem.line)
    if problems:
        return None
    root = etree.fromstring(data, _PARSER)
    members: dict[str, list[str]] = {}
    for types in root.findall(f"{{{MD_NS}}}types"):
        type_name = (types.findtext(f"{{{MD_NS}}}name") or "").strip()
        names = [(m.text or "").strip() for m in types.findall(f"{{{MD_NS}}}members")]
        members.setdefault(type_name, []).extend(names)
    return members


def _classify(
    zip_path: str, relative: str, content: bytes, failures: _Failures
) -> PackageFile | None:
    path = PurePosixPath(relative)
    folder = path.parent.as_posix()
    if relative.startswith("destructiveChanges"):
        failures.add("", relative, zip_path, "The local org does not apply destructive changes.")
        return None
    if folder == OBJECTS_FOLDER and path.suffix == f".{OBJECT_SUFFIX}":
        return PackageFile(zip_path, CUSTOM_OBJECT, path.stem, content)
    folder_type = FOLDER_BY_NAME.get(folder)
    if folder_type is not None and path.suffix == f".{folder_type.suffix}":
        return PackageFile(zip_path, folder_type.type_name, path.stem, content)
    failures.add(
        "",
        path.stem,
        zip_path,
        f"The local org does not deploy {relative}: it deploys objects, permission sets, "
        "layouts, flexipages, tabs and applications.",
    )
    return None


def _check_schema(file: PackageFile, failures: _Failures) -> None:
    """Every file against the Metadata API schema; a problem inside an .object file is
    reported on the field (or list view, rule...) whose element holds that line."""
    problems = metadata_schema().check_bytes(file.data, file.zip_path)
    if not problems:
        root = etree.fromstring(file.data, _PARSER)
        if etree.QName(root).localname != file.type_name:
            failures.add(
                file.type_name,
                file.name,
                file.zip_path,
                f"Expected a <{file.type_name}> in {file.zip_path}, "
                f"found <{etree.QName(root).localname}>",
                1,
            )
            return
        file.root = root
        return
    starts = list(_child_lines(file)) if file.type_name == CUSTOM_OBJECT else []
    for problem in problems:
        type_name, full_name = file.type_name, file.name
        for line, child_type, child_name in starts:
            if line <= problem.line:
                type_name, full_name = child_type, f"{file.name}.{child_name}"
        failures.add(type_name, full_name, file.zip_path, problem.message, problem.line)


def _child_lines(file: PackageFile) -> Iterator[tuple[int, str, str]]:
    """(first line, type, name) of each named child of an .object file, in file order."""
    try:
        root = etree.fromstring(file.data, _PARSER)
    except etree.XMLSyntaxError:
        return
    for child in root:
        child_type = CHILD_BY_ELEMENT.get(etree.QName(child).localname)
        line = child.sourceline
        name = child.findtext(f"{{{MD_NS}}}fullName")
        if child_type is not None and isinstance(line, int) and name:
            yield line, child_type.type_name, name.strip()


def _children(file: PackageFile) -> Iterator[Component]:
    if file.root is None:
        return
    for child in file.root:
        child_type = CHILD_BY_ELEMENT.get(etree.QName(child).localname)
        name = (child.findtext(f"{{{MD_NS}}}fullName") or "").strip()
        if child_type is not None:
            yield Component(child_type.type_name, f"{file.name}.{name}", file, child)


def _select(package: Package, members: dict[str, list[str]], failures: _Failures) -> None:
    """The components package.xml names, each found in its file (or a failure)."""
    by_type: dict[str, dict[str, PackageFile]] = {}
    for file in package.files:
        by_type.setdefault(file.type_name, {})[file.name] = file
    objects = by_type.get(CUSTOM_OBJECT, {})
    children = {c.full_name: c for f in objects.values() for c in _children(f)}
    chosen: dict[tuple[str, str], Component] = {}

    def missing(type_name: str, name: str) -> None:
        failures.add(
            type_name,
            name,
            package.path,
            f"An object '{name}' of type {type_name} was named in package.xml, "
            "but was not found in zipped directory",
        )

    for type_name, names in members.items():
        if type_name == CUSTOM_OBJECT or type_name in FOLDER_BY_TYPE:
            files = by_type.get(type_name, {})
            for name in sorted(files) if "*" in names else names:
                if name not in files:
                    missing(type_name, name)
                elif files[name].root is not None:
                    chosen[(type_name, name)] = Component(type_name, name, files[name])
                    if type_name == CUSTOM_OBJECT:
                        for child in _children(files[name]):
                            chosen[(child.type_name, child.full_name)] = child
        elif type_name in CHILD_BY_TYPE:
            wanted = [c for c in children.values() if c.type_name == type_name]
            for name in [c.full_name for c in wanted] if "*" in names else names:
                found = children.get(name)
                object_file = objects.get(name.split(".", 1)[0])
                if found is not None and found.type_name == type_name:
                    chosen[(type_name, name)] = found
                elif object_file is None or object_file.root is not None:
                    missing(type_name, name)
        else:
            failures.add(
                type_name,
                type_name,
                package.path,
                f"The local org does not deploy {type_name} components.",
            )
    package.components = list(chosen.values())
