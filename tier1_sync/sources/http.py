"""The one HTTP layer of the API connectors: auth, retries, errors, call counting.

`ApiClient.get_json` is the only way a connector talks to a CS platform, and `retry_delay`
is the one place that decides what is retried: 429 (after `Retry-After` or `RateLimit-Reset`),
502/503/504 and connection errors, with exponential backoff and jitter, a bounded number of
attempts. A refused token (401/403) is a `ConfigError` naming the environment variable; any
other error answer is a `JobFailed` naming the status and the URL path. Tokens are held as
`SecretStr` and never appear in a message, a log line, an exception or a repr.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from requests.auth import AuthBase

from tier1_sync.errors import ConfigError, JobFailed

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
REDACTED = "**********"
Params = Mapping[str, str | int]
S = TypeVar("S", bound=BaseModel)


class HttpSettings(BaseModel):
    """The HTTP part of `[sources.NAME]`: where the platform is and how patiently to ask."""

    model_config = ConfigDict(extra="forbid")

    base_url: str
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    max_attempts: int = Field(default=5, ge=1, le=20, description="tries per request")
    backoff_seconds: float = Field(default=1.0, ge=0, le=60, description="first retry wait")
    max_backoff_seconds: float = Field(default=30, ge=0, le=600)
    max_wait_seconds: float = Field(
        default=120, ge=0, description="give up rather than wait longer for a rate limit"
    )

    @field_validator("base_url")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError(f"{value!r} must be an https:// URL (the token travels with it)")
        if not parts.hostname:
            raise ValueError(f"{value!r} has no host name")
        return value.strip().rstrip("/")


def load_settings(model: type[S], settings: Mapping[str, Any], source: str) -> S:
    """`[sources.<source>]` validated; a bad or unknown key is a ConfigError naming it."""
    try:
        return model.model_validate(dict(settings))
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "settings"
        known = ", ".join(model.model_fields)
        raise ConfigError(
            f"tier1.toml [sources.{source}] {where}: {problem['msg']}.",
            hint=f"Settings of the {source} source: {known}.",
        ) from None


def token_from_env(env: Mapping[str, str], variable: str, platform: str) -> SecretStr:
    value = env.get(variable, "").strip()
    if not value:
        raise ConfigError(
            f"{variable} is not set: the {platform} source reads its API token from it.",
            hint=f"Set {variable} in the environment (CI: a repository secret).",
        )
    return SecretStr(value)


class TokenAuth(AuthBase):
    """Sets `Authorization` on each request from a `SecretStr`; its repr shows no token."""

    def __init__(self, scheme: Literal["Basic", "Bearer"], token: SecretStr) -> None:
        self.scheme = scheme
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        secret = self.token.get_secret_value()
        if self.scheme == "Basic":  # the token as user name, an empty password
            secret = base64.b64encode(f"{secret}:".encode()).decode("ascii")
        request.headers["Authorization"] = f"{self.scheme} {secret}"
        return request

    def __repr__(self) -> str:
        return f"TokenAuth({self.scheme}, token={REDACTED})"


def _seconds_header(value: str | None, now: Callable[[], float]) -> float | None:
    """Seconds to wait from `Retry-After` / `RateLimit-Reset`: delta seconds or an HTTP-date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return max(0.0, when.timestamp() - now())
    if seconds > 1_000_000_000:  # an epoch time rather than a delay
        seconds -= now()
    return max(0.0, seconds)


