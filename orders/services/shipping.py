"""Parcels leaving the warehouse: shipping cost, shipping, delivery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory import services as inventory
from inventory.errors import StockError
from orders.errors import OrderError
from orders.models import (
    Carrier,
    EventKind,
    Order,
    OrderLine,
    OrderStatus,
    RateCard,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from orders.services.common import (
    check_amount,
    check_quantity,
    check_user,
    lock_orders,
    record_event,
)
from storeops import business_day, money


def rate_card_for(*, carrier: Carrier, province: str) -> RateCard | None:
    """The card that prices a parcel to ``province``: the province's own, else the
    carrier's default (empty province), else None."""
    cards = {card.province: card for card in RateCard.objects.filter(carrier=carrier)}
    return cards.get(province) or cards.get("")


def shipping_cost_for(*, carrier: Carrier, province: str, weight_kg: Decimal) -> Decimal:
    """What the carrier charges for a parcel: first weight, then each started step.

    The province's rate card wins over the carrier's default (empty province).
    Without any rate card the cost is 0.00 (enter it by hand).
    """
    card = rate_card_for(carrier=carrier, province=province)
    if card is None:
        return money.ZERO
    extra_weight = max(Decimal(0), weight_kg - card.first_weight_kg)
    steps = (extra_weight / card.additional_weight_kg).to_integral_value(rounding=ROUND_CEILING)
    return money.quantize(card.first_price + card.additional_price * steps)


def _status_after_shipping(order: Order, lines: list[OrderLine]) -> OrderStatus:
    if all(line.remaining_to_ship == 0 for line in lines):
        return OrderStatus.SHIPPED
    if any(line.shipped_quantity for line in lines):
        return OrderStatus.PARTIALLY_SHIPPED
    return OrderStatus(order.status)


def ship_order(
    *,
    order: Order,
    carrier: Carrier,
    tracking_number: str,
    by: Any,
    lines: Sequence[tuple[OrderLine, int]] | None = None,
    shipment: Shipment | None = None,
    shipped_at: dt.datetime | None = None,
    shipping_cost: Decimal | None = None,
    moves_stock: bool = True,
) -> Shipment:
    """Send a parcel: what is left of the order (and of orders merged into it), the
    given ``lines``, or a ``shipment`` planned by a split.

    Stock leaves through ``inventory.ship``: reserved units first, any
    unreserved rest from available stock (refused when short). The cost is
    ``shipping_cost`` when given, else the carrier's rate card for the parcel's
    weight. ``moves_stock=False`` records a parcel an imported history order
    shipped before StoreOps kept its stock. Atomic; locks the orders in id
    order; idempotent: the same carrier and tracking number on the same order
    return the first shipment unchanged (on another order: refused).
    """
    check_user(by)
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        raise OrderError(_("A shipment needs a tracking number."), code="missing_tracking")
    if shipping_cost is not None:
        shipping_cost = check_amount(shipping_cost, label=_("Shipping cost"))
    shipped_at = shipped_at or timezone.now()
    with transaction.atomic():
        group = lock_orders([order, *order.merged_orders.all()])
        order = next(locked for locked in group if locked.pk == order.pk)
        earlier = Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).first()
        if earlier is not None:
            if earlier.order_id == order.pk:
                return earlier
            raise OrderError(
                _("Tracking number %(tracking)s of %(carrier)s is already used by another order."),
                code="duplicate_tracking",
                tracking=tracking_number,
                carrier=carrier.name,
            )
        if not order.can_be_shipped:
            raise OrderError(
                _("Order %(order_no)s cannot ship: it is %(status)s, review %(review)s."),
                code="not_shippable",
                order_no=order.order_no,
                status=order.get_status_display(),
                review=order.get_review_state_display(),
            )
        for member in group:
            if member.pk != order.pk and (
                member.status != OrderStatus.PAID or member.review_state != order.review_state
            ):
                raise OrderError(
                    _("Merged order %(order_no)s is not released to ship."),
                    code="not_shippable",
                    order_no=member.order_no,
                )
        group_lines = {
            line.pk: line
            for line in OrderLine.objects.select_for_update()
            .filter(order__in=group)
            .select_related("variant")
            .order_by("pk")
        }
        items = _items_to_ship(order=order, group_lines=group_lines, lines=lines, shipment=shipment)
        if not items:
            raise OrderError(_("Nothing is left to ship on this order."), code="nothing_to_ship")
        if shipment is None:
            shipment = Shipment.objects.create(order=order, created_by=by)
            ShipmentLine.objects.bulk_create(
                ShipmentLine(shipment=shipment, line=line, quantity=quantity)
                for line, quantity in items
            )
        orders_by_id = {locked.pk: locked for locked in group}
        for line, quantity in items:
            if moves_stock:
                _ship_stock(order=orders_by_id[line.order_id], line=line, quantity=quantity, by=by)
            line.shipped_quantity += quantity
            line.save(update_fields=["shipped_quantity", "reserved_quantity"])
        weight = sum((line.variant.weight_kg * quantity for line, quantity in items), Decimal(0))
        shipment.status = ShipmentStatus.SHIPPED
        shipment.carrier = carrier
        shipment.tracking_number = tracking_number
        shipment.weight_kg = weight
        shipment.is_cost_entered = shipping_cost is not None
        shipment.shipping_cost = (
            shipping_cost
            if shipping_cost is not None
            else shipping_cost_for(carrier=carrier, province=order.province, weight_kg=weight)
        )
        shipment.shipped_at = shipped_at
        shipment.business_date = business_day.of(shipped_at)
        shipment.created_by = shipment.created_by or by
        shipment.save()
        touched = {line.order_id for line, _quantity in items}
        for order_id in sorted(touched):
            _after_shipping(orders_by_id[order_id], shipment=shipment, items=items, by=by)
    return shipment


