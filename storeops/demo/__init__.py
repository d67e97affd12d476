"""Demo data: a believable store, built deterministically from a seed.

Each app that has demo data provides ``<app>/demo.py`` with a function
``seed(*, context: DemoContext) -> dict[str, int]`` returning what it made.
Apps are seeded in layer order (catalog before inventory before orders ...),
so a later app can read what an earlier one made.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from dataclasses import dataclass, field

from django.apps import apps

# Lower layers first: what an app seeds may depend only on the apps before it.
SEED_ORDER = ["catalog", "inventory", "promotions", "customers", "orders", "reports"]


@dataclass
class DemoContext:
    random: random.Random
    days: int
    today: dt.date
    made: dict[str, dict[str, int]] = field(default_factory=dict)


def demo_modules() -> list[tuple[str, object]]:
    modules = []
    for label in SEED_ORDER:
        if not apps.is_installed(label):
            continue
        try:
            module = importlib.import_module(f"{label}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{label}.demo":
                raise
            continue
        modules.append((label, module))
    return modules


def seed_all(*, seed: int, days: int, today: dt.date) -> DemoContext:
    """Seed every app's demo data; the caller owns the transaction."""
    context = DemoContext(random=random.Random(seed), days=days, today=today)
    for label, module in demo_modules():
        context.made[label] = module.seed(context=context)
    return context
