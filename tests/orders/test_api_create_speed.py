"""POST /api/v1/orders/ on plain-SQL reads: tokens, roles, channels, SKUs, review as before."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.serializers import Serializer
from rest_framework.test import APIClient

from customers.models import Customer, SalesChannel
from inventory.models import StockLevel, Warehouse
from orders import selectors
from orders.api import OrderDetailSerializer, OrderLineSerializer
from orders.errors import OrderError
from orders.models import IdempotencyRecord, Order, OrderSettings, ReviewState
from orders.services import intake
from storeops.roles import Role
from tests.orders.conftest import stock_of
from tests.orders.factories import WarehouseFactory
from tests.orders.test_api import order_payload

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def duplicate_window(review_off_for_duplicates):
    """The duplicate-recipient check on, over 30 minutes either side."""
    review_off_for_duplicates.duplicate_window_minutes = 30
    review_off_for_duplicates.save()
    return review_off_for_duplicates


def test_an_unknown_token_is_refused_and_nothing_is_stored(tee):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = client.post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 401
    assert response.data["error"]["message"] == "Invalid token."
    assert not Order.objects.exists()
    assert stock_of(tee) == (10, 0)


def test_the_token_of_a_deactivated_user_is_refused(tee, service_agent):
    client = token_client(service_agent)
    service_agent.is_active = False
    service_agent.save()

    response = client.post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 401
    assert response.data["error"]["message"] == "User inactive or deleted."
    assert not Order.objects.exists()


def test_a_token_of_a_role_without_the_order_console_is_refused(tee, make_user):
    client = token_client(make_user(Role.MARKETING))

    response = client.post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 403
    assert not Order.objects.exists()


def test_a_token_user_granted_the_order_console_alone_may_create(tee, make_user):
    user = make_user(username="direct")
    user.user_permissions.add(Permission.objects.get(codename="use_order_console"))

    response = token_client(user).post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 201
    assert Order.objects.get().created_by == user


def test_a_token_request_reads_the_token_user_and_roles_in_one_statement(tee, service_agent):
    client = token_client(service_agent)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/orders/")

    assert response.status_code == 200
    token_reads = [query["sql"] for query in queries if "authtoken_token" in query["sql"]]
    permission_reads = [query["sql"] for query in queries if "auth_permission" in query["sql"]]
    assert len(token_reads) == 1
    assert permission_reads == token_reads


def test_an_unknown_channel_is_refused_naming_the_field(tee, service_agent):
    response = token_client(service_agent).post(
        "/api/v1/orders/", order_payload(channel="nowhere"), format="json"
    )

    assert response.status_code == 400
    assert response.data["error"]["fields"]["channel"] == [
        "Object with code=nowhere does not exist."
    ]
    assert not Order.objects.exists()


def test_unknown_skus_are_refused_naming_each_code(tee, service_agent):
    payload = order_payload(
        lines=[
            {"sku_code": "TEE-RED-M", "quantity": 1, "unit_price": "89.00"},
            {"sku_code": "NO-SUCH-2", "quantity": 1, "unit_price": "1.00"},
            {"sku_code": "NO-SUCH-1", "quantity": 1, "unit_price": "1.00"},
        ],
        paid_total="96.00",
    )

    response = token_client(service_agent).post("/api/v1/orders/", payload, format="json")

    assert response.status_code == 400
    assert response.data["error"]["fields"]["lines"] == ["Unknown SKU codes: NO-SUCH-1, NO-SUCH-2."]
    assert not Order.objects.exists()
    assert stock_of(tee) == (10, 0)


def test_the_lines_take_the_product_title_and_cost_of_their_sku(tee, manager):
    response = token_client(manager).post("/api/v1/orders/", order_payload(), format="json")

    line = Order.objects.get().lines.get()
    assert response.status_code == 201
    assert (line.title, line.unit_cost) == (tee.product.title, Decimal("35.50"))
    assert response.data["lines"][0]["title"] == tee.product.title


def test_a_paid_order_ships_from_the_default_warehouse(tee, warehouse, service_agent):
    response = token_client(service_agent).post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 201
    assert response.data["warehouse"] == "WH-MAIN"
    assert Order.objects.get().warehouse == warehouse


@pytest.mark.parametrize(
    ("placed_at", "state", "reasons"),
    [
        # The first order was placed at 02:00; the window is 30 minutes either side.
        ("2025-05-01T02:20:00Z", ReviewState.EXCEPTION, ["duplicate_recipient"]),
        ("2025-05-01T02:31:00Z", ReviewState.RELEASED, []),
    ],
)
def test_a_second_order_to_the_same_address_with_another_phone_is_a_duplicate_within_the_window(
    tee, service_agent, duplicate_window, placed_at, state, reasons
):
    client = token_client(service_agent)
    client.post("/api/v1/orders/", order_payload(order_no="TM-A"), format="json")

    response = client.post(
        "/api/v1/orders/",
        order_payload(
            order_no="TM-B", phone="13700000000", buyer_nickname="other_buyer", placed_at=placed_at
        ),
        format="json",
    )

    assert response.status_code == 201
    assert response.data["review_state"] == state
    assert response.data["review_reasons"] == reasons


def test_a_cancelled_order_to_the_same_phone_is_no_duplicate(tee, service_agent, duplicate_window):
    client = token_client(service_agent)
    first = client.post("/api/v1/orders/", order_payload(order_no="TM-A"), format="json")
    Order.objects.filter(pk=first.data["id"]).update(status="cancelled")

    response = client.post(
        "/api/v1/orders/",
        order_payload(order_no="TM-B", address="另一条路 1 号"),
        format="json",
    )

    assert response.data["review_reasons"] == []


def test_the_review_rules_saved_last_decide(tee, service_agent, duplicate_window):
    OrderSettings.objects.filter(pk=1).update(amount_limit=Decimal("100.00"))

    response = token_client(service_agent).post("/api/v1/orders/", order_payload(), format="json")

    assert response.data["review_reasons"] == ["amount_above_limit"]


def test_a_replayed_key_answers_as_the_first_time_and_stores_nothing(tee, service_agent):
    client = token_client(service_agent)
    first = client.post(
        "/api/v1/orders/", order_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    again = client.post(
        "/api/v1/orders/", order_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Order.objects.count() == 1
    assert stock_of(tee) == (10, 2)


def test_the_placed_time_window_is_measured_both_ways(tee, service_agent, duplicate_window):
    client = token_client(service_agent)
    later = dt.datetime(2025, 5, 1, 2, 25, tzinfo=dt.UTC)
    client.post(
        "/api/v1/orders/",
        order_payload(order_no="TM-LATE", placed_at=later.isoformat()),
        format="json",
    )

    response = client.post(
        "/api/v1/orders/",
        order_payload(order_no="TM-EARLY", buyer_nickname="early", address="别处 2 号"),
        format="json",
    )

    assert response.data["review_reasons"] == ["duplicate_recipient"]


def test_a_known_buyer_is_matched_to_their_customer_not_a_new_one(tee, service_agent):
    client = token_client(service_agent)
    client.post("/api/v1/orders/", order_payload(order_no="TM-A"), format="json")

    client.post("/api/v1/orders/", order_payload(order_no="TM-B"), format="json")

    first, second = Order.objects.order_by("pk")
    assert Customer.objects.count() == 1
    assert second.customer_id == first.customer_id
    assert Customer.objects.get().order_count == 2


def test_a_known_buyer_without_a_phone_gets_the_phone_of_their_order(tee, service_agent):
    channel = SalesChannel.objects.get(code="tmall")
    known = Customer.objects.create(channel=channel, buyer_id="tm_buyer", phone="", name="王五")

    response = token_client(service_agent).post("/api/v1/orders/", order_payload(), format="json")

    known.refresh_from_db()
    assert response.status_code == 201
    assert Order.objects.get().customer == known
    assert (known.phone, known.name, known.order_count) == ("13912345678", "王五", 1)


def test_the_order_is_shown_field_for_field_as_drf_shows_it(tee, cap, manager):
    payload = order_payload(
        lines=[
            {"sku_code": "TEE-RED-M", "quantity": 2, "unit_price": "89.00"},
            {"sku_code": "CAP-BLUE", "quantity": 1, "unit_price": "45.00"},
        ],
        paid_total="228.00",
    )
    token_client(manager).post("/api/v1/orders/", payload, format="json")
    order = selectors.orders_list().prefetch_related("lines").get()
    context = {"request": SimpleNamespace(user=manager)}

    with timezone.override(ZoneInfo("Asia/Shanghai")):
        shown = OrderDetailSerializer(order, context=context).data
        by_drf = Serializer.to_representation(OrderDetailSerializer(order, context=context), order)
        lines_by_drf = [
            Serializer.to_representation(OrderLineSerializer(line), line)
            for line in order.lines.all()
        ]

    assert {key: value for key, value in shown.items() if key != "lines"} == {
        key: value for key, value in by_drf.items() if key != "lines"
    }
    assert shown["lines"] == lines_by_drf
    assert shown["placed_at"] == "2025-05-01T10:00:00+08:00"
    assert shown["phone"] == "13912345678"
    assert [line["unit_cost"] for line in shown["lines"]] == ["35.50", "12.00"]


def test_each_role_sees_the_created_order_as_its_capabilities_allow(tee, service_agent, make_user):
    clerk = make_user(Role.WAREHOUSE)

    by_agent = token_client(service_agent).post("/api/v1/orders/", order_payload(), format="json")
    by_clerk = token_client(clerk).post(
        "/api/v1/orders/", order_payload(order_no="TM-0002"), format="json"
    )

    assert (by_agent.data["phone"], "unit_cost" in by_agent.data["lines"][0]) == (
        "13912345678",
        False,
    )
    assert (by_clerk.data["phone"], by_clerk.data["lines"][0]["unit_cost"]) == (
        "139****5678",
        "35.50",
    )


def test_without_a_default_warehouse_a_paid_order_is_refused_and_nothing_stored(
    tee, warehouse, service_agent
):
    Warehouse.objects.filter(pk=warehouse.pk).update(is_default=False)

    response = token_client(service_agent).post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 400
    assert response.data["error"]["code"] == "no_warehouse"
    assert not Order.objects.exists()
    assert StockLevel.objects.values_list("on_hand", "reserved").get(variant=tee) == (10, 0)


def test_without_stored_review_rules_the_defaults_are_stored_and_applied(tee, service_agent):
    OrderSettings.objects.all().delete()

    response = token_client(service_agent).post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 201
    assert response.data["review_state"] == ReviewState.RELEASED
    assert OrderSettings.objects.filter(pk=1).exists()


def test_the_default_warehouse_is_the_one_marked_default_not_the_first(tee, service_agent):
    WarehouseFactory(code="AA-OTHER", name="其他", is_default=False)

    response = token_client(service_agent).post("/api/v1/orders/", order_payload(), format="json")

    assert response.data["warehouse"] == "WH-MAIN"


def test_an_order_number_a_racing_intake_stored_first_is_answered_with_its_order(
    tee, service_agent, monkeypatch
):
    client = token_client(service_agent)
    first = client.post(
        "/api/v1/orders/", order_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-first"
    )
    # The racing intake commits between our "is this number stored?" and our INSERT.
    monkeypatch.setattr(intake._STORED_ORDER, "rows", lambda **values: [])

    second = client.post(
        "/api/v1/orders/", order_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-second"
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.data["id"] == first.data["id"]
    assert Order.objects.count() == 1
    assert stock_of(tee) == (10, 2)
    assert Order.objects.get().events.count() == 4
    assert IdempotencyRecord.objects.get(key="k-second").response_status == 200


def test_a_refused_keyed_order_stores_nothing_not_even_its_key(tee, service_agent):
    payload = order_payload(
        lines=[{"sku_code": "TEE-RED-M", "quantity": 11, "unit_price": "89.00"}],
        paid_total="984.00",
    )

    response = token_client(service_agent).post(
        "/api/v1/orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-short"
    )

    assert response.status_code == 400
    assert response.data["error"]["code"] == "insufficient_stock"
    assert not Order.objects.exists()
    assert not Customer.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert stock_of(tee) == (10, 0)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_create_without_a_savepoint_is_refused(tee, manager):
    with pytest.raises(OrderError) as refused:
        intake.create_order(
            channel=SalesChannel.objects.get(code="tmall"),
            order_no="TM-X",
            lines=[intake.LineInput(variant=tee, quantity=1, unit_price=Decimal("89.00"))],
            paid_total=Decimal("89.00"),
            placed_at=timezone.now(),
            paid_at=timezone.now(),
            by=manager,
            in_callers_transaction=True,
        )

    assert refused.value.code == "no_transaction"