def _items_to_ship(
    *,
    order: Order,
    group_lines: dict[int, OrderLine],
    lines: Sequence[tuple[OrderLine, int]] | None,
    shipment: Shipment | None,
) -> list[tuple[OrderLine, int]]:
    planned_elsewhere = ShipmentLine.objects.filter(
        shipment__status=ShipmentStatus.PLANNED, line_id__in=group_lines
    )
    if shipment is not None:
        if shipment.order_id != order.pk or shipment.status != ShipmentStatus.PLANNED:
            raise OrderError(
                _("That shipment is not a planned parcel of this order."), code="foreign_shipment"
            )
        wanted = [(row.line_id, row.quantity) for row in shipment.lines.all()]
    elif lines is not None:
        wanted = [(line.pk, check_quantity(quantity)) for line, quantity in lines]
    else:
        if planned_elsewhere.exists():
            raise OrderError(
                _("This order is split into parcels: ship each planned parcel."),
                code="order_is_split",
            )
        wanted = [
            (line.pk, line.remaining_to_ship)
            for line in group_lines.values()
            if line.remaining_to_ship > 0
        ]
    items: dict[int, int] = {}
    for line_id, quantity in wanted:
        if line_id not in group_lines:
            raise OrderError(_("That line is not on this order."), code="foreign_line")
        items[line_id] = items.get(line_id, 0) + quantity
    for line_id, quantity in items.items():
        line = group_lines[line_id]
        if quantity > line.remaining_to_ship:
            raise OrderError(
                _("Only %(left)s of %(sku)s are left to ship, not %(quantity)s."),
                code="quantity_exceeds_remaining",
                left=line.remaining_to_ship,
                sku=line.sku_code,
                quantity=quantity,
            )
    return [(group_lines[line_id], quantity) for line_id, quantity in items.items()]


