"""Pricing-engine benchmark: ``quote`` for a 20-line cart against 200 active promotions.

    DEBUG=1 .venv/bin/python bench/quote_bench.py

Uses DATABASE_URL (default: a PostgreSQL database storeops_bench_quote, dropped,
created and migrated here). Builds 40 categories, 400 products, 2,000 SKUs and
200 running promotions of every kind and scope (store, categories, products,
SKUs; some with exclusions, tiers, flash prices with caps, usage limits), then
prices the same kind of 20-line cart 300 times with different SKUs and prints
the median and p95 time per quote and the queries one quote takes.
Target (promotions issue): median under 5 ms.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import cpu_reference, ensure_database  # noqa: E402 (bench/ is the script's folder)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storeops_bench_quote")

PROMOTIONS = 200
CART_LINES = 20
RUNS = 300


def build(rng: random.Random, now: dt.datetime) -> list:
    from catalog.models import Category, Product, Variant
    from promotions.models import (
        FlashPriceItem,
        Promotion,
        PromotionKind,
        PromotionScope,
        PromotionTier,
        Stacking,
    )

    categories = Category.objects.bulk_create([Category(name=f"Category {n}") for n in range(40)])
    products = Product.objects.bulk_create(
        [
            Product(code=f"P{n:05d}", title=f"Product {n}", category=categories[n % 40])
            for n in range(400)
        ]
    )
    variants = Variant.objects.bulk_create(
        [
            Variant(
                sku_code=f"SKU-{n:05d}",
                product=products[n % 400],
                price=Decimal(rng.randrange(30, 400)) + Decimal("0.90"),
            )
            for n in range(2000)
        ]
    )
    kinds = [
        PromotionKind.PERCENT_OFF,
        PromotionKind.AMOUNT_OFF,
        PromotionKind.FULL_REDUCTION,
        PromotionKind.BUY_N_GET_M,
        PromotionKind.FLASH_PRICE,
    ]
    for number in range(PROMOTIONS):
        kind = kinds[number % len(kinds)]
        scope = [
            PromotionScope.STORE,
            PromotionScope.CATEGORIES,
            PromotionScope.PRODUCTS,
            PromotionScope.SKUS,
        ][number % 4]
        if kind == PromotionKind.FLASH_PRICE:
            scope = PromotionScope.SKUS
        promotion = Promotion.objects.create(
            name=f"Promotion {number}",
            kind=kind,
            percent_off=Decimal(rng.choice([5, 10, 15])) if kind == "percent_off" else 0,
            amount_off=Decimal(rng.choice([5, 10, 20])) if kind == "amount_off" else 0,
            min_spend=Decimal(rng.choice([0, 100, 200])) if kind == "amount_off" else 0,
            buy_quantity=2 if kind == "buy_n_get_m" else 0,
            free_quantity=1 if kind == "buy_n_get_m" else 0,
            scope=scope,
            starts_at=now - dt.timedelta(days=1),
            ends_at=now + dt.timedelta(days=7),
            priority=rng.randrange(0, 10),
            stacking=Stacking.EXCLUSIVE if number % 50 == 7 else Stacking.STACKABLE,
            total_usage_limit=1000 if number % 3 == 0 else None,
        )
        if scope == PromotionScope.CATEGORIES:
            promotion.categories.set(rng.sample(categories, 3))
        elif scope == PromotionScope.PRODUCTS:
            promotion.products.set(rng.sample(products, 20))
            promotion.excluded_variants.set(rng.sample(variants, 5))
        elif scope == PromotionScope.SKUS and kind != PromotionKind.FLASH_PRICE:
            promotion.variants.set(rng.sample(variants, 40))
        if kind == PromotionKind.FULL_REDUCTION:
            PromotionTier.objects.bulk_create(
                [
                    PromotionTier(promotion=promotion, threshold=Decimal(t), amount_off=Decimal(o))
                    for t, o in ((300, 30), (500, 60), (1000, 150))
                ]
            )
        if kind == PromotionKind.FLASH_PRICE:
            FlashPriceItem.objects.bulk_create(
                [
                    FlashPriceItem(
                        promotion=promotion,
                        variant=variant,
                        price=(variant.price * Decimal("0.7")).quantize(Decimal("0.01")),
                        quantity_cap=50,
                    )
                    for variant in rng.sample(variants, 10)
                ]
            )
    return variants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="profile 100 quotes")
    arguments = parser.parse_args()
    ensure_database(fresh=True)
    print(cpu_reference(), flush=True)
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # as in production: no query log kept in memory
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from promotions.services import quote

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    now = timezone.now()
    variants = build(rng, now)
    carts = [
        [(variant, rng.randrange(1, 4)) for variant in rng.sample(variants, CART_LINES)]
        for _run in range(RUNS)
    ]
    quote(carts[0], at=now)  # warm caches (translations, querysets)
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        result = quote(carts[1], at=now)
    timings = []
    for cart in carts:
        started = time.perf_counter()
        quote(cart, at=now)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    if arguments.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for cart in carts[:100]:
            quote(cart, at=now)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    print(
        f"quote, {CART_LINES}-line cart, {PROMOTIONS} active promotions "
        f"({connection.vendor}): median {statistics.median(timings):.2f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)]:.2f} ms, {len(executed)} queries; "
        f"{len(result.applied)} applied and {len(result.rejected)} refused in the sample; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
