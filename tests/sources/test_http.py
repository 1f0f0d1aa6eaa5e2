"""The HTTP layer: what is retried and how long it waits, errors by whose fault, no secrets."""

from __future__ import annotations

import base64
import email.utils
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from pydantic import SecretStr
from responses.registries import OrderedRegistry

from tier1_sync.errors import ConfigError, JobFailed, Tier1Error
from tier1_sync.sources.base import SourceOptions
from tier1_sync.sources.http import ApiClient, HttpSettings, TokenAuth
from tier1_sync.sources.planhat import PlanhatSource
from tier1_sync.sources.vitally import VitallySource

from .payloads import TOKEN, planhat_company, vitally_account, vitally_page

VITALLY = "https://rest.vitally.io/resources/accounts"
PLANHAT = "https://api.planhat.com/companies"
NOW = 1_800_000_000.0


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(registry=OrderedRegistry) as mock:
        yield mock


@pytest.fixture
def sleeps() -> list[float]:
    return []


def vitally(sleeps: list[float], **settings: Any) -> VitallySource:
    options = SourceOptions(settings=settings, env={"VITALLY_API_TOKEN": TOKEN})
    return VitallySource(options, sleep=sleeps.append, jitter=lambda: 0.5)


def planhat(sleeps: list[float], **settings: Any) -> PlanhatSource:
    options = SourceOptions(settings=settings, env={"PLANHAT_API_TOKEN": TOKEN})
    return PlanhatSource(options, sleep=sleeps.append, jitter=lambda: 0.5)


def ok_page() -> dict[str, Any]:
    return vitally_page([vitally_account(1)], None)


