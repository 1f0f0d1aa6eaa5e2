"""Convert an SFDX source folder (force-app) into a Metadata API package, in Python.

This does what `sf project convert source --root-dir force-app` does for the types this
project uses: the decomposed files of each object (`objects/X/fields/F.field-meta.xml`, list
views, validation rules, compact layouts, ...) are merged back into one `objects/X.object`,
other files lose their `-meta.xml` suffix, and `package.xml` lists every member with the
project's `sourceApiVersion`. The merged `.object` files are written with their children in
Metadata API schema order; the other files are copied byte for byte, as the CLI does.
"""

from __future__ import annotations

import fnmatch
import io
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from tier1_sync.errors import ConfigError
from tier1_sync.metadata.schema import MD_NS, metadata_schema
from tier1_sync.metadata.types import (
    CHILD_BY_FOLDER,
    CUSTOM_OBJECT,
    FOLDER_BY_NAME,
    OBJECT_SUFFIX,
    OBJECTS_FOLDER,
    ChildType,
)

PROJECT_FILE = "sfdx-project.json"
IGNORE_FILE = ".forceignore"
_META = "-meta.xml"
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # fixed, so the same source always gives the same zip bytes


class ConvertError(ConfigError):
    """The source folder holds something the converter cannot turn into a package."""


