"""docker/: the compose file's structure, a non-root reproducible Dockerfile, nginx in front.

Docker cannot run on the CI machine; these check what can be checked without it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[2]
DOCKER = ROOT / "docker"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DOCKER / "compose.yml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (DOCKER / "Dockerfile").read_text()


def test_the_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "gateway-1", "gateway-2", "nginx", "agencies"} <= set(services)
    gateways = [services["gateway-1"], services["gateway-2"]]
    for gateway in gateways:
        assert gateway["build"]["dockerfile"] == "docker/Dockerfile"
        assert gateway["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert gateway["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        environment = gateway["environment"]
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["CBCCVC_REDIS_URL"] == "redis://redis:6379/0"
        assert float(environment["CBCCVC_RATE_LIMIT_PER_CLIENT"]) > 0
        assert gateway.get("ports") is None  # only nginx publishes a port
    assert services["nginx"]["ports"] == ["8080:80"]


def test_postgres_and_redis_have_healthchecks(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]["healthcheck"]
    assert "pg_isready" in " ".join(postgres["test"])
    assert compose["services"]["redis"]["healthcheck"]["test"][-1] == "ping"


def test_every_image_is_pinned_never_latest(compose: dict[str, Any], dockerfile: str) -> None:
    images = [s["image"] for s in compose["services"].values() if "image" in s]
    images += re.findall(r"^ARG PYTHON_IMAGE=(\S+)", dockerfile, flags=re.MULTILINE)
    assert len(images) >= 5
    for image in images:
        tag = image.partition(":")[2]
        assert tag, f"{image} has no tag"
        assert tag != "latest", image
        assert re.match(r"\d", tag), f"{image}: pin a version"


def test_the_replicas_sit_on_an_internal_network(compose: dict[str, Any]) -> None:
    assert compose["networks"]["internal"]["internal"] is True
    for name in ("postgres", "redis", "gateway-1", "gateway-2"):
        assert compose["services"][name]["networks"] == ["internal"]


def test_the_dockerfile_is_slim_non_root_and_reproducible(dockerfile: str) -> None:
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11[\d.]*-slim", dockerfile, flags=re.MULTILINE)
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert re.search(r"pip install --no-deps --no-build-isolation \.", dockerfile)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users, "no USER: the image would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in dockerfile
    assert dockerfile.count("FROM ") == 2  # build tools stay in the build stage


def test_the_image_gets_every_package_the_project_installs(dockerfile: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = project["tool"]["setuptools"]["packages"]["find"]["include"]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    for pattern in included:
        assert pattern.rstrip("*") in copied, f"the Dockerfile does not copy {pattern}"


def test_every_package_the_image_copies_is_installed(dockerfile: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    assert copied <= included, copied - included


def test_nginx_balances_both_replicas_and_keeps_metrics_inside() -> None:
    conf = (DOCKER / "nginx.conf").read_text()
    upstream = re.search(r"upstream gateway \{(.*?)\}", conf, flags=re.DOTALL)
    assert upstream is not None
    assert "server gateway-1:8000" in upstream.group(1)
    assert "server gateway-2:8000" in upstream.group(1)
    assert re.search(r"location = /metrics \{ return 404; \}", conf)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert conf.count("{") == conf.count("}")
