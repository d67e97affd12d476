"""Stocktake pages: list, open, blind count entry, count sheet, review and posting.

Every page needs MANAGE_INVENTORY; the value of variances at cost is shown
only to VIEW_COSTS holders. While a stocktake is counting, its pages never
show on hand or expected quantities (a blind count). Views parse input, call
``inventory.stocktake`` and render; refused actions come back as messages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inventory import stocktake as stocktake_services
from inventory.errors import StockError
from inventory.models import Stocktake
from inventory.stocktake_forms import CountForm, OpenStocktakeForm, PostStocktakeForm
from storeops.exports import Sheet, csv_response, xlsx_response
from storeops.roles import Capability, capability_required, has_capability

PAGE_SIZE = 50


def _get_stocktake(pk: int) -> Stocktake:
    found = (
        Stocktake.objects.select_related(
            "warehouse", "category", "opened_by", "finished_by", "posted_by", "cancelled_by"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("No such stocktake."))
    return found


def _lines(stocktake: Stocktake) -> list[Any]:
    return list(stocktake.lines.select_related("variant__product", "counted_by"))


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def stocktake_list(request: HttpRequest) -> HttpResponse:
    stocktakes = (
        Stocktake.objects.select_related("warehouse", "opened_by")
        .annotate(
            line_count=Count("lines"),
            counted_count=Count("lines", filter=Q(lines__counted__isnull=False)),
        )
        .order_by("-opened_at", "-id")
    )
    page = Paginator(stocktakes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inventory/stocktake_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_INVENTORY)
def stocktake_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        from inventory.selectors import default_warehouse

        warehouse = default_warehouse()
        form = OpenStocktakeForm(initial={"warehouse": warehouse.pk if warehouse else None})
        return render(request, "inventory/stocktake_form.html", {"form": form})
    form = OpenStocktakeForm(request.POST)
    if form.is_valid():
        try:
            opened = stocktake_services.open_stocktake(
                warehouse=form.cleaned_data["warehouse"],
                category=form.cleaned_data["category"],
                sku_prefix=form.cleaned_data["sku_prefix"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except StockError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Stocktake %(number)s opened.") % {"number": opened.number})
            return redirect("inventory:stocktake-detail", pk=opened.pk)
    return render(request, "inventory/stocktake_form.html", {"form": form}, status=400)


def _detail_page(
    request: HttpRequest,
    stocktake: Stocktake,
    *,
    count_form: CountForm | None = None,
    post_form: PostStocktakeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    with_costs = has_capability(request.user, Capability.VIEW_COSTS)
    context: dict[str, Any] = {"stocktake": stocktake, "with_costs": with_costs}
    if stocktake.is_counting:
        lines = _lines(stocktake)
        context["count_form"] = count_form or CountForm(lines=lines)
        context["counted_count"] = sum(1 for line in lines if line.counted is not None)
        context["line_count"] = len(lines)
    else:
        rows = stocktake_services.review_lines(stocktake, with_costs=with_costs)
        counted = [row for row in rows if row.is_counted]
        context.update(
            {
                "rows": rows,
                "post_form": post_form or PostStocktakeForm(),
                "counted_count": len(counted),
                "line_count": len(rows),
                "total_variance": sum(row.variance for row in counted),
                "total_value": sum((row.value for row in counted), start=0) if with_costs else None,
            }
        )
    return render(request, "inventory/stocktake_detail.html", context, status=status)


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def stocktake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _get_stocktake(pk))


@require_POST
@capability_required(Capability.MANAGE_INVENTORY)
def stocktake_count(request: HttpRequest, pk: int) -> HttpResponse:
    stocktake = _get_stocktake(pk)
    if not stocktake.is_counting:
        messages.error(request, _("Counting on this stocktake has finished."))
        return redirect("inventory:stocktake-detail", pk=stocktake.pk)
    form = CountForm(request.POST, lines=_lines(stocktake))
    if form.is_valid():
        try:
            changed = stocktake_services.record_counts(
                stocktake=stocktake, counts=form.counts(), by=request.user
            )
        except StockError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(count)s counts saved.") % {"count": changed})
            return redirect("inventory:stocktake-detail", pk=stocktake.pk)
    return _detail_page(request, stocktake, count_form=form, status=400)


def _action(request: HttpRequest, pk: int, service: Any, done: str) -> HttpResponse:
    stocktake = _get_stocktake(pk)
    try:
        service(stocktake=stocktake, by=request.user)
    except StockError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done % {"number": stocktake.number})
    return redirect("inventory:stocktake-detail", pk=stocktake.pk)


@require_POST
@capability_required(Capability.MANAGE_INVENTORY)
def stocktake_finish(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        stocktake_services.finish_counting,
        _("Counting on %(number)s finished: review the variances."),
    )


@require_POST
@capability_required(Capability.MANAGE_INVENTORY)
def stocktake_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, stocktake_services.reopen_counting, _("%(number)s is counting again.")
    )


@require_POST
@capability_required(Capability.MANAGE_INVENTORY)
def stocktake_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, stocktake_services.cancel_stocktake, _("%(number)s cancelled."))


@require_POST
@capability_required(Capability.MANAGE_INVENTORY)
def stocktake_post(request: HttpRequest, pk: int) -> HttpResponse:
    stocktake = _get_stocktake(pk)
    form = PostStocktakeForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, stocktake, post_form=form, status=400)
    try:
        stocktake_services.post_stocktake(
            stocktake=stocktake, by=request.user, reason=form.cleaned_data["reason"]
        )
    except StockError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(number)s posted: stock is set to the counts.") % {"number": stocktake.number},
        )
    return redirect("inventory:stocktake-detail", pk=stocktake.pk)


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def stocktake_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The count sheet: one row per SKU with a blank count column, never what is expected."""
    stocktake = _get_stocktake(pk)
    headers = [_("Stocktake"), _("SKU code"), _("Product"), _("Options"), _("Counted")]
    rows = [
        [
            stocktake.number,
            line.variant.sku_code,
            line.variant.product.title,
            line.variant.options_label,
            None,
        ]
        for line in _lines(stocktake)
    ]
    filename = f"{stocktake.number}-count-sheet"
    if request.GET.get("format") == "xlsx":
        sheet = Sheet(title=stocktake.number, headers=headers, rows=rows)
        return xlsx_response(f"{filename}.xlsx", [sheet])
    return csv_response(f"{filename}.csv", headers, rows)