def _ship_stock(*, order: Order, line: OrderLine, quantity: int, by: Any) -> None:
    from_reserved = min(quantity, line.reserved_quantity)
    reason = str(_("Order %(order_no)s shipped") % {"order_no": order.order_no})
    try:
        if from_reserved:
            inventory.ship(
                variant=line.variant,
                warehouse=order.warehouse,
                quantity=from_reserved,
                by=by,
                reason=reason,
                document_type="order",
                document_id=str(order.pk),
            )
        if quantity > from_reserved:
            inventory.ship(
                variant=line.variant,
                warehouse=order.warehouse,
                quantity=quantity - from_reserved,
                by=by,
                reason=reason,
                document_type="order",
                document_id=str(order.pk),
                from_reserved=False,
            )
    except StockError as error:
        raise OrderError(str(error), code="insufficient_stock") from error
    line.reserved_quantity -= from_reserved


def _after_shipping(
    order: Order, *, shipment: Shipment, items: list[tuple[OrderLine, int]], by: Any
) -> None:
    lines = list(OrderLine.objects.filter(order=order))
    before = {"status": order.status}
    order.status = _status_after_shipping(order, lines)
    order.shipped_at = order.shipped_at or shipment.shipped_at
    order.save(update_fields=["status", "shipped_at", "updated_at"])
    record_event(
        order=order,
        kind=EventKind.SHIPPED,
        by=by,
        at=shipment.shipped_at,
        message=f"{shipment.carrier} {shipment.tracking_number}",
        before=before,
        after={
            "status": order.status,
            "shipment": shipment.pk,
            "lines": {
                line.sku_code: quantity for line, quantity in items if line.order_id == order.pk
            },
        },
    )


def mark_delivered(
    *, shipment: Shipment, by: Any, delivered_at: dt.datetime | None = None
) -> Shipment:
    """Record that a parcel arrived; an order whose parcels all arrived is delivered.

    Atomic; locks the orders in the parcel; a delivered parcel changes nothing.
    """
    check_user(by)
    delivered_at = delivered_at or timezone.now()
    with transaction.atomic():
        order_ids = set(shipment.lines.values_list("line__order_id", flat=True))
        group = lock_orders(Order.objects.filter(pk__in=order_ids | {shipment.order_id}))
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status == ShipmentStatus.DELIVERED:
            return shipment
        if shipment.status != ShipmentStatus.SHIPPED:
            raise OrderError(_("Only a shipped parcel can be delivered."), code="not_shipped")
        shipment.status = ShipmentStatus.DELIVERED
        shipment.delivered_at = delivered_at
        shipment.save(update_fields=["status", "delivered_at", "updated_at"])
        for order in group:
            undelivered = (
                Shipment.objects.filter(lines__line__order=order)
                .exclude(status=ShipmentStatus.DELIVERED)
                .exists()
            )
            if order.status == OrderStatus.SHIPPED and not undelivered:
                order.status = OrderStatus.DELIVERED
                order.delivered_at = delivered_at
                order.save(update_fields=["status", "delivered_at", "updated_at"])
                record_event(
                    order=order,
                    kind=EventKind.DELIVERED,
                    by=by,
                    at=delivered_at,
                    before={"status": OrderStatus.SHIPPED},
                    after={"status": order.status},
                )
    return shipment