class ApiClient:
    """GETs JSON from one platform, retrying what is worth retrying, counting every call."""

    def __init__(
        self,
        platform: str,
        source: str,
        settings: HttpSettings,
        auth: TokenAuth,
        token_env: str,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.platform = platform  # as people say it: "Vitally"
        self.source = source  # as tier1.toml says it: [sources.vitally]
        self.settings = settings
        self.auth = auth
        self.token_env = token_env
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "tier1-sync"
        self.sleep = sleep
        self.jitter = jitter
        self.clock = clock
        self.calls = 0

    def __repr__(self) -> str:
        return f"ApiClient({self.platform}, {self.settings.base_url}, auth={self.auth!r})"

    def retry_delay(self, outcome: requests.Response | Exception, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None: THE place that decides retries."""
        if isinstance(outcome, requests.exceptions.SSLError):
            return None
        if isinstance(outcome, Exception):
            return self._backoff(attempt)
        if outcome.status_code not in RETRY_STATUSES:
            return None
        asked = _seconds_header(outcome.headers.get("Retry-After"), self.clock)
        if asked is None and outcome.status_code == 429:
            asked = _seconds_header(outcome.headers.get("RateLimit-Reset"), self.clock)
        return asked if asked is not None else self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with "equal jitter": half fixed, half random."""
        growth = 2.0 ** (attempt - 1)
        ceiling = min(self.settings.max_backoff_seconds, self.settings.backoff_seconds * growth)
        return ceiling / 2 + self.jitter() * ceiling / 2

    def get_json(self, path: str, params: Params | None = None) -> Any:
        url = self.settings.base_url + path
        for attempt in range(1, self.settings.max_attempts + 1):
            self.calls += 1
            outcome = self._send(url, params)
            delay = self.retry_delay(outcome, attempt)
            if delay is None:
                return self._accept(path, outcome)
            self._wait(path, outcome, attempt, delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(
        self, path: str, outcome: requests.Response | Exception, attempt: int, delay: float
    ) -> None:
        """Sleep before the next attempt, or give up (attempts used, or asked to wait too long)."""
        what = f"{self.platform} {self._what(outcome, path)}"
        attempts = self.settings.max_attempts
        table = f"[sources.{self.source}]"
        if attempt >= attempts:
            raise JobFailed(
                f"{what}; gave up after {attempts} attempts.",
                hint=f"Try again later, or raise max_attempts in {table}.",
            )
        limit = self.settings.max_wait_seconds
        if delay > limit:
            raise JobFailed(
                f"{what} and asked to wait {delay:.0f} s, more than max_wait_seconds ({limit:g}).",
                hint=f"Run the sync later, or raise max_wait_seconds in {table}.",
            )
        log.warning("%s; retrying in %.1f s (attempt %d of %d)", what, delay, attempt + 1, attempts)
        self.sleep(delay)

    def _send(self, url: str, params: Params | None) -> requests.Response | Exception:
        try:
            response = self.session.get(
                url, params=params, auth=self.auth, timeout=self.settings.timeout_seconds
            )
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            return exc
        log.debug("GET %s -> %s", urlsplit(url).path, response.status_code)
        return response

    @staticmethod
    def _what(outcome: requests.Response | Exception, path: str) -> str:
        if isinstance(outcome, Exception):
            return f"gave no answer to GET {path} ({type(outcome).__name__})"
        return f"answered {_status(outcome.status_code)} to GET {path}"

    def _accept(self, path: str, outcome: requests.Response | Exception) -> Any:
        if isinstance(outcome, Exception):
            raise JobFailed(
                f"Could not reach {self.platform} at {self.settings.base_url}: "
                f"{type(outcome).__name__}.",
                hint="Check base_url and that this machine trusts the platform's certificate.",
            )
        status = outcome.status_code
        if status in (401, 403):
            raise self._refused(path, status)
        if status >= 400:
            raise JobFailed(
                f"{self.platform} answered {_status(status)} to GET {path}{self._detail(outcome)}."
            )
        try:
            return outcome.json()
        except ValueError:
            raise JobFailed(
                f"{self.platform} answered GET {path} with something that is not JSON "
                f"({outcome.headers.get('Content-Type', 'no content type')})."
            ) from None

    def _refused(self, path: str, status: int) -> ConfigError:
        what = "is not valid" if status == 401 else f"may not read {path}"
        return ConfigError(
            f"{self.token_env} was refused by {self.platform} ({_status(status)}): "
            f"the token {what}.",
            hint=f"Set {self.token_env} to a current {self.platform} API token with read access, "
            f"and check base_url ({self.settings.base_url}) is your {self.platform} region.",
        )

    def _detail(self, response: requests.Response) -> str:
        """A short reason from an error body, with the token taken out should it be echoed."""
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if isinstance(body, dict):
            body = body.get("message") or body.get("error") or body.get("errors") or ""
        text = str(body)
        secret = self.auth.token.get_secret_value()
        if secret:  # before cutting it short, so that no part of the token survives
            text = text.replace(secret, REDACTED)
        text = " ".join(text.split())[:200]
        return f": {text}" if text else ""


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)
