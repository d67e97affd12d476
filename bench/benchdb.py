"""The benchmarks' own PostgreSQL databases (each script names one in DATABASE_URL)."""

from __future__ import annotations

import os
from urllib.parse import urlparse


def ensure_database(*, fresh: bool = False) -> None:
    """Create the database DATABASE_URL names when it is missing; ``fresh`` drops it first.

    Nothing to do for another engine (a script run against SQLite).
    """
    url = urlparse(os.environ["DATABASE_URL"])
    if not url.scheme.startswith("postgres"):
        return
    import psycopg

    name = url.path.lstrip("/")
    admin = url._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def cpu_reference() -> str:
    """This machine's single-core speed, printed beside a bench's figures.

    Machines differ from one session to the next: the same code has measured
    twice as slow on one as on another. Pure Python summing a million
    integers (best of 5) puts figures taken on different machines side by side.
    """
    import timeit

    best = min(timeit.repeat("sum(range(1_000_000))", number=10, repeat=5)) / 10
    return f"CPU reference: sum(range(10**6)) in {best * 1000:.1f} ms (best of 5)"
