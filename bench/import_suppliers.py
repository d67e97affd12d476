"""Import benchmark: suppliers files of growing size through the real framework.

    DEBUG=1 .venv/bin/python bench/import_suppliers.py [--rows 100000]

Uses DATABASE_URL (default: a PostgreSQL database storeops_bench_import,
created and migrated here). For each size it prints the rows per second of a
first import (all created), a second identical import (all unchanged) and a
dry run, and the peak Python memory of the first (tracemalloc).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import cpu_reference, ensure_database  # noqa: E402 (bench/ is the script's folder)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storeops_bench_import")


def make_file(rows: int) -> bytes:
    lines = ["供应商编码,供应商名称,联系人,电话,交货周期(天),起订金额,合同开始,合同结束,备注"]
    for n in range(rows):
        lines.append(
            f"GYS{n:07d},供应商{n},联系人{n % 97},0571-{n:08d},{n % 30 + 1},"
            f'"¥{n % 5000:,}.50",2026/01/01,2027-12-31,benchmark row {n}'
        )
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def timed(run):
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    ensure_database(fresh=True)
    print(cpu_reference(), flush=True)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from catalog.models import Supplier
    from storeops.imports import jobs, registry
    from storeops.imports.runner import run_import

    kind = registry.get("suppliers")
    user = jobs.system_user()
    print(f"database: {os.environ['DATABASE_URL'].rsplit('@', 1)[-1]}")
    for rows in args.rows:
        Supplier.history.all().delete()
        Supplier.objects.all().delete()
        content = make_file(rows)

        def run(dry_run=False, content=content):
            return run_import(kind, io.BytesIO(content), user=user, dry_run=dry_run)

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        first, first_s = timed(run)
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
        assert first.ok and first.created == rows, first.message or first.problems[:3]
        second, second_s = timed(run)
        assert second.unchanged == rows
        dry, dry_s = timed(lambda: run(dry_run=True))
        assert dry.unchanged == rows
        print(
            f"{rows:>8} rows, {len(content) / 2**20:6.1f} MB: "
            f"first import {rows / first_s:8.0f} rows/s ({first_s:.1f} s, "
            f"peak RSS growth {peak / 2**20:.0f} MB); "
            f"same file again {rows / second_s:8.0f} rows/s; dry run {rows / dry_s:8.0f} rows/s"
        )


if __name__ == "__main__":
    main()
