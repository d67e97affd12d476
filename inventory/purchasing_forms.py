"""Forms of the purchasing pages: filters, the draft with its lines, a delivery, reorder inputs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Supplier
from inventory import reorder
from inventory.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Warehouse
from storeops.money import DECIMAL_PLACES, MAX_DIGITS


def _suppliers() -> Any:
    return Supplier.objects.filter(is_active=True).order_by("code")


class PurchaseOrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *PurchaseOrderStatus.choices],
    )
    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        required=False,
        queryset=Supplier.objects.order_by("code"),
        empty_label=_("All suppliers"),
    )


class PurchaseOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=_suppliers())
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.filter(is_active=True)
    )
    expected_date = forms.DateField(
        label=_("Expected delivery date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_for(cls, order: PurchaseOrder) -> dict[str, Any]:
        return {
            "supplier": order.supplier_id,
            "warehouse": order.warehouse_id,
            "expected_date": order.expected_date,
            "note": order.note,
        }


class PurchaseOrderLineForm(forms.Form):
    sku_code = forms.CharField(label=_("SKU code"), max_length=64)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    unit_cost = forms.DecimalField(
        label=_("Unit cost"),
        required=False,
        min_value=0,
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        help_text=_("Empty: the SKU's current cost price."),
    )

    def __init__(self, *args: Any, with_costs: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_costs:
            del self.fields["unit_cost"]


PurchaseOrderLineFormSet = forms.formset_factory(
    PurchaseOrderLineForm, extra=3, can_delete=True, min_num=0
)


def line_initial(lines: list[PurchaseOrderLine]) -> list[dict[str, Any]]:
    return [
        {
            "sku_code": line.variant.sku_code,
            "quantity": line.quantity_ordered,
            "unit_cost": line.unit_cost,
        }
        for line in lines
    ]


class ReceiveForm(forms.Form):
    """One quantity (and note) per open line, the over-delivery confirmation, a key."""

    allow_over = forms.BooleanField(label=_("Accept more units than ordered"), required=False)
    over_reason = forms.CharField(
        label=_("Reason for the over-delivery"), required=False, max_length=200
    )
    note = forms.CharField(label=_("Delivery note"), required=False, max_length=500)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=150)

    def __init__(self, *args: Any, lines: list[PurchaseOrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                label=line.variant.sku_code, min_value=0, initial=0, required=False
            )
            self.fields[f"note_{line.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=200
            )

    def rows(self) -> list[tuple[PurchaseOrderLine, Any, Any]]:
        return [(line, self[f"quantity_{line.pk}"], self[f"note_{line.pk}"]) for line in self.lines]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReorderForm(forms.Form):
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), required=False, queryset=_suppliers(), empty_label=_("All suppliers")
    )
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"),
        required=False,
        queryset=Warehouse.objects.filter(is_active=True),
        empty_label=_("All warehouses"),
    )
    window_days = forms.IntegerField(
        label=_("Sales window (days)"),
        min_value=1,
        max_value=reorder.MAX_WINDOW_DAYS,
        initial=reorder.DEFAULT_WINDOW_DAYS,
        required=False,
    )
    review_period_days = forms.IntegerField(
        label=_("Review period (days)"),
        min_value=0,
        max_value=reorder.MAX_REVIEW_PERIOD_DAYS,
        initial=reorder.DEFAULT_REVIEW_PERIOD_DAYS,
        required=False,
    )
    show_all = forms.BooleanField(label=_("Show every SKU"), required=False)

    def values(self) -> dict[str, Any]:
        """Cleaned inputs with defaults filled in (call after ``is_valid``)."""
        data = self.cleaned_data
        window = data.get("window_days")
        review = data.get("review_period_days")
        return {
            "supplier": data.get("supplier"),
            "warehouse": data.get("warehouse"),
            "window_days": reorder.DEFAULT_WINDOW_DAYS if window is None else window,
            "review_period_days": (
                reorder.DEFAULT_REVIEW_PERIOD_DAYS if review is None else review
            ),
            "show_all": bool(data.get("show_all")),
        }
