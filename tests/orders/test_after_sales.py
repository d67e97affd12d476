import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from orders import selectors, services
from orders.errors import OrderError
from orders.models import (
    AfterSalesCase,
    CaseState,
    CaseType,
    EventKind,
    OrderKind,
    OrderStatus,
    RefundStatus,
)
from tests.orders.conftest import stock_of
from tests.orders.factories import build_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(tee, cap, manager, sf):
    """A shipped order: 2 tees and a cap, 6.00 shipping, 229.00 paid."""
    order = build_order(by=manager, items=[(tee, 2), (cap, 1)], shipping_fee="6.00")
    services.ship_order(order=order, carrier=sf, tracking_number="SF1", by=manager)
    order.refresh_from_db()
    return order


def line_of(order, sku):
    return order.lines.get(sku_code=sku)


def test_a_return_refund_case_goes_from_request_to_refund_and_restocks(shipped, tee, service_agent):
    case = services.open_case(
        order=shipped,
        kind=CaseType.RETURN_REFUND,
        reason="size",
        lines=[(line_of(shipped, "TEE-RED-M"), 1)],
        by=service_agent,
    )
    services.approve_case(case=case, by=service_agent)
    services.mark_awaiting_return(case=case, by=service_agent, return_tracking_number="YT1")
    services.receive_return(case=case, by=service_agent)

    refund = services.refund_case(case=case, by=service_agent)

    case.refresh_from_db()
    shipped.refresh_from_db()
    assert (refund.status, refund.amount) == (RefundStatus.COMPLETED, Decimal("89.00"))
    assert (case.state, case.refunded_amount) == (CaseState.REFUNDED, Decimal("89.00"))
    assert stock_of(tee) == (9, 0)
    assert shipped.refunded_total == Decimal("89.00")
    assert line_of(shipped, "TEE-RED-M").refunded_quantity == 1
    assert case.resolved_at is not None and case.first_response_at is not None
    assert Customer.objects.get().refunded_amount == Decimal("89.00")


def test_damaged_returns_are_written_off_not_restocked(shipped, tee, service_agent):
    tee_line = line_of(shipped, "TEE-RED-M")
    case = services.open_case(
        order=shipped,
        kind=CaseType.RETURN_REFUND,
        reason="damaged",
        lines=[(tee_line, 2)],
        by=service_agent,
    )
    services.approve_case(case=case, by=service_agent)

    services.receive_return(case=case, by=service_agent, damaged={tee_line.pk: 1})

    case_line = case.lines.get()
    assert (case_line.restocked_quantity, case_line.written_off_quantity) == (1, 1)
    assert stock_of(tee) == (9, 0)


def test_a_refund_only_case_cannot_be_refunded_before_it_is_approved(shipped, service_agent):
    case = services.open_case(
        order=shipped,
        kind=CaseType.REFUND_ONLY,
        reason="quality",
        requested_amount=Decimal("20.00"),
        by=service_agent,
    )

    with pytest.raises(OrderError) as refused:
        services.refund_case(case=case, by=service_agent)

    shipped.refresh_from_db()
    assert refused.value.code == "illegal_case_transition"
    assert shipped.refunded_total == Decimal("0.00")


def test_a_refund_above_the_agents_limit_waits_for_a_manager(shipped, service_agent, manager):
    case = services.open_case(
        order=shipped,
        kind=CaseType.REFUND_ONLY,
        reason="quality",
        requested_amount=Decimal("201.00"),
        by=service_agent,
    )
    services.approve_case(case=case, by=service_agent)

    refund = services.refund_case(case=case, by=service_agent)

    shipped.refresh_from_db()
    assert refund.status == RefundStatus.AWAITING_APPROVAL
    assert shipped.refunded_total == Decimal("0.00")
    assert list(selectors.pending_refunds()) == [refund]
    with pytest.raises(OrderError):
        services.approve_refund(refund=refund, by=service_agent)
    services.approve_refund(refund=refund, by=manager)
    shipped.refresh_from_db()
    refund.refresh_from_db()
    assert (refund.status, refund.approved_by) == (RefundStatus.COMPLETED, manager)
    assert shipped.refunded_total == Decimal("201.00")


def test_a_refund_at_the_limit_completes_at_once(shipped, service_agent):
    refund = services.refund_order(order=shipped, amount=Decimal("200.00"), by=service_agent)

    assert refund.status == RefundStatus.COMPLETED


def test_refunds_can_never_add_up_to_more_than_was_paid_including_shipping(shipped, manager):
    services.refund_order(order=shipped, amount=Decimal("200.00"), by=manager)

    with pytest.raises(OrderError) as refused:
        services.refund_order(order=shipped, amount=Decimal("29.01"), by=manager)
    services.refund_order(
        order=shipped, amount=Decimal("23.00"), shipping_amount=Decimal("6.00"), by=manager
    )

    shipped.refresh_from_db()
    assert refused.value.code == "refund_exceeds_paid"
    assert shipped.refunded_total == Decimal("229.00")
    assert shipped.status == OrderStatus.CLOSED