def set_shipping_cost(*, shipment: Shipment, cost: Decimal, by: Any, why: Any = "") -> bool:
    """Set what the store pays the carrier for a parcel: typed in or from a carrier's bill.

    The cost then counts as entered (no longer the rate card's). The parcel's
    order gets a timeline event with the amount before and after, saying
    ``why`` ("carrier bill 账单.csv"), and the parcel's ``updated_at`` moves on,
    so the summary of its ship day is rebuilt by the freshness task.
    Atomic; locks the order, then the parcel (as shipping does); idempotent:
    the same cost again changes nothing and writes no event. Returns whether
    the cost changed. A planned parcel is refused: shipping it sets its cost.
    """
    check_user(by)
    cost = money.quantize(check_amount(cost, label=_("Shipping cost")))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=shipment.order_id)
        locked = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("carrier")
            .get(pk=shipment.pk)
        )
        if locked.status == ShipmentStatus.PLANNED:
            raise OrderError(
                _("Parcel %(shipment)s has not shipped yet: it has no shipping cost to set."),
                code="not_shipped",
                shipment=locked.pk,
            )
        before = locked.shipping_cost
        if before == cost:
            return False
        locked.shipping_cost = cost
        locked.is_cost_entered = True
        locked.save(update_fields=["shipping_cost", "is_cost_entered", "updated_at"])
        message = _("%(carrier)s %(tracking)s: %(before)s → %(after)s") % {
            "carrier": locked.carrier,
            "tracking": locked.tracking_number,
            "before": before,
            "after": cost,
        }
        record_event(
            order=order,
            kind=EventKind.SHIPPING_COST,
            by=by,
            message=f"{message} ({why})" if why else message,
            before={"shipment": locked.pk, "shipping_cost": str(before)},
            after={"shipment": locked.pk, "shipping_cost": str(cost)},
        )
    shipment.shipping_cost = locked.shipping_cost
    shipment.is_cost_entered = True
    shipment.updated_at = locked.updated_at
    return True


RATE_CARD_FIELDS = (
    "province",
    "first_weight_kg",
    "first_price",
    "additional_weight_kg",
    "additional_price",
)


def _check_rate_card(card: RateCard) -> None:
    for field in ("first_weight_kg", "additional_weight_kg"):
        value = getattr(card, field)
        if value is None or value <= 0:
            raise OrderError(
                _("A weight must be above 0 kg, not %(value)s."),
                code="invalid_weight",
                field=field,
                value=value,
            )
    for field, label in (
        ("first_price", _("First weight price")),
        ("additional_price", _("Price per additional step")),
    ):
        setattr(card, field, check_amount(getattr(card, field), label=label))
    clash = RateCard.objects.filter(carrier_id=card.carrier_id, province=card.province)
    if card.pk is not None:
        clash = clash.exclude(pk=card.pk)
    if clash.exists():
        raise OrderError(
            _("%(carrier)s already has a rate card for %(province)s: change that one."),
            code="rate_card_exists",
            field="province",
            carrier=card.carrier.name,
            province=card.province or _("every other province (default)"),
        )


def save_rate_card(
    *, carrier: Carrier, values: dict[str, Any], by: Any, card: RateCard | None = None
) -> RateCard:
    """Create a carrier's rate card (``card`` None) or change ``card``.

    ``values`` holds any of ``RATE_CARD_FIELDS``; an empty province is the
    carrier's default. Refused (OrderError naming the ``field``): weights of
    0 kg or less, negative prices, a second card for the same carrier and
    province. The card's history records who saved it and when. Shipments
    already shipped keep their cost; only parcels shipped later use the card.
    Atomic.
    """
    check_user(by)
    unknown = set(values) - set(RATE_CARD_FIELDS)
    if unknown:
        raise OrderError(
            _("These fields cannot be set here: %(fields)s."),
            code="unknown_fields",
            fields=", ".join(sorted(unknown)),
        )
    with transaction.atomic():
        if card is None:
            card = RateCard(carrier=carrier)
        else:
            card = RateCard.objects.select_for_update().get(pk=card.pk, carrier=carrier)
        for field, value in values.items():
            setattr(card, field, value.strip() if field == "province" else value)
        _check_rate_card(card)
        card._history_user = by  # simple-history records who saved this version
        card.save()
    return card


def delete_rate_card(*, card: RateCard, by: Any) -> None:
    """Remove a rate card; its history keeps the deleted version and who deleted it.

    Parcels shipped later fall back to the carrier's default card (or to 0.00
    without one). Atomic.
    """
    check_user(by)
    with transaction.atomic():
        card._history_user = by
        card.delete()
