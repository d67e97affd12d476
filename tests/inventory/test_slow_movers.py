"""Slow movers and clearance candidates: the arithmetic on a seeded ledger, the
clearance rule, warehouse filter, exports, costs and who may see the page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from catalog.models import Season
from inventory import services
from inventory import slow_movers as figures
from tests.inventory.factories import ProductFactory, VariantFactory

TODAY = dt.date(2026, 7, 15)  # summer: spring, autumn and winter are over
NOW = "2026-07-15 04:00:00"  # UTC, 12:00 in Shanghai


def sku(code: str, season: str, *, cost: str = "35.50"):
    return VariantFactory(
        sku_code=code, product=ProductFactory(season=season), cost_price=Decimal(cost)
    )


def receive(variant, quantity: int, when: str, by, warehouse=None) -> None:
    with freeze_time(when):
        services.receive(
            variant=variant, warehouse=warehouse, quantity=quantity, by=by, reason="Delivery"
        )


def sell(variant, quantity: int, when: str, by, warehouse=None) -> None:
    with freeze_time(when):
        services.ship(
            variant=variant,
            warehouse=warehouse,
            quantity=quantity,
            by=by,
            reason="Order",
            from_reserved=False,
        )


@pytest.fixture
def seeded(main_warehouse, warehouse_clerk):
    """A winter coat that sells slowly, a summer dress selling well, a winter
    scarf selling at pace, winter gloves never sold, a sold-out hat and a
    winter hat that sold out once and was received again."""
    by = warehouse_clerk
    coat = sku("COAT", Season.WINTER)
    receive(coat, 100, "2026-03-01 02:00", by)
    sell(coat, 5, "2026-05-01 02:00", by)  # outside the 28-day window
    sell(coat, 10, "2026-07-01 02:00", by)
    dress = sku("DRESS", Season.SUMMER)
    receive(dress, 20, "2026-06-01 02:00", by)
    sell(dress, 10, "2026-07-10 02:00", by)
    scarf = sku("SCARF", Season.WINTER)
    receive(scarf, 10, "2026-06-01 02:00", by)
    sell(scarf, 5, "2026-07-14 02:00", by)
    gloves = sku("GLOVES", Season.WINTER, cost="12.00")
    receive(gloves, 3, "2026-02-01 02:00", by)
    sold_out = sku("CAP", Season.WINTER)
    receive(sold_out, 2, "2026-06-01 02:00", by)
    sell(sold_out, 2, "2026-07-01 02:00", by)
    beanie = sku("BEANIE", Season.WINTER)
    receive(beanie, 5, "2026-04-01 02:00", by)
    sell(beanie, 5, "2026-04-10 02:00", by)
    receive(beanie, 8, "2026-05-01 02:00", by)
    receive(beanie, 2, "2026-06-01 02:00", by)
    return {"coat": coat, "dress": dress, "gloves": gloves, "beanie": beanie}


def rows_by_sku(**options) -> dict[str, figures.SlowMover]:
    with freeze_time(NOW):
        rows = figures.describe(figures.slow_movers(**options), days=options.get("days", 28))
    return {row.variant.sku_code: row for row in rows}


@pytest.mark.django_db
def test_the_figures_of_a_slow_winter_coat(seeded):
    coat = rows_by_sku(with_costs=True)["COAT"]

    assert (coat.on_hand, coat.sold_units) == (85, 10)
    assert coat.daily_velocity == Decimal("0.36")
    assert coat.days_of_cover == Decimal("238.0")  # 85 × 28 ÷ 10
    assert coat.days_since_last_sale == 14
    assert coat.stock_age_days == 136  # since 2026-03-01
    assert coat.value_at_cost == Decimal("3017.50")


@pytest.mark.django_db
def test_a_sku_never_sold_has_no_cover_and_no_last_sale(seeded):
    gloves = rows_by_sku()["GLOVES"]

    assert (gloves.sold_units, gloves.days_of_cover, gloves.days_since_last_sale) == (0, None, None)
    assert gloves.stock_age_days == 164
    assert gloves.value_at_cost is None


@pytest.mark.django_db
def test_stock_age_counts_from_the_first_receipt_after_it_was_last_empty(seeded):
    assert rows_by_sku()["BEANIE"].stock_age_days == 75  # 2026-05-01, not 04-01 or 06-01


@pytest.mark.django_db
def test_sold_out_skus_are_left_out_and_the_slowest_come_first(seeded):
    rows = list(rows_by_sku())

    assert rows == ["BEANIE", "GLOVES", "SCARF", "COAT", "DRESS"]


@pytest.mark.django_db
def test_a_longer_window_counts_older_sales(seeded):
    coat = rows_by_sku(days=90)["COAT"]

    assert coat.sold_units == 15
    assert coat.days_of_cover == Decimal("510.0")  # 85 × 90 ÷ 15


@pytest.mark.django_db
def test_clearance_candidates_are_out_of_season_and_slow_or_unsold(seeded):
    candidates = rows_by_sku(clearance=True)

    # SCARF covers 28 days (below 90) and sold yesterday; DRESS is in season.
    assert sorted(candidates) == ["BEANIE", "COAT", "GLOVES"]


@pytest.mark.django_db
def test_a_higher_cover_threshold_keeps_only_the_unsold(seeded, warehouse_clerk):
    sell(seeded["beanie"], 1, "2026-07-14 02:00", warehouse_clerk)

    candidates = rows_by_sku(clearance=True, cover_threshold=300)

    # COAT's 238 days no longer count; BEANIE sold yesterday (9 × 28 = 252 days).
    assert sorted(candidates) == ["GLOVES"]


@pytest.mark.django_db
def test_no_sale_in_sixty_days_is_a_candidate_whatever_the_cover(seeded, warehouse_clerk):
    old = sku("MITTENS", Season.AUTUMN)
    receive(old, 1, "2026-01-01 02:00", warehouse_clerk)
    receive(old, 1, "2026-01-02 02:00", warehouse_clerk)
    sell(old, 1, "2026-05-01 02:00", warehouse_clerk)

    candidates = rows_by_sku(clearance=True, cover_threshold=3000)

    assert "MITTENS" in candidates and "COAT" not in candidates


@pytest.mark.django_db
def test_the_seasons_of_the_year():
    assert figures.current_season(dt.date(2026, 1, 10)) == Season.WINTER
    assert figures.current_season(dt.date(2026, 4, 30)) == Season.SPRING
    assert figures.ended_seasons(TODAY) == [Season.SPRING, Season.AUTUMN, Season.WINTER]


@pytest.mark.django_db
def test_the_warehouse_filter_counts_only_that_warehouse(seeded, second_warehouse, warehouse_clerk):
    receive(seeded["coat"], 4, "2026-07-01 02:00", warehouse_clerk, warehouse=second_warehouse)
    sell(seeded["coat"], 1, "2026-07-02 02:00", warehouse_clerk, warehouse=second_warehouse)

    south = rows_by_sku(warehouse=second_warehouse)
    everywhere = rows_by_sku()

    assert list(south) == ["COAT"]
    assert (south["COAT"].on_hand, south["COAT"].sold_units, south["COAT"].stock_age_days) == (
        3,
        1,
        14,
    )
    assert (everywhere["COAT"].on_hand, everywhere["COAT"].sold_units) == (88, 11)


# The page


@pytest.fixture
def inventory_only_user(make_user):
    user = make_user(None, username="counter")
    user.user_permissions.add(Permission.objects.get(codename="manage_inventory"))
    return user


@pytest.mark.django_db
def test_the_page_shows_the_figures_and_value_at_cost(client, seeded, warehouse_clerk):
    client.force_login(warehouse_clerk)

    with freeze_time(NOW):
        page = client.get(reverse("inventory:slow-movers"), {"clearance": "on"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "COAT" in html and "238.0" in html and "3,017.50" in html
    assert "DRESS" not in html


@pytest.mark.django_db
def test_value_at_cost_is_hidden_without_view_costs(client, seeded, inventory_only_user):
    client.force_login(inventory_only_user)

    with freeze_time(NOW):
        html = client.get(reverse("inventory:slow-movers")).content.decode()
        exported = b"".join(
            client.get(reverse("inventory:slow-movers"), {"export": "csv"}).streaming_content
        ).decode("utf-8-sig")

    assert "COAT" in html and "Value at cost" not in html and "3,017.50" not in html
    assert "Value at cost" not in exported and "3017.50" not in exported


@pytest.mark.django_db
def test_customer_service_and_marketing_cannot_see_slow_movers(client, service_agent, marketer):
    for user in (service_agent, marketer):
        client.force_login(user)
        assert client.get(reverse("inventory:slow-movers")).status_code == 403
        assert reverse("inventory:slow-movers") not in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_csv_and_xlsx_exports_hold_every_row(client, seeded, warehouse_clerk):
    client.force_login(warehouse_clerk)

    with freeze_time(NOW):
        csv_response = client.get(reverse("inventory:slow-movers"), {"export": "csv"})
        xlsx_response = client.get(reverse("inventory:slow-movers"), {"export": "xlsx"})

    rows = list(
        csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig")))
    )
    assert [row[0] for row in rows[1:]] == ["BEANIE", "GLOVES", "SCARF", "COAT", "DRESS"]
    coat = rows[4]
    assert coat[4:] == ["85", "10", "0.36", "238.0", "14", "136", "3017.50"]
    assert rows[2][7:9] == ["no sales", "never"]
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "BEANIE",
        "GLOVES",
        "SCARF",
        "COAT",
        "DRESS",
    ]


@pytest.mark.django_db
def test_the_page_takes_the_same_queries_whatever_its_size(client, main_warehouse, warehouse_clerk):
    client.force_login(warehouse_clerk)
    url = reverse("inventory:slow-movers")

    def queries_for_a_page() -> int:
        client.get(url)  # warm the session and user caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for number in range(3):
        receive(sku(f"S{number}", Season.WINTER), 5, "2026-06-01 02:00", warehouse_clerk)
    small = queries_for_a_page()
    for number in range(3, 30):
        receive(sku(f"S{number}", Season.WINTER), 5, "2026-06-01 02:00", warehouse_clerk)

    assert queries_for_a_page() == small
