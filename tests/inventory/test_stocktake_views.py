"""Stocktake pages: permissions, the blind count, the count sheet, review and posting."""

import io

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from inventory import services, stocktake
from inventory.models import StockLevel, StockMovement, Stocktake, StocktakeStatus
from tests.inventory.factories import VariantFactory

LIST = "/inventory/stocktakes/"


@pytest.fixture
def stocked_shirt(main_warehouse, warehouse_clerk):
    shirt = VariantFactory(sku_code="SHIRT-M", cost_price="12.40")
    services.receive(variant=shirt, quantity=4817, by=warehouse_clerk, reason="Delivery")
    return shirt


@pytest.fixture
def counting(stocked_shirt, main_warehouse, warehouse_clerk):
    return stocktake.open_stocktake(warehouse=main_warehouse, by=warehouse_clerk)


@pytest.fixture
def in_review(counting, warehouse_clerk):
    stocktake.record_counts(stocktake=counting, counts={"SHIRT-M": 4814}, by=warehouse_clerk)
    return stocktake.finish_counting(stocktake=counting, by=warehouse_clerk)


@pytest.fixture
def stock_only_user(make_user):
    user = make_user(None, username="stock-only")
    user.user_permissions.add(Permission.objects.get(codename="manage_inventory"))
    return user


@pytest.mark.django_db
def test_stocktake_pages_are_refused_to_customer_service(client, counting, service_agent):
    client.force_login(service_agent)
    base = f"{LIST}{counting.pk}/"

    statuses = [client.get(url).status_code for url in (LIST, f"{LIST}new/", base, f"{base}sheet/")]
    posted = client.post(f"{base}count/", {}).status_code

    assert statuses == [403, 403, 403, 403]
    assert posted == 403


@pytest.mark.django_db
def test_opening_from_the_form_creates_the_stocktake(
    client, stocked_shirt, main_warehouse, manager
):
    client.force_login(manager)

    response = client.post(f"{LIST}new/", {"warehouse": main_warehouse.pk, "sku_prefix": "SHIRT"})

    opened = Stocktake.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{opened.pk}/"
    assert [line.variant.sku_code for line in opened.lines.all()] == ["SHIRT-M"]


@pytest.mark.django_db
def test_the_count_page_is_blind(client, counting, warehouse_clerk):
    client.force_login(warehouse_clerk)

    response = client.get(f"{LIST}{counting.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="count_' in page
    assert "4817" not in page
    assert "Expected" not in page


@pytest.mark.django_db
def test_counts_entered_on_the_page_are_saved(client, counting, warehouse_clerk):
    client.force_login(warehouse_clerk)
    line = counting.lines.get()

    response = client.post(f"{LIST}{counting.pk}/count/", {f"count_{line.pk}": "35"})

    line.refresh_from_db()
    assert response.status_code == 302
    assert (line.counted, line.counted_by) == (35, warehouse_clerk)


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["-3", "2.5"])
def test_negative_or_fractional_counts_on_the_page_are_refused(
    client, counting, warehouse_clerk, bad
):
    client.force_login(warehouse_clerk)
    line = counting.lines.get()

    response = client.post(f"{LIST}{counting.pk}/count/", {f"count_{line.pk}": bad})

    line.refresh_from_db()
    assert response.status_code == 400
    assert line.counted is None


@pytest.mark.django_db
def test_the_count_sheet_has_a_blank_count_column_and_no_expected(
    client, counting, warehouse_clerk
):
    client.force_login(warehouse_clerk)

    csv_body = b"".join(client.get(f"{LIST}{counting.pk}/sheet/?format=csv").streaming_content)
    xlsx = client.get(f"{LIST}{counting.pk}/sheet/?format=xlsx")

    lines = csv_body.decode("utf-8-sig").splitlines()
    assert lines[0] == "Stocktake,SKU code,Product,Options,Counted"
    assert lines[1].startswith(f"{counting.number},SHIRT-M,")
    assert lines[1].endswith(",")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert rows[1][:2] == (counting.number, "SHIRT-M")
    assert rows[1][4] is None


@pytest.mark.django_db
def test_review_shows_variance_and_value_at_cost(client, in_review, warehouse_clerk):
    client.force_login(warehouse_clerk)

    page = client.get(f"{LIST}{in_review.pk}/").content.decode()

    assert "Value at cost" in page
    assert '<td class="number">4817</td>' in page
    assert '<td class="number">-3</td>' in page
    assert '<td class="number">-37.20</td>' in page


@pytest.mark.django_db
def test_review_hides_value_without_view_costs(client, in_review, stock_only_user):
    client.force_login(stock_only_user)

    response = client.get(f"{LIST}{in_review.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<td class="number">-3</td>' in page
    assert "Value at cost" not in page
    assert "37.20" not in page


@pytest.mark.django_db
def test_posting_from_the_page_adjusts_stock_once(
    client, in_review, stocked_shirt, main_warehouse, warehouse_clerk
):
    client.force_login(warehouse_clerk)
    url = f"{LIST}{in_review.pk}/post/"

    first = client.post(url, {"reason": "Monthly count"})
    rows_after_first = StockMovement.objects.count()
    second = client.post(url, {"reason": "Monthly count"}, follow=True)

    in_review.refresh_from_db()
    level = StockLevel.objects.get(variant=stocked_shirt, warehouse=main_warehouse)
    assert (first.status_code, second.status_code) == (302, 200)
    assert in_review.status == StocktakeStatus.POSTED
    assert level.on_hand == 4814
    assert StockMovement.objects.count() == rows_after_first
    assert "cannot be posted" in second.content.decode()


@pytest.mark.django_db
def test_posting_without_a_reason_is_refused(client, in_review, warehouse_clerk):
    client.force_login(warehouse_clerk)

    response = client.post(f"{LIST}{in_review.pk}/post/", {"reason": ""})

    in_review.refresh_from_db()
    assert response.status_code == 400
    assert in_review.status == StocktakeStatus.REVIEW


@pytest.mark.django_db
def test_stocktake_is_in_the_navigation_for_the_warehouse(client, warehouse_clerk, main_warehouse):
    client.force_login(warehouse_clerk)

    page = client.get(LIST).content.decode()

    assert f'href="{LIST}"' in page


@pytest.mark.django_db
def test_the_count_page_queries_do_not_grow_with_lines(
    client, main_warehouse, warehouse_clerk, django_assert_max_num_queries
):
    for number in range(30):
        VariantFactory(sku_code=f"BULK-{number:02d}")
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=warehouse_clerk)
    stocktake.record_counts(
        stocktake=opened, counts={f"BULK-{n:02d}": n for n in range(30)}, by=warehouse_clerk
    )
    client.force_login(warehouse_clerk)

    with django_assert_max_num_queries(15):
        response = client.get(f"{LIST}{opened.pk}/")

    assert response.content.decode().count('name="count_') == 30


@pytest.mark.django_db
def test_the_review_page_queries_do_not_grow_with_lines(
    client, main_warehouse, warehouse_clerk, django_assert_max_num_queries
):
    for number in range(30):
        VariantFactory(sku_code=f"BULK-{number:02d}")
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=warehouse_clerk)
    stocktake.record_counts(
        stocktake=opened, counts={f"BULK-{n:02d}": n for n in range(30)}, by=warehouse_clerk
    )
    stocktake.finish_counting(stocktake=opened, by=warehouse_clerk)
    client.force_login(warehouse_clerk)

    with django_assert_max_num_queries(15):
        response = client.get(f"{LIST}{opened.pk}/")

    page = response.content.decode()
    assert page.count('<td class="number">+') == 31
    assert '<td class="number">+435</td>' in page
