"""The ad spend page: paid traffic per channel and campaign, charts, budget pacing, CSV;
and the per-order commission of an affiliate channel (淘宝客订单), paginated, with CSV.

Viewing needs VIEW_AD_SPEND (operations manager, marketing); setting a budget
also needs MANAGE_PROMOTIONS.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from promotions import ad_selectors, ad_services
from promotions.ad_selectors import AdFigures, AdReport
from promotions.affiliate_forms import AffiliateOrderFilterForm
from promotions.forms import AdBudgetForm, AdSpendRangeForm
from promotions.models import AffiliateOrder
from storeops import business_day
from storeops.exports import csv_response
from storeops.roles import Capability, capability_required, has_capability

AFFILIATE_PAGE_SIZE = 50


def _money_text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _chart_data(
    report: AdReport, series: dict[int, dict[dt.date, AdFigures]], days: list[dt.date]
) -> dict[str, Any]:
    """What the charts draw; money as strings (the script converts at the edge)."""
    return {
        "days": [day.isoformat() for day in days],
        "spend": [
            {
                "name": str(row.channel),
                "values": [
                    str(series.get(row.channel.pk, {}).get(day, AdFigures()).spend) for day in days
                ],
            }
            for row in report.channels
        ],
        "roas": [
            {"name": str(row.channel), "value": _money_text(row.figures.roas)}
            for row in report.channels
        ],
        "labels": {"spend": _("Spend by channel"), "roas": _("ROAS by channel")},
    }


@require_GET
@capability_required(Capability.VIEW_AD_SPEND)
def ad_spend(request: HttpRequest) -> HttpResponse:
    today = business_day.today()
    form = AdSpendRangeForm(request.GET or None, today=today)
    date_from, date_to, channel = form.range()
    report = ad_selectors.ad_report(date_from=date_from, date_to=date_to, channel=channel)
    series = ad_selectors.daily_spend_by_channel(
        date_from=date_from, date_to=date_to, channel=channel
    )
    days = [
        date_from + dt.timedelta(days=offset) for offset in range((date_to - date_from).days + 1)
    ]
    pacing_month = ad_selectors.month_start(min(date_to, today))
    pacing = ad_selectors.budget_pacing(month=pacing_month, today=today)
    can_budget = has_capability(request.user, Capability.MANAGE_PROMOTIONS)
    budget_form = (
        AdBudgetForm(initial={"month": pacing_month.strftime("%Y-%m")}) if can_budget else None
    )
    query = request.GET.copy()
    return render(
        request,
        "promotions/ad_spend.html",
        {
            "form": form,
            "date_from": date_from,
            "date_to": date_to,
            "report": report,
            "chart_data": _chart_data(report, series, days),
            "pacing": pacing,
            "pacing_month": pacing_month,
            "has_over_pace": any(row.is_over_pace for row in pacing),
            "budget_form": budget_form,
            "query": query.urlencode(),
        },
    )


def _csv_cells(channel: str, campaign: str, figures: AdFigures) -> list[Any]:
    return [
        channel,
        campaign,
        figures.impressions,
        figures.clicks,
        figures.spend,
        figures.attributed_orders,
        figures.attributed_sales,
        figures.ctr,
        figures.cpc,
        figures.conversion,
        figures.roas,
        figures.cost_per_order,
    ]


@require_GET
@capability_required(Capability.VIEW_AD_SPEND)
def ad_spend_export(request: HttpRequest) -> HttpResponse:
    form = AdSpendRangeForm(request.GET or None, today=business_day.today())
    date_from, date_to, channel = form.range()
    report = ad_selectors.ad_report(date_from=date_from, date_to=date_to, channel=channel)
    headers = [
        _("Ad channel"),
        _("Campaign"),
        _("Impressions"),
        _("Clicks"),
        _("Spend"),
        _("Attributed orders"),
        _("Attributed sales"),
        _("CTR"),
        _("CPC"),
        _("Conversion"),
        _("ROAS"),
        _("Cost per order"),
    ]
    rows: list[list[Any]] = []
    for row in report.channels:
        rows.append(_csv_cells(str(row.channel), _("All campaigns"), row.figures))
        for campaign in row.campaigns:
            rows.append(
                _csv_cells(
                    str(row.channel), campaign.campaign or _("Channel total"), campaign.figures
                )
            )
    rows.append(_csv_cells(_("Total"), "", report.total))
    filename = f"ad-spend-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    return csv_response(filename, headers, rows)


@require_POST
@capability_required(Capability.VIEW_AD_SPEND, Capability.MANAGE_PROMOTIONS)
def ad_budget_set(request: HttpRequest) -> HttpResponse:
    form = AdBudgetForm(request.POST)
    target = reverse("promotions:ad-spend")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(target)
    data = form.cleaned_data
    ad_services.set_ad_budget(
        month=data["month"], channel=data["channel"], amount=data["amount"], by=request.user
    )
    messages.success(
        request,
        _("Budget of %(channel)s for %(month)s set to %(amount)s.")
        % {
            "channel": data["channel"],
            "month": data["month"].strftime("%Y-%m"),
            "amount": data["amount"],
        },
    )
    return redirect(target)


# -- affiliate (淘宝客) orders ----------------------------------------------------------------


def _affiliate_query(request: HttpRequest) -> tuple[AffiliateOrderFilterForm, dict[str, Any]]:
    form = AffiliateOrderFilterForm(request.GET or None, today=business_day.today())
    return form, form.filters()


@require_GET
@capability_required(Capability.VIEW_AD_SPEND)
def affiliate_orders(request: HttpRequest) -> HttpResponse:
    """One affiliate channel's orders, newest first, with totals over every page.

    An order is named by its sales channel and order number (promotions sit below
    orders); staff who may use the order console get a link that finds it there.
    """
    form, filters = _affiliate_query(request)
    orders = ad_selectors.affiliate_orders(**filters)
    page = Paginator(orders, AFFILIATE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "promotions/affiliate_orders.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "totals": ad_selectors.affiliate_totals(orders),
            "query": query.urlencode(),
            "can_open_orders": has_capability(request.user, Capability.USE_ORDER_CONSOLE),
            "store_timezone": str(business_day.store_zone()),
        },
    )


def _affiliate_cells(order: AffiliateOrder) -> list[Any]:
    paid_at = timezone.localtime(order.paid_at, business_day.store_zone())
    return [
        order.paid_on,
        paid_at.strftime("%Y-%m-%d %H:%M:%S"),
        order.channel.name,
        order.order_no,
        order.campaign,
        order.order_amount,
        order.commission_rate,
        order.commission,
        order.get_status_display(),
    ]


@require_GET
@capability_required(Capability.VIEW_AD_SPEND)
def affiliate_orders_export(request: HttpRequest) -> HttpResponse:
    """The filtered orders as CSV (every page), with a total row."""
    _form, filters = _affiliate_query(request)
    orders = ad_selectors.affiliate_orders(**filters)
    totals = ad_selectors.affiliate_totals(orders)
    headers = [
        _("Business day"),
        _("Paid at"),
        _("Sales channel"),
        _("Order number"),
        _("Promotion slot"),
        _("Order amount"),
        _("Commission rate"),
        _("Commission"),
        _("Status"),
    ]

    # Built now: the rows are streamed after the view has returned.
    total_row = [_("Total"), "", "", totals.orders, "", totals.order_amount, "", totals.commission]

    def rows() -> Any:
        for order in orders.iterator(chunk_size=2000):
            yield _affiliate_cells(order)
        yield [*total_row, ""]

    filename = (
        f"affiliate-orders-{filters['date_from'].isoformat()}-{filters['date_to'].isoformat()}.csv"
    )
    return csv_response(filename, headers, rows())
