"""`tier1 model`: the data dictionary by panel, read from the metadata files."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from tier1_sync.cli.options import JsonOption, ProjectDirOption
from tier1_sync.cli.output import console, print_json
from tier1_sync.metadata.source import load_source
from tier1_sync.model.dictionary import DataDictionary, build_dictionary
from tier1_sync.model.ownership import load_ownership
from tier1_sync.model.render import to_markdown, to_rich
from tier1_sync.project import find_project_dir, source_dir


class ModelFormat(StrEnum):
    text = "text"
    md = "md"
    json = "json"


def compute_dictionary(project_dir: ProjectDirOption = None) -> DataDictionary:
    folder = project_dir or find_project_dir()
    return build_dictionary(load_source(source_dir(folder)), load_ownership())


def model(
    output_format: Annotated[
        ModelFormat, typer.Option("--format", help="text (tables), md (Markdown) or json.")
    ] = ModelFormat.text,
    as_json: JsonOption = False,
    project_dir: ProjectDirOption = None,
) -> None:
    """Print the data dictionary: every field by panel, its type, owner and who can edit it."""
    dictionary = compute_dictionary(project_dir)
    if as_json or output_format is ModelFormat.json:
        print_json(dictionary)
    elif output_format is ModelFormat.md:
        sys.stdout.write(to_markdown(dictionary))
    else:
        console.print(to_rich(dictionary))
