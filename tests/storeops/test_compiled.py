"""A query compiled once with stand-ins answers as the queryset built with the real values."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Variant
from storeops.compiled import CompiledQuery
from tests.orders.factories import VariantFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def joined(*, after: dt.datetime, on_or_after_day: dt.date, from_id: int, names=None):
    users = get_user_model().objects.filter(
        date_joined__gt=after, date_joined__date__gte=on_or_after_day, pk__gte=from_id
    )
    if names is not None:
        users = users.filter(username__in=names)
    return users.order_by("username").values_list("username")


@pytest.fixture
def people(db):
    users = get_user_model().objects
    return [
        users.create(username=f"user{hour:02d}", date_joined=START + dt.timedelta(hours=hour))
        for hour in range(0, 72, 6)
    ]


def test_each_call_binds_its_own_values_to_the_sql_compiled_once(people):
    builds = []

    def build(**values):
        builds.append(values)
        return joined(**values)

    query = CompiledQuery(build)
    cases = [
        (START, START.date(), people[0].pk),
        (START + dt.timedelta(hours=20), START.date(), people[0].pk),
        (START, (START + dt.timedelta(days=2)).date(), people[0].pk),
        (START, START.date(), people[-3].pk),
        (START + dt.timedelta(days=9), START.date(), 0),
    ]
    for after, day, from_id in cases:
        expected = list(joined(after=after, on_or_after_day=day, from_id=from_id))

        rows = query.rows(after=after, on_or_after_day=day, from_id=from_id)

        assert [tuple(row) for row in rows] == expected
    assert len(builds) == 1
    # The stand-ins are no real values: nothing was compiled with the first call's.
    assert builds[0]["after"].year == 1900 and builds[0]["from_id"] < 0


def test_texts_and_lists_are_bound_and_each_length_of_list_compiles_once(people):
    builds = []

    def build(**values):
        builds.append(values)
        return joined(**values)

    query = CompiledQuery(build)
    common = {"after": START, "on_or_after_day": START.date(), "from_id": 0}

    two = query.rows(names=["user06", "user12"], **common)
    other_two = query.rows(names=["user18", "nobody"], **common)
    three = query.rows(names=["user00", "user30", "user36"], **common)

    assert [row[0] for row in two] == ["user06", "user12"]
    assert [row[0] for row in other_two] == ["user18"]
    assert [row[0] for row in three] == ["user30", "user36"]  # user00 joined at START itself
    assert len(builds) == 2


def test_instances_are_the_querysets_with_their_related_objects_and_converted_values(db):
    VariantFactory(sku_code="TEE-1", price=Decimal("89.00"))
    VariantFactory(sku_code="CAP-1", price=Decimal("45.50"))
    query = CompiledQuery(
        lambda codes: (
            Variant.objects.filter(sku_code__in=codes)
            .select_related("product")
            .order_by("sku_code")
        )
    )

    found = query.instances(codes=["TEE-1", "CAP-1"])
    expected = list(
        Variant.objects.filter(sku_code__in=["TEE-1", "CAP-1"])
        .select_related("product")
        .order_by("sku_code")
    )

    assert found == expected
    assert [variant.price for variant in found] == [Decimal("45.50"), Decimal("89.00")]
    assert all(isinstance(variant.price, Decimal) for variant in found)
    assert [variant.product.title for variant in found] == [v.product.title for v in expected]
    assert not found[0]._state.adding


def test_a_value_without_a_stand_in_or_not_in_the_sql_whole_is_refused(db):
    users = get_user_model().objects

    with pytest.raises(TypeError):
        CompiledQuery(lambda amount: users.filter(pk=amount)).sql(amount=Decimal("1.5"))
    # A LIKE pattern is made from the text: no whole parameter to swap.
    with pytest.raises(ValueError):
        CompiledQuery(lambda start: users.filter(username__startswith=start)).sql(start="us")
