"""The CumulusCI task tests run against the in-process local org."""

from tests.localorg.conftest import force_app_zip, local_org, tls_dir

__all__ = ["force_app_zip", "local_org", "tls_dir"]
