"""Sync tests run against a local org with force-app deployed."""

from tests.localorg.conftest import deployed_org, force_app_zip, local_org, tls_dir

__all__ = ["deployed_org", "force_app_zip", "local_org", "tls_dir"]
