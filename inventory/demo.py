"""Demo stock: the default warehouse and, when the catalog has SKUs, their opening stock."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model

from catalog.models import Variant
from inventory import services
from inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from storeops import business_day

if TYPE_CHECKING:
    from storeops.demo import DemoContext

DEMO_USERNAME = "demo-stock"


def seed(*, context: DemoContext) -> dict[str, int]:
    rng = context.random
    warehouse, _created = Warehouse.objects.update_or_create(
        code="WH-MAIN",
        defaults={"name": "主仓", "address": "杭州市余杭区仓前街道", "is_default": True},
    )
    # Opening stock is booked through the services, so it is in the ledger with a "who".
    by, _created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_active": False}
    )
    opened = 0
    for variant in Variant.objects.filter(is_active=True).order_by("sku_code"):
        quantity = rng.choice([0, 3, 8, 15, 25, 40, 60, 120])
        if quantity == 0:
            continue
        movement = services.record_opening_balance(
            variant=variant,
            warehouse=warehouse,
            quantity=quantity,
            by=by,
            reason="Opening stock (demo)",
            document_type="demo",
            document_id="opening",
            idempotency_key=f"demo:opening:{warehouse.code}:{variant.sku_code}",
        )
        opened += movement.on_hand_change
    orders = _seed_purchase_orders(warehouse=warehouse, by=by)
    return {"warehouses": 1, "units of opening stock": opened, "purchase orders": orders}


def _seed_purchase_orders(*, warehouse: Warehouse, by) -> int:
    """A few suppliers' open purchase orders: one placed, one partially received, one draft.

    Every step carries an idempotency key, so seeding twice changes nothing.
    """
    from catalog.models import Supplier
    from inventory import purchasing

    suppliers = [
        supplier
        for supplier in Supplier.objects.filter(is_active=True).order_by("code")[:10]
        if supplier.variants.filter(is_active=True).exists()
    ][:3]
    for position, supplier in enumerate(suppliers):
        variants = list(supplier.variants.filter(is_active=True).order_by("sku_code")[:3])
        order = purchasing.create_draft(
            supplier=supplier,
            warehouse=warehouse,
            lines=[
                purchasing.PurchaseLineInput(variant=variant, quantity=20 + 10 * number)
                for number, variant in enumerate(variants)
            ],
            by=by,
            note="Demo purchase order",
            idempotency_key=f"demo:po:{supplier.code}",
        )
        if position == 2:
            continue  # stays a draft
        purchasing.place_purchase_order(
            purchase_order=order, by=by, idempotency_key=f"demo:po-place:{supplier.code}"
        )
        if position == 1:
            first_line = order.lines.order_by("id").first()
            purchasing.receive_delivery(
                purchase_order=order,
                lines=[purchasing.ReceiveLineInput(line=first_line.pk, quantity=10)],
                by=by,
                note="First truck (demo)",
                idempotency_key=f"demo:po-receipt:{supplier.code}",
            )
    return len(suppliers)


def backfill_history_shipments(
    parcels: list[tuple[int, int, int, dt.datetime, str]], *, by, opening_at: dt.datetime
) -> int:
    """Ledger rows for the demo's history parcels, which were written in bulk.

    ``parcels`` are ``(variant_id, warehouse_id, quantity, shipped_at, order_no)``.
    So that today's levels stay what the opening stock set, each SKU's opening
    balance moves back to ``opening_at`` (before the history) and grows by what
    the history shipped; the shipments then bring it back down, in time order.
    Every level still equals the sum of its ledger rows (``check_stock``), and
    sales velocity, last sale and slow movers read real shipments.
    """
    by_level: dict[tuple[int, int], list[tuple[dt.datetime, int, str]]] = defaultdict(list)
    for variant_id, warehouse_id, quantity, shipped_at, order_no in parcels:
        by_level[(variant_id, warehouse_id)].append((shipped_at, quantity, order_no))
    openings = {
        (movement.variant_id, movement.warehouse_id): movement
        for movement in StockMovement.objects.filter(
            kind=MovementKind.OPENING_BALANCE, document_id="opening"
        )
    }
    existing_levels = set(StockLevel.objects.values_list("variant_id", "warehouse_id"))
    opening_day = business_day.of(opening_at)
    new_levels, new_openings, changed_openings, shipments = [], [], [], []
    for key, sent in by_level.items():
        shipped_total = sum(quantity for _at, quantity, _no in sent)
        opening = openings.get(key)
        if opening is None:
            if key not in existing_levels:
                new_levels.append(StockLevel(variant_id=key[0], warehouse_id=key[1]))
            opening = StockMovement(
                variant_id=key[0],
                warehouse_id=key[1],
                kind=MovementKind.OPENING_BALANCE,
                on_hand_after=0,
                reserved_after=0,
                on_order_after=0,
                created_by=by,
                reason="Opening stock (demo)",
                document_type="demo",
                document_id="opening",
            )
            new_openings.append(opening)
        else:
            changed_openings.append(opening)
        opening.on_hand_change += shipped_total
        opening.on_hand_after += shipped_total
        opening.created_at, opening.business_date = opening_at, opening_day
        running = opening.on_hand_after
        for shipped_at, quantity, order_no in sorted(sent):
            running -= quantity
            shipments.append(
                StockMovement(
                    variant_id=key[0],
                    warehouse_id=key[1],
                    kind=MovementKind.SHIPMENT,
                    on_hand_change=-quantity,
                    on_hand_after=running,
                    reserved_after=opening.reserved_after,
                    on_order_after=opening.on_order_after,
                    created_at=shipped_at,
                    business_date=business_day.of(shipped_at),
                    created_by=by,
                    reason="Shipped (demo history)",
                    document_type="order",
                    document_id=order_no,
                )
            )
    StockLevel.objects.bulk_create(new_levels)
    StockMovement.objects.bulk_create(new_openings)
    StockMovement.objects.bulk_update(
        changed_openings, ["on_hand_change", "on_hand_after", "created_at", "business_date"]
    )
    StockMovement.objects.bulk_create(shipments, batch_size=1000)
    return len(shipments)
