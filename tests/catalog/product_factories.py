"""Factories for the product, variant and category tests."""

from __future__ import annotations

from decimal import Decimal

import factory

from catalog.models import Category, Product, ProductStatus, Tag, Variant


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda number: f"Category {number}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda number: f"Tag {number}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda number: f"P{number:05d}")
    title = factory.Sequence(lambda number: f"Cotton T-shirt {number}")
    category = factory.SubFactory(CategoryFactory)
    status = ProductStatus.ON_SALE
    list_price = Decimal("99.00")


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    sku_code = factory.Sequence(lambda number: f"SKU-{number:05d}")
    product = factory.SubFactory(ProductFactory)
    options = factory.LazyFunction(lambda: {"colour": "red", "size": "M"})
    barcode = factory.Sequence(lambda number: f"69200000{number:05d}")
    price = Decimal("89.00")
    cost_price = Decimal("35.50")
    reorder_point = 5
    safety_stock = 2
