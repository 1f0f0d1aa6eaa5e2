"""Connectors are found through the `tier1_sync.sources` entry points."""

from __future__ import annotations

from pathlib import Path

import pytest

from tier1_sync.config import Settings
from tier1_sync.errors import ConfigError
from tier1_sync.sources.base import SourceOptions, available_sources, load_connector
from tier1_sync.sources.file import FileSource
from tier1_sync.sources.planhat import PlanhatSource
from tier1_sync.sources.vitally import VitallySource

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "cs-export"


def test_the_three_connectors_are_registered() -> None:
    assert {"file", "vitally", "planhat"} <= set(available_sources())


def test_load_connector_builds_the_file_source() -> None:
    connector = load_connector("file", SourceOptions(path=SAMPLE))
    assert isinstance(connector, FileSource)
    assert connector.name == "file"
    assert connector.read().source == "File"


def test_load_connector_builds_the_api_sources() -> None:
    env = {"VITALLY_API_TOKEN": "x", "PLANHAT_API_TOKEN": "y"}
    assert isinstance(load_connector("vitally", SourceOptions(env=env)), VitallySource)
    assert isinstance(load_connector("planhat", SourceOptions(env=env)), PlanhatSource)


def test_an_unknown_source_is_a_configuration_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="Unknown source 'gainsight'") as caught:
        load_connector("gainsight", SourceOptions())
    assert caught.value.exit_code == 2
    assert "file, planhat, vitally" in (caught.value.hint or "")


def test_sources_tables_in_tier1_toml_reach_the_connector() -> None:
    settings = Settings.model_validate(
        {"sources": {"vitally": {"base_url": "https://acme.rest.vitally.io", "max_attempts": 3}}}
    )
    options = SourceOptions(settings=settings.sources["vitally"], env={"VITALLY_API_TOKEN": "x"})
    connector = load_connector("vitally", options)
    assert isinstance(connector, VitallySource)
    assert connector.settings.base_url == "https://acme.rest.vitally.io"
    assert connector.settings.max_attempts == 3
