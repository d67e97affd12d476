"""Factories for purchasing tests: suppliers and SKUs they deliver."""

from __future__ import annotations

import factory

from catalog.models import Supplier
from tests.inventory.factories import VariantFactory


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda number: f"SUP-{number:03d}")
    name = factory.Sequence(lambda number: f"Supplier {number}")
    lead_time_days = 7


class SuppliedVariantFactory(VariantFactory):
    supplier = factory.SubFactory(SupplierFactory)
