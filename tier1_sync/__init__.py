"""tier1-sync: the Tier 1 account dashboard inside Salesforce, fed by a scheduled sync."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tier1-sync")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
