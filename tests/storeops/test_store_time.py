"""Pages and exports show times as the store lives them, whatever the server's zone."""

import datetime as dt
from decimal import Decimal

import pytest

from storeops.exports import iter_csv
from tests.orders.factories import VariantFactory, WarehouseFactory, build_order

pytestmark = pytest.mark.django_db

# 02:30 UTC is 10:30 in Shanghai (the default STORE_TIMEZONE), on the same day.
PLACED = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)


def test_the_order_page_shows_the_store_time(client, manager):
    WarehouseFactory(code="WH-MAIN", is_default=True)
    tee = VariantFactory(sku_code="TEE-1", price=Decimal("10.00"))
    order = build_order(by=manager, items=[(tee, 1)], paid=False, placed_at=PLACED)
    client.force_login(manager)

    page = client.get(f"/console/orders/{order.pk}/").content.decode()

    assert "placed 2026-03-01 10:30" in page
    assert "2026-03-01 02:30" not in page


def test_the_api_keeps_utc(client, manager):
    WarehouseFactory(code="WH-MAIN", is_default=True)
    tee = VariantFactory(sku_code="TEE-1", price=Decimal("10.00"))
    order = build_order(by=manager, items=[(tee, 1)], paid=False, placed_at=PLACED)
    client.force_login(manager)

    body = client.get(f"/api/v1/orders/{order.pk}/").json()

    assert dt.datetime.fromisoformat(body["placed_at"]) == PLACED
    assert body["placed_at"].endswith(("Z", "+00:00"))


def test_csv_exports_write_store_time_with_its_offset():
    text = b"".join(iter_csv(["at"], [[PLACED]])).decode("utf-8-sig")

    assert text.splitlines()[1] == "2026-03-01 10:30:00+08:00"
