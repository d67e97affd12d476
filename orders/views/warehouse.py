"""Warehouse work: pick the released orders, print pick lists and packing slips, and
ship a batch of parcels by pasting their tracking numbers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders import selectors
from orders.forms import BatchShipForm, WarehouseFilterForm
from orders.importers.shipments import BatchProblem, resolve_text, ship_batch
from storeops.roles import Capability, capability_required

OLDEST_BATCH = 50


def _page_context(request: HttpRequest) -> dict[str, Any]:
    filters = WarehouseFilterForm(request.GET or None)
    queue = selectors.warehouse_queue()
    if filters.is_valid():
        queue = selectors.warehouse_queue(
            channel=filters.cleaned_data["channel"],
            paid_before=filters.paid_before_moment(),
            warehouse=filters.cleaned_data["warehouse"],
        )
    total = queue.count()
    orders = list(queue[: selectors.WAREHOUSE_LIST_LIMIT])
    if request.GET.get("select") == "oldest":
        selected = {order.pk for order in orders[:OLDEST_BATCH]}
    else:
        selected = {int(pk) for pk in request.GET.getlist("order") if pk.isdigit()}
    return {
        "filters": filters,
        "orders": orders,
        "total": total,
        "is_truncated": total > len(orders),
        "selected": selected,
        "oldest_batch": OLDEST_BATCH,
        "ship_form": BatchShipForm(),
        "problems": [],
    }


@require_GET
@capability_required(Capability.SHIP_ORDERS)
def warehouse(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/warehouse/warehouse.html", _page_context(request))


def _selected_orders(request: HttpRequest) -> list:
    ids = [int(pk) for pk in request.GET.getlist("order") if pk.isdigit()]
    return selectors.orders_to_pick(ids)


@require_GET
@capability_required(Capability.SHIP_ORDERS)
def pick_list(request: HttpRequest) -> HttpResponse:
    orders = _selected_orders(request)
    rows = selectors.pick_list(orders)
    return render(
        request,
        "orders/warehouse/pick_list.html",
        {"orders": orders, "rows": rows, "unit_count": sum(row.quantity for row in rows)},
    )


@require_GET
@capability_required(Capability.SHIP_ORDERS)
def packing_slips(request: HttpRequest) -> HttpResponse:
    orders = _selected_orders(request)
    slips = [{"order": order, "lines": selectors.lines_to_pack(order)} for order in orders]
    return render(request, "orders/warehouse/packing_slips.html", {"slips": slips})


@require_POST
@capability_required(Capability.SHIP_ORDERS)
def ship(request: HttpRequest) -> HttpResponse:
    """Ship every pasted parcel or none; a refused batch comes back with its line numbers."""
    form = BatchShipForm(request.POST)
    problems: list[BatchProblem] = []
    if form.is_valid():
        requests, problems = resolve_text(form.cleaned_data["lines"])
        if not problems:
            result = ship_batch(requests=requests, by=request.user)
            problems = result.problems
            if not result.is_refused:
                messages.success(
                    request,
                    _("%(shipped)d parcels shipped, %(unchanged)d already shipped before.")
                    % {"shipped": result.shipped, "unchanged": result.unchanged},
                )
                return redirect("orders:warehouse")
    context = {**_page_context(request), "ship_form": form, "problems": problems}
    return render(request, "orders/warehouse/warehouse.html", context, status=200)
