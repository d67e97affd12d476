"""Batch shipping: tracking numbers typed on the warehouse page or imported from a file.

Both ways go through the same checks (:class:`ShipmentResolver`) and ship each
parcel with ``ship_order``. A batch is all-or-nothing: every bad line is
reported with its line number and nothing ships. Shipping the same batch
again changes nothing (``ship_order`` is idempotent on carrier + tracking).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import SalesChannel
from orders.errors import OrderError
from orders.models import Carrier, Order, Shipment
from orders.services.shipping import ship_order
from storeops.imports import parsers
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability


class ShipmentLineError(Exception):
    """One line of a batch is wrong; ``column`` names the field at fault."""

    def __init__(self, message: str, *, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class ShipmentRequest:
    """A checked line of a batch: ship ``order`` with this carrier and tracking number."""

    line: int
    order: Order
    carrier: Carrier
    tracking_number: str
    shipped_at: dt.datetime | None = None
    is_repeat: bool = False


@dataclass(frozen=True)
class BatchProblem:
    line: int
    message: str


class ShipmentResolver:
    """Turns the text of a line into a :class:`ShipmentRequest`, or says what is wrong.

    Channels and carriers are read once; orders and earlier parcels once per line.
    Remembers the parcels of the batch so one tracking number cannot go to two orders.
    """

    def __init__(self) -> None:
        self._carriers: dict[str, Carrier] | None = None
        self._channels: dict[str, SalesChannel] | None = None
        self._seen: dict[tuple[int, str], tuple[int, int]] = {}

    def carrier(self, text: str) -> Carrier | None:
        if self._carriers is None:
            self._carriers = {}
            for carrier in Carrier.objects.all():
                self._carriers.setdefault(carrier.code.casefold(), carrier)
                self._carriers.setdefault(carrier.name.casefold(), carrier)
        return self._carriers.get(text.strip().casefold())

    def channel(self, text: str) -> SalesChannel | None:
        if self._channels is None:
            self._channels = {}
            for channel in SalesChannel.objects.all():
                for name in (channel.code, channel.name, channel.name_zh):
                    if name:
                        self._channels.setdefault(name.casefold(), channel)
        return self._channels.get(text.strip().casefold())

    def order(self, order_no: str, channel_text: str = "") -> Order:
        orders = Order.objects.select_related("channel").filter(order_no=order_no)
        if channel_text:
            channel = self.channel(channel_text)
            if channel is None:
                raise ShipmentLineError(
                    _("Unknown channel “%(channel)s” (give its code or name).")
                    % {"channel": channel_text},
                    column="channel",
                )
            orders = orders.filter(channel=channel)
        found = list(orders[:2])
        if not found:
            raise ShipmentLineError(
                _("Unknown order “%(order_no)s”.") % {"order_no": order_no}, column="order_no"
            )
        if len(found) > 1:
            raise ShipmentLineError(
                _("Order number “%(order_no)s” exists on several channels: give the channel.")
                % {"order_no": order_no},
                column="channel",
            )
        return found[0]

    def resolve(
        self,
        *,
        line: int,
        order_no: str,
        carrier_text: str,
        tracking_number: str,
        channel_text: str = "",
        shipped_at: dt.datetime | None = None,
    ) -> ShipmentRequest:
        order_no = order_no.strip()
        tracking_number = "".join(tracking_number.split())
        if not order_no:
            raise ShipmentLineError(_("The order number is missing."), column="order_no")
        if not tracking_number:
            raise ShipmentLineError(_("The tracking number is missing."), column="tracking_no")
        carrier = self.carrier(carrier_text)
        if carrier is None:
            raise ShipmentLineError(
                _("Unknown carrier “%(carrier)s” (give its code or name).")
                % {"carrier": carrier_text},
                column="carrier",
            )
        order = self.order(order_no, channel_text)
        earlier = (
            Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number)
            .values_list("order_id", flat=True)
            .first()
        )
        if earlier is not None and earlier != order.pk:
            raise ShipmentLineError(
                _("Tracking number %(tracking)s of %(carrier)s is already used by another order.")
                % {"tracking": tracking_number, "carrier": carrier.name},
                column="tracking_no",
            )
        key = (carrier.pk, tracking_number)
        if key in self._seen and self._seen[key][1] != order.pk:
            raise ShipmentLineError(
                _("Tracking number %(tracking)s is also given to another order on line %(line)d.")
                % {"tracking": tracking_number, "line": self._seen[key][0]},
                column="tracking_no",
            )
        self._seen.setdefault(key, (line, order.pk))
        is_repeat = earlier == order.pk
        if not is_repeat and not order.can_be_shipped:
            raise ShipmentLineError(
                _("Order %(order_no)s cannot ship: it is %(status)s, review %(review)s.")
                % {
                    "order_no": order.order_no,
                    "status": order.get_status_display(),
                    "review": order.get_review_state_display(),
                },
                column="order_no",
            )
        return ShipmentRequest(
            line=line,
            order=order,
            carrier=carrier,
            tracking_number=tracking_number,
            shipped_at=shipped_at,
            is_repeat=is_repeat,
        )


_SEPARATORS = re.compile(r"[,，\t;；]")


def split_line(text: str) -> list[str]:
    """``order_no, carrier, tracking``: split on commas or tabs when there are any,
    else on spaces (a carrier name with spaces then sits between the two ends)."""
    if _SEPARATORS.search(text):
        return [part.strip() for part in _SEPARATORS.split(text)]
    parts = text.split()
    if len(parts) > 3:
        parts = [parts[0], " ".join(parts[1:-1]), parts[-1]]
    return parts


def resolve_text(text: str) -> tuple[list[ShipmentRequest], list[BatchProblem]]:
    """Check every non-empty line of pasted text; line numbers count every line."""
    resolver = ShipmentResolver()
    requests: list[ShipmentRequest] = []
    problems: list[BatchProblem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = split_line(raw)
        if len(parts) != 3:
            problems.append(
                BatchProblem(
                    number,
                    _("Expected “order number, carrier, tracking number”, got %(count)d parts.")
                    % {"count": len(parts)},
                )
            )
            continue
        order_no, carrier_text, tracking_number = parts
        try:
            requests.append(
                resolver.resolve(
                    line=number,
                    order_no=order_no,
                    carrier_text=carrier_text,
                    tracking_number=tracking_number,
                )
            )
        except ShipmentLineError as error:
            problems.append(BatchProblem(number, error.message))
    return requests, problems


@dataclass(frozen=True)
class BatchResult:
    shipped: int
    unchanged: int
    problems: list[BatchProblem]

    @property
    def is_refused(self) -> bool:
        return bool(self.problems)


class _Refused(Exception):
    pass


def ship_batch(*, requests: list[ShipmentRequest], by: Any) -> BatchResult:
    """Ship every checked line with ``ship_order``, or none of them.

    Atomic: a line ``ship_order`` refuses (stock short, split order ...) is
    reported with its number and the whole batch rolls back. Repeats (the
    order already has that parcel) change nothing and count as unchanged.
    """
    problems: list[BatchProblem] = []
    shipped = unchanged = 0
    try:
        with transaction.atomic():
            for request in requests:
                if request.is_repeat:
                    unchanged += 1
                    continue
                try:
                    ship_order(
                        order=request.order,
                        carrier=request.carrier,
                        tracking_number=request.tracking_number,
                        shipped_at=request.shipped_at,
                        by=by,
                    )
                except OrderError as error:
                    problems.append(BatchProblem(request.line, str(error)))
                    continue
                shipped += 1
            if problems:
                raise _Refused
    except _Refused:
        return BatchResult(shipped=0, unchanged=0, problems=problems)
    return BatchResult(shipped=shipped, unchanged=unchanged, problems=[])


@register
class ShipmentImport(ImportKind):
    key = "shipments"
    label = gettext_lazy("Shipments")
    description = gettext_lazy(
        "Tracking numbers for released orders, one row per parcel. Each order ships "
        "with its carrier and tracking number; a parcel shipped already changes nothing."
    )
    capability = Capability.SHIP_ORDERS
    natural_key = ("carrier", "tracking_no")
    batch_size = 200
    columns = (
        Column(
            "channel",
            gettext_lazy("Channel"),
            parsers.text(100),
            aliases=("渠道", "销售渠道", "平台", "店铺", "店铺名称"),
            default="",
            help_text=gettext_lazy("Needed only when the order number exists on two channels."),
        ),
        Column(
            "order_no",
            gettext_lazy("Order number"),
            parsers.text(64),
            aliases=("订单编号", "订单号", "order number"),
            required=True,
        ),
        Column(
            "carrier",
            gettext_lazy("Carrier"),
            parsers.text(100),
            aliases=("物流公司", "快递公司"),
            required=True,
        ),
        Column(
            "tracking_no",
            gettext_lazy("Tracking number"),
            parsers.text(64),
            aliases=("物流单号", "运单号", "快递单号", "tracking number"),
            required=True,
        ),
        Column(
            "shipped_at",
            gettext_lazy("Shipped at"),
            parsers.datetime(),
            aliases=("发货时间",),
        ),
    )

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        resolver = context.cache.get("resolver")
        if resolver is None:
            resolver = context.cache["resolver"] = ShipmentResolver()
        try:
            request = resolver.resolve(
                line=context.row_number or 0,
                order_no=row["order_no"],
                carrier_text=row["carrier"],
                tracking_number=row["tracking_no"],
                channel_text=row.get("channel") or "",
                shipped_at=row.get("shipped_at"),
            )
        except ShipmentLineError as error:
            raise RowError(error.message, column=error.column) from error
        row["request"] = request
        row["carrier"] = request.carrier.code
        row["tracking_no"] = request.tracking_number
        return row

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        outcomes = []
        for parsed in rows:
            request: ShipmentRequest = parsed.values["request"]
            if request.is_repeat:
                outcomes.append(Outcome.UNCHANGED)
                continue
            try:
                ship_order(
                    order=request.order,
                    carrier=request.carrier,
                    tracking_number=request.tracking_number,
                    shipped_at=request.shipped_at,
                    by=context.user,
                )
            except OrderError as error:
                raise RowError(str(error), row=parsed.number) from error
            outcomes.append(Outcome.CREATED)
        return outcomes
