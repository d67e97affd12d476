"""Forms of the order console: one small form per action."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from customers import selectors as customer_selectors
from customers.models import SalesChannel
from inventory import selectors as inventory_selectors
from orders.models import (
    AfterSalesReason,
    Carrier,
    CaseType,
    Order,
    OrderKind,
    OrderLine,
    Shipment,
    ShipmentStatus,
)
from storeops import business_day


class NoteForm(forms.Form):
    message = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ShipForm(forms.Form):
    carrier = forms.ModelChoiceField(
        label=_("Carrier"), queryset=Carrier.objects.filter(is_active=True), empty_label=None
    )
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64)

    def clean_tracking_number(self) -> str:
        return "".join(self.cleaned_data["tracking_number"].split())


class ShippingCostForm(forms.Form):
    """What the carrier charges for one shipped parcel of the order."""

    shipment = forms.ModelChoiceField(label=_("Parcel"), queryset=Shipment.objects.none())
    cost = forms.DecimalField(
        label=_("Shipping cost"), min_value=Decimal("0.00"), max_digits=12, decimal_places=2
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shipment"].queryset = Shipment.objects.filter(order=order).exclude(
            status=ShipmentStatus.PLANNED
        )


class OpenCaseForm(forms.Form):
    """A case on one line (or on the whole order when no line is picked)."""

    kind = forms.ChoiceField(label=_("Type"), choices=CaseType.choices)
    reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=AfterSalesReason.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=None,
    )
    line = forms.ModelChoiceField(
        label=_("Item"),
        queryset=OrderLine.objects.none(),
        required=False,
        empty_label=_("Whole order"),
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Leave empty to refund what the items paid."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, order=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if order is not None:
            self.fields["line"].queryset = order.lines.all()
            self.fields["line"].label_from_instance = lambda line: (
                f"{line.sku_code} · {line.title} × {line.quantity}"
            )

    def clean(self) -> dict:
        data = super().clean()
        line = data.get("line")
        if line is not None and data.get("quantity") and data["quantity"] > line.quantity:
            self.add_error(
                "quantity",
                _("The order has only %(count)d of this item.") % {"count": line.quantity},
            )
        return data


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Leave empty to refund what the case asks for."),
    )


class ReceiveReturnForm(forms.Form):
    damaged = forms.IntegerField(
        label=_("Damaged units (written off)"), min_value=0, initial=0, required=False
    )


# --- Warehouse work and manual orders -----------------------------------------


class WarehouseFilterForm(forms.Form):
    """Filters of the warehouse page: which released orders to pick and pack."""

    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=SalesChannel.objects.all(), required=False
    )
    paid_before = forms.DateField(
        label=_("Paid before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Orders paid before this day (store time)."),
    )
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=inventory_selectors.active_warehouses(), required=False
    )

    def paid_before_moment(self) -> dt.datetime | None:
        day = self.cleaned_data.get("paid_before")
        return business_day.bounds(day)[0] if day else None


class BatchShipForm(forms.Form):
    lines = forms.CharField(
        label=_("Parcels"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            "One parcel a line: order number, carrier code or name, tracking number "
            "(separated by commas, tabs or spaces)."
        ),
    )


class ManualOrderForm(forms.Form):
    """An order typed in by hand (phone order, replacement); its lines come in a formset."""

    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=customer_selectors.active_channels(), empty_label=None
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=OrderKind.choices, initial=OrderKind.NORMAL)
    buyer_nickname = forms.CharField(label=_("Buyer nickname"), max_length=100, required=False)
    recipient_name = forms.CharField(label=_("Recipient"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32)
    province = forms.CharField(label=_("Province"), max_length=50)
    city = forms.CharField(label=_("City"), max_length=50)
    address = forms.CharField(label=_("Address"), max_length=300)
    buyer_note = forms.CharField(
        label=_("Buyer note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    shipping_fee = forms.DecimalField(
        label=_("Shipping fee"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.00"),
        initial=Decimal("0.00"),
        required=False,
    )
    coupon_code = forms.CharField(
        label=_("Coupon code"),
        max_length=64,
        required=False,
        help_text=_("Priced with the running promotions; a coupon that does not apply says why."),
    )
    is_paid = forms.BooleanField(label=_("Paid"), required=False, initial=True)


class ManualOrderLineForm(forms.Form):
    sku_code = forms.CharField(label=_("SKU code"), max_length=64, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, required=False, initial=1)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.00"),
        required=False,
        help_text=_("Empty: the SKU's price."),
    )

    def clean(self) -> dict:
        data = super().clean()
        sku_code = (data.get("sku_code") or "").strip()
        data["sku_code"] = sku_code
        data["variant"] = None
        if not sku_code:
            return data
        variant = Variant.objects.select_related("product").filter(sku_code=sku_code).first()
        if variant is None or not variant.is_active:
            self.add_error("sku_code", _("Unknown SKU code “%(sku)s”.") % {"sku": sku_code})
            return data
        data["variant"] = variant
        if not data.get("quantity"):
            data["quantity"] = 1
        if data.get("unit_price") is None:
            data["unit_price"] = variant.price
        return data


class BaseManualLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        if not any(form.cleaned_data.get("variant") for form in self.forms):
            raise forms.ValidationError(_("Add at least one line with a SKU code."))


ManualLineFormSet = forms.formset_factory(
    ManualOrderLineForm, formset=BaseManualLineFormSet, extra=4, max_num=30, validate_max=True
)
