"""Factories of paid-traffic rows; ad channels come from the data migration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from promotions.models import AdBudget, AdChannel, AdSpendDay


def ad_channel(code: str) -> AdChannel:
    return AdChannel.objects.get(code=code)


class AdSpendDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdSpendDay

    date = dt.date(2026, 3, 10)
    channel = factory.LazyFunction(lambda: ad_channel("search_ads"))
    campaign = ""
    impressions = 1000
    clicks = 50
    spend = Decimal("100.00")
    attributed_orders = 2
    attributed_sales = Decimal("300.00")


class AdBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdBudget

    month = dt.date(2026, 3, 1)
    channel = factory.LazyFunction(lambda: ad_channel("search_ads"))
    amount = Decimal("3100.00")
