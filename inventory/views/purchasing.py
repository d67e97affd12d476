"""Purchasing pages: purchase orders (list, edit, detail, receive) and reorder suggestions.

Every page needs MANAGE_INVENTORY; unit costs and order values are shown only
to VIEW_COSTS holders. Views parse input, call ``inventory.purchasing`` or
``inventory.reorder`` and render; refused actions come back as messages.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inventory import purchasing, purchasing_selectors, reorder
from inventory.errors import StockError
from inventory.models import PurchaseOrder
from inventory.purchasing_forms import (
    CancelForm,
    PurchaseOrderFilterForm,
    PurchaseOrderForm,
    PurchaseOrderLineFormSet,
    ReceiveForm,
    ReorderForm,
    line_initial,
)
from storeops.exports import Sheet, csv_response, xlsx_response
from storeops.roles import Capability, capability_required, has_capability

PAGE_SIZE = 50


def _with_costs(request: HttpRequest) -> bool:
    return has_capability(request.user, Capability.VIEW_COSTS)


def _error_text(error: StockError) -> str:
    return str(error)


def _get_order(pk: int) -> PurchaseOrder:
    order = purchasing_selectors.purchase_order_detail(pk).first()
    if order is None:
        raise Http404(_("No such purchase order."))
    return order


# -- list and export ------------------------------------------------------------------------


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def purchase_order_list(request: HttpRequest) -> HttpResponse:
    with_costs = _with_costs(request)
    form = PurchaseOrderFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "status": form.cleaned_data.get("status") or "",
            "supplier": form.cleaned_data.get("supplier"),
        }
    orders = purchasing_selectors.purchase_orders(with_costs=with_costs, **filters)
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        return _export(orders, export=export, with_costs=with_costs)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "inventory/purchase_order_list.html",
        {"form": form, "page": page, "with_costs": with_costs, "query": query.urlencode()},
    )


def _export(orders: Any, *, export: str, with_costs: bool) -> HttpResponse:
    headers = [
        _("Number"),
        _("Supplier"),
        _("Warehouse"),
        _("Status"),
        _("Expected delivery date"),
        _("Lines"),
        _("Units ordered"),
        _("Units received"),
        _("Created at"),
        _("Ordered at"),
    ]
    if with_costs:
        headers.append(_("Total cost"))

    def rows() -> Any:
        for order in orders.iterator(chunk_size=2000):
            row = [
                order.number,
                order.supplier.name,
                order.warehouse.code,
                order.get_status_display(),
                order.expected_date,
                order.line_count,
                order.units_ordered,
                order.units_received,
                order.created_at,
                order.ordered_at,
            ]
            if with_costs:
                row.append(order.total_cost)
            yield row

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if export == "csv":
        return csv_response(f"purchase-orders-{stamp}.csv", headers, rows())
    sheet = Sheet(
        title=_("Purchase orders"),
        headers=headers,
        rows=rows(),
        money_columns=[len(headers) - 1] if with_costs else [],
    )
    return xlsx_response(f"purchase-orders-{stamp}.xlsx", [sheet])


# -- create and edit ------------------------------------------------------------------------


def _line_inputs(formset: Any, *, with_costs: bool) -> list[purchasing.PurchaseLineInput]:
    lines = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or not data.get("sku_code"):
            continue
        lines.append(
            purchasing.PurchaseLineInput(
                variant=data["sku_code"].strip(),
                quantity=data["quantity"],
                unit_cost=data.get("unit_cost") if with_costs else None,
            )
        )
    return lines


def _edit_page(
    request: HttpRequest, *, order: PurchaseOrder | None, form: Any, formset: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "inventory/purchase_order_form.html",
        {"order": order, "form": form, "formset": formset, "with_costs": _with_costs(request)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_INVENTORY)
def purchase_order_create(request: HttpRequest) -> HttpResponse:
    with_costs = _with_costs(request)
    if request.method == "GET":
        form = PurchaseOrderForm(initial={"warehouse": _default_warehouse_id()})
        formset = PurchaseOrderLineFormSet(prefix="lines", form_kwargs={"with_costs": with_costs})
        return _edit_page(request, order=None, form=form, formset=formset)
    form = PurchaseOrderForm(request.POST)
    formset = PurchaseOrderLineFormSet(
        request.POST, prefix="lines", form_kwargs={"with_costs": with_costs}
    )
    if form.is_valid() and formset.is_valid():
        try:
            order = purchasing.create_draft(
                supplier=form.cleaned_data["supplier"],
                warehouse=form.cleaned_data["warehouse"],
                expected_date=form.cleaned_data["expected_date"],
                note=form.cleaned_data["note"],
                lines=_line_inputs(formset, with_costs=with_costs),
                by=request.user,
            )
        except StockError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Draft %(number)s saved.") % {"number": order.number})
            return redirect("inventory:purchase-order-detail", pk=order.pk)
    return _edit_page(request, order=None, form=form, formset=formset, status=400)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_INVENTORY)
def purchase_order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    with_costs = _with_costs(request)
    order = _get_order(pk)
    if not order.is_editable:
        messages.error(request, _("Only drafts can be edited."))
        return redirect("inventory:purchase-order-detail", pk=order.pk)
    if request.method == "GET":
        form = PurchaseOrderForm(initial=PurchaseOrderForm.initial_for(order))
        formset = PurchaseOrderLineFormSet(
            prefix="lines",
            initial=line_initial(list(order.lines.all())),
            form_kwargs={"with_costs": with_costs},
        )
        return _edit_page(request, order=order, form=form, formset=formset)
    form = PurchaseOrderForm(request.POST)
    formset = PurchaseOrderLineFormSet(
        request.POST, prefix="lines", form_kwargs={"with_costs": with_costs}
    )
    if form.is_valid() and formset.is_valid():
        try:
            purchasing.update_draft(
                purchase_order=order,
                supplier=form.cleaned_data["supplier"],
                warehouse=form.cleaned_data["warehouse"],
                expected_date=form.cleaned_data["expected_date"],
                note=form.cleaned_data["note"],
                lines=_line_inputs(formset, with_costs=with_costs),
                by=request.user,
            )
        except StockError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Draft %(number)s saved.") % {"number": order.number})
            return redirect("inventory:purchase-order-detail", pk=order.pk)
    return _edit_page(request, order=order, form=form, formset=formset, status=400)


def _default_warehouse_id() -> int | None:
    from inventory.selectors import default_warehouse

    warehouse = default_warehouse()
    return warehouse.pk if warehouse else None


# -- detail and actions ---------------------------------------------------------------------


def _detail_page(
    request: HttpRequest,
    order: PurchaseOrder,
    *,
    receive_form: ReceiveForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    lines = list(order.lines.all())
    open_lines = [line for line in lines if line.quantity_remaining > 0] or lines
    if receive_form is None and order.can_receive:
        receive_form = ReceiveForm(lines=open_lines, initial={"idempotency_key": uuid.uuid4().hex})
    with_costs = _with_costs(request)
    return render(
        request,
        "inventory/purchase_order_detail.html",
        {
            "order": order,
            "lines": lines,
            "total_cost": sum((line.line_total for line in lines), start=0) if with_costs else None,
            "receipts": list(order.receipts.all()),
            "events": list(order.events.all()),
            "receive_form": receive_form if order.can_receive else None,
            "cancel_form": cancel_form or CancelForm(),
            "with_costs": with_costs,
        },
        status=status,
    )


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def purchase_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _get_order(pk))


@require_POST
@capability_required(Capability.MANAGE_INVENTORY)
def purchase_order_place(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_order(pk)
    try:
        purchasing.place_purchase_order(purchase_order=order, by=request.user)
    except StockError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("%(number)s placed with the supplier.") % {"number": order.number}
        )
    return redirect("inventory:purchase-order-detail", pk=order.pk)


@require_POST
@capability_required(Capability.MANAGE_INVENTORY)
def purchase_order_receive(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_order(pk)
    open_lines = [line for line in order.lines.all() if line.quantity_remaining > 0] or list(
        order.lines.all()
    )
    form = ReceiveForm(request.POST, lines=open_lines)
    if form.is_valid():
        data = form.cleaned_data
        try:
            purchasing.receive_delivery(
                purchase_order=order,
                lines=[
                    purchasing.ReceiveLineInput(
                        line=line.pk,
                        quantity=data.get(f"quantity_{line.pk}") or 0,
                        note=data.get(f"note_{line.pk}") or "",
                    )
                    for line in open_lines
                ],
                by=request.user,
                note=data["note"],
                allow_over=data["allow_over"],
                over_reason=data["over_reason"],
                idempotency_key=f"receive-form:{order.pk}:{data['idempotency_key']}",
            )
        except StockError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Delivery booked in."))
            return redirect("inventory:purchase-order-detail", pk=order.pk)
    return _detail_page(request, _get_order(pk), receive_form=form, status=400)


@require_POST
@capability_required(Capability.MANAGE_INVENTORY)
def purchase_order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_order(pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            purchasing.cancel_purchase_order(
                purchase_order=order, by=request.user, reason=form.cleaned_data["reason"]
            )
        except StockError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("%(number)s cancelled.") % {"number": order.number})
        return redirect("inventory:purchase-order-detail", pk=order.pk)
    return _detail_page(request, order, cancel_form=form, status=400)


# -- reorder suggestions --------------------------------------------------------------------


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def reorder_suggestions(request: HttpRequest) -> HttpResponse:
    values: dict[str, Any] | None = None
    if request.GET:
        form = ReorderForm(request.GET)
        if form.is_valid():
            values = form.values()
    else:
        form = ReorderForm()
        defaults = ReorderForm({})
        defaults.is_valid()
        values = defaults.values()
    groups: list[dict[str, Any]] = []
    if values is not None:
        suggestions = reorder.reorder_suggestions(
            supplier=values["supplier"],
            warehouse=values["warehouse"],
            window_days=values["window_days"],
            review_period_days=values["review_period_days"],
            only_actionable=not values["show_all"],
        )
        for suggestion in suggestions:
            if not groups or groups[-1]["supplier_id"] != suggestion.supplier_id:
                groups.append(
                    {
                        "supplier_id": suggestion.supplier_id,
                        "supplier_code": suggestion.supplier_code,
                        "supplier_name": suggestion.supplier_name,
                        "lead_time_days": suggestion.lead_time_days,
                        "rows": [],
                        "units_to_order": 0,
                    }
                )
            groups[-1]["rows"].append(suggestion)
            groups[-1]["units_to_order"] += suggestion.suggested_quantity
    return render(
        request,
        "inventory/reorder.html",
        {
            "form": form,
            "values": values,
            "groups": groups,
            "with_costs": _with_costs(request),
            "low_count": sum(
                1 for group in groups for suggestion in group["rows"] if suggestion.is_low_stock
            ),
        },
        status=200 if values is not None else 400,
    )


@require_POST
@capability_required(Capability.MANAGE_INVENTORY)
def reorder_create_draft(request: HttpRequest) -> HttpResponse:
    form = ReorderForm(request.POST)
    if not form.is_valid() or form.cleaned_data.get("supplier") is None:
        messages.error(request, _("Choose a supplier and valid windows to create a draft."))
        return redirect("inventory:reorder")
    values = form.values()
    try:
        order = reorder.create_draft_from_suggestions(
            supplier=values["supplier"],
            warehouse=values["warehouse"],
            window_days=values["window_days"],
            review_period_days=values["review_period_days"],
            by=request.user,
        )
    except StockError as error:
        messages.error(request, _error_text(error))
        return redirect("inventory:reorder")
    messages.success(
        request, _("Draft %(number)s created from the suggestions.") % {"number": order.number}
    )
    return redirect("inventory:purchase-order-detail", pk=order.pk)
