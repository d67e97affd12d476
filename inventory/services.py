"""Stock services: every change of stock goes through here and leaves a ledger row.

Guarantees shared by every service below:

* **Atomic.** The level update and its ledger row commit together or not at all.
* **Race-safe.** A decrease is one conditional ``UPDATE ... WHERE <enough stock>``;
  the row lock it takes serialises concurrent calls on the same level, and 0 rows
  updated means :class:`InsufficientStock`. The CheckConstraints on
  ``StockLevel`` are the last line of defence.
* **Audited.** The ledger row records who (``by``), when, why (``reason``), the
  source document and the levels right after the change, read back under the
  row lock.
* **Idempotent.** Given an ``idempotency_key``, a repeated call changes nothing
  and returns the movement of the first call (for ``transfer``, both movements).
* **Validated.** Quantities are positive ``int`` (not ``bool``, ``Decimal`` or
  ``str``); a refused call raises :class:`StockError` and changes nothing.

``variant`` may be a ``catalog.Variant`` or its SKU code; ``warehouse`` a
``Warehouse``, its code, or ``None`` for the default warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from inventory.errors import InsufficientStock, StockError, UnknownSku, UnknownWarehouse
from inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from storeops import business_day
from storeops.copy_insert import insert_rows

__all__ = [
    "InsufficientStock",
    "PlannedReservations",
    "ReservationLine",
    "StockError",
    "UnknownSku",
    "UnknownWarehouse",
    "adjust_to_count",
    "cancel_on_order",
    "place_on_order",
    "plan_reservations",
    "receive",
    "record_opening_balance",
    "release",
    "reserve",
    "restock_return",
    "ship",
    "transfer",
    "write_off",
]

REASON_MAX_LENGTH = StockMovement._meta.get_field("reason").max_length
KEY_MAX_LENGTH = StockMovement._meta.get_field("idempotency_key").max_length


@dataclass(frozen=True)
class _Change:
    """The deltas of one movement and the condition the level must meet first."""

    kind: MovementKind
    on_hand: int = 0
    reserved: int = 0
    on_order: int = 0
    # The least the level must hold of `guarded_amount` before the change ("available":
    # on hand less reserved, "reserved" or "on_order"); None means always allowed.
    guard: int | None = None
    guarded_amount: str = "available"


# -- input checks ---------------------------------------------------------------------------


def _check_quantity(quantity: Any, *, name: str = "quantity", allow_zero: bool = False) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise StockError(
            _("%(name)s must be a whole number, not %(value)r."),
            code="invalid_quantity",
            name=name,
            value=quantity,
        )
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise StockError(
            _("%(name)s must be more than zero, not %(value)s.")
            if not allow_zero
            else _("%(name)s must not be negative, not %(value)s."),
            code="invalid_quantity",
            name=name,
            value=quantity,
        )
    return quantity


def _check_audit(*, by: Any, reason: str, idempotency_key: str | None) -> None:
    if by is None or getattr(by, "pk", None) is None:
        raise StockError(_("A stock change must name who makes it."), code="missing_user")
    if not isinstance(reason, str) or not reason.strip():
        raise StockError(_("A stock change must give a reason."), code="missing_reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise StockError(
            _("The reason is longer than %(limit)s characters."),
            code="reason_too_long",
            limit=REASON_MAX_LENGTH,
        )
    if idempotency_key is not None and (
        not isinstance(idempotency_key, str)
        or not idempotency_key
        or len(idempotency_key) > KEY_MAX_LENGTH
    ):
        raise StockError(
            _("The idempotency key must be a text of 1 to %(limit)s characters."),
            code="invalid_idempotency_key",
            limit=KEY_MAX_LENGTH,
        )


def _resolve_variant(variant: Variant | str) -> Variant:
    if isinstance(variant, Variant):
        return variant
    if not isinstance(variant, str):
        raise UnknownSku(sku=repr(variant))
    found = Variant.objects.filter(sku_code=variant).first()
    if found is None:
        raise UnknownSku(sku=variant)
    return found


def _resolve_warehouse(warehouse: Warehouse | str | None) -> Warehouse:
    if isinstance(warehouse, Warehouse):
        return warehouse
    if warehouse is None:
        found = Warehouse.objects.filter(is_default=True).first()
        if found is None:
            raise StockError(
                _("No default warehouse is set up: name a warehouse or mark one as default."),
                code="no_default_warehouse",
            )
        return found
    found = Warehouse.objects.filter(code=warehouse).first() if isinstance(warehouse, str) else None
    if found is None:
        raise UnknownWarehouse(warehouse=str(warehouse))
    return found


def _check_active(warehouse: Warehouse) -> None:
    if not warehouse.is_active:
        raise StockError(
            _("Warehouse %(warehouse)s is closed: it takes no new stock or reservations."),
            code="inactive_warehouse",
            warehouse=warehouse.code,
        )


# -- the one write path ---------------------------------------------------------------------


def _earlier_movement(
    key: str, *, kind: MovementKind, variant: Variant, warehouse: Warehouse
) -> StockMovement | None:
    earlier = StockMovement.objects.filter(idempotency_key=key).first()
    if earlier is None:
        return None
    if (earlier.kind, earlier.variant_id, earlier.warehouse_id) != (
        kind,
        variant.pk,
        warehouse.pk,
    ):
        raise StockError(
            _("Idempotency key %(key)s was already used for a different stock change."),
            code="idempotency_key_reused",
            key=key,
        )
    return earlier


def _available_for_message(variant_id: int, warehouse_id: int, guarded_amount: str) -> int:
    level = (
        StockLevel.objects.filter(variant_id=variant_id, warehouse_id=warehouse_id)
        .values("on_hand", "reserved", "on_order")
        .first()
    )
    if level is None:
        return 0
    if guarded_amount == "available":
        return level["on_hand"] - level["reserved"]
    return level[guarded_amount]


# What each guarded amount must hold, on the level's quoted columns, against a parameter.
_GUARDS = {
    "available": "{on_hand} >= {reserved} + %s",
    "reserved": "{reserved} >= %s",
    "on_order": "{on_order} >= %s",
}


def _update_level(
    variant_id: int, warehouse_id: int, change: _Change, now
) -> tuple[int, int, int] | None:
    """Apply the change to the level row if it meets the guard; the levels after, or None.

    One ``UPDATE ... RETURNING`` statement (PostgreSQL, SQLite 3.35+): the guard
    is checked, the row is changed and locked, and the new levels are read back
    in a single round trip, so concurrent callers can neither overdraw nor see
    each other's half-done changes. Written out rather than built through the
    ORM: every order line moves stock, and building it cost more than running it.
    """
    connection = connections[router.db_for_write(StockLevel)]
    quote = connection.ops.quote_name
    meta = StockLevel._meta
    columns = {
        name: quote(meta.get_field(name).column)
        for name in ("variant", "warehouse", "on_hand", "reserved", "on_order", "updated_at")
    }
    where = f"{columns['variant']} = %s AND {columns['warehouse']} = %s"
    where_params = [variant_id, warehouse_id]
    if change.guard is not None:
        where += " AND " + _GUARDS[change.guarded_amount].format(**columns)
        where_params.append(change.guard)
    on_hand, reserved, on_order = columns["on_hand"], columns["reserved"], columns["on_order"]
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {on_hand} = {on_hand} + %s, "
        f"{reserved} = {reserved} + %s, {on_order} = {on_order} + %s, "
        f"{columns['updated_at']} = %s WHERE {where} RETURNING {on_hand}, {reserved}, {on_order}"
    )
    params = [
        change.on_hand,
        change.reserved,
        change.on_order,
        meta.get_field("updated_at").get_db_prep_value(now, connection),
        *where_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _post(
    *,
    change: _Change,
    variant: Variant,
    warehouse: Warehouse,
    requested: int,
    by: Any,
    reason: str,
    document_type: str,
    document_id: str,
    idempotency_key: str | None,
) -> StockMovement:
    """Apply ``change`` to the level and write its ledger row; caller holds a transaction."""
    now = timezone.now()
    levels = _update_level(variant.pk, warehouse.pk, change, now)
    if levels is None:
        if change.guard is not None:
            raise InsufficientStock(
                sku=variant.sku_code,
                warehouse=warehouse.code,
                requested=requested,
                available=_available_for_message(variant.pk, warehouse.pk, change.guarded_amount),
            )
        # First movement of this SKU here: create the level (a racing creator is
        # fine, get_or_create re-reads it), then apply the change under its lock.
        StockLevel.objects.get_or_create(variant=variant, warehouse=warehouse)
        levels = _update_level(variant.pk, warehouse.pk, change, now)
    on_hand_after, reserved_after, on_order_after = levels
    return StockMovement.objects.create(
        variant=variant,
        warehouse=warehouse,
        kind=change.kind,
        on_hand_change=change.on_hand,
        reserved_change=change.reserved,
        on_order_change=change.on_order,
        on_hand_after=on_hand_after,
        reserved_after=reserved_after,
        on_order_after=on_order_after,
        created_at=now,
        business_date=business_day.of(now),
        created_by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
    )


def _move(
    *,
    change: _Change,
    variant: Variant | str,
    warehouse: Warehouse | str | None,
    requested: int,
    by: Any,
    reason: str,
    document_type: str,
    document_id: str,
    idempotency_key: str | None,
    needs_active_warehouse: bool = False,
    in_callers_transaction: bool = False,
) -> StockMovement:
    """Validate, then post one movement atomically, honouring the idempotency key.

    ``in_callers_transaction`` (only without a key): the caller's transaction
    is the unit, so no savepoint of its own (two statements fewer). A refusal
    then writes nothing and leaves the caller's transaction usable.
    """
    _check_audit(by=by, reason=reason, idempotency_key=idempotency_key)
    variant = _resolve_variant(variant)
    warehouse = _resolve_warehouse(warehouse)
    if needs_active_warehouse and not warehouse.is_active:
        earlier = idempotency_key and _earlier_movement(
            idempotency_key, kind=change.kind, variant=variant, warehouse=warehouse
        )
        if earlier:
            return earlier
        _check_active(warehouse)
    if in_callers_transaction and idempotency_key is None:
        if not transaction.get_connection().in_atomic_block:
            raise StockError(
                _("This stock change must run inside a transaction."), code="no_transaction"
            )
        # A refused guard updates no row and _post writes nothing before it raises.
        return _post(
            change=change,
            variant=variant,
            warehouse=warehouse,
            requested=requested,
            by=by,
            reason=reason,
            document_type=document_type,
            document_id=document_id,
            idempotency_key=None,
        )
    # A key is checked optimistically: the common first call costs no extra read.
    # A repeat either hits the key's unique index (its level change rolls back
    # with it) or, when the first call took the last units, fails the guard;
    # both then answer with the movement the first call wrote.
    try:
        with transaction.atomic():
            return _post(
                change=change,
                variant=variant,
                warehouse=warehouse,
                requested=requested,
                by=by,
                reason=reason,
                document_type=document_type,
                document_id=document_id,
                idempotency_key=idempotency_key,
            )
    except (IntegrityError, InsufficientStock):
        if idempotency_key is not None:
            earlier = _earlier_movement(
                idempotency_key, kind=change.kind, variant=variant, warehouse=warehouse
            )
            if earlier is not None:
                return earlier
        raise


# -- services used by orders ----------------------------------------------------------------


def reserve(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
    in_callers_transaction: bool = False,
) -> StockMovement:
    """Set ``quantity`` units aside for a paid order; they stay on hand until shipped.

    Refused with :class:`InsufficientStock` when fewer than ``quantity`` are
    available (on hand less reserved). Atomic, race-safe, idempotent by key.
    ``in_callers_transaction``: the caller holds the transaction (required)
    and rolls it back if it needs to; no savepoint is taken here.
    """
    quantity = _check_quantity(quantity)
    return _move(
        change=_Change(
            kind=MovementKind.RESERVATION,
            reserved=quantity,
            guard=quantity,
        ),
        variant=variant,
        warehouse=warehouse,
        requested=quantity,
        by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
        needs_active_warehouse=True,
        in_callers_transaction=in_callers_transaction,
    )


def release(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    """Give reserved units back to available stock (an order was cancelled).

    Refused with :class:`InsufficientStock` when fewer than ``quantity`` are
    reserved. Atomic, race-safe, idempotent by key.
    """
    quantity = _check_quantity(quantity)
    return _move(
        change=_Change(
            kind=MovementKind.RELEASE,
            reserved=-quantity,
            guard=quantity,
            guarded_amount="reserved",
        ),
        variant=variant,
        warehouse=warehouse,
        requested=quantity,
        by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
    )


def ship(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
    from_reserved: bool = True,
) -> StockMovement:
    """Send units out: on hand goes down, and so does the reservation they came from.

    With ``from_reserved=False`` (a shipment nobody reserved for) the units come
    from available stock instead and the reservation is untouched. Refused with
    :class:`InsufficientStock` when the reservation (or available stock) is short.
    Atomic, race-safe, idempotent by key.
    """
    quantity = _check_quantity(quantity)
    if from_reserved:
        change = _Change(
            kind=MovementKind.SHIPMENT,
            on_hand=-quantity,
            reserved=-quantity,
            guard=quantity,
            guarded_amount="reserved",
        )
    else:
        change = _Change(
            kind=MovementKind.SHIPMENT,
            on_hand=-quantity,
            guard=quantity,
        )
    return _move(
        change=change,
        variant=variant,
        warehouse=warehouse,
        requested=quantity,
        by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
    )


def restock_return(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    """Put returned, sellable units back on hand. Atomic, idempotent by key."""
    quantity = _check_quantity(quantity)
    return _move(
        change=_Change(kind=MovementKind.RETURN_TO_STOCK, on_hand=quantity),
        variant=variant,
        warehouse=warehouse,
        requested=quantity,
        by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
    )


def write_off(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    """Remove damaged or lost units from available stock (reserved units are kept).

    Refused with :class:`InsufficientStock` when fewer are available; release a
    reservation first to write its units off. Atomic, race-safe, idempotent by key.
    """
    quantity = _check_quantity(quantity)
    return _move(
        change=_Change(
            kind=MovementKind.WRITE_OFF,
            on_hand=-quantity,
            guard=quantity,
        ),
        variant=variant,
        warehouse=warehouse,
        requested=quantity,
        by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
    )


# -- services used by purchasing and stocktakes ---------------------------------------------


def receive(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
    on_order_cleared: int = 0,
) -> StockMovement:
    """Book goods in: on hand goes up by ``quantity``.

    ``on_order_cleared`` units are taken off ``on_order`` (the purchase order
    line they arrived on); refused when fewer are on order. Atomic, idempotent by key.
    """
    quantity = _check_quantity(quantity)
    on_order_cleared = _check_quantity(on_order_cleared, name="on_order_cleared", allow_zero=True)
    return _move(
        change=_Change(
            kind=MovementKind.RECEIPT,
            on_hand=quantity,
            on_order=-on_order_cleared,
            guard=on_order_cleared or None,
            guarded_amount="on_order",
        ),
        variant=variant,
        warehouse=warehouse,
        requested=on_order_cleared or quantity,
        by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
        needs_active_warehouse=True,
    )


def record_opening_balance(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    """Book the stock a SKU had when the store started using StoreOps. Idempotent by key."""
    quantity = _check_quantity(quantity)
    return _move(
        change=_Change(kind=MovementKind.OPENING_BALANCE, on_hand=quantity),
        variant=variant,
        warehouse=warehouse,
        requested=quantity,
        by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
    )


def place_on_order(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    """Record units ordered from a supplier (raises ``on_order``). Idempotent by key."""
    quantity = _check_quantity(quantity)
    return _move(
        change=_Change(kind=MovementKind.ON_ORDER, on_order=quantity),
        variant=variant,
        warehouse=warehouse,
        requested=quantity,
        by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
        needs_active_warehouse=True,
    )


def cancel_on_order(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    """Take units the supplier will not deliver off ``on_order``. Idempotent by key."""
    quantity = _check_quantity(quantity)
    return _move(
        change=_Change(
            kind=MovementKind.ON_ORDER_CANCELLED,
            on_order=-quantity,
            guard=quantity,
            guarded_amount="on_order",
        ),
        variant=variant,
        warehouse=warehouse,
        requested=quantity,
        by=by,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
    )


def adjust_to_count(
    *,
    variant: Variant | str,
    warehouse: Warehouse | str | None = None,
    counted: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    """Set on hand to what a stocktake counted and post the difference.

    A count that matches still leaves a ledger row (change 0) as proof of the
    count. Refused when ``counted`` is below what is reserved: release those
    reservations first. Locks the level (``select_for_update``) so that the
    difference is computed against the level it replaces. Idempotent by key.
    """
    counted = _check_quantity(counted, name="counted", allow_zero=True)
    _check_audit(by=by, reason=reason, idempotency_key=idempotency_key)
    variant = _resolve_variant(variant)
    warehouse = _resolve_warehouse(warehouse)
    kind = MovementKind.STOCKTAKE_ADJUSTMENT
    if idempotency_key is not None:
        earlier = _earlier_movement(
            idempotency_key, kind=kind, variant=variant, warehouse=warehouse
        )
        if earlier is not None:
            return earlier
    try:
        with transaction.atomic():
            StockLevel.objects.get_or_create(variant=variant, warehouse=warehouse)
            level = StockLevel.objects.select_for_update().get(variant=variant, warehouse=warehouse)
            if counted < level.reserved:
                raise StockError(
                    _(
                        "Counted %(counted)s of %(sku)s in %(warehouse)s, but %(reserved)s are "
                        "reserved: release reservations before booking this count."
                    ),
                    code="count_below_reserved",
                    sku=variant.sku_code,
                    warehouse=warehouse.code,
                    counted=counted,
                    reserved=level.reserved,
                )
            return _post(
                change=_Change(kind=kind, on_hand=counted - level.on_hand),
                variant=variant,
                warehouse=warehouse,
                requested=counted,
                by=by,
                reason=reason,
                document_type=document_type,
                document_id=document_id,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        if idempotency_key is not None:
            earlier = _earlier_movement(
                idempotency_key, kind=kind, variant=variant, warehouse=warehouse
            )
            if earlier is not None:
                return earlier
        raise


def transfer(
    *,
    variant: Variant | str,
    from_warehouse: Warehouse | str,
    to_warehouse: Warehouse | str,
    quantity: int,
    by: Any,
    reason: str,
    document_type: str = "",
    document_id: str = "",
    idempotency_key: str | None = None,
) -> tuple[StockMovement, StockMovement]:
    """Move available units between warehouses: a transfer-out and a transfer-in row.

    Both rows commit together. Refused with :class:`InsufficientStock` when the
    source has fewer available. Levels are locked in warehouse-id order so two
    opposite transfers cannot deadlock. Idempotent by key (the in-row uses
    ``<key>:in``); returns ``(out_movement, in_movement)``.
    """
    quantity = _check_quantity(quantity)
    _check_audit(by=by, reason=reason, idempotency_key=idempotency_key)
    if idempotency_key is not None and len(idempotency_key) > KEY_MAX_LENGTH - 3:
        raise StockError(
            _("The idempotency key must be a text of 1 to %(limit)s characters."),
            code="invalid_idempotency_key",
            limit=KEY_MAX_LENGTH - 3,
        )
    variant = _resolve_variant(variant)
    source = _resolve_warehouse(from_warehouse)
    target = _resolve_warehouse(to_warehouse)
    if source.pk == target.pk:
        raise StockError(
            _("A transfer needs two different warehouses."), code="same_warehouse_transfer"
        )
    in_key = f"{idempotency_key}:in" if idempotency_key is not None else None

    def earlier_pair() -> tuple[StockMovement, StockMovement] | None:
        out_row = _earlier_movement(
            idempotency_key, kind=MovementKind.TRANSFER_OUT, variant=variant, warehouse=source
        )
        if out_row is None:
            return None
        in_row = _earlier_movement(
            in_key, kind=MovementKind.TRANSFER_IN, variant=variant, warehouse=target
        )
        return out_row, in_row

    if idempotency_key is not None and (pair := earlier_pair()) is not None:
        return pair
    _check_active(target)
    common = {
        "variant": variant,
        "requested": quantity,
        "by": by,
        "reason": reason,
        "document_type": document_type,
        "document_id": document_id,
    }
    out_change = _Change(
        kind=MovementKind.TRANSFER_OUT,
        on_hand=-quantity,
        guard=quantity,
    )
    in_change = _Change(kind=MovementKind.TRANSFER_IN, on_hand=quantity)
    try:
        with transaction.atomic():
            StockLevel.objects.get_or_create(variant=variant, warehouse=target)
            # Lock both levels in a fixed order before changing either.
            list(
                StockLevel.objects.select_for_update()
                .filter(variant=variant, warehouse__in=[source, target])
                .order_by("warehouse_id")
                .values_list("pk", flat=True)
            )
            out_row = _post(
                change=out_change, warehouse=source, idempotency_key=idempotency_key, **common
            )
            in_row = _post(change=in_change, warehouse=target, idempotency_key=in_key, **common)
            return out_row, in_row
    except IntegrityError:
        if idempotency_key is not None and (pair := earlier_pair()) is not None:
            return pair
        raise


# -- set-based reservation (order imports) --------------------------------------------------


@dataclass(frozen=True)
class ReservationLine:
    """One line of a group passed to :func:`plan_reservations`."""

    variant: Variant
    quantity: int


# A reservation's ledger row as insert_rows takes it; the plan keeps all but the
# last two values (the document, known only at write, and no idempotency key).
MOVEMENT_FIELDS = (
    "variant_id",
    "warehouse_id",
    "kind",
    "on_hand_change",
    "reserved_change",
    "on_order_change",
    "on_hand_after",
    "reserved_after",
    "on_order_after",
    "created_at",
    "business_date",
    "created_by_id",
    "reason",
    "document_type",
    "document_id",
    "idempotency_key",
)


class PlannedReservations:
    """Reservations checked under lock by :func:`plan_reservations`, written by :meth:`write`."""

    def __init__(self, *, warehouse: Warehouse, by: Any) -> None:
        self.warehouse = warehouse
        self.by = by
        self.shortages: list[InsufficientStock | None] = []
        self.movements: list[list[tuple]] = []
        self.deltas: dict[int, int] = {}
        self.now = timezone.now()

    def write(self, *, document_ids: list[str]) -> None:
        """Write the levels and one ledger row per reserved line; ``document_ids`` per group."""
        rows = [
            (*movement, document_id, None)
            for movements, document_id in zip(self.movements, document_ids, strict=True)
            for movement in movements
        ]
        if not rows:
            return
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            # The rows are locked (plan_reservations), so adding the deltas gives
            # exactly the levels the ledger rows record.
            table = connection.ops.quote_name(StockLevel._meta.db_table)
            values = ", ".join(["(%s::bigint, %s::integer)"] * len(self.deltas))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS level SET reserved = level.reserved + v.delta, "
                    f"updated_at = %s FROM (VALUES {values}) AS v (id, delta) "
                    "WHERE level.id = v.id",
                    [self.now, *(value for item in self.deltas.items() for value in item)],
                )
        else:
            for pk, delta in self.deltas.items():
                StockLevel.objects.filter(pk=pk).update(
                    reserved=F("reserved") + delta, updated_at=self.now
                )
        insert_rows(StockMovement, fields=MOVEMENT_FIELDS, rows=rows)


def plan_reservations(
    *,
    groups: list[tuple[list[ReservationLine], str, str]],
    warehouse: Warehouse,
    by: Any,
) -> PlannedReservations:
    """Check reserving each group of lines all or none, in the order given, under lock.

    Each group is ``(lines, reason, document_type)``. The outcome and the
    ledger are those of calling :func:`reserve` for every line of a group in
    turn inside one savepoint per group (a group that cannot be covered
    reserves nothing; its shortage names the first line that failed), but in
    a few statements: the levels are locked here (``SELECT ... FOR UPDATE``
    in variant order, so two callers cannot deadlock) and the groups applied
    in memory; ``write`` then updates the levels in one statement and inserts
    one ledger row per reserved line with the levels right after it. The
    caller holds the transaction from plan to write.
    """
    _check_active(warehouse)
    variant_ids = set()
    for lines, reason, _type in groups:
        _check_audit(by=by, reason=reason, idempotency_key=None)
        for line in lines:
            _check_quantity(line.quantity)
            variant_ids.add(line.variant.pk)
    levels = {
        level.variant_id: level
        for level in StockLevel.objects.select_for_update()
        .filter(warehouse=warehouse, variant_id__in=sorted(variant_ids))
        .order_by("variant_id")
    }
    plan = PlannedReservations(warehouse=warehouse, by=by)
    today = business_day.of(plan.now)
    for lines, reason, document_type in groups:
        added: dict[int, int] = {}
        shortage = None
        for line in lines:
            level = levels.get(line.variant.pk)
            reserved = (level.reserved if level else 0) + added.get(line.variant.pk, 0)
            on_hand = level.on_hand if level else 0
            if level is None or on_hand < reserved + line.quantity:
                shortage = InsufficientStock(
                    sku=line.variant.sku_code,
                    warehouse=warehouse.code,
                    requested=line.quantity,
                    available=on_hand - reserved if level else 0,
                )
                break
            added[line.variant.pk] = added.get(line.variant.pk, 0) + line.quantity
        plan.shortages.append(shortage)
        movements: list[tuple] = []
        plan.movements.append(movements)
        if shortage is not None:
            continue
        for line in lines:
            level = levels[line.variant.pk]
            level.reserved += line.quantity
            plan.deltas[level.pk] = plan.deltas.get(level.pk, 0) + line.quantity
            movements.append(
                (
                    line.variant.pk,
                    warehouse.pk,
                    MovementKind.RESERVATION,
                    0,
                    line.quantity,
                    0,
                    level.on_hand,
                    level.reserved,
                    level.on_order,
                    plan.now,
                    today,
                    by.pk,
                    reason,
                    document_type,
                )
            )
    return plan