def test_a_429_waits_for_retry_after_then_succeeds(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(VITALLY, status=429, headers={"Retry-After": "7"})
    api.get(VITALLY, json=ok_page())
    data = vitally(sleeps).read()
    assert (len(data.health), data.api_calls, sleeps) == (1, 2, [7.0])


def test_a_429_from_vitally_honours_ratelimit_reset(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(VITALLY, status=429, headers={"RateLimit-Reset": "2", "RateLimit-Remaining": "0"})
    api.get(VITALLY, json=ok_page())
    vitally(sleeps).read()
    assert sleeps == [2.0]


def test_retry_after_may_be_an_http_date() -> None:
    sleeps: list[float] = []
    client = ApiClient(
        "Vitally",
        "vitally",
        HttpSettings(base_url="https://rest.vitally.io"),
        TokenAuth("Basic", SecretStr(TOKEN)),
        "VITALLY_API_TOKEN",
        sleep=sleeps.append,
        clock=lambda: NOW,
    )
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = email.utils.formatdate(NOW + 30, usegmt=True)
    assert client.retry_delay(response, 1) == pytest.approx(30)


def test_a_429_without_a_hint_backs_off_exponentially_with_jitter(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    for _ in range(3):
        api.get(VITALLY, status=429)
    api.get(VITALLY, json=ok_page())
    vitally(sleeps, backoff_seconds=2).read()
    assert sleeps == [1.5, 3.0, 6.0]  # half of 2, 4, 8 fixed plus half of it times jitter 0.5


def test_a_503_burst_is_retried(api: responses.RequestsMock, sleeps: list[float]) -> None:
    api.get(VITALLY, status=503)
    api.get(VITALLY, status=502)
    api.get(VITALLY, status=504)
    api.get(VITALLY, json=ok_page())
    data = vitally(sleeps).read()
    assert (len(data.health), data.api_calls, len(sleeps)) == (1, 4, 3)


def test_a_connection_error_is_retried(api: responses.RequestsMock, sleeps: list[float]) -> None:
    api.get(PLANHAT, body=requests.ConnectionError("connection reset"))
    api.get(PLANHAT, json=[planhat_company(1)])
    assert len(planhat(sleeps).read().health) == 1
    assert len(sleeps) == 1


def test_a_5xx_that_never_clears_fails_the_job_after_n_attempts(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    for _ in range(3):
        api.get(PLANHAT, status=503)
    with pytest.raises(JobFailed) as caught:
        planhat(sleeps, max_attempts=3).read()
    assert caught.value.exit_code == 1
    assert caught.value.message == (
        "Planhat answered 503 Service Unavailable to GET /companies; gave up after 3 attempts."
    )
    assert len(api.calls) == 3
    assert len(sleeps) == 2


def test_a_wait_longer_than_allowed_fails_at_once(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(VITALLY, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(JobFailed, match="asked to wait 3600 s, more than max_wait_seconds"):
        vitally(sleeps).read()
    assert sleeps == []


def test_a_500_is_not_retried(api: responses.RequestsMock, sleeps: list[float]) -> None:
    api.get(VITALLY, status=500)
    with pytest.raises(JobFailed, match="Vitally answered 500 Internal Server Error"):
        vitally(sleeps).read()
    assert len(api.calls) == 1


def test_401_is_a_configuration_error_naming_the_variable(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(VITALLY, status=401, json={"error": "Unauthorized"})
    with pytest.raises(ConfigError) as caught:
        vitally(sleeps).read()
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith("VITALLY_API_TOKEN was refused by Vitally (401")
    assert "VITALLY_API_TOKEN" in (caught.value.hint or "")
    assert len(api.calls) == 1


def test_403_is_a_configuration_error_naming_the_variable(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(PLANHAT, status=403)
    with pytest.raises(ConfigError, match=r"PLANHAT_API_TOKEN was refused by Planhat \(403"):
        planhat(sleeps).read()


def test_another_4xx_is_a_job_failure_with_the_path_and_status(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(VITALLY, status=404, json={"message": "No such route"})
    with pytest.raises(JobFailed) as caught:
        vitally(sleeps).read()
    assert caught.value.message == (
        "Vitally answered 404 Not Found to GET /resources/accounts: No such route."
    )


def test_an_answer_that_is_not_json_is_a_job_failure(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(VITALLY, body="<html>maintenance</html>", content_type="text/html")
    with pytest.raises(JobFailed, match="not JSON"):
        vitally(sleeps).read()


def _errors_from(api: responses.RequestsMock, sleeps: list[float]) -> list[Tier1Error]:
    """Every kind of failure, with the token echoed back by the platform where it can be."""
    echoed = f"invalid token {TOKEN}"
    scenarios: list[tuple[int, dict[str, str], Any]] = [
        (401, {}, {"error": echoed}),
        (403, {}, echoed),
        (404, {}, {"message": echoed}),
        (422, {}, echoed),
        (503, {}, {"error": echoed}),
        (429, {"Retry-After": "9999"}, echoed),
    ]
    errors: list[Tier1Error] = []
    for status, headers, body in scenarios:
        api.reset()
        for _ in range(2):
            if isinstance(body, str):
                api.get(VITALLY, status=status, headers=headers, body=body)
            else:
                api.get(VITALLY, status=status, headers=headers, json=body)
        try:
            vitally(sleeps, max_attempts=2).read()
        except Tier1Error as exc:
            errors.append(exc)
    api.reset()
    api.get(VITALLY, status=429, headers={"Retry-After": "1"})
    api.get(VITALLY, json=ok_page())
    vitally(sleeps).read()
    return errors


def test_the_token_never_appears_in_messages_logs_or_reprs(
    api: responses.RequestsMock, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    basic = base64.b64encode(f"{TOKEN}:".encode()).decode()
    with caplog.at_level(logging.DEBUG):
        errors = _errors_from(api, sleeps)
        source = vitally(sleeps)
    assert len(errors) == 6
    assert caplog.records  # retries were logged
    texts = [caplog.text, repr(source), repr(source.client), repr(source.client.auth)]
    texts += [str(source.settings), repr(source.settings), str(vars(source.client))]
    texts += [f"{e!s} {e.message} {e.hint} {e!r} {e.args}" for e in errors]
    for text in texts:
        assert TOKEN not in text
        assert basic not in text
    assert "**********" in errors[2].message  # the echoed token was taken out
