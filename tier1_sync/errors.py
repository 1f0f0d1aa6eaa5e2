"""Errors split by whose fault they are (SPEC §5 exit codes).

A `ConfigError` is the user's to fix (usage, configuration, missing files): exit 2.
A `JobFailed` is the job's (the org refused, rows were rejected past the threshold): exit 1.
The CLI turns both into one clear message; tracebacks only with --debug.
"""

from __future__ import annotations


class Tier1Error(Exception):
    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(Tier1Error):
    exit_code = 2


class JobFailed(Tier1Error):
    exit_code = 1
