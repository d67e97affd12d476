"""Factories for stock tests: catalog rows to stock, and warehouses."""

from __future__ import annotations

from decimal import Decimal

import factory

from catalog.models import Category, Product, Variant
from inventory.models import Warehouse


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda number: f"Category {number}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda number: f"P{number:05d}")
    title = factory.Sequence(lambda number: f"Cotton T-shirt {number}")
    category = factory.SubFactory(CategoryFactory)
    list_price = Decimal("99.00")


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    sku_code = factory.Sequence(lambda number: f"SKU-{number:05d}")
    product = factory.SubFactory(ProductFactory)
    price = Decimal("89.00")
    cost_price = Decimal("35.50")
    reorder_point = 5
    safety_stock = 2


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda number: f"WH-{number:02d}")
    name = factory.Sequence(lambda number: f"Warehouse {number}")
    is_default = False
