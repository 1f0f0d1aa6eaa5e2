from __future__ import annotations

from pathlib import Path

import pytest

from tier1_sync.metadata.schema import MetadataSchema, metadata_schema
from tier1_sync.metadata.source import SourceProject, load_source
from tier1_sync.model.ownership import Ownership, load_ownership

PROJECT_DIR = Path(__file__).resolve().parents[1]
SOURCE_DIR = PROJECT_DIR / "force-app" / "main" / "default"


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR


@pytest.fixture(scope="session")
def source_dir() -> Path:
    return SOURCE_DIR


@pytest.fixture(scope="session")
def source() -> SourceProject:
    return load_source(SOURCE_DIR)


@pytest.fixture(scope="session")
def ownership() -> Ownership:
    return load_ownership()


@pytest.fixture(scope="session")
def schema() -> MetadataSchema:
    return metadata_schema()
