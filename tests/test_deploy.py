"""The deployment files agree with the settings: every variable is documented in .env.example
and reaches the containers; docker-compose.yml has the services the README promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "WEB_PORT"}


def settings_variables() -> set[str]:
    source = (ROOT / "wallboard" / "settings.py").read_text()
    return set(re.findall(r'env(?:_bool|_float)?\(\s*"([A-Z_]+)"', source))


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
