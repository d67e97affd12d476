"""Start-up configuration: bad values stop with one line; production values pass --deploy."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from storeops.config import ConfigError, Env

# Every variable storeops/settings.py reads: cleared so the caller's shell cannot leak in.
SETTINGS_VARIABLES = (
    "ALLOWED_HOSTS",
    "AXES_FAILURE_LIMIT",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DEBUG",
    "IMPORT_MAX_FILE_BYTES",
    "LANGUAGE_CODE",
    "LOG_LEVEL",
    "MEDIA_ROOT",
    "REDIS_URL",
    "SECRET_KEY",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "STORE_CURRENCY",
    "STORE_NAME",
    "STORE_TIMEZONE",
    "SUMMARY_BUILD_WORKERS",
)


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # The browser tests' conftest allows sync ORM calls beside Playwright's event loop;
    # that must not leak into a deploy check.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("environment", "variable"),
    [
        ({"DEBUG": "1", "DATABASE_URL": "mysql:/bad"}, "DATABASE_URL"),
        ({"DEBUG": "1", "STORE_TIMEZONE": "Mars/Base"}, "STORE_TIMEZONE"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
    ],
    ids=["database-url", "store-timezone", "secret-key"],
)
def test_a_bad_value_stops_start_up_with_one_line_naming_the_variable(environment, variable):
    result = manage("check", **environment)

    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"StoreOps configuration error: {variable} ")
    assert "Traceback" not in result.stderr


def test_production_values_pass_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="shop.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_development_defaults_do_fail_the_deploy_check():
    """The deploy check above is only worth something if it can fail."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="1")

    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout  # DEBUG on


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_env_bool_reads_common_spellings(raw, expected):
    assert Env({"DEBUG": raw}).bool("DEBUG", default=not expected) is expected


def test_env_bool_refuses_anything_else():
    with pytest.raises(ConfigError, match=r"^StoreOps configuration error: DEBUG must be true"):
        Env({"DEBUG": "maybe"}).bool("DEBUG", default=False)


def test_redis_url_must_be_a_redis_url():
    with pytest.raises(ConfigError, match="REDIS_URL must look like redis://"):
        Env({"REDIS_URL": "http://cache:6379"}).redis_url("REDIS_URL")


# --- deployment files -----------------------------------------------------------------

BASE_DIR = Path(settings.BASE_DIR)


def settings_variables() -> set[str]:
    """Every variable storeops/settings.py reads through ``env.<type>("NAME"``."""
    source = (BASE_DIR / "storeops" / "settings.py").read_text()
    return set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def test_env_example_lists_every_variable_settings_reads():
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (BASE_DIR / ".env.example").read_text(), re.M))

    assert settings_variables() - listed == set()
    assert set(SETTINGS_VARIABLES) == settings_variables()


def test_compose_runs_migrate_once_before_web_worker_and_beat():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]

    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_compose_services_use_the_pinned_images_and_commands():
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]

    assert (services["postgres"]["image"], services["redis"]["image"]) == ("postgres:16", "redis:7")
    assert services["web"]["command"][:2] == ["gunicorn", "storeops.wsgi"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "storeops", "worker"]
    assert services["beat"]["command"][-1] == "django_celery_beat.schedulers:DatabaseScheduler"
    assert all("healthcheck" in services[name] for name in ("postgres", "redis", "web", "worker"))
    assert all(
        services[name]["env_file"] == ".env" for name in ("migrate", "web", "worker", "beat")
    )
