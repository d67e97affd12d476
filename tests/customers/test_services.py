import datetime as dt
from decimal import Decimal

import pytest

from customers import selectors, services
from customers.models import Customer, SalesChannel
from customers.services import CustomerError

pytestmark = pytest.mark.django_db


@pytest.fixture
def taobao():
    return SalesChannel.objects.get(code="taobao")


def test_every_channel_of_the_store_is_there_from_the_start():
    assert list(SalesChannel.objects.values_list("code", flat=True)) == [
        "taobao",
        "tmall",
        "jd",
        "douyin",
        "pdd",
        "own_site",
        "manual",
    ]
    assert SalesChannel.objects.get(code="pdd").name_zh == "拼多多"


def test_the_same_buyer_on_the_same_channel_is_matched_not_duplicated(taobao):
    first = services.match_or_create_customer(channel=taobao, buyer_id="tb_amy", phone="", name="")

    again = services.match_or_create_customer(
        channel=taobao, buyer_id="tb_amy", phone="138 0013 8000", name="Amy"
    )

    assert again.pk == first.pk
    assert Customer.objects.count() == 1
    assert (again.phone, again.name) == ("13800138000", "Amy")


def test_the_same_nickname_on_another_channel_is_another_customer(taobao):
    services.match_or_create_customer(channel=taobao, buyer_id="amy", phone="", name="")

    services.match_or_create_customer(
        channel=SalesChannel.objects.get(code="jd"), buyer_id="amy", phone="", name=""
    )

    assert Customer.objects.count() == 2


def test_a_buyer_without_a_nickname_is_matched_by_phone(taobao):
    own_site = SalesChannel.objects.get(code="own_site")
    first = services.match_or_create_customer(channel=own_site, phone="+8613800138000", name="")

    again = services.match_or_create_customer(channel=own_site, phone="13800138000", name="Li")

    assert again.pk == first.pk
    assert (first.buyer_id, first.phone) == ("", "13800138000")


def test_a_buyer_with_neither_nickname_nor_phone_is_refused(taobao):
    with pytest.raises(CustomerError):
        services.match_or_create_customer(channel=taobao, buyer_id=" ", phone="", name="Nobody")

    assert Customer.objects.count() == 0


def test_paid_orders_and_refunds_add_to_the_totals_and_widen_first_and_last_order(taobao):
    customer = services.match_or_create_customer(channel=taobao, buyer_id="tb_amy")
    later = dt.datetime(2025, 5, 2, tzinfo=dt.UTC)
    earlier = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)

    services.record_order_paid(customer=customer, amount=Decimal("100.50"), paid_at=later)
    services.record_order_paid(customer=customer, amount=Decimal("20.00"), paid_at=earlier)
    services.record_refund(customer=customer, amount=Decimal("20.00"))

    customer.refresh_from_db()
    assert (customer.order_count, customer.amount_spent) == (2, Decimal("120.50"))
    assert (customer.first_order_at, customer.last_order_at) == (earlier, later)
    assert (customer.refund_count, customer.refunded_amount) == (1, Decimal("20.00"))


def test_phones_are_masked_to_the_first_three_and_last_four_digits():
    assert selectors.mask_phone("13812341234") == "138****1234"
    assert selectors.mask_phone("12345") == "***45"
    assert selectors.mask_phone("") == ""
