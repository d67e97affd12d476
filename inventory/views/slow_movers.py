"""Slow movers and clearance candidates (MANAGE_INVENTORY): the page, its CSV and
its XLSX. Value at cost shows only for VIEW_COSTS holders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from inventory import selectors
from inventory import slow_movers as figures
from storeops import exports
from storeops.roles import Capability, capability_required, has_capability

PAGE_SIZE = 50


class SlowMoverForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    warehouse = forms.ModelChoiceField(
        label=gettext_lazy("Warehouse"),
        queryset=selectors.active_warehouses(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All warehouses"),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Sales window (days)"),
        min_value=1,
        max_value=365,
        required=False,
        initial=figures.DEFAULT_DAYS,
    )
    clearance = forms.BooleanField(
        label=gettext_lazy("Clearance candidates only"),
        required=False,
        help_text=gettext_lazy(
            "Season over, and more days of cover than the threshold or no sale in 60 days."
        ),
    )
    cover = forms.IntegerField(
        label=gettext_lazy("Days of cover threshold"),
        min_value=1,
        max_value=3650,
        required=False,
        initial=figures.DEFAULT_COVER_THRESHOLD,
    )

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "warehouse": data.get("warehouse"),
            "days": data.get("days") or figures.DEFAULT_DAYS,
            "clearance": bool(data.get("clearance")),
            "cover_threshold": data.get("cover") or figures.DEFAULT_COVER_THRESHOLD,
            "search": data.get("q") or "",
        }


def _headers(with_costs: bool) -> list[str]:
    headers = [
        _("SKU code"),
        _("Product"),
        _("Options"),
        _("Season"),
        _("On hand"),
        _("Units sold"),
        _("Units per day"),
        _("Days of cover"),
        _("Days since last sale"),
        _("Stock age (days)"),
    ]
    if with_costs:
        headers.append(_("Value at cost"))
    return headers


def _export_rows(rows: list[figures.SlowMover], with_costs: bool) -> Iterator[list[Any]]:
    for row in rows:
        values = [
            row.variant.sku_code,
            row.variant.product.title,
            row.variant.options_text,
            row.variant.product.get_season_display(),
            row.on_hand,
            row.sold_units,
            row.daily_velocity,
            row.days_of_cover if row.days_of_cover is not None else _("no sales"),
            row.days_since_last_sale if row.days_since_last_sale is not None else _("never"),
            row.stock_age_days,
        ]
        if with_costs:
            values.append(row.value_at_cost)
        yield values


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def slow_movers(request: HttpRequest) -> HttpResponse:
    with_costs = has_capability(request.user, Capability.VIEW_COSTS)
    form = SlowMoverForm(request.GET or None)
    options = form.options()
    variants = figures.slow_movers(with_costs=with_costs, **options)
    export = request.GET.get("export", "")
    if export in ("csv", "xlsx"):
        rows = figures.describe(variants.iterator(chunk_size=2000), days=options["days"])
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        headers = _headers(with_costs)
        if export == "xlsx":
            sheet = exports.Sheet(
                title=_("Slow movers"),
                headers=headers,
                rows=_export_rows(rows, with_costs),
                money_columns=[len(headers) - 1] if with_costs else [],
            )
            return exports.xlsx_response(f"slow-movers-{stamp}.xlsx", [sheet])
        return exports.csv_response(
            f"slow-movers-{stamp}.csv", headers, _export_rows(rows, with_costs)
        )
    page = Paginator(variants, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = figures.describe(page.object_list, days=options["days"])
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "inventory/slow_movers.html",
        {
            "form": form,
            "page": page,
            "with_costs": with_costs,
            "days": options["days"],
            "current_season": figures.current_season(),
            "query": query.urlencode(),
        },
    )
