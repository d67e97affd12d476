import pytest
from django.core.management import call_command

from catalog.models import Supplier


def snapshot() -> list[tuple]:
    return list(
        Supplier.objects.order_by("code").values_list(
            "code", "name", "phone", "lead_time_days", "min_order_amount", "is_active"
        )
    )


@pytest.mark.django_db
def test_seed_demo_is_deterministic_for_a_seed():
    call_command("seed_demo", "--seed", "7", "--days", "30")
    first = snapshot()
    call_command("seed_demo", "--seed", "7", "--days", "30")

    assert snapshot() == first
    assert len(first) == 8


@pytest.mark.django_db
def test_seed_demo_if_empty_leaves_existing_data_alone():
    call_command("seed_demo", "--seed", "7")
    Supplier.objects.filter(code="SUP-HZ01").update(name="Renamed by staff")

    call_command("seed_demo", "--if-empty")

    assert Supplier.objects.get(code="SUP-HZ01").name == "Renamed by staff"
