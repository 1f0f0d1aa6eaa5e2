"""Org connections: JWT bearer, client credentials, access token; secrets stay secret."""

from __future__ import annotations

import base64
import time
import urllib.parse
from pathlib import Path

import jwt
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tier1_sync.config import OrgConfig, Settings, load_settings
from tier1_sync.errors import ConfigError
from tier1_sync.salesforce.connection import connect

TOKEN_RESPONSE = {
    "access_token": "00D000000000001AAA!secret.token.value",
    "instance_url": "https://acme.my.salesforce.com",
    "id": "https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA",
    "token_type": "Bearer",
}
CLIENT_SECRET = "very-secret-client-secret"


@pytest.fixture
def key_pair(tmp_path: Path) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / "server.key"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def _settings(**orgs: OrgConfig) -> Settings:
    return Settings(orgs=orgs)


@responses.activate
def test_jwt_bearer_signs_the_documented_assertion(key_pair: tuple[Path, bytes]) -> None:
    private, public = key_pair
    responses.add(
        responses.POST, "https://acme.my.salesforce.com/services/oauth2/token", json=TOKEN_RESPONSE
    )
    env = {
        "SF_USERNAME": "integration@acme.com",
        "SF_CLIENT_ID": "3MVG9client",
        "SF_JWT_KEY_FILE": str(private),
        "SF_LOGIN_URL": "https://test.salesforce.com",
    }
    settings = _settings(prod=OrgConfig(auth="jwt", instance_url="https://acme.my.salesforce.com"))
    connection = connect("prod", settings, env)
    assert connection.instance_url == "https://acme.my.salesforce.com"
    body = urllib.parse.parse_qs(str(responses.calls[0].request.body))
    assert body["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(
        body["assertion"][0], public, algorithms=["RS256"], audience="https://test.salesforce.com"
    )
    assert claims["iss"] == "3MVG9client"
    assert claims["sub"] == "integration@acme.com"
    assert 0 < int(claims["exp"]) - time.time() <= 181  # simple-salesforce: now + 3 min


@responses.activate
def test_client_credentials_posts_basic_auth_to_my_domain() -> None:
    responses.add(
        responses.POST, "https://acme.my.salesforce.com/services/oauth2/token", json=TOKEN_RESPONSE
    )
    env = {"SF_CLIENT_ID": "3MVG9client", "SF_CLIENT_SECRET": CLIENT_SECRET}
    settings = _settings(ci=OrgConfig(auth="client_credentials", my_domain="acme.my"))
    connect("ci", settings, env)
    request = responses.calls[0].request
    expected = base64.b64encode(f"3MVG9client:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert "grant_type=client_credentials" in str(request.body)


def test_access_token_needs_no_login_call() -> None:
    env = {
        "SF_INSTANCE_URL": "https://acme.my.salesforce.com",
        "SF_ACCESS_TOKEN": "00D000000000001AAA!x",
    }
    connection = connect("tok", _settings(tok=OrgConfig(auth="access_token")), env)
    assert connection.sf.session_id == "00D000000000001AAA!x"
    assert connection.instance_url == "https://acme.my.salesforce.com"


@pytest.mark.parametrize(
    ("auth", "env", "variable"),
    [
        ("jwt", {"SF_USERNAME": "u@x.com", "SF_JWT_KEY_FILE": "/k"}, "SF_CLIENT_ID"),
        ("jwt", {"SF_CLIENT_ID": "c", "SF_JWT_KEY_FILE": "/k"}, "SF_USERNAME"),
        ("access_token", {"SF_INSTANCE_URL": "https://a.my.salesforce.com"}, "SF_ACCESS_TOKEN"),
        ("client_credentials", {"SF_CLIENT_ID": "c"}, "SF_CLIENT_SECRET"),
    ],
)
def test_a_missing_variable_is_named(auth: str, env: dict[str, str], variable: str) -> None:
    settings = _settings(prod=OrgConfig.model_validate({"auth": auth, "my_domain": "acme.my"}))
    with pytest.raises(ConfigError, match=variable) as failure:
        connect("prod", settings, env)
    assert failure.value.exit_code == 2


@responses.activate
def test_a_refused_login_never_shows_the_secret() -> None:
    responses.add(
        responses.POST,
        "https://acme.my.salesforce.com/services/oauth2/token",
        status=400,
        json={"error": "invalid_client", "error_description": "invalid client credentials"},
    )
    env = {"SF_CLIENT_ID": "3MVG9client", "SF_CLIENT_SECRET": CLIENT_SECRET}
    settings = _settings(ci=OrgConfig(auth="client_credentials", my_domain="acme.my"))
    with pytest.raises(ConfigError) as failure:
        connect("ci", settings, env)
    shown = f"{failure.value.message} {failure.value.hint} {failure.value!r}"
    assert "refused" in shown
    assert CLIENT_SECRET not in shown


def test_unknown_org_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="No org named 'prod'") as failure:
        connect("prod", _settings(sandbox=OrgConfig(auth="jwt")), {})
    assert "local, sandbox" in str(failure.value.hint)


def test_local_without_a_running_org_says_how_to_start_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TIER1_LOCAL_ORG_STATE", str(tmp_path / "none.json"))
    with pytest.raises(ConfigError, match="No local org is running") as failure:
        connect("local", Settings(), {})
    assert "tier1 local-org start" in str(failure.value.hint)


def test_settings_file_errors_name_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "tier1.toml"
    path.write_text('[orgs.prod]\nauth = "password"\n')
    with pytest.raises(ConfigError, match=r"tier1\.toml: orgs\.prod\.auth"):
        load_settings(path)
    path.write_text('[orgs.prod\nauth = "jwt"\n')
    with pytest.raises(ConfigError, match=r"tier1\.toml"):
        load_settings(path)
    path.write_text('[orgs.prod]\nauth = "jwt"\nusername = "i@acme.com"\n')
    assert load_settings(path).org("prod").username == "i@acme.com"
