"""Validate metadata XML against the Metadata API schema that simple-salesforce ships.

`simple_salesforce/metadata.wsdl` (API 63.0) holds every Metadata API type as an XSD
complex type, but no root elements for them and only `xsd:sequence` content models.
Salesforce itself accepts child elements in any order, so before validating we sort each
element's children into the order of its type's sequence; what is left wrong after that
(a misspelt element, a bad enum value, a missing required element) is a real problem.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import cast

from lxml import etree

MD_NS = "http://soap.sforce.com/2006/04/metadata"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
_XSD = f"{{{XSD_NS}}}"
_NSMAP = {"xsd": XSD_NS, "tns": MD_NS}


@dataclass(frozen=True)
class SchemaProblem:
    """One thing wrong with one metadata file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class _Child:
    index: int
    type_name: str | None  # None for XSD built-in types (no children to order)


class MetadataSchema:
    """The Metadata API schema, ready to check files written in any element order."""

    def __init__(self, wsdl_path: Path) -> None:
        wsdl = etree.parse(str(wsdl_path))
        found = wsdl.find(f"{{{WSDL_NS}}}types/{_XSD}schema")
        if found is None:
            raise ValueError(f"{wsdl_path} has no <types><xsd:schema> section")
        # A fresh root that declares the `tns` prefix the types use (it lives on <definitions>).
        schema_el = etree.Element(f"{_XSD}schema", attrib=dict(found.attrib), nsmap=_NSMAP)
        schema_el.extend(copy.deepcopy(child) for child in found)
        self.api_version = _api_version(wsdl_path)
        self._children: dict[str, dict[str, _Child]] = {}
        self._bases: dict[str, str] = {}
        declared = {el.get("name") for el in schema_el.findall(f"{_XSD}element")}
        for complex_type in schema_el.findall(f"{_XSD}complexType"):
            name = complex_type.get("name")
            if name is None:
                continue
            self._read_type(name, complex_type)
            if name not in declared:
                root = etree.SubElement(schema_el, f"{_XSD}element")
                root.set("name", name)
                root.set("type", f"tns:{name}")
        self.type_names = frozenset(self._children)
        self._schema = etree.XMLSchema(schema_el)

    def _read_type(self, name: str, complex_type: etree._Element) -> None:
        extension = complex_type.find(f"{_XSD}complexContent/{_XSD}extension")
        sequence_parent = complex_type if extension is None else extension
        if extension is not None:
            self._bases[name] = _local(extension.get("base", ""))
        own: dict[str, _Child] = {}
        for i, el in enumerate(sequence_parent.findall(f"{_XSD}sequence/{_XSD}element")):
            type_ref = el.get("type", "")
            type_name = None if type_ref.startswith("xsd:") else _local(type_ref)
            own[el.get("name", "")] = _Child(i, type_name)
        self._children[name] = own

    def child_order(self, type_name: str) -> dict[str, _Child]:
        """Children of a type in schema order, base type's first (as XSD extension does)."""
        chain = [type_name]
        while chain[-1] in self._bases:
            chain.append(self._bases[chain[-1]])
        ordered: dict[str, _Child] = {}
        for level in reversed(chain):
            for child_name, child in self._children.get(level, {}).items():
                ordered[child_name] = _Child(len(ordered), child.type_name)
        return ordered

    def normalise(self, element: etree._Element, type_name: str) -> None:
        """Sort `element`'s children, recursively, into the order the schema's sequences want."""
        order = self.child_order(type_name)
        children = [c for c in element if isinstance(c.tag, str)]
        unknown = len(order)

        def position(child: etree._Element) -> int:
            found = order.get(etree.QName(child).localname)
            return unknown if found is None else found.index

        element[:] = sorted(children, key=position)
        for child in element:
            found = order.get(etree.QName(child).localname)
            if found is not None and found.type_name in self._children:
                self.normalise(child, found.type_name)

    def check_tree(self, tree: etree._ElementTree, path: str) -> list[SchemaProblem]:
        root = tree.getroot()
        qname = etree.QName(root)
        if qname.namespace != MD_NS:
            return [SchemaProblem(path, _source_line(root), f"root element must be in {MD_NS}")]
        if qname.localname not in self.type_names:
            return [
                SchemaProblem(
                    path, _source_line(root), f"<{qname.localname}> is not a Metadata API type"
                )
            ]
        document = copy.deepcopy(tree)
        self.normalise(document.getroot(), qname.localname)
        if self._schema.validate(document):
            return []
        return [
            SchemaProblem(path, error.line, error.message.replace(f"{{{MD_NS}}}", ""))
            for error in cast("Iterable[etree._LogEntry]", self._schema.error_log)
        ]

    def check_file(self, path: Path, display: str | None = None) -> list[SchemaProblem]:
        name = display or str(path)
        try:
            tree = etree.parse(str(path))
        except etree.XMLSyntaxError as exc:
            return [SchemaProblem(name, _line(exc), f"not well-formed XML: {exc.msg}")]
        return self.check_tree(tree, name)

    def check_bytes(self, data: bytes, display: str) -> list[SchemaProblem]:
        try:
            tree = etree.ElementTree(etree.fromstring(data))
        except etree.XMLSyntaxError as exc:
            return [SchemaProblem(display, _line(exc), f"not well-formed XML: {exc.msg}")]
        return self.check_tree(tree, display)


def _source_line(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) else 1


def _line(exc: etree.XMLSyntaxError) -> int:
    line = getattr(exc, "lineno", None)
    return line if isinstance(line, int) else 1


def _local(qualified: str) -> str:
    return qualified.rpartition(":")[2]


def _api_version(wsdl_path: Path) -> str:
    with wsdl_path.open(encoding="utf-8") as handle:
        head = handle.read(400)
    marker = "Metadata API version "
    start = head.find(marker)
    if start < 0:
        return "unknown"
    return head[start + len(marker) :].split()[0]


def shipped_wsdl() -> Path:
    """The metadata.wsdl inside the installed simple-salesforce package."""
    return Path(str(resources.files("simple_salesforce").joinpath("metadata.wsdl")))


@functools.cache
def metadata_schema() -> MetadataSchema:
    """The schema from simple-salesforce's WSDL, compiled once per process."""
    return MetadataSchema(shipped_wsdl())


def check_tree_files(root: Path) -> list[SchemaProblem]:
    """Validate every `*-meta.xml` file under `root`."""
    schema = metadata_schema()
    problems: list[SchemaProblem] = []
    for path in sorted(root.rglob("*-meta.xml")):
        problems.extend(schema.check_file(path, str(path.relative_to(root.parent))))
    return problems
