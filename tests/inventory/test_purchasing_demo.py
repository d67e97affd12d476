import pytest
from django.core.management import call_command

from inventory.models import PurchaseOrder


@pytest.mark.django_db
def test_the_demo_has_open_purchase_orders_and_seeding_twice_adds_none():
    call_command("seed_demo", "--seed", "7", "--days", "30")
    first = sorted(PurchaseOrder.objects.values_list("status", flat=True))
    call_command("seed_demo", "--seed", "7", "--days", "30")

    assert first == ["draft", "ordered", "partially_received"]
    assert sorted(PurchaseOrder.objects.values_list("status", flat=True)) == first
