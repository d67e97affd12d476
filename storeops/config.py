"""Reading StoreOps' configuration from the environment.

Every setting that differs between a laptop and production comes from an
environment variable. A value that cannot be used stops start-up with one line
that names the variable (``SystemExit``), instead of a traceback deep inside
Django or a server that starts and misbehaves later.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
DATABASE_SCHEMES = frozenset({"postgres", "postgresql", "pgsql", "sqlite"})
REDIS_SCHEMES = frozenset({"redis", "rediss"})
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")


class ConfigError(SystemExit):
    """A configuration value that StoreOps cannot start with."""

    def __init__(self, variable: str, reason: str) -> None:
        self.variable = variable
        self.reason = reason
        super().__init__(f"StoreOps configuration error: {variable} {reason}")


class Env:
    """Typed access to environment variables, failing with a one-line message."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def str(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default).strip()

    def is_set(self, name: str) -> bool:
        return bool(self.str(name))

    def bool(self, name: str, *, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ConfigError(name, f"must be true or false (1/0, yes/no, on/off), not {raw!r}")

    def int(self, name: str, *, default: int) -> int:
        raw = self.str(name)
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(name, f"must be a whole number, not {raw!r}") from None

    def list(self, name: str, default: list[str]) -> list[str]:
        raw = self.str(name)
        if not raw:
            return list(default)
        return [item.strip() for item in raw.split(",") if item.strip()]

    def timezone(self, name: str, default: str) -> str:
        value = self.str(name) or default
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                name, f"is not a known time zone: {value!r} (e.g. Asia/Shanghai)"
            ) from None
        return value

    def currency(self, name: str, default: str) -> str:
        value = self.str(name) or default
        if not CURRENCY_PATTERN.match(value):
            raise ConfigError(
                name, f"must be a three-letter ISO 4217 code such as CNY, not {value!r}"
            )
        return value

    def choice(self, name: str, default: str, choices: list[str]) -> str:
        value = self.str(name) or default
        if value not in choices:
            raise ConfigError(name, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def database(self, name: str, *, default_sqlite_path: Path) -> dict[str, Any]:
        raw = self.str(name)
        if not raw:
            return {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(default_sqlite_path),
                "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            }
        scheme = urlsplit(raw).scheme
        if scheme not in DATABASE_SCHEMES:
            raise ConfigError(
                name,
                "is not a database URL StoreOps can use: expected "
                "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH",
            )
        try:
            config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
        except ValueError as error:
            raise ConfigError(name, f"is malformed: {error}") from None
        if not config.get("NAME"):
            raise ConfigError(name, "names no database (the path after the host is empty)")
        if config["ENGINE"] == "django.db.backends.postgresql":
            try:
                port = urlsplit(raw).port
            except ValueError:
                raise ConfigError(name, "has a port that is not a number") from None
            if port is not None and not 0 < port < 65536:
                raise ConfigError(name, "has a port outside 1-65535")
        return config

    def redis_url(self, name: str) -> str:
        raw = self.str(name)
        if not raw:
            return ""
        parts = urlsplit(raw)
        if parts.scheme not in REDIS_SCHEMES or not parts.hostname:
            raise ConfigError(name, "must look like redis://HOST:6379/0")
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            raise ConfigError(name, "has a port that is not a number") from None
        return raw
