"""A query compiled once with stand-ins answers as the queryset built with the real values."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from storeops.compiled import CompiledQuery

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def joined(*, after: dt.datetime, on_or_after_day: dt.date, from_id: int):
    return (
        get_user_model()
        .objects.filter(
            date_joined__gt=after, date_joined__date__gte=on_or_after_day, pk__gte=from_id
        )
        .order_by("username")
        .values_list("username")
    )


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

        assert rows == expected
    assert len(builds) == 1
    # The stand-ins are no real values: nothing was compiled with the first call's.
    assert builds[0]["after"].year == 1900 and builds[0]["from_id"] < 0
    assert [name for (name,) in query.rows(after=START, on_or_after_day=START.date(), from_id=0)][
        :2
    ] == ["user06", "user12"]


def test_a_value_of_a_type_without_a_stand_in_is_refused():
    query = CompiledQuery(lambda **values: get_user_model().objects.all())

    with pytest.raises(TypeError):
        query.sql(name="text")