@dataclass
class MetadataPackage:
    """A Metadata API package: file paths (posix, relative to the package root) to bytes."""

    api_version: str
    files: dict[str, bytes] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)

    def zip_bytes(self) -> bytes:
        """The package as a zip with its files at the root (what `singlePackage` expects)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(self.files):
                info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, self.files[path])
        return buffer.getvalue()

    def write(self, out_dir: Path) -> None:
        for relative, data in self.files.items():
            target = out_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


@dataclass
class _ObjectParts:
    meta: Path | None = None
    children: list[tuple[ChildType, str, Path]] = field(default_factory=list)


def convert_source(root_dir: Path, api_version: str | None = None) -> MetadataPackage:
    """Convert every source file under `root_dir` (a package directory such as force-app).

    `api_version` defaults to `sourceApiVersion` of the nearest sfdx-project.json above it.
    """
    root_dir = root_dir.resolve()
    if not root_dir.is_dir():
        raise ConvertError(f"{root_dir} is not a folder.", hint="Pass the force-app folder.")
    project_dir = _project_dir(root_dir)
    version = api_version or _source_api_version(project_dir)
    ignored = _ignore_patterns(project_dir or root_dir)
    package = MetadataPackage(api_version=version)
    objects: dict[str, _ObjectParts] = defaultdict(_ObjectParts)
    for path in sorted(root_dir.rglob(f"*{_META}")):
        relative = path.relative_to(project_dir or root_dir).as_posix()
        if _ignored(relative, ignored):
            continue
        _place(path, package, objects)
    for object_name in sorted(objects):
        parts = objects[object_name]
        package.files[f"{OBJECTS_FOLDER}/{object_name}.{OBJECT_SUFFIX}"] = merge_object(
            parts.meta, parts.children
        )
        if parts.meta is not None:
            _add_member(package, CUSTOM_OBJECT, object_name)
        for child_type, name, _ in parts.children:
            _add_member(package, child_type.type_name, f"{object_name}.{name}")
    package.files["package.xml"] = package_xml(package.members, version)
    return package


def _place(path: Path, package: MetadataPackage, objects: dict[str, _ObjectParts]) -> None:
    """Route one source file to its package file, or to the object it decomposes."""
    name = path.name[: -len(_META)]
    parent = path.parent
    if parent.parent.name == OBJECTS_FOLDER and name == f"{parent.name}.{OBJECT_SUFFIX}":
        objects[parent.name].meta = path
        return
    child_type = CHILD_BY_FOLDER.get(parent.name)
    if child_type is not None and parent.parent.parent.name == OBJECTS_FOLDER:
        suffix = f".{child_type.suffix}"
        if name.endswith(suffix):
            object_name = parent.parent.name
            objects[object_name].children.append((child_type, name[: -len(suffix)], path))
            return
    folder_type = FOLDER_BY_NAME.get(parent.name)
    if folder_type is not None and name.endswith(f".{folder_type.suffix}"):
        target = f"{folder_type.folder}/{name}"
        if target in package.files:
            raise ConvertError(f"{path}: a second {folder_type.type_name} named {name}.")
        package.files[target] = path.read_bytes()
        _add_member(package, folder_type.type_name, name[: -len(folder_type.suffix) - 1])
        return
    raise ConvertError(
        f"{path}: the converter does not know this kind of metadata.",
        hint="Supported: objects and their fields, list views, validation rules and compact "
        "layouts; permission sets, layouts, flexipages, tabs, applications.",
    )


def merge_object(meta: Path | None, children: list[tuple[ChildType, str, Path]]) -> bytes:
    """One `<CustomObject>`: the object-meta.xml content plus every child component, each
    child as an element named after its folder (`<fields>`, `<listViews>`, ...) that starts
    with its `<fullName>`; then everything sorted into Metadata API schema order."""
    root = _empty(CUSTOM_OBJECT)
    if meta is not None:
        meta_root = _parse(meta)
        _expect_root(meta, meta_root, CUSTOM_OBJECT)
        root.extend(child for child in meta_root if isinstance(child.tag, str))
    ordered = sorted(children, key=lambda c: (c[0].element, c[1].lower()))
    for child_type, name, path in ordered:
        source = _parse(path)
        _expect_root(path, source, child_type.type_name)
        element = etree.SubElement(root, f"{{{MD_NS}}}{child_type.element}")
        full_name = etree.SubElement(element, f"{{{MD_NS}}}fullName")
        full_name.text = name
        element.extend(
            c for c in source if isinstance(c.tag, str) and etree.QName(c).localname != "fullName"
        )
    metadata_schema().normalise(root, CUSTOM_OBJECT)
    return serialise(root)


def package_xml(members: dict[str, set[str]], api_version: str) -> bytes:
    """`package.xml` listing `members` per type, types and members in sorted order."""
    root = _empty("Package")
    for type_name in sorted(members):
        types = etree.SubElement(root, f"{{{MD_NS}}}types")
        for member in sorted(members[type_name]):
            etree.SubElement(types, f"{{{MD_NS}}}members").text = member
        etree.SubElement(types, f"{{{MD_NS}}}name").text = type_name
    etree.SubElement(root, f"{{{MD_NS}}}version").text = api_version
    return serialise(root)


def serialise(root: etree._Element) -> bytes:
    """XML as the project writes it: declaration, 4-space indentation, final newline."""
    etree.indent(root, space="    ")
    return _XML_DECLARATION + etree.tostring(root, encoding="UTF-8") + b"\n"


def _empty(type_name: str) -> etree._Element:
    """A root element with the metadata namespace as the default one (no prefix)."""
    return etree.fromstring(f'<{type_name} xmlns="{MD_NS}"/>')


def _add_member(package: MetadataPackage, type_name: str, member: str) -> None:
    names = package.members.setdefault(type_name, set())
    if member in names:
        raise ConvertError(f"Two source files define the {type_name} {member}.")
    names.add(member)


def _parse(path: Path) -> etree._Element:
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True)
    try:
        return etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise ConvertError(f"{path}: not well-formed XML: {exc.msg}") from None


def _expect_root(path: Path, root: etree._Element, type_name: str) -> None:
    qname = etree.QName(root)
    if qname.localname != type_name or qname.namespace != MD_NS:
        raise ConvertError(
            f"{path}: expected a <{type_name}> in {MD_NS}, found <{qname.localname}>."
        )


def _project_dir(start: Path) -> Path | None:
    for candidate in (start, *start.parents):
        if (candidate / PROJECT_FILE).is_file():
            return candidate
    return None


def _source_api_version(project_dir: Path | None) -> str:
    if project_dir is None:
        raise ConvertError(
            f"No {PROJECT_FILE} above the source folder, so no sourceApiVersion.",
            hint="Pass api_version, or convert a folder inside an SFDX project.",
        )
    settings = json.loads((project_dir / PROJECT_FILE).read_text(encoding="utf-8"))
    version = settings.get("sourceApiVersion")
    if not isinstance(version, str):
        raise ConvertError(f"{project_dir / PROJECT_FILE} has no sourceApiVersion.")
    return version


def _ignore_patterns(project_dir: Path) -> list[str]:
    path = project_dir / IGNORE_FILE
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith(("#", "!"))]


def _ignored(relative: str, patterns: list[str]) -> bool:
    """.forceignore, the gitignore subset it uses: a pattern without `/` matches a file name
    anywhere; one with `/` matches the path from the project folder (`**` spans folders)."""
    pure = PurePosixPath(relative)
    for pattern in patterns:
        if "/" not in pattern.rstrip("/"):
            if any(fnmatch.fnmatchcase(part, pattern.rstrip("/")) for part in pure.parts):
                return True
        elif fnmatch.fnmatchcase(relative, pattern.lstrip("/")) or fnmatch.fnmatchcase(
            relative, pattern.lstrip("/").removeprefix("**/")
        ):
            return True
    return False
