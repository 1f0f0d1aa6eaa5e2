"""The CLI tests use the local org fixtures."""

from tests.localorg.conftest import local_org, tls_dir

__all__ = ["local_org", "tls_dir"]
