"""Orders typed in by hand from the console: phone orders and replacements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import SalesChannel
from orders.models import Order, OrderKind, OrderStatus
from promotions.coupons import generate_coupon_batch
from promotions.models import CouponRedemption, PromotionUsage
from storeops import business_day
from tests.orders.conftest import stock_of
from tests.orders.factories import build_order
from tests.promotions.factories import PromotionTierFactory

pytestmark = pytest.mark.django_db

NEW = "orders:console-new-order"


def post_data(lines, **fields):
    """The new-order form: ``lines`` = [(sku_code, quantity, unit_price or "")]."""
    data = {
        "channel": SalesChannel.objects.get(code="manual").pk,
        "kind": OrderKind.NORMAL,
        "buyer_nickname": "电话客户",
        "recipient_name": "王五",
        "phone": "13700001234",
        "province": "江苏省",
        "city": "南京市",
        "address": "鼓楼区中山路 1 号",
        "buyer_note": "",
        "shipping_fee": "10.00",
        "is_paid": "on",
        "action": "save",
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
    }
    for index, (sku_code, quantity, unit_price) in enumerate(lines):
        data[f"lines-{index}-sku_code"] = sku_code
        data[f"lines-{index}-quantity"] = str(quantity)
        data[f"lines-{index}-unit_price"] = unit_price
    data.update(fields)
    return data


def test_an_agent_creates_a_paid_manual_order_at_the_sku_prices(client, tee, cap, service_agent):
    client.force_login(service_agent)

    response = client.post(reverse(NEW), post_data([("TEE-RED-M", 2, ""), ("CAP-BLUE", 1, "40")]))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orders:console-order", args=[order.pk])
    assert order.order_no == f"M{business_day.today():%Y%m%d}001"
    assert order.channel.code == "manual"
    assert [(line.sku_code, line.quantity, line.unit_price) for line in order.lines.all()] == [
        ("TEE-RED-M", 2, Decimal("89.00")),
        ("CAP-BLUE", 1, Decimal("40.00")),
    ]
    assert (order.goods_total, order.shipping_fee, order.paid_total) == (
        Decimal("218.00"),
        Decimal("10.00"),
        Decimal("228.00"),
    )
    assert order.status == OrderStatus.PAID
    assert order.created_by == service_agent
    assert stock_of(tee) == (10, 2)


def test_manual_order_numbers_follow_a_daily_sequence_per_channel(client, tee, service_agent):
    client.force_login(service_agent)

    client.post(reverse(NEW), post_data([("TEE-RED-M", 1, "")]))
    client.post(reverse(NEW), post_data([("TEE-RED-M", 1, "")]))

    today = f"M{business_day.today():%Y%m%d}"
    assert sorted(Order.objects.values_list("order_no", flat=True)) == [
        f"{today}001",
        f"{today}002",
    ]


def test_an_unpaid_manual_order_reserves_nothing(client, tee, service_agent):
    client.force_login(service_agent)
    data = post_data([("TEE-RED-M", 1, "")])
    del data["is_paid"]

    client.post(reverse(NEW), data)

    order = Order.objects.get()
    assert (order.status, order.paid_at) == (OrderStatus.PENDING_PAYMENT, None)
    assert stock_of(tee) == (10, 0)


def test_not_enough_stock_is_a_form_error_and_creates_nothing(client, tee, service_agent):
    client.force_login(service_agent)

    response = client.post(reverse(NEW), post_data([("TEE-RED-M", 8, ""), ("TEE-RED-M", 3, "")]))

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors == ["Not enough stock of TEE-RED-M: 11 wanted, 10 available."]
    assert Order.objects.count() == 0
    assert stock_of(tee) == (10, 0)


def test_an_unknown_sku_is_a_line_error(client, tee, service_agent):
    client.force_login(service_agent)

    response = client.post(reverse(NEW), post_data([("NO-SUCH", 1, "")]))

    assert response.context["formset"].forms[0].errors["sku_code"] == [
        "Unknown SKU code “NO-SUCH”."
    ]
    assert Order.objects.count() == 0


def test_the_preview_shows_the_total_and_saves_nothing(client, tee, service_agent):
    client.force_login(service_agent)

    response = client.post(reverse(NEW), post_data([("TEE-RED-M", 2, "")], action="preview"))

    assert response.context["draft"].total == Decimal("188.00")
    assert Order.objects.count() == 0


def test_the_total_fragment_adds_up_the_lines_and_shipping(client, tee, cap, service_agent):
    client.force_login(service_agent)

    response = client.post(
        reverse("orders:console-new-order-total"),
        post_data([("TEE-RED-M", 1, ""), ("CAP-BLUE", 2, "")], shipping_fee="0"),
    )

    assert '<strong class="total">179.00</strong>' in response.content.decode()
    assert Order.objects.count() == 0


def test_the_sku_lookup_shows_title_price_and_available_stock(client, tee, manager, service_agent):
    build_order(by=manager, items=[(tee, 3)])
    client.force_login(service_agent)

    response = client.get(
        reverse("orders:console-new-order-sku"), {"lines-0-sku_code": "TEE-RED-M"}
    )

    assert response.context["variant"] == tee
    assert response.context["available"] == 7
    page = response.content.decode()
    assert '<span class="sku-price">89.00</span>' in page
    assert tee.product.title in page


def test_a_replacement_order_is_not_counted_as_a_sale_of_the_buyer(client, tee, service_agent):
    client.force_login(service_agent)

    client.post(reverse(NEW), post_data([("TEE-RED-M", 1, "0")], kind=OrderKind.REPLACEMENT))

    order = Order.objects.get()
    assert (order.kind, order.paid_total) == (OrderKind.REPLACEMENT, Decimal("10.00"))
    assert order.customer.order_count == 0


def test_marketing_cannot_open_the_new_order_page(client, tee, marketer):
    client.force_login(marketer)

    assert client.get(reverse(NEW)).status_code == 403
    assert client.post(reverse(NEW), post_data([("TEE-RED-M", 1, "")])).status_code == 403
    assert Order.objects.count() == 0


def test_the_console_links_to_the_new_order_page(client, service_agent):
    client.force_login(service_agent)

    page = client.get(reverse("orders:console")).content.decode()
    form = client.get(reverse(NEW))

    assert f'href="{reverse(NEW)}"' in page
    assert form.status_code == 200
    assert form.context["form"]["channel"].value() == SalesChannel.objects.get(code="manual").pk


def test_a_manual_order_is_priced_by_the_running_promotions_and_a_coupon(
    client, tee, service_agent
):
    now = timezone.now()
    PromotionTierFactory(
        promotion__name="满150减20",
        promotion__starts_at=now - dt.timedelta(days=1),
        promotion__ends_at=now + dt.timedelta(days=1),
        threshold=Decimal("150.00"),
        amount_off=Decimal("20.00"),
    )
    batch = generate_coupon_batch(
        name="Phone-order thanks",
        count=1,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=1),
        amount_off=Decimal("10.00"),
        min_spend=Decimal("100.00"),
    )
    code = batch.coupons.get().code
    client.force_login(service_agent)

    response = client.post(reverse(NEW), post_data([("TEE-RED-M", 2, "")], coupon_code=code))

    assert response.status_code == 302
    order = Order.objects.get()
    # 178.00 goods − 20.00 (满150减20) − 10.00 coupon + 10.00 shipping
    assert order.paid_total == Decimal("158.00")
    assert order.lines.get().line_discount == Decimal("30.00")
    assert order.coupon_code == code and "满150减20" in order.promotion_text
    redemption = CouponRedemption.objects.get()
    assert (redemption.order_no, redemption.amount) == (order.order_no, Decimal("10.00"))
    assert PromotionUsage.objects.get().amount == Decimal("20.00")


def test_a_coupon_that_does_not_apply_says_why_and_creates_nothing(client, tee, service_agent):
    client.force_login(service_agent)

    response = client.post(reverse(NEW), post_data([("TEE-RED-M", 1, "")], coupon_code="NOSUCH"))

    assert response.status_code == 200
    assert response.context["form"].errors["coupon_code"]
    assert not Order.objects.exists()


def test_cancelling_the_order_gives_the_coupon_back(client, tee, service_agent):
    now = timezone.now()
    batch = generate_coupon_batch(
        name="Returnable",
        count=1,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=1),
        amount_off=Decimal("10.00"),
    )
    code = batch.coupons.get().code
    client.force_login(service_agent)
    client.post(reverse(NEW), post_data([("TEE-RED-M", 1, "")], coupon_code=code))
    order = Order.objects.get()

    client.post(
        reverse("orders:console-order-action", args=[order.pk, "cancel"]),
        {"reason": "Buyer changed their mind on the phone"},
    )

    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert CouponRedemption.objects.get().returned_at is not None
    assert order.events.get(kind="cancelled").after["coupons_returned"] == [code]
