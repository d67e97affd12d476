"""Carrier bills: what the courier charged for each parcel, from its monthly statement.

Each row names a parcel by carrier and tracking number and sets its shipping
cost to the billed amount with ``set_shipping_cost`` (a timeline event on the
order; the ship day's summary is rebuilt). A bill is all-or-nothing like every
import, and importing the same bill again changes nothing. Bills carry many
more columns (sender, destination, service ...); those are ignored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.errors import OrderError
from orders.models import Carrier, Shipment, ShipmentStatus
from orders.services.shipping import set_shipping_cost
from storeops.imports import parsers
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability


class _Carriers:
    """Carriers by code and by name (any case), read once per import."""

    def __init__(self) -> None:
        self._by_name: dict[str, Carrier] = {}
        for carrier in Carrier.objects.all():
            self._by_name.setdefault(carrier.code.casefold(), carrier)
            self._by_name.setdefault(carrier.name.casefold(), carrier)

    def get(self, text: str) -> Carrier | None:
        return self._by_name.get(text.strip().casefold())


@register
class CarrierBillImport(ImportKind):
    key = "carrier_bill"
    label = gettext_lazy("Carrier bill")
    description = gettext_lazy(
        "A courier's bill, one row per parcel: each shipped parcel, found by carrier and "
        "tracking number, gets the billed amount as its shipping cost. Other columns of "
        "the bill are ignored; importing the same bill again changes nothing."
    )
    capability = Capability.SHIP_ORDERS
    natural_key = ("carrier", "tracking_no")
    batch_size = 200
    ignore_unknown_columns = True
    columns = (
        Column(
            "carrier",
            gettext_lazy("Carrier"),
            parsers.text(100),
            aliases=("快递公司", "物流公司", "承运商"),
            required=True,
            help_text=gettext_lazy("The carrier's code or name, as on the carriers list."),
        ),
        Column(
            "tracking_no",
            gettext_lazy("Tracking number"),
            parsers.text(64),
            aliases=("运单号", "快递单号", "物流单号", "tracking number"),
            required=True,
        ),
        Column(
            "cost",
            gettext_lazy("Billed cost"),
            parsers.decimal(places=2, minimum=Decimal(0)),
            aliases=("运费", "费用", "金额", "应付金额"),
            required=True,
            help_text=gettext_lazy("What the carrier charges for the parcel, 0 or more."),
        ),
        Column(
            "weight_kg",
            gettext_lazy("Billed weight (kg)"),
            parsers.decimal(places=3, minimum=Decimal(0)),
            aliases=("重量", "计费重量", "weight"),
            help_text=gettext_lazy("Shown in the order's timeline; the parcel's weight stays."),
        ),
        Column(
            "billed_at",
            gettext_lazy("Billing date"),
            parsers.date(),
            aliases=("账单日期", "结算日期"),
        ),
    )

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        carriers = context.cache.get("carriers")
        if carriers is None:
            carriers = context.cache["carriers"] = _Carriers()
        carrier = carriers.get(row["carrier"])
        if carrier is None:
            raise RowError(
                _("Unknown carrier “%(carrier)s” (give its code or name).")
                % {"carrier": row["carrier"]},
                column="carrier",
            )
        tracking_number = "".join(row["tracking_no"].split())
        shipment = (
            Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number)
            .exclude(status=ShipmentStatus.PLANNED)
            .first()
        )
        if shipment is None:
            raise RowError(
                _("No parcel of %(carrier)s has the tracking number %(tracking)s.")
                % {"carrier": carrier.name, "tracking": tracking_number},
                column="tracking_no",
            )
        # The natural key uses the code, so "sf" and "SF Express" rows repeat each other.
        row["carrier"] = carrier.code
        row["tracking_no"] = tracking_number
        row["shipment"] = shipment
        return row

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        outcomes = []
        for parsed in rows:
            values = parsed.values
            try:
                changed = set_shipping_cost(
                    shipment=values["shipment"],
                    cost=values["cost"],
                    by=context.user,
                    why=self._why(values, context),
                )
            except OrderError as error:
                raise RowError(str(error), row=parsed.number) from error
            outcomes.append(Outcome.UPDATED if changed else Outcome.UNCHANGED)
        return outcomes

    @staticmethod
    def _why(values: dict[str, Any], context: ImportContext) -> str:
        parts = [_("carrier bill %(file)s") % {"file": context.source_name or "-"}]
        if values.get("billed_at"):
            parts.append(_("billed %(day)s") % {"day": values["billed_at"].isoformat()})
        if values.get("weight_kg") is not None:
            parts.append(_("billed weight %(weight)s kg") % {"weight": values["weight_kg"]})
        return ", ".join(parts)