def test_a_pending_refund_counts_against_what_is_still_refundable(shipped, service_agent):
    services.refund_order(order=shipped, amount=Decimal("220.00"), by=service_agent)

    with pytest.raises(OrderError) as refused:
        services.refund_order(order=shipped, amount=Decimal("10.00"), by=service_agent)

    assert refused.value.code == "refund_exceeds_paid"


def test_refunding_units_before_shipping_releases_their_reservation(tee, manager):
    order = build_order(by=manager, items=[(tee, 3)])
    case = services.open_case(
        order=order,
        kind=CaseType.REFUND_ONLY,
        reason="changed_mind",
        lines=[(order.lines.get(), 1)],
        by=manager,
    )
    services.approve_case(case=case, by=manager)

    services.refund_case(case=case, by=manager)

    line = order.lines.get()
    assert (line.cancelled_quantity, line.reserved_quantity, line.remaining_to_ship) == (1, 2, 2)
    assert stock_of(tee) == (10, 2)


def test_refunding_every_unit_before_shipping_closes_the_order(tee, manager):
    order = build_order(by=manager, items=[(tee, 2)])

    services.refund_order(order=order, lines=[(order.lines.get(), 2)], by=manager)

    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    assert stock_of(tee) == (10, 0)


def test_a_reissue_creates_a_free_linked_order_that_reserves_stock(shipped, tee, service_agent):
    case = services.open_case(
        order=shipped,
        kind=CaseType.REISSUE,
        reason="damaged",
        lines=[(line_of(shipped, "TEE-RED-M"), 1)],
        by=service_agent,
    )
    services.approve_case(case=case, by=service_agent)

    replacement = services.create_replacement_order(case=case, by=service_agent)

    case.refresh_from_db()
    assert (replacement.kind, replacement.paid_total, replacement.status) == (
        OrderKind.REPLACEMENT,
        Decimal("0.00"),
        OrderStatus.PAID,
    )
    assert replacement.order_no == f"{shipped.order_no}-R1"
    assert replacement.replaces_order == shipped
    assert (case.state, case.replacement_order) == (CaseState.REISSUED, replacement)
    assert stock_of(tee) == (8, 1)
    assert Customer.objects.get().order_count == 1


def test_an_imported_case_with_a_refund_number_is_opened_once(shipped, manager):
    first = services.open_case(
        order=shipped,
        kind=CaseType.REFUND_ONLY,
        reason="other",
        refund_no="RF1",
        requested_amount=Decimal("5.00"),
        by=manager,
    )

    again = services.open_case(
        order=shipped,
        kind=CaseType.REFUND_ONLY,
        reason="other",
        refund_no="RF1",
        requested_amount=Decimal("5.00"),
        by=manager,
    )

    assert again.pk == first.pk
    assert AfterSalesCase.objects.count() == 1


def test_case_actions_are_on_the_orders_timeline(shipped, service_agent):
    case = services.open_case(
        order=shipped,
        kind=CaseType.REFUND_ONLY,
        reason="quality",
        requested_amount=Decimal("10.00"),
        by=service_agent,
    )
    services.reject_case(case=case, by=service_agent, reason="Photos show no defect")

    kinds = list(case.events.values_list("kind", "message"))
    assert kinds[0][0] == EventKind.CASE_OPENED
    assert kinds[1] == (EventKind.CASE_UPDATED, "Photos show no defect")


def test_a_rejected_case_cannot_be_approved(shipped, service_agent):
    case = services.open_case(
        order=shipped,
        kind=CaseType.REFUND_ONLY,
        reason="quality",
        requested_amount=Decimal("10.00"),
        by=service_agent,
    )
    services.reject_case(case=case, by=service_agent, reason="No")

    with pytest.raises(OrderError):
        services.approve_case(case=case, by=service_agent)

    case.refresh_from_db()
    assert case.state == CaseState.REJECTED


def test_a_case_unanswered_past_its_deadline_is_overdue(shipped, service_agent):
    requested = timezone.now() - dt.timedelta(hours=30)
    late = services.open_case(
        order=shipped,
        kind=CaseType.REFUND_ONLY,
        reason="quality",
        requested_amount=Decimal("1.00"),
        requested_at=requested,
        by=service_agent,
    )
    services.open_case(
        order=shipped,
        kind=CaseType.REFUND_ONLY,
        reason="quality",
        requested_amount=Decimal("1.00"),
        by=service_agent,
    )

    overdue = list(selectors.overdue_cases())

    assert overdue == [late]
    assert overdue[0].is_response_overdue is True
    assert overdue[0].is_resolution_overdue is False
