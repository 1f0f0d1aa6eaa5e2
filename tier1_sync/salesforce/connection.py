"""Logging in to an org: JWT bearer, client credentials, access token, CumulusCI, local org.

Secrets come only from the environment and are held as `SecretStr`; no message, log line or
exception built here contains one. The username-password flow is not offered (Salesforce
retires it in February 2027).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from pydantic import SecretStr
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from tier1_sync.config import OrgConfig, Settings
from tier1_sync.errors import ConfigError, JobFailed

LOGIN_DOMAINS = {"https://login.salesforce.com": "login", "https://test.salesforce.com": "test"}


class LoginRefused(ConfigError):
    """Salesforce said no to the login itself (a configuration error; `tier1 doctor` reports
    it as its failed first check)."""


@dataclass
class Connection:
    """A logged-in client and what the CLI may say about it (never the token)."""

    name: str
    auth: str
    sf: Salesforce
    instance_url: str
    username: str | None = None


def _require(env: Mapping[str, str], variable: str, org: str, auth: str) -> str:
    value = env.get(variable, "").strip()
    if not value:
        raise ConfigError(
            f"{variable} is not set: the {auth} login of org '{org}' needs it.",
            hint=f"Set {variable} in the environment (CI: a repository secret).",
        )
    return value


def _secret(env: Mapping[str, str], variable: str, org: str, auth: str) -> SecretStr:
    return SecretStr(_require(env, variable, org, auth))


# Every Salesforce(...) below passes object_pairs_hook=dict: query results as plain dicts,
# ~40% smaller per record than simple-salesforce's default OrderedDicts.


def _session() -> requests.Session:
    session = requests.Session()
    session.headers["Sforce-Call-Options"] = "client=tier1-sync"
    return session


def _login_domain(config: OrgConfig, env: Mapping[str, str]) -> str:
    if config.domain:
        return config.domain
    login_url = env.get("SF_LOGIN_URL", "https://login.salesforce.com").rstrip("/")
    if login_url in LOGIN_DOMAINS:
        return LOGIN_DOMAINS[login_url]
    raise ConfigError(
        f"SF_LOGIN_URL={login_url} is not a Salesforce login URL.",
        hint="Use https://login.salesforce.com (production) or https://test.salesforce.com.",
    )


def _my_domain(value: str) -> str:
    """`acme.my` from `acme.my`, `https://acme.my.salesforce.com` or `acme.my.salesforce.com`."""
    host = value.removeprefix("https://").removeprefix("http://").rstrip("/")
    return host.removesuffix(".salesforce.com")


def connect(name: str, settings: Settings, env: Mapping[str, str] | None = None) -> Connection:
    environment = os.environ if env is None else env
    config = settings.org(name)
    try:
        return _LOGINS[config.auth](name, config, environment)
    except SalesforceAuthenticationFailed as exc:
        raise LoginRefused(
            f"Salesforce refused the {config.auth} login of org '{name}': {exc.code}.",
            hint="Check the connected app, the user's pre-authorisation and the variables.",
        ) from None
    except requests.RequestException as exc:
        raise JobFailed(
            f"Could not reach Salesforce for org '{name}': {type(exc).__name__}."
        ) from None


def _jwt(name: str, config: OrgConfig, env: Mapping[str, str]) -> Connection:
    username = config.username or _require(env, "SF_USERNAME", name, "jwt")
    client_id = _secret(env, "SF_CLIENT_ID", name, "jwt")
    key_file = Path(_require(env, "SF_JWT_KEY_FILE", name, "jwt"))
    if not key_file.is_file():
        raise ConfigError(f"SF_JWT_KEY_FILE points at {key_file}, which is not a file.")
    kwargs: dict[str, Any] = {}
    if config.instance_url:
        kwargs["instance_url"] = _my_domain(config.instance_url)
    sf = Salesforce(
        username=username,
        consumer_key=client_id.get_secret_value(),
        privatekey_file=str(key_file),
        domain=_login_domain(config, env),
        version=config.api_version,
        session=_session(),
        object_pairs_hook=dict,
        **kwargs,
    )
    return Connection(name, "jwt", sf, f"https://{sf.sf_instance}", username)


def _client_credentials(name: str, config: OrgConfig, env: Mapping[str, str]) -> Connection:
    client_id = _secret(env, "SF_CLIENT_ID", name, "client_credentials")
    secret = _secret(env, "SF_CLIENT_SECRET", name, "client_credentials")
    domain = config.my_domain or env.get("SF_MY_DOMAIN", "")
    if not domain:
        raise ConfigError(
            f"Org '{name}' uses client_credentials but has no My Domain.",
            hint='Set my_domain = "acme.my" in its [orgs] table, or SF_MY_DOMAIN.',
        )
    sf = Salesforce(
        consumer_key=client_id.get_secret_value(),
        consumer_secret=secret.get_secret_value(),
        domain=_my_domain(domain),
        version=config.api_version,
        session=_session(),
        object_pairs_hook=dict,
    )
    return Connection(name, "client_credentials", sf, f"https://{sf.sf_instance}")


def _access_token(name: str, config: OrgConfig, env: Mapping[str, str]) -> Connection:
    instance_url = config.instance_url or _require(env, "SF_INSTANCE_URL", name, "access_token")
    token = _secret(env, "SF_ACCESS_TOKEN", name, "access_token")
    sf = Salesforce(
        instance_url=instance_url,
        session_id=token.get_secret_value(),
        version=config.api_version,
        session=_session(),
        object_pairs_hook=dict,
    )
    return Connection(name, "access_token", sf, instance_url.rstrip("/"))


def _local(name: str, config: OrgConfig, env: Mapping[str, str]) -> Connection:
    from tier1_sync.localorg.control import running_state
    from tier1_sync.localorg.server import connect as connect_local

    state = running_state()
    if state is None:
        raise ConfigError("No local org is running.", hint="Start one: tier1 local-org start")
    sf = connect_local(
        state.instance_url,
        state.access_token.get_secret_value(),
        Path(state.cert),
        config.api_version,
    )
    return Connection(name, "local", sf, state.instance_url, state.username)


def _cci(name: str, config: OrgConfig, env: Mapping[str, str]) -> Connection:
    try:
        from cumulusci.core.runtime import BaseCumulusCI
    except ImportError:
        raise ConfigError(
            f"Org '{name}' uses auth = \"cci\", but CumulusCI is not installed.",
            hint="pip install 'tier1-sync[cci]'",
        ) from None
    runtime = BaseCumulusCI()
    keychain = runtime.keychain
    if keychain is None:
        raise ConfigError("CumulusCI found no project keychain here.")
    org_config = keychain.get_org(config.cci_org or name)
    org_config.refresh_oauth_token(keychain)
    sf = Salesforce(
        instance_url=org_config.instance_url,
        session_id=org_config.access_token,
        version=config.api_version,
        session=_session(),
        object_pairs_hook=dict,
    )
    return Connection(name, "cci", sf, org_config.instance_url, org_config.username)


_LOGINS = {
    "jwt": _jwt,
    "client_credentials": _client_credentials,
    "access_token": _access_token,
    "local": _local,
    "cci": _cci,
}
