"""The deployment files agree with the settings: every variable is documented in .env.example
and reaches the containers; docker-compose.yml has the services the README promises."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "WEB_PORT", "PROXY_SUBNET", "PROXY_ADDRESS"}


def settings_variables() -> set[str]:
    source = (ROOT / "wallboard" / "settings.py").read_text()
    return set(re.findall(r'env(?:_bool|_float|_list)?\(\s*"([A-Z_]+)"', source))


def example_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z_]+)=", text, re.MULTILINE))


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_setting_is_listed_in_env_example():
    variables = settings_variables()
    assert len(variables) > 20  # the regex found the settings
    assert variables - example_variables() == set()
    assert example_variables() - variables - COMPOSE_ONLY == set()  # nothing stale either


def test_compose_has_the_services_and_the_demo_profile():
    services = compose()["services"]
    assert set(services) == {"redis", "postgres", "migrate", "web", "proxy", "worker", "simulator"}
    assert services["simulator"]["profiles"] == ["demo"]
    assert all("profiles" not in services[name] for name in ("web", "worker", "redis", "proxy"))
    assert "--appendonly" in services["redis"]["command"]  # Redis keeps its data
    assert "uvicorn" in services["web"]["command"]
    assert "ports" not in services["web"]  # published by the proxy: `--scale web=N` works
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"  # migrations once, not once per web process
    )
    assert services["worker"]["command"][-1] == "voicenter_worker"
    assert services["worker"]["deploy"]["replicas"] == 2  # one active, one on standby


def test_every_variable_reaches_the_app_containers():
    services = compose()["services"]
    wanted = example_variables() - COMPOSE_ONLY - {"WALLBOARD_DATA_DIR"}
    for name in ("migrate", "web", "worker"):
        environment = services[name]["environment"]
        assert wanted - set(environment) == set(), name
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert environment["DATABASE_URL"].startswith("postgres://")


def test_the_proxy_passes_websockets_to_every_web_process():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    proxy = compose()["services"]["proxy"]
    assert any(volume.startswith("./deploy/nginx.conf:") for volume in proxy["volumes"])
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "resolver 127.0.0.11" in conf  # Docker's DNS: scaled replicas are found
    assert "proxy_pass $web;" in conf  # a variable: re-resolved, not fixed at start


def nginx_directives() -> str:
    """deploy/nginx.conf without its comments."""
    lines = (ROOT / "deploy" / "nginx.conf").read_text().splitlines()
    return "\n".join(line.split("#", 1)[0] for line in lines)


def compose_default(value: str) -> str:
    """``${NAME:-default}`` -> ``default``."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_the_proxy_writes_the_clients_address_itself():
    conf = nginx_directives()
    assert "$proxy_add_x_forwarded_for" not in conf  # it would keep what the client wrote
    assert conf.count("proxy_set_header X-Forwarded-For $remote_addr;") == conf.count("proxy_pass")


def _trusted_proxy() -> tuple[str, str]:
    """The address the web processes trust X-Forwarded-For from, and the proxy's own."""
    services = compose()["services"]
    command = services["web"]["command"].split()
    trusted = command[command.index("--forwarded-allow-ips") + 1]
    proxy = services["proxy"]["networks"]["default"]["ipv4_address"]
    return trusted, proxy


def test_the_web_processes_trust_forwarded_headers_from_the_proxy_only():
    trusted, proxy = _trusted_proxy()
    assert trusted == proxy
    assert "*" not in trusted
    subnet = compose()["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(compose_default(proxy)) in ipaddress.ip_network(
        compose_default(subnet)
    )


async def _client_address_seen(trusted: str, peer: str, forwarded: str) -> str:
    """What uvicorn's own proxy-header middleware, set as compose sets it, makes the address of
    a request from ``peer`` that says it is for ``forwarded``."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    seen: list[str] = []

    async def app(scope, receive, send):
        seen.append(scope["client"][0])

    middleware = ProxyHeadersMiddleware(app, trusted_hosts=trusted)
    scope = {
        "type": "http", "client": (peer, 5555), "scheme": "http",
        "headers": [(b"x-forwarded-for", forwarded.encode())],
    }  # fmt: skip
    await middleware(cast(Any, scope), cast(Any, None), cast(Any, None))
    return seen[0]


async def test_a_client_cannot_choose_its_address_with_a_header():
    trusted, _ = _trusted_proxy()
    address = compose_default(trusted)
    assert await _client_address_seen(address, "203.0.113.9", "1.2.3.4") == "203.0.113.9"
    assert await _client_address_seen(address, address, "198.51.100.7") == "198.51.100.7"


def test_the_access_log_leaves_display_tokens_out():
    conf = nginx_directives()
    assert "access_log /var/log/nginx/access.log redacted;" in conf
    log_format = conf[conf.index("log_format redacted") : conf.index(";", conf.index("log_format"))]
    assert "$request_uri" not in log_format
    assert "$http_referer" not in log_format
    assert "$loggable_uri" in log_format
    assert "$loggable_referer" in log_format
