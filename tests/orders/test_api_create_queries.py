"""POST /api/v1/orders/ with a token and an Idempotency-Key: the statements one create costs.

The throughput target of the API (150 orders/s on two cores) leaves about 8 ms
of CPU per create, and every statement costs some. These counts are exact:
a change that adds a statement has to change them here, on purpose.
"""

from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory import services as inventory
from orders.models import Order, OrderStatus
from tests.orders.conftest import stock_of
from tests.orders.factories import VariantFactory
from tests.orders.test_api import order_payload

pytestmark = pytest.mark.django_db

# Token, user and permissions (one read), the Idempotency-Key look-up, the channel,
# the SKUs, the order-number check, the cost snapshot (the create runs in the
# Idempotency-Key's transaction, without a savepoint of its own),
# the buyer, the review settings, the default warehouse, the duplicate check, the
# order, the lines, the buyer's totals, the timeline and the Idempotency-Key record
# (the answer shows the lines as inserted); the test's transaction makes the key's
# transaction a savepoint (2).
FIXED_STATEMENTS = 17
# One line: the guarded level UPDATE and its ledger row.
ONE_RESERVED_LINE = 2


def several_reserved_lines(count: int) -> int:
    """Two or more lines: the levels locked in SKU order, updated in one statement
    (one per SKU on SQLite), and the ledger rows in one INSERT."""
    return 3 if connection.vendor == "postgresql" else 2 + count


@pytest.fixture
def jeans(warehouse, manager, review_off_for_duplicates):
    """JEANS-32 at 199.00 (cost 80.00) with 4 units on hand."""
    variant = VariantFactory(
        sku_code="JEANS-32", price=Decimal("199.00"), cost_price=Decimal("80.00")
    )
    inventory.receive(variant=variant, quantity=4, by=manager, reason="Delivery")
    return variant


@pytest.fixture
def duplicate_check_on(review_off_for_duplicates):
    """As in production: the duplicate-recipient check runs (one statement)."""
    review_off_for_duplicates.duplicate_window_minutes = 30
    review_off_for_duplicates.save()


@pytest.fixture
def token_client(service_agent):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=service_agent).key}")
    return client


@pytest.fixture
def known_buyer(tee, token_client, duplicate_check_on):
    """The buyer of the payloads below has ordered before, so matching them writes nothing."""
    token_client.post(
        "/api/v1/orders/",
        order_payload(order_no="TM-EARLIER"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-earlier",
    )


def test_creating_a_paid_one_line_order_costs_a_fixed_number_of_statements(
    tee, known_buyer, token_client, django_assert_num_queries
):
    expected = FIXED_STATEMENTS + ONE_RESERVED_LINE

    with django_assert_num_queries(expected):
        response = token_client.post(
            "/api/v1/orders/", order_payload(), format="json", HTTP_IDEMPOTENCY_KEY="key-1"
        )

    assert response.status_code == 201
    assert Order.objects.get(order_no="TM-0001").status == OrderStatus.PAID
    assert stock_of(tee) == (10, 4)


def test_creating_a_paid_three_line_order_adds_only_the_reservations(
    tee, cap, jeans, known_buyer, token_client, django_assert_num_queries
):
    payload = order_payload(
        lines=[
            {"sku_code": "TEE-RED-M", "quantity": 1, "unit_price": "89.00"},
            {"sku_code": "CAP-BLUE", "quantity": 2, "unit_price": "45.00"},
            {"sku_code": "JEANS-32", "quantity": 1, "unit_price": "199.00"},
        ],
        paid_total="383.00",
    )
    expected = FIXED_STATEMENTS + several_reserved_lines(3)

    with django_assert_num_queries(expected):
        response = token_client.post(
            "/api/v1/orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="key-3"
        )

    assert response.status_code == 201
    assert [line["sku_code"] for line in response.data["lines"]] == [
        "TEE-RED-M",
        "CAP-BLUE",
        "JEANS-32",
    ]
    assert (stock_of(tee), stock_of(cap), stock_of(jeans)) == ((10, 3), (5, 2), (4, 1))
